/// Text made safe to place in HTML or XHTML (the batch report, CarePlan narratives).
public enum Markup {
    /// Escapes per Unicode scalar, never per Character: `<` followed by a combining mark (U+0338)
    /// is one Character that is not `<`, and would pass a per-Character escaper unescaped.
    /// Control characters, which XML 1.0 does not allow, become spaces.
    public static func escape(_ s: String) -> String {
        // The same per scalar, done on UTF-8 bytes: a byte below 0x80 is always a whole scalar,
        // and EF BF BE / EF BF BF only ever encode U+FFFE / U+FFFF. Text with nothing to
        // escape (most of it) is returned as it is.
        var utf8 = s
        return utf8.withUTF8 { b in
            var first = 0
            while first < b.count, !needsEscape(b, at: first) { first += 1 }
            if first == b.count { return s }
            var out: [UInt8] = []
            out.reserveCapacity(b.count + 16)
            out.append(contentsOf: UnsafeBufferPointer(rebasing: b[0..<first]))
            var i = first
            while i < b.count {
                let c = b[i]
                switch c {
                case UInt8(ascii: "&"): out.append(contentsOf: "&amp;".utf8)
                case UInt8(ascii: "<"): out.append(contentsOf: "&lt;".utf8)
                case UInt8(ascii: ">"): out.append(contentsOf: "&gt;".utf8)
                case UInt8(ascii: "\""): out.append(contentsOf: "&quot;".utf8)
                case UInt8(ascii: "'"): out.append(contentsOf: "&#39;".utf8)
                case 0xEF where needsEscape(b, at: i):
                    out.append(0x20)
                    i += 3
                    continue
                default:
                    out.append(c < 0x20 && c != 0x0A && c != 0x09 ? 0x20 : c)
                }
                i += 1
            }
            return String(decoding: out, as: UTF8.self)
        }
    }

    /// Whether the scalar starting at byte `i` is escaped or replaced.
    @inline(__always)
    private static func needsEscape(_ b: UnsafeBufferPointer<UInt8>, at i: Int) -> Bool {
        let c = b[i]
        switch c {
        case UInt8(ascii: "&"), UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: "\""), UInt8(ascii: "'"): return true
        case 0x0A, 0x09: return false
        case 0xEF: return i + 2 < b.count && b[i + 1] == 0xBF && (b[i + 2] == 0xBE || b[i + 2] == 0xBF)
        default: return c < 0x20
        }
    }

    /// The definition ``escape(_:)`` implements on bytes, scalar by scalar (kept for the tests).
    static func escapeScalars(_ s: String) -> String {
        var out = ""
        out.unicodeScalars.reserveCapacity(s.unicodeScalars.count)
        for u in s.unicodeScalars {
            switch u {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default:
                if (u.value < 0x20 && u != "\n" && u != "\t") || u.value == 0xFFFE || u.value == 0xFFFF {
                    out += " "
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        return out
    }
}
