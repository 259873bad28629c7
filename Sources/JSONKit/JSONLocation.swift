/// Where a byte offset lies in a JSON text: line, column and the JSON path of the value.
///
/// Computed only when an error is reported, by re-reading the text up to the offset, so the
/// parser pays nothing for it on the happy path.
public struct JSONLocation: Sendable, Equatable, CustomStringConvertible {
    /// 1-based line.
    public var line: Int
    /// 1-based column, in bytes.
    public var column: Int
    /// JSONPath-style location of the innermost value, e.g. `$.entry[3].resource.code`.
    public var path: String

    public init(line: Int, column: Int, path: String) {
        self.line = line
        self.column = column
        self.path = path
    }

    public var description: String { "\(line):\(column) (\(path))" }

    /// Locates `offset` in `bytes`. `lineOffset` is added to the line (for one line of an NDJSON file).
    /// `isQuotable` says which member names may appear in the path: for a clinical record only the
    /// names its standard defines, since any other name is input content (a marker, a name typed
    /// into a key); the others are shown by position, `<member 3>`.
    public static func locate(offset: Int, in bytes: UnsafeBufferPointer<UInt8>, lineOffset: Int = 0,
                              isQuotable: (String) -> Bool = { _ in true }) -> JSONLocation {
        let end = min(max(offset, 0), bytes.count)
        var line = 1
        var lineStart = 0
        for i in 0..<end where bytes[i] == UInt8(ascii: "\n") {
            line += 1
            lineStart = i + 1
        }
        return JSONLocation(line: line + lineOffset, column: end - lineStart + 1,
                            path: path(upTo: end, in: bytes, isQuotable: isQuotable))
    }

    private enum Frame {
        /// `member`: 1-based position of the current member in its object.
        case object(key: String?, member: Int)
        case array(index: Int)
    }

    /// A tolerant walk that tracks containers, keys and indices up to `end`.
    static func path(upTo end: Int, in bytes: UnsafeBufferPointer<UInt8>, isQuotable: (String) -> Bool) -> String {
        var stack: [Frame] = []
        var lastString: String? = nil
        var i = 0
        while i < end {
            let b = bytes[i]
            switch b {
            case UInt8(ascii: "\""):
                var j = i + 1
                while j < bytes.count, bytes[j] != UInt8(ascii: "\"") {
                    j += bytes[j] == UInt8(ascii: "\\") ? 2 : 1
                }
                let stop = min(j, bytes.count)
                lastString = String(decoding: UnsafeBufferPointer(rebasing: bytes[(i + 1)..<stop]), as: UTF8.self)
                i = stop + 1
                continue
            case UInt8(ascii: ":"):
                if case .object(_, let member) = stack.last { stack[stack.count - 1] = .object(key: lastString, member: member) }
            case UInt8(ascii: ","):
                switch stack.last {
                case .array(let index): stack[stack.count - 1] = .array(index: index + 1)
                case .object(_, let member): stack[stack.count - 1] = .object(key: nil, member: member + 1)
                case nil: break
                }
            case UInt8(ascii: "{"): stack.append(.object(key: nil, member: 1))
            case UInt8(ascii: "["): stack.append(.array(index: 0))
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                if !stack.isEmpty { stack.removeLast() }
            default: break
            }
            i += 1
        }
        var path = "$"
        for frame in stack {
            switch frame {
            case .object(let key?, let member):
                path += isPlainKey(key) && isQuotable(key) ? ".\(key)" : ".<member \(member)>"
            case .object(nil, _): break
            case .array(let index): path += "[\(index)]"
            }
        }
        return path
    }

    private static func isPlainKey(_ key: String) -> Bool {
        !key.isEmpty && key.utf8.allSatisfy { b in
            (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == 0x5F
        }
    }
}
