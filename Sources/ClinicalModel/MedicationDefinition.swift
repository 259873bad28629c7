/// A medication definition that statements may point at (FHIR Medication).
public struct MedicationDefinition: Codable, Hashable, Sendable {
    public var keys: [String]
    /// The product code plus its ingredients' codes and text.
    public var concept: Concept

    public init(keys: [String], concept: Concept) {
        self.keys = keys
        self.concept = concept
    }
}
