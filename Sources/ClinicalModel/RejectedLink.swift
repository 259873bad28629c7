/// A rejected record attributed to a patient: the link it names and where it was rejected.
public struct RejectedLink: Codable, Hashable, Sendable {
    public var link: PatientLink
    /// The diagnostic kind of the rejection ("invalid-json" …).
    public var kind: String
    /// `file:line` of the rejected record, for the report and explain (no patient data).
    public var place: String

    public init(link: PatientLink, kind: String, place: String) {
        self.link = link
        self.kind = kind
        self.place = place
    }
}
