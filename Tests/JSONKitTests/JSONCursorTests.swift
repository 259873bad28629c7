import Testing
@testable import JSONKit

@Suite struct JSONCursorTests {
    func parse(_ s: String) throws(JSONSyntaxError) -> JSONValue { try JSONValue.parse(Array(s.utf8)) }

    func error(_ s: String) -> JSONSyntaxError? {
        do {
            _ = try parse(s)
            return nil
        } catch {
            return error
        }
    }

    @Test func parsesObjectsInSourceOrderAndKeepsNumberText() throws {
        let v = try parse(#"{"b": 0.010, "a": [1, -2e3, true, null], "s": "x"}"#)
        #expect(v.objectValue?.members.map(\.key) == ["b", "a", "s"])
        #expect(v["b"]?.numberValue?.text == "0.010")
        #expect(v["a"]?.arrayValue.count == 4)
        #expect(v["a"]?.arrayValue[1].numberValue?.double == -2000)
    }

    @Test func decodesEscapesAndSurrogatePairs() throws {
        let v = try parse(#""a\"b\\c\n\u00e9\ud83d\ude00""#)
        #expect(v.stringValue == "a\"b\\c\né😀")
    }

    @Test func acceptsNonASCIIUTF8() throws {
        #expect(try parse(#""Adán 中文""#).stringValue == "Adán 中文")
    }

    @Test func rejectsInvalidUTF8WithItsOffset() {
        let bytes: [UInt8] = Array(#"{"a": ""#.utf8) + [0xC3, 0x28] + Array(#""}"#.utf8)
        do {
            _ = try JSONValue.parse(bytes)
            Issue.record("invalid UTF-8 was accepted")
        } catch {
            #expect(error.kind == .invalidUTF8)
            #expect(error.offset == 7)
        }
    }

    @Test func rejectsLoneSurrogatesAndBadEscapes() {
        #expect(error(#""\ud800""#)?.kind == .invalidEscape)
        #expect(error(#""\x""#)?.kind == .invalidEscape)
    }

    @Test func rejectsMalformedDocuments() {
        #expect(error(#"{"a": 1,}"#) != nil)
        #expect(error(#"{"a" 1}"#) != nil)
        #expect(error("[1 2]") != nil)
        #expect(error("01") != nil)
        #expect(error("{}{}")?.kind == .trailingContent)
        #expect(error("   ")?.kind == .emptyInput)
        #expect(error("\"abc")?.kind == .unexpectedEnd)
        #expect(error("\"a\u{01}b\"")?.kind == .controlCharacterInString)
    }

    @Test func limitsNestingDepthInsteadOfOverflowingTheStack() {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(error(deep)?.kind == .tooDeep(limit: 256))
        var skipper = Array(deep.utf8)
        let result: JSONSyntaxError? = skipper.withUnsafeBufferPointer { buffer -> JSONSyntaxError? in
            var cursor = JSONCursor(buffer, maxDepth: 64)
            do throws(JSONSyntaxError) {
                try cursor.skipValue()
                return nil
            } catch {
                return error
            }
        }
        skipper.removeAll()
        #expect(result?.kind == .tooDeep(limit: 64))
    }

    /// Strings are read eight bytes at a time where they need no attention, so escapes, control
    /// characters, non-ASCII and invalid UTF-8 are put at every position of strings of every
    /// length around that word size, each read back or rejected at its own offset.
    @Test func stringsAreReadAtEveryPositionOfAWord() {
        for length in 0..<20 {
            for filler in ["a", "é", " "] {
                let plain = String(repeating: filler, count: length)
                for position in 0...length {
                    for special in ["\"", "\\", "\n", "\u{1}", "ü", "😀", "/"] {
                        var scalars = Array(plain)
                        scalars.insert(Character(special), at: position)
                        let text = String(scalars)
                        let json = String(decoding: JSONWriter.serialize(.string(text)), as: UTF8.self)
                        #expect((try? parse(json))?.stringValue == text, "\(length) \(position)")
                        // Skipped inside an object, the string must end where it ends.
                        #expect(skipError("{\"k\": \(json), \"n\": [\(json)]}") == nil, "\(length) \(position)")
                    }
                    let prefix = Array(plain.utf8.prefix(position))
                    let control = [UInt8(ascii: "\"")] + prefix + [0x01] + [UInt8(ascii: "\"")]
                    let e = parseError(control)
                    #expect(e?.kind == .controlCharacterInString && e?.offset == prefix.count + 1, "\(length) \(position)")
                    let invalid = [UInt8(ascii: "\"")] + prefix + [0xFF] + Array(plain.utf8.dropFirst(position)) + [UInt8(ascii: "\"")]
                    #expect(parseError(invalid)?.kind == .invalidUTF8)
                }
            }
        }
    }

    /// Skipping keeps its brackets' closers as bits for 64 levels and in an array beyond: a
    /// mismatch is found at its offset above and below that line, and maxDepth still holds.
    @Test func skippingMatchesBracketsAboveAndBelowSixtyFourLevels() {
        for depth in [1, 2, 63, 64, 65, 66, 130] {
            let opens = (0..<depth).map { $0 % 3 == 0 ? "[" : "{\"k\":" }
            let closes = (0..<depth).reversed().map { $0 % 3 == 0 ? "]" : "}" }
            let good = opens.joined() + "1" + closes.joined()
            #expect(skipError(good) == nil, "\(depth)")
            for wrong in [0, depth / 2, depth - 1] {
                var bad = closes
                bad[wrong] = bad[wrong] == "]" ? "}" : "]"
                let text = opens.joined() + "1" + bad.joined()
                let offset = (opens.joined() + "1" + closes[..<wrong].joined()).utf8.count
                let e = skipError(text)
                #expect(e?.offset == offset, "\(depth) \(wrong)")
                #expect(e.map { if case .unexpectedByte = $0.kind { true } else { false } } == true)
            }
        }
        #expect(skipError(String(repeating: "[", count: 65) + String(repeating: "]", count: 65), maxDepth: 64)?.kind
                == .tooDeep(limit: 64))
        #expect(skipError(String(repeating: "[", count: 64) + String(repeating: "]", count: 64), maxDepth: 64) == nil)
        #expect(skipError("[[1]")?.kind == .unexpectedEnd)
        #expect(skipError("[1]]") == nil)  // skipValue stops after its value
    }

    func parseError(_ bytes: [UInt8]) -> JSONSyntaxError? {
        do {
            _ = try JSONValue.parse(bytes)
            return nil
        } catch {
            return error
        }
    }

    func skipError(_ text: String, maxDepth: Int = 256) -> JSONSyntaxError? {
        let bytes = Array(text.utf8)
        return bytes.withUnsafeBufferPointer { buffer -> JSONSyntaxError? in
            var cursor = JSONCursor(buffer, maxDepth: maxDepth)
            do throws(JSONSyntaxError) {
                try cursor.skipValue()
                return nil
            } catch {
                return error
            }
        }
    }

    @Test func skipsValuesWithoutDecodingThem() throws {
        let text = #"{"skip": {"x": ["a", "b\"}", {"y": 1}]}, "keep": 2}"#
        let bytes = Array(text.utf8)
        let kept: JSONValue? = try bytes.withUnsafeBufferPointer { buffer throws(JSONSyntaxError) in
            var cursor = JSONCursor(buffer)
            try cursor.enterObject()
            var first = true
            var result: JSONValue? = nil
            while let key = try cursor.nextKey(first: first) {
                first = false
                if key.equals("keep", in: buffer) { result = try cursor.parseValue() } else { try cursor.skipValue() }
            }
            return result
        }
        #expect(kept?.numberValue?.int == 2)
    }

    @Test func peeksResourceTypeWhereverItIs() throws {
        let text = #"{"id": "1", "meta": {"resourceType": "nope"}, "resourceType": "Claim"}"#
        let bytes = Array(text.utf8)
        let type = try bytes.withUnsafeBufferPointer { buffer throws(JSONSyntaxError) in
            try JSONCursor(buffer).peekStringMember("resourceType")
        }
        #expect(type == "Claim")
    }

    @Test func locatesErrorsByLineColumnAndPath() {
        let text = "{\n  \"entry\": [\n    {\"resource\": {\"code\": tru}}\n  ]\n}"
        guard let e = error(text) else {
            Issue.record("no error")
            return
        }
        let location = Array(text.utf8).withUnsafeBufferPointer { JSONLocation.locate(offset: e.offset, in: $0) }
        #expect(location.line == 3)
        #expect(location.column == 27)
        #expect(location.path == "$.entry[0].resource.code")
    }

    @Test func errorMessagesNeverQuoteTheInput() {
        let e = error(#"{"name": Smith}"#)
        #expect(e != nil)
        #expect(!(e?.description.contains("Smith") ?? true))
    }

    @Test func writerIsDeterministicAndRoundTrips() throws {
        let value: JSONValue = ["b": "é\"\n", "a": [1, true, .null], "n": .number(JSONNumber(text: "0.010"))]
        let compact = JSONWriter.string(value)
        #expect(compact == #"{"b":"é\"\n","a":[1,true,null],"n":0.010}"#)
        #expect(try parse(compact) == value)
        #expect(try parse(JSONWriter.string(value, style: .pretty)) == value)
    }

    /// Containers wider and deeper than the parse's shared stacks start with (32), open inside
    /// one another, so that the stacks grow while outer containers still hold members: the tree
    /// comes back as built, member for member and in order. The expected tree is made here and
    /// written by JSONWriter, not parsed from text written by hand.
    @Test func wideAndDeepContainersComeBackWhole() throws {
        func object(_ width: Int, _ depth: Int, _ tag: Int) -> JSONValue {
            var members: [JSONObject.Member] = []
            for i in 0..<width {
                let value: JSONValue = switch i % 4 {
                case 0 where depth > 0: object(width / 2 + 1, depth - 1, tag * 31 + i)
                case 1: .array((0..<(i + 3 * depth)).map { j in j % 2 == 0 ? .number(JSONNumber(text: "\(tag)\(j)")) : object(2, 0, j) })
                case 2: .string("s\(tag)-\(i) – \(String(repeating: "x", count: i))")
                default: i % 3 == 0 ? .null : .bool(i % 2 == 0)
                }
                members.append(JSONObject.Member(key: "k\(i)", value: value))
            }
            return .object(JSONObject(members: members))
        }
        let expected: JSONValue = .array([object(70, 3, 1), .array([]), .object(JSONObject()), object(33, 4, 2)])
        let parsed = try JSONValue.parse(JSONWriter.serialize(expected))
        #expect(parsed == expected)
        #expect(parsed.arrayValue[0].objectValue?.members.count == 70)
        #expect(parsed.arrayValue[0]["k4"]?.objectValue?.members.map(\.key) == (0..<36).map { "k\($0)" })
    }

    /// A duplicate is a repeated name among one object's own members: a nested object's names
    /// do not count, in small objects and in large ones (which are checked with a set).
    @Test func duplicatesAreFoundPerObject() throws {
        func firstDuplicate(_ s: String) throws -> Int? {
            let bytes = Array(s.utf8)
            return try bytes.withUnsafeBufferPointer { buffer in
                var cursor = JSONCursor(buffer)
                _ = try cursor.parseValue()
                return cursor.firstDuplicateKey
            }
        }
        #expect(try firstDuplicate(#"{"a":{"a":1,"b":[{"a":2}]},"b":2}"#) == nil)
        #expect(try firstDuplicate(#"{"a":1,"o":{"a":2,"p":[{"a":3,"o":4}]}}"#) == nil)
        #expect(try firstDuplicate(#"{"a":{"b":1},"c":[{"b":2}],"a":2}"#) == 27)
        #expect(try firstDuplicate(#"{"a":{"b":1,"c":0,"b":2}}"#) == 18)
        let many = (0..<40).map { "\"m\($0)\":\($0)" }.joined(separator: ",")
        let nested = "{\(many),\"o\":{\(many)}}"
        #expect(try firstDuplicate(nested) == nil)
        let repeated = "{\(many),\"o\":{\(many)},\"m39\":0}"
        #expect(try firstDuplicate(repeated) == repeated.utf8.count - 8)
    }

    /// A parse that fails deep inside open containers throws its error and leaves the cursor
    /// usable: the next parse of the same cursor starts clean (what was half built is released;
    /// the sanitizer run checks that nothing leaks).
    @Test func aFailedParseLeavesNothingBehind() throws {
        let bytes = Array(#"{"a":[{"b":[1,2,{"c":"x"}]},{"d":tru}]} {"e":[1]}"#.utf8)
        let second = try bytes.withUnsafeBufferPointer { buffer throws(JSONSyntaxError) in
            var cursor = JSONCursor(buffer)
            #expect(throws: JSONSyntaxError.self) { _ = try cursor.parseValue() }
            cursor.offset = bytes.firstIndex(of: UInt8(ascii: " "))!
            return try cursor.parseValue()
        }
        #expect(second == .object(JSONObject(members: [.init(key: "e", value: .array([.number(JSONNumber(text: "1"))]))])))
    }
}
