public import ClinicalModel

/// A derived fact with the evidence that decided it and a short note saying how.
public struct Fact: Hashable, Sendable {
    public let id: FactID
    public let value: FactValue
    /// The source statements that decided the value, in source order, without repeats.
    public let evidence: [SourceRef]
    /// One or two sentences for a clinician: what was found, or what is missing.
    public let note: String
    /// What the value rests on that the record did not say ("end not recorded; assumed until
    /// 2026-11-27 (the evaluation date)", "inferred from treatment", "site not stated").
    public let assumptions: [String]

    public init(id: FactID, value: FactValue, evidence: [SourceRef] = [], note: String, assumptions: [String] = []) {
        self.id = id
        self.value = value
        var seen = Set<SourceRef>()
        self.evidence = evidence.filter { seen.insert($0).inserted }
        self.note = note
        var seenAssumptions = Set<String>()
        self.assumptions = assumptions.filter { seenAssumptions.insert($0).inserted }
    }

    public init(id: FactID, truth: Truth, evidence: [SourceRef] = [], note: String, assumptions: [String] = []) {
        self.init(id: id, value: .truth(truth), evidence: evidence, note: note, assumptions: assumptions)
    }

    /// The note with its assumptions, as a CarePlan states it.
    public var fullNote: String {
        assumptions.isEmpty ? note : note + " Assumed: " + assumptions.joined(separator: "; ") + "."
    }
}
