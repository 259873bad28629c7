/// How a CarePlan points back at its patient.
public enum SubjectReference: Codable, Hashable, Comparable, Sendable {
    /// A FHIR reference: `Patient/123`, or a fullUrl when the Patient has no id.
    case reference(String)
    /// A logical reference by identifier (CDA patients, identifier-only FHIR references).
    case identifier(Identifier)
}
