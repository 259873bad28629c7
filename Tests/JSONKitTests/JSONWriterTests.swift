import Testing
@testable import JSONKit

/// What the writer must produce for strings (RFC 8259 §7): `"` and `\` escaped, control
/// characters as `\n`, `\r`, `\t` or `\u00XX`, everything else — non-ASCII included — as its
/// UTF-8. The writer skips eight bytes at a time, so every escape is tried at every position
/// of strings of every length around that word size.
@Suite struct JSONWriterTests {
    /// The escape, written from the RFC, not from the writer.
    static func expected(_ s: String) -> [UInt8] {
        var out: [UInt8] = [0x22]
        for b in s.utf8 {
            switch b {
            case 0x22: out += Array("\\\"".utf8)
            case 0x5C: out += Array("\\\\".utf8)
            case 0x0A: out += Array("\\n".utf8)
            case 0x0D: out += Array("\\r".utf8)
            case 0x09: out += Array("\\t".utf8)
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                out += Array("\\u00".utf8) + [hex[Int(b >> 4)], hex[Int(b & 15)]]
            default: out.append(b)
            }
        }
        return out + [0x22]
    }

    @Test func everyEscapeAtEveryPosition() {
        let specials: [String] = ["\"", "\\", "\n", "\r", "\t", "\u{0}", "\u{1}", "\u{1F}"]
        // Neighbours of the escaped bytes, which must not be escaped: space, '!', '#', '[', ']',
        // DEL, and multi-byte text.
        let fillers: [String] = ["a", " ", "!", "#", "[", "]", "\u{7F}", "é", "😀"]
        for length in 0..<20 {
            for filler in fillers {
                let plain = String(repeating: filler, count: length)
                #expect(JSONWriter.serialize(.string(plain)) == Self.expected(plain))
                for position in 0...length {
                    for special in specials {
                        var scalars = Array(plain)
                        scalars.insert(Character(special), at: position)
                        let text = String(scalars)
                        #expect(JSONWriter.serialize(.string(text)) == Self.expected(text), "\(length) \(position)")
                    }
                }
            }
        }
    }

    @Test func documentsAreWrittenAsBuilt() {
        let value = JSONValue.object(JSONObject(members: [
            .init(key: "a\"b", value: .array([.number(JSONNumber(text: "0.010")), .bool(true), .null, .string("x\ny")])),
            .init(key: "empty", value: .object(JSONObject())), .init(key: "none", value: .array([])),
        ]))
        #expect(JSONWriter.string(value) == #"{"a\"b":[0.010,true,null,"x\ny"],"empty":{},"none":[]}"#)
        #expect(JSONWriter.string(value, style: .pretty) == """
            {
              "a\\"b": [
                0.010,
                true,
                null,
                "x\\ny"
              ],
              "empty": {},
              "none": []
            }
            """)
        var out: [UInt8] = Array("x".utf8)
        JSONWriter.writeString("tab\there", into: &out)
        #expect(out == Array(#"x"tab\there""#.utf8))
    }
}
