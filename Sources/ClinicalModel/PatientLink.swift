/// How a statement names its patient before records are assembled.
public enum PatientLink: Codable, Hashable, Sendable {
    /// A resolved reference key: absolute URL, `urn:uuid:…`, or `Patient/<id>`.
    case key(String)
    /// A logical reference by identifier.
    case identifier(Identifier)
}
