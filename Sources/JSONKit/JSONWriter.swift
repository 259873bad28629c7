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
        let buffer = ByteOutput(capacity: 4096)
        write(value, style: style, indent: indent, into: buffer)
        var out: [UInt8] = []
        out.reserveCapacity(buffer.count)
        buffer.copy(into: &out)
        return out
    }

    public static func string(_ value: JSONValue, style: Style = .compact) -> String {
        String(decoding: serialize(value, style: style), as: UTF8.self)
    }

    static func write(_ value: JSONValue, style: Style, indent: Int, into out: ByteOutput) {
        switch value {
        case .null: out.append("null" as StaticString)
        case .bool(let b): out.append(b ? "true" as StaticString : "false")
        case .number(let n): out.append(n.text)
        case .string(let s): writeString(s, into: out)
        case .array(let elements):
            if elements.isEmpty {
                out.append("[]" as StaticString)
                return
            }
            out.append(UInt8(ascii: "["))
            var first = true
            for element in elements {
                if !first { out.append(UInt8(ascii: ",")) }
                first = false
                newline(style, indent + 1, out)
                write(element, style: style, indent: indent + 1, into: out)
            }
            newline(style, indent, out)
            out.append(UInt8(ascii: "]"))
        case .object(let object):
            if object.members.isEmpty {
                out.append("{}" as StaticString)
                return
            }
            out.append(UInt8(ascii: "{"))
            var first = true
            for member in object.members {
                if !first { out.append(UInt8(ascii: ",")) }
                first = false
                newline(style, indent + 1, out)
                writeString(member.key, into: out)
                out.append(UInt8(ascii: ":"))
                if style == .pretty { out.append(UInt8(ascii: " ")) }
                write(member.value, style: style, indent: indent + 1, into: out)
            }
            newline(style, indent, out)
            out.append(UInt8(ascii: "}"))
        }
    }

    @inline(__always)
    static func newline(_ style: Style, _ indent: Int, _ out: ByteOutput) {
        guard style == .pretty else { return }
        out.append(0x0A)
        for _ in 0..<(indent * 2) { out.append(UInt8(ascii: " ")) }
    }

    /// Writes a JSON string literal; non-ASCII stays UTF-8, control characters are escaped.
    /// Runs of bytes that need no escape (nearly all of them) are copied whole.
    public static func writeString(_ s: String, into out: inout [UInt8]) {
        let buffer = ByteOutput(capacity: s.utf8.count + 2)
        writeString(s, into: buffer)
        buffer.copy(into: &out)
    }

    static func writeString(_ s: String, into out: ByteOutput) {
        var s = s
        s.withUTF8 { b in
            out.reserve(b.count + 2)
            out.append(UInt8(ascii: "\""))
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
            out.append(UInt8(ascii: "\""))
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
