/// A problem found in an input, located precisely, worded without patient data.
public struct Diagnostic: Codable, Hashable, Sendable, Comparable, CustomStringConvertible {
    public enum Severity: String, Codable, Hashable, Sendable {
        /// Part of a record was unusable and left out; the rest was read.
        case warning
        /// A whole input or record was rejected.
        case error
    }

    /// What kind of problem, for counting in reports ("invalid-json", "unsupported-format" …).
    public var kind: String
    public var severity: Severity
    public var file: String
    public var line: Int?
    public var column: Int?
    /// JSON path or XML element path.
    public var path: String?
    /// A whole sentence that names no patient data.
    public var message: String

    public init(kind: String, severity: Severity, file: String, line: Int? = nil, column: Int? = nil,
                path: String? = nil, message: String) {
        self.kind = kind
        self.severity = severity
        self.file = file
        self.line = line
        self.column = column
        self.path = path
        self.message = message
    }

    /// Compiler style: `file:line:column: error: message (at $.path)`.
    public var description: String {
        var s = file
        if let line {
            s += ":\(line)"
            if let column { s += ":\(column)" }
        }
        s += ": \(severity.rawValue): \(message)"
        if let path { s += " (at \(path))" }
        return s
    }

    public static func < (a: Diagnostic, b: Diagnostic) -> Bool {
        (a.file, a.line ?? 0, a.column ?? 0, a.message) < (b.file, b.line ?? 0, b.column ?? 0, b.message)
    }
}
