import Testing
@testable import JSONKit

/// The tape (and so `parseValue`, which reads through it) against the tree parser it replaced
/// (ReferenceParser): the same value, the same errors at the same offsets, the same first repeated
/// name, and member look-ups that find what the tree's do.
@Suite struct JSONTapeTests {
    /// What each reader made of a text: the value (or error), where it stopped, the repeated name.
    struct Outcome: Equatable {
        var value: JSONValue?
        var error: JSONSyntaxError?
        var offset: Int
        var duplicate: Int?
    }

    static func byTree(_ bytes: [UInt8], maxDepth: Int = 8, maxStringBytes: Int = .max) -> Outcome {
        bytes.withUnsafeBufferPointer { b in
            var c = JSONCursor(b, maxDepth: maxDepth, maxStringBytes: maxStringBytes)
            do throws(JSONSyntaxError) {
                let v = try c.referenceParseValue()
                return Outcome(value: v, offset: c.offset, duplicate: c.firstDuplicateKey)
            } catch {
                return Outcome(error: error, offset: c.offset, duplicate: c.firstDuplicateKey)
            }
        }
    }

    static func byParseValue(_ bytes: [UInt8], maxDepth: Int = 8, maxStringBytes: Int = .max) -> Outcome {
        bytes.withUnsafeBufferPointer { b in
            var c = JSONCursor(b, maxDepth: maxDepth, maxStringBytes: maxStringBytes)
            do throws(JSONSyntaxError) {
                let v = try c.parseValue()
                return Outcome(value: v, offset: c.offset, duplicate: c.firstDuplicateKey)
            } catch {
                return Outcome(error: error, offset: c.offset, duplicate: c.firstDuplicateKey)
            }
        }
    }

    static func byTape(_ bytes: [UInt8], tape: inout JSONTape, maxDepth: Int = 8, maxStringBytes: Int = .max) -> Outcome {
        bytes.withUnsafeBufferPointer { b in
            var c = JSONCursor(b, maxDepth: maxDepth, maxStringBytes: maxStringBytes)
            do throws(JSONSyntaxError) {
                try c.parse(into: &tape)
                return Outcome(value: tape.withRoot(in: b) { $0.tree }, offset: c.offset, duplicate: c.firstDuplicateKey)
            } catch {
                return Outcome(error: error, offset: c.offset, duplicate: c.firstDuplicateKey)
            }
        }
    }

    /// Member names that make look-ups and the duplicate check hard: escapes that spell an ASCII
    /// name, canonical equivalents (the Kelvin sign is K; é precomposed and decomposed), names
    /// that share a length and their first and last bytes, the empty name.
    static let names: [String] = [
        #""code""#, #""\u0063ode""#, #""c\u006fde""#, #""cide""#, #""coda""#, #""system""#, #""K""#, #""\u212A""#, "\"\u{212A}\"",
        "\"caf\u{E9}\"", "\"cafe\u{301}\"", #""caf\u00e9""#, #""""#, #""a""#, #""valueQuantity""#, #""valueString""#,
        #""valueBoolean""#, #""value""#, #""text""#, #""id""#, #""\"q\"""#,
    ]

    static let scalars: [String] = [
        "1", "-0.010", "2e5", "0", "true", "false", "null", #""x""#, #""\n\t\"\\""#, #""\ud83d\ude00""#, "\"h\u{E9}\"",
        #""urn:uuid:5f8e-1""#, #""""#,
    ]

    /// A random JSON text, whitespace included.
    static func text(_ rng: inout SplitMix, depth: Int) -> String {
        let space = [" ", "", "\n", "\t", "  "]
        func ws() -> String { space[Int(rng.next(UInt64(space.count)))] }
        let pick = depth > 6 ? 2 : rng.next(5)
        switch pick {
        case 0:
            let n = Int(rng.next(rng.next(4) == 0 ? 24 : 6))
            var parts: [String] = []
            for _ in 0..<n {
                let name = names[Int(rng.next(UInt64(names.count)))]
                parts.append(ws() + name + ws() + ":" + ws() + text(&rng, depth: depth + 1) + ws())
            }
            return "{" + parts.joined(separator: ",") + ws() + "}"
        case 1:
            let n = Int(rng.next(5))
            return "[" + (0..<n).map { _ in ws() + text(&rng, depth: depth + 1) + ws() }.joined(separator: ",") + "]"
        default:
            return scalars[Int(rng.next(UInt64(scalars.count)))]
        }
    }

    /// Damage that breaks a text in every way the parser reports: cut short, a byte replaced,
    /// a byte inserted.
    static func damaged(_ bytes: [UInt8], _ rng: inout SplitMix) -> [UInt8] {
        guard !bytes.isEmpty else { return bytes }
        var b = bytes
        let at = Int(rng.next(UInt64(b.count)))
        let junk: [UInt8] = [0x00, 0x01, 0x22, 0x5C, 0x7B, 0x7D, 0x5B, 0x5D, 0x2C, 0x3A, 0x75, 0xFF, 0xC3, 0x30, 0x2D, 0x65]
        switch rng.next(3) {
        case 0: b.removeSubrange(at...)
        case 1: b[at] = junk[Int(rng.next(UInt64(junk.count)))]
        default: b.insert(junk[Int(rng.next(UInt64(junk.count)))], at: at)
        }
        return b
    }

