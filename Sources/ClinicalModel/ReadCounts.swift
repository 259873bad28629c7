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
    /// Ids and references that break R4's syntax (warned, never copied into an output).
    public var invalidIDs = 0

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
        invalidIDs += other.invalidIDs
    }
}
