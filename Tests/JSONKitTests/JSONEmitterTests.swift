import Testing
@testable import JSONKit

/// The emitter writes, call by call, what the writer writes for the tree the calls describe:
/// compact is RFC 8259 without a space; pretty puts every element on a line of its own, two
/// spaces a level, `": "` after names, and empty containers as `{}` and `[]`.
@Suite struct JSONEmitterTests {
    @Test func callsGiveTheWrittenDocument() {
        for style in [JSONWriter.Style.compact, .pretty] {
            for indent in 0..<3 {
                var e = JSONEmitter(style: style, indent: indent)
                e.beginObject()
                e.name(escaping: "a\"b")
                e.beginArray()
                e.number(JSONNumber(text: "0.010")); e.bool(true); e.null(); e.string("x\ny")
                e.beginObject(); e.endObject(); e.beginArray(); e.endArray()
                e.endArray()
                e.name("empty"); e.beginObject(); e.endObject()
                e.name("none"); e.beginArray(); e.endArray()
                e.name("n"); e.integer(-12)
                e.name("id"); e.beginString(); e.append("fact-"); e.append(escaping: "é\u{1}"); e.endString()
                e.endObject()
                let tree = JSONValue.object(JSONObject(members: [
                    .init(key: "a\"b", value: .array([.number(JSONNumber(text: "0.010")), .bool(true), .null, .string("x\ny"),
                                                      .object(JSONObject()), .array([])])),
                    .init(key: "empty", value: .object(JSONObject())), .init(key: "none", value: .array([])),
                    .init(key: "n", value: .number(JSONNumber(text: "-12"))),
                    .init(key: "id", value: .string("fact-é\u{1}")),
                ]))
                #expect(e.bytes() == ReferenceWriter.serialize(tree, pretty: style == .pretty, indent: indent))
            }
        }
    }

    /// Nested `indent` levels deep, as an entry of a Bundle's `entry` array is: the first line
    /// is not indented (it follows what came before), the rest are, by two spaces a level.
    @Test func aValueNestedDeepIsIndentedFromItsLevel() {
        var e = JSONEmitter(style: .pretty, indent: 2)
        e.beginObject()
        e.name("a"); e.beginArray(); e.integer(1); e.beginArray(); e.endArray(); e.beginObject(); e.endObject(); e.endArray()
        e.name("b"); e.string("c")
        e.endObject()
        #expect(String(decoding: e.bytes(), as: UTF8.self) == "{\n      \"a\": [\n        1,\n        [],\n        {}\n      ],\n      \"b\": \"c\"\n    }")
        var c = JSONEmitter(style: .compact, indent: 2)
        c.beginArray(); c.integer(1); c.string("a"); c.endArray()
        #expect(String(decoding: c.bytes(), as: UTF8.self) == #"[1,"a"]"#)
    }

    /// A string written in parts is one string: literal parts as they are, String parts escaped.
    @Test func aStringInPartsEscapesItsStringParts() {
        var e = JSONEmitter()
        e.beginArray()
        e.beginString(); e.append("#fact-"); e.append(escaping: "a\"b\\c\n\u{1}é"); e.append(" line "); e.appendDecimal(42); e.endString()
        e.beginString(); e.endString()
        e.literal("plain")
        e.endArray()
        #expect(String(decoding: e.bytes(), as: UTF8.self) == ##"["#fact-a\"b\\c\n\u0001é line 42","","plain"]"##)
    }

    @Test func integersAreTheirDecimalText() {
        for n in [0, 7, -1, 10, 99, 100, -1234567890, Int.max, Int.min] {
            var e = JSONEmitter()
            e.integer(n)
            #expect(String(decoding: e.bytes(), as: UTF8.self) == String(n))
        }
    }

    /// Random trees: the bytes are the reference writer's; the compact bytes parse back to the
    /// tree, and the pretty bytes are the compact ones with whitespace between tokens, each
    /// element on its own line at its depth.
    @Test func randomTreesRoundTripInBothStyles() throws {
        var rng = SplitMix(seed: 11)
        for round in 0..<400 {
            let tree = Self.tree(&rng, depth: 0)
            let compact = JSONWriter.serialize(tree)
            #expect(try JSONValue.parse(compact) == tree, "round \(round)")
            #expect(compact == ReferenceWriter.serialize(tree, pretty: false, indent: 0), "round \(round)")
            for indent in 0..<3 {
                let pretty = JSONWriter.serialize(tree, style: .pretty, indent: indent)
                #expect(pretty == ReferenceWriter.serialize(tree, pretty: true, indent: indent), "round \(round)")
                #expect(Self.withoutWhitespace(pretty) == compact, "round \(round)")
                #expect(try JSONValue.parse(pretty) == tree, "round \(round)")
                #expect(Self.indentsAreDepths(pretty, base: indent), "round \(round)")
            }
        }
    }

