/// Where R4 lets a fact Observation point at the entries behind it (DESIGN "Output contract").
///
/// `Observation.derivedFrom` allows only these target types; evidence of any other type
/// (Condition, MedicationStatement, Procedure …) goes through a contained Provenance's
/// `entity.what`, a Reference(Any).
enum EvidenceRouting {
    static let derivedFromTypes: Set<String> = [
        "Observation", "DocumentReference", "ImagingStudy", "Media", "QuestionnaireResponse", "MolecularSequence",
    ]

    static func allowedInDerivedFrom(_ resourceType: String?) -> Bool {
        resourceType.map { derivedFromTypes.contains($0) } ?? false
    }
}
