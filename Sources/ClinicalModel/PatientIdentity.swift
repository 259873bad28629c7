/// Who the patient is, as far as the sources say. Never printed in logs or errors.
public struct PatientIdentity: Codable, Hashable, Sendable {
    public var subject: SubjectReference
    public var identifiers: [Identifier]
    /// FHIR administrative gender / CDA administrativeGenderCode, normalized to FHIR codes.
    public var gender: String?
    public var birthDate: TimeRange?
    /// Death as recorded; nil when no source says.
    public var deceased: Deceased?
    /// True when a Patient resource (or CDA recordTarget) was read, not just referenced.
    public var isDescribed: Bool

    public init(subject: SubjectReference, identifiers: [Identifier] = [], gender: String? = nil,
                birthDate: TimeRange? = nil, deceased: Deceased? = nil, isDescribed: Bool = false) {
        self.subject = subject
        self.identifiers = identifiers
        self.gender = gender
        self.birthDate = birthDate
        self.deceased = deceased
        self.isDescribed = isDescribed
    }
}