    // MARK: Oracles

    /// Bytes outside strings that are not whitespace: what compact style is.
    static func withoutWhitespace(_ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        var inString = false
        var escaped = false
        for b in bytes {
            if inString {
                out.append(b)
                if escaped { escaped = false } else if b == 0x5C { escaped = true } else if b == 0x22 { inString = false }
            } else if b == 0x22 {
                inString = true
                out.append(b)
            } else if b != 0x20 && b != 0x0A {
                out.append(b)
            }
        }
        return out
    }

    /// Every line after the first starts with two spaces per level of nesting at its start
    /// (a closing bracket's line one level less), counted from `base`.
    static func indentsAreDepths(_ bytes: [UInt8], base: Int) -> Bool {
        var depth = base
        var inString = false
        var escaped = false
        var lineStart = false
        var spaces = 0
        for b in bytes {
            if lineStart {
                if b == 0x20 { spaces += 1; continue }
                let expected = (b == UInt8(ascii: "}") || b == UInt8(ascii: "]")) ? depth - 1 : depth
                if spaces != 2 * expected { return false }
                lineStart = false
            }
            if inString {
                if escaped { escaped = false } else if b == 0x5C { escaped = true } else if b == 0x22 { inString = false }
                continue
            }
            switch b {
            case 0x22: inString = true
            case UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"): depth -= 1
            case 0x0A: lineStart = true; spaces = 0
            default: break
            }
        }
        return depth == base && !inString
    }

    static func tree(_ rng: inout SplitMix, depth: Int) -> JSONValue {
        let pick = depth > 4 ? rng.next(4) : rng.next(7)
        switch pick {
        case 0: return .null
        case 1: return .bool(rng.next(2) == 0)
        case 2: return .number(JSONNumber(text: String(Int(rng.next(2001)) - 1000)))
        case 3: return .string(string(&rng))
        case 4, 5:
            return .array((0..<rng.next(4)).map { _ in tree(&rng, depth: depth + 1) })
        default:
            var members: [JSONObject.Member] = []
            for i in 0..<rng.next(4) { members.append(.init(key: string(&rng) + "\(i)", value: tree(&rng, depth: depth + 1))) }
            return .object(JSONObject(members: members))
        }
    }

    static func string(_ rng: inout SplitMix) -> String {
        let pieces = ["a", " ", "\"", "\\", "\n", "\u{1}", "é", "{", "]", ":", ","]
        return (0..<rng.next(6)).map { _ in pieces[Int(rng.next(UInt64(pieces.count)))] }.joined()
    }
}

/// The writer as it was before the emitter (a recursive walk of the tree), kept as the oracle:
/// the emitter must give its bytes for every tree, in both styles, at every depth.
enum ReferenceWriter {
    static func serialize(_ value: JSONValue, pretty: Bool, indent: Int) -> [UInt8] {
        var out: [UInt8] = []
        write(value, pretty: pretty, indent: indent, into: &out)
        return out
    }

    static func write(_ value: JSONValue, pretty: Bool, indent: Int, into out: inout [UInt8]) {
        func newline(_ level: Int) {
            guard pretty else { return }
            out.append(0x0A)
            out += Array(repeating: UInt8(ascii: " "), count: level * 2)
        }
        switch value {
        case .null: out += Array("null".utf8)
        case .bool(let b): out += Array((b ? "true" : "false").utf8)
        case .number(let n): out += Array(n.text.utf8)
        case .string(let s): JSONWriter.writeString(s, into: &out)
        case .array(let elements):
            if elements.isEmpty { out += Array("[]".utf8); return }
            out.append(UInt8(ascii: "["))
            for (i, element) in elements.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                newline(indent + 1)
                write(element, pretty: pretty, indent: indent + 1, into: &out)
            }
            newline(indent)
            out.append(UInt8(ascii: "]"))
        case .object(let object):
            if object.members.isEmpty { out += Array("{}".utf8); return }
            out.append(UInt8(ascii: "{"))
            for (i, member) in object.members.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                newline(indent + 1)
                JSONWriter.writeString(member.key, into: &out)
                out.append(UInt8(ascii: ":"))
                if pretty { out.append(UInt8(ascii: " ")) }
                write(member.value, pretty: pretty, indent: indent + 1, into: &out)
            }
            newline(indent)
            out.append(UInt8(ascii: "}"))
        }
    }
}

/// A small deterministic generator, so a failing round can be run again.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next(_ bound: UInt64) -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return (z ^ (z >> 31)) % bound
    }
}
