/// A failure of a whole command, with the sysexits status the CLI exits with: a code, a message
/// for the user, the underlying error when there is one, and where in our code it was raised
/// (as swift-nio's `FileSystemError`). Messages name files and places, never patient data.
public struct IngestError: Error, Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    public enum Kind: Int32, Sendable {
        /// 64: the command line is wrong.
        case usage = 64
        /// 65: an input is not valid FHIR JSON / C-CDA, or a Mappings file is broken.
        case data = 65
        /// 66: an input file does not exist or cannot be opened, or stdin is empty.
        case noInput = 66
        /// 70: an internal invariant failed.
        case software = 70
        /// 74: reading or writing failed.
        case io = 74
    }

    /// Where in ClinicalIngest the error was raised (for a bug report, not for the user).
    public struct SourceLocation: Sendable, CustomStringConvertible {
        public let file: String
        public let line: Int
        public var description: String { "\(file):\(line)" }
    }

    public var kind: Kind
    public var message: String
    /// The error that caused this one (a MappingError, an errno …), if any.
    public var cause: (any Error & Sendable)?
    public var location: SourceLocation

    public init(_ kind: Kind, _ message: String, cause: (any Error & Sendable)? = nil,
                file: String = #fileID, line: Int = #line) {
        self.kind = kind
        self.message = message
        self.cause = cause
        self.location = SourceLocation(file: file, line: line)
    }

    public var exitCode: Int32 { kind.rawValue }
    public var description: String { message }
    public var debugDescription: String {
        "IngestError(\(kind), \(message)" + (cause.map { ", cause: \($0)" } ?? "") + ", at \(location))"
    }
}
