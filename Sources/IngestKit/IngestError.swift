/// A failure of a whole command, with the sysexits status the CLI exits with.
/// Messages name files and places, never patient data.
public struct IngestError: Error, Sendable, CustomStringConvertible {
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

    public var kind: Kind
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var exitCode: Int32 { kind.rawValue }
    public var description: String { message }
}
