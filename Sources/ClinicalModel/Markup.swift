/// Text made safe to place in HTML or XHTML (the batch report, CarePlan narratives).
public enum Markup {
    /// Escapes per Unicode scalar, never per Character: `<` followed by a combining mark (U+0338)
    /// is one Character that is not `<`, and would pass a per-Character escaper unescaped.
    /// Control characters, which XML 1.0 does not allow, become spaces.
    public static func escape(_ s: String) -> String {
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
