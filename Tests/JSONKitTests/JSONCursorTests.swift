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
}
