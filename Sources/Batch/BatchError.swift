/// A failure of a whole batch run, with what it means for the outputs.
///
/// Messages name files and folders, never patient data. Every failure before the ledger commit
/// leaves the outputs and the ledger as the previous run left them (nothing is published
/// before it); a failure after it says exactly what was published.
public struct BatchError: Error, Sendable, CustomStringConvertible {
    /// What failed; an open set, so a new failure does not break those who switch over it.
    public struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }

        /// Reading or writing a file of the run failed.
        public static let io = Code(rawValue: "io")
        /// The staging database or the ledger failed.
        public static let database = Code(rawValue: "database")
        /// Another run holds the lock on the output folder or the ledger.
        public static let busy = Code(rawValue: "busy")
        /// The ledger commit failed: nothing was published.
        public static let ledgerCommit = Code(rawValue: "ledger-commit")
        /// The ledger was committed but an output could not be renamed into place.
        public static let publish = Code(rawValue: "publish")

        public var description: String { rawValue }
    }

    public var code: Code
    /// A whole sentence, starting with the file or folder concerned.
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public static func io(_ message: String) -> BatchError { BatchError(.io, message) }
    public static func database(_ message: String) -> BatchError { BatchError(.database, "state database: " + message) }

    /// The exit status of `ingest batch` for this failure: 75 (EX_TEMPFAIL, try again later) when
    /// another run holds the lock, else 74 (EX_IOERR).
    public var exitCode: Int32 { code == .busy ? Self.busyExitCode : 74 }

    /// Another run is using the output folder or the ledger; this run changed nothing.
    public static let busyExitCode: Int32 = 75

    public var description: String { message }
}
