/// Serializes a ``JSONValue`` deterministically: members in the order they were built,
/// numbers as their literal text, no trailing spaces. Same value, same bytes.
public enum JSONWriter {
    public enum Style: Sendable {
        /// One line, no spaces: the NDJSON form.
        case compact
        /// Two-space indentation, `": "` after names.
        case pretty
    }

    /// `value` as it is written nested `indent` levels deep (what pretty style indents by).
    public static func serialize(_ value: JSONValue, style: Style = .compact, indent: Int = 0) -> [UInt8] {
        var e = JSONEmitter(style: style, indent: indent)
        e.value(value)
        return e.bytes()
    }

    public static func string(_ value: JSONValue, style: Style = .compact) -> String {
        String(decoding: serialize(value, style: style), as: UTF8.self)
    }

    /// Writes a JSON string literal; non-ASCII stays UTF-8, control characters are escaped.
    /// Runs of bytes that need no escape (nearly all of them) are copied whole.
    public static func writeString(_ s: String, into out: inout [UInt8]) {
        let buffer = ByteOutput(capacity: s.utf8.count + 2)
        writeString(s, into: buffer)
        buffer.copy(into: &out)
    }

    static func writeString(_ s: String, into out: ByteOutput) {
        out.append(UInt8(ascii: "\""))
        writeStringContent(s, into: out)
        out.append(UInt8(ascii: "\""))
    }

    /// A string literal's content: `s` escaped, without the quotes.
    static func writeStringContent(_ s: String, into out: ByteOutput) {
        var s = s
        s.withUTF8 { b in
            out.reserve(b.count + 1)
            var run = 0
            var i = 0
            var seen: UInt64 = 0
            while i < b.count {
                i = ByteWord.skipOrdinary(b.baseAddress!, from: i, count: b.count, seen: &seen)
                guard i < b.count else { break }
                let c = b[i]
                if c >= 0x20 && c != UInt8(ascii: "\"") && c != UInt8(ascii: "\\") {
                    i += 1
                    continue
                }
                out.append(UnsafeBufferPointer(rebasing: b[run..<i]))
                escape(c, into: out)
                i += 1
                run = i
            }
            out.append(UnsafeBufferPointer(rebasing: b[run..<b.count]))
        }
    }

    /// The escape of a quote, a backslash or a control character.
    static func escape(_ b: UInt8, into out: ByteOutput) {
        out.append(UInt8(ascii: "\\"))
        switch b {
        case UInt8(ascii: "\""): out.append(UInt8(ascii: "\""))
        case UInt8(ascii: "\\"): out.append(UInt8(ascii: "\\"))
        case 0x0A: out.append(UInt8(ascii: "n"))
        case 0x0D: out.append(UInt8(ascii: "r"))
        case 0x09: out.append(UInt8(ascii: "t"))
        default:
            let hex: StaticString = "0123456789abcdef"
            let h = hex.utf8Start
            out.append(UInt8(ascii: "u"))
            out.append(UInt8(ascii: "0"))
            out.append(UInt8(ascii: "0"))
            out.append(h[Int(b >> 4)])
            out.append(h[Int(b & 0xF)])
        }
    }
}
