/// A code system, named by its canonical FHIR URI.
///
/// An open set (`RawRepresentable` with static members), because records carry systems we
/// have never heard of. Readers fold aliases and CDA OIDs into the canonical URI with
/// ``CodeSystemTable`` before a statement is built, so comparisons here are exact.
public struct CodeSystem: RawRepresentable, Codable, Hashable, Comparable, Sendable, CustomStringConvertible {
    public let rawValue: String

    public init(rawValue: String) { self.rawValue = rawValue }
    public init(_ uri: String) { self.rawValue = uri }

    public var description: String { rawValue }
    public static func < (a: CodeSystem, b: CodeSystem) -> Bool { a.rawValue < b.rawValue }

    public static let snomed = CodeSystem("http://snomed.info/sct")
    public static let loinc = CodeSystem("http://loinc.org")
    public static let rxnorm = CodeSystem("http://www.nlm.nih.gov/research/umls/rxnorm")
    public static let icd10cm = CodeSystem("http://hl7.org/fhir/sid/icd-10-cm")
    public static let ucum = CodeSystem("http://unitsofmeasure.org")
    public static let hgnc = CodeSystem("http://www.genenames.org")
    public static let hcpcs = CodeSystem("http://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets")
    public static let cpt = CodeSystem("http://www.ama-assn.org/go/cpt")
    public static let observationInterpretation =
        CodeSystem("http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation")
}
