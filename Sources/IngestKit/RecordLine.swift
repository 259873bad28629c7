import JSONKit

/// One input record as one line of text: what `ingest keys` writes and `ingest --grouped` reads.
///
///     <JSON array of link keys> TAB <the record as one JSON string> TAB <its origin>
///
/// The record travels as a JSON string so that a bundle or a C-CDA document spanning many
/// lines stays one line (what Spark's `textFile` and `RDD.pipe` handle). The origin,
/// `{"file": …, "line": n}` (`line` only for an NDJSON line), is read back so that the record is
/// read exactly as `ingest batch` reads it — an NDJSON line as a line of its file, a document as
/// a document — and messages and provenance name the same file and line. The keys column is
/// optional when reading (a record sent without its keys), so is the origin (then `-`).
public struct RecordLine: Sendable, Equatable {
    public var keys: [String]
    /// The record's bytes (UTF-8).
    public var record: [UInt8]
    public var file: String
    /// The record's line in `file` when it is an NDJSON line, else nil (a whole document).
    public var line: Int?

    public init(keys: [String], record: [UInt8], file: String, line: Int? = nil) {
        self.keys = keys
        self.record = record
        self.file = file
        self.line = line
    }

    /// The line, without its newline.
    public func encoded() -> [UInt8] {
        var out = JSONWriter.serialize(.array(keys.map { .string($0) }))
        out.append(0x09)
        JSONWriter.writeString(String(decoding: record, as: UTF8.self), into: &out)
        out.append(0x09)
        var origin: [JSONObject.Member] = [.init(key: "file", value: .string(file))]
        if let line { origin.append(.init(key: "line", value: .number(JSONNumber(text: String(line))))) }
        out += JSONWriter.serialize(.object(JSONObject(members: origin)))
        return out
    }

    /// Why a line is not a record line; worded without its content.
    public struct FormatError: Error, Sendable {
        public let message: String
    }

    /// Parses one line (without its newline; a trailing CR is ignored).
    public static func parse(_ bytes: ArraySlice<UInt8>) throws(FormatError) -> RecordLine {
        var columns = bytes.split(separator: 0x09, omittingEmptySubsequences: false)
        if let last = columns.last, last.last == 0x0D { columns[columns.count - 1] = last.dropLast() }
        guard (1...3).contains(columns.count) else {
            throw FormatError(message: "a record line has 1 to 3 tab-separated columns ([keys], \"record\", {origin}), this one has \(columns.count)")
        }
        func value(_ column: ArraySlice<UInt8>, _ name: String) throws(FormatError) -> JSONValue {
            do { return try JSONValue.parse(Array(column)) } catch {
                throw FormatError(message: "the \(name) column is not valid JSON (\(error.description))")
            }
        }
        var i = 0
        var keys: [String] = []
        if columns[0].first == UInt8(ascii: "[") {
            keys = try value(columns[0], "keys").arrayValue.compactMap(\.stringValue)
            i = 1
        }
        guard i < columns.count, case .string(let record) = try value(columns[i], "record") else {
            throw FormatError(message: "a record line needs the record as a JSON string")
        }
        var file = "-"
        var line: Int?
        if i + 1 < columns.count {
            let origin = try value(columns[i + 1], "origin")
            guard let f = origin["file"]?.stringValue else { throw FormatError(message: "the origin column needs a \"file\" string") }
            file = f
            if let n = origin["line"]?.numberValue {
                guard let l = Int(n.text), l >= 1 else { throw FormatError(message: "the origin's \"line\" must be a positive integer") }
                line = l
            }
        }
        if columns.count > i + 2 { throw FormatError(message: "unexpected columns after the origin") }
        return RecordLine(keys: keys, record: Array(record.utf8), file: file, line: line)
    }
}
