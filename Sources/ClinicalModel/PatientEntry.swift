/// A patient described by a source, with every key it can be referenced by.
public struct PatientEntry: Codable, Hashable, Sendable {
    /// Keys that refer to this patient: its fullUrl, `Patient/<id>` …
    public var keys: [String]
    public var identity: PatientIdentity
    public var source: SourceRef

    public init(keys: [String], identity: PatientIdentity, source: SourceRef) {
        self.keys = keys
        self.identity = identity
        self.source = source
    }
}