    @Test func randomTextsReadAsTheTreeReadsThem() {
        var rng = SplitMix(seed: 20261202)
        var tape = JSONTape()
        var duplicates = 0, errors = 0
        for round in 0..<3000 {
            let good = Array(Self.text(&rng, depth: 0).utf8)
            for bytes in [good, Self.damaged(good, &rng), Self.damaged(Self.damaged(good, &rng), &rng)] {
                let limit = rng.next(4) == 0 ? 3 : Int.max
                let tree = Self.byTree(bytes, maxStringBytes: limit)
                #expect(Self.byTape(bytes, tape: &tape, maxStringBytes: limit) == tree, "round \(round)")
                #expect(Self.byParseValue(bytes, maxStringBytes: limit) == tree, "round \(round)")
                if tree.duplicate != nil { duplicates += 1 }
                if tree.error != nil { errors += 1 }
            }
        }
        // The texts did exercise both: repeated names and every kind of damage.
        #expect(duplicates > 300)
        #expect(errors > 1000)
    }

    @Test func tooDeepFailsWhereTheTreeFails() {
        var tape = JSONTape()
        for depth in 6...10 {
            let bytes = Array((String(repeating: #"{"a":["#, count: depth) + "1" + String(repeating: "]}", count: depth)).utf8)
            #expect(Self.byTape(bytes, tape: &tape, maxDepth: 12) == Self.byTree(bytes, maxDepth: 12))
        }
    }

    /// Every object's look-up of every name (present or not) gives the tree's first member of
    /// that name; arrays give their elements, scalars their values.
    @Test func lookUpsFindTheTreesMembers() {
        var rng = SplitMix(seed: 7)
        var tape = JSONTape()
        let asked = ["code", "cide", "coda", "system", "K", "a", "", "valueQuantity", "value", "text", "id", "absent", "\"q\""]
        var found = 0
        func check(_ node: JSONNode, _ value: JSONValue) {
            #expect(node.typeName == value.typeName)
            #expect(node.stringValue == value.stringValue)
            #expect(node.boolValue == value.boolValue)
            #expect(node.numberValue == value.numberValue)
            #expect(node.isNull == (value == .null))
            #expect(node.isArray == value.isArray)
            #expect((node.objectValue != nil) == (value.objectValue != nil))
            #expect(node.firstStringByte == value.stringValue?.utf8.first)
            if let o = value.objectValue {
                for name in asked {
                    #expect(node[name]?.tree == o[name], "\(name)")
                    if o[name] != nil { found += 1 }
                }
                #expect(node.members.map { $0.name.stringValue! } == o.members.map(\.key))
                for (m, t) in zip(node.members, o.members) { check(m.value, t.value) }
            } else {
                #expect(node["code"] == nil)
                #expect(Array(node.members).isEmpty)
            }
            #expect(Array(node.elements).count == value.arrayValue.count)
            for (e, t) in zip(node.elements, value.arrayValue) { check(e, t) }
            #expect(node.single.map(\.tree) == [value])
        }
        for _ in 0..<1500 {
            let bytes = Array(Self.text(&rng, depth: 0).utf8)
            bytes.withUnsafeBufferPointer { b in
                var c = JSONCursor(b, maxDepth: 64)
                guard let tree = try? c.referenceParseValue() else { return }
                var t = JSONCursor(b, maxDepth: 64)
                guard (try? t.parse(into: &tape)) != nil else {
                    Issue.record("the tape failed where the tree did not")
                    return
                }
                tape.withRoot(in: b) { check($0, tree) }
            }
        }
        #expect(found > 1000)
    }

    @Test func namesMatchAsSwiftStringsDo() throws {
        var tape = JSONTape()
        let bytes = Array(#"{"\u0063ode": 1, "caf\u00e9": 2, "K": 3, "x": {"\u212A": 4}}"#.utf8)
        try bytes.withUnsafeBufferPointer { b in
            var c = JSONCursor(b)
            try c.parse(into: &tape)
            #expect(c.firstDuplicateKey == nil)
            tape.withRoot(in: b) { root in
                #expect(root["code"]?.numberValue?.text == "1")
                #expect(root["K"]?.numberValue?.text == "3")
                #expect(root["x"]?["K"]?.numberValue?.text == "4")
                #expect(root["cafe"] == nil)
                #expect(root["x"]?["k"] == nil)
            }
        }
        // The Kelvin sign equals K, and an escape spells what it decodes to: both repeat a name.
        for text in [#"{"K": 1, "\u212A": 2}"#, "{\"\u{212A}\": 1, \"K\": 2}", #"{"code": 1, "\u0063ode": 2}"#,
                     "{\"caf\u{E9}\": 1, \"cafe\u{301}\": 2}"] {
            let bytes = Array(text.utf8)
            let tree = Self.byTree(bytes)
            #expect(tree.duplicate != nil, "\(text)")
            #expect(Self.byTape(bytes, tape: &tape) == tree, "\(text)")
        }
    }

    /// Objects of more than 16 members take the tree's set path: the repeat is found as far in.
    @Test func largeObjectsFindTheRepeat() {
        var tape = JSONTape()
        for repeatAt in [0, 5, 15, 16, 17, 40] {
            var members = (0..<50).map { "\"m\($0)\": \($0)" }
            members.insert("\"m\(repeatAt)\": 0", at: 45)
            let bytes = Array(("{" + members.joined(separator: ",") + "}").utf8)
            let tree = Self.byTree(bytes)
            #expect(tree.duplicate != nil)
            #expect(Self.byTape(bytes, tape: &tape) == tree)
        }
    }
}
