/// What an input is, judged by its first significant byte (after a BOM and whitespace):
/// `{` is JSON (a resource, a Bundle or NDJSON), `<` is XML (C-CDA).
public enum InputFormat: Sendable, Equatable {
    case json
    case xml
    case empty
    case unknown

    public static func sniff(_ bytes: [UInt8]) -> InputFormat {
        var i = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
        while i < bytes.count, bytes[i] == 0x20 || bytes[i] == 0x0A || bytes[i] == 0x0D || bytes[i] == 0x09 { i += 1 }
        guard i < bytes.count else { return .empty }
        switch bytes[i] {
        case UInt8(ascii: "{"), UInt8(ascii: "["): return .json
        case UInt8(ascii: "<"): return .xml
        default: return .unknown
        }
    }
}
