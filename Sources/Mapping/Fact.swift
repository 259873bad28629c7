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
        self.evidence = Self.withoutRepeats(evidence)
        self.note = note
        self.assumptions = Self.withoutRepeats(assumptions)
    }

    public init(id: FactID, truth: Truth, evidence: [SourceRef] = [], note: String, assumptions: [String] = []) {
        self.init(id: id, value: .truth(truth), evidence: evidence, note: note, assumptions: assumptions)
    }

    /// `items` without its repeats, first occurrences kept in order. A short list is searched
    /// (most facts have a few sources, and hashing a source hashes all its strings); a long one
    /// goes through a set, so that hundreds of results stay linear.
    static func withoutRepeats<T: Hashable>(_ items: [T]) -> [T] {
        if items.count <= 8 {
            var kept: [T] = []
            kept.reserveCapacity(items.count)
            for item in items where !kept.contains(item) { kept.append(item) }
            return kept
        }
        var seen = Set<T>()
        return items.filter { seen.insert($0).inserted }
    }

    /// The note with its assumptions, as a CarePlan states it.
    public var fullNote: String {
        assumptions.isEmpty ? note : note + " Assumed: " + assumptions.joined(separator: "; ") + "."
    }
}
