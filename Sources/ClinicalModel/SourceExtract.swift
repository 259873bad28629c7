/// A clinical statement of any kind, as a reader hands it over.
public enum Statement: Codable, Hashable, Sendable {
    case condition(Condition)
    case medication(MedicationUse)
    case observation(Observation)
    case procedure(Procedure)
}

/// How a statement names its patient before records are assembled.
public enum PatientLink: Codable, Hashable, Sendable {
    /// A resolved reference key: absolute URL, `urn:uuid:…`, or `Patient/<id>`.
    case key(String)
    /// A logical reference by identifier.
    case identifier(Identifier)
}

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

/// Counts of what one input held, for accounting: nothing is dropped unseen.
public struct ReadCounts: Codable, Hashable, Sendable {
    /// Resources seen, by resourceType (nested Bundles included, contained resources not).
    public var resourcesByType: [String: Int] = [:]
    /// Resources of types the mapping does not read, skipped without decoding.
    public var skippedByType: [String: Int] = [:]
    /// Resources read but not usable (no patient reference, subject not a Patient …), by reason.
    public var rejectedByReason: [String: Int] = [:]
    /// Whole records rejected (an unparseable document or NDJSON line, an empty or unknown input), by reason.
    public var rejectedRecords: [String: Int] = [:]
    /// Records or objects that are not FHIR resources and were skipped (a JSON object without
    /// resourceType, a Bulk Data manifest), by reason.
    public var skippedNonResources: [String: Int] = [:]
    /// Bundle entries that carried no resource (requests, responses).
    public var entriesWithoutResource = 0
    /// Records (NDJSON lines, documents) read.
    public var records = 0

    public init() {}

    public var patients: Int { resourcesByType["Patient", default: 0] }
    public var conditions: Int { resourcesByType["Condition", default: 0] }
    public var medicationStatementsAndRequests: Int {
        resourcesByType["MedicationStatement", default: 0] + resourcesByType["MedicationRequest", default: 0]
    }
    public var observations: Int { resourcesByType["Observation", default: 0] }

    public mutating func add(_ other: ReadCounts) {
        for (k, v) in other.resourcesByType { resourcesByType[k, default: 0] += v }
        for (k, v) in other.skippedByType { skippedByType[k, default: 0] += v }
        for (k, v) in other.rejectedByReason { rejectedByReason[k, default: 0] += v }
        for (k, v) in other.rejectedRecords { rejectedRecords[k, default: 0] += v }
        for (k, v) in other.skippedNonResources { skippedNonResources[k, default: 0] += v }
        entriesWithoutResource += other.entriesWithoutResource
        records += other.records
    }
}

/// What a reader extracted from one input: patients, statements linked to them, medication
/// definitions, counts and diagnostics. Records are assembled from many extracts.
public struct SourceExtract: Sendable {
    public var file: String
    public var patients: [PatientEntry] = []
    public var statements: [(link: PatientLink, statement: Statement)] = []
    public var medications: [MedicationDefinition] = []
    public var counts = ReadCounts()
    public var diagnostics: [Diagnostic] = []

    public init(file: String) { self.file = file }

    /// True when some record of this input was rejected (an error, not a warning).
    public var hasErrors: Bool { diagnostics.contains { $0.severity == .error } }
}
