/// What an input is, judged by its first significant byte (after a BOM and whitespace):
/// `{` is JSON (a resource, a Bundle or NDJSON), `<` is XML (C-CDA).
public enum InputFormat: Sendable, Equatable {
    case json
    case xml
    case empty
    case unknown
    /// UTF-16 or UTF-32 (by byte order mark, or by the zero bytes around a first `{` or `<`):
    /// readable once converted, so the message names the encoding.
    case notUTF8(encoding: String)

    public static func sniff(_ bytes: [UInt8]) -> InputFormat {
        if let encoding = wideEncoding(bytes) { return .notUTF8(encoding: encoding) }
        var i = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
        while i < bytes.count, bytes[i] == 0x20 || bytes[i] == 0x0A || bytes[i] == 0x0D || bytes[i] == 0x09 { i += 1 }
        guard i < bytes.count else { return .empty }
        switch bytes[i] {
        case UInt8(ascii: "{"), UInt8(ascii: "["): return .json
        case UInt8(ascii: "<"): return .xml
        default: return .unknown
        }
    }

    /// The wide Unicode encoding a text is in, or nil.
    static func wideEncoding(_ b: [UInt8]) -> String? {
        if b.starts(with: [0xFF, 0xFE, 0x00, 0x00]) || (b.count >= 4 && b[1] == 0 && b[2] == 0 && b[3] == 0 && b[0] != 0) { return "UTF-32LE" }
        if b.starts(with: [0x00, 0x00, 0xFE, 0xFF]) || (b.count >= 4 && b[0] == 0 && b[1] == 0 && b[2] == 0 && b[3] != 0) { return "UTF-32BE" }
        if b.starts(with: [0xFF, 0xFE]) || (b.count >= 2 && b[0] != 0 && b[1] == 0) { return "UTF-16LE" }
        if b.starts(with: [0xFE, 0xFF]) || (b.count >= 2 && b[0] == 0 && b[1] != 0) { return "UTF-16BE" }
        return nil
    }
}
