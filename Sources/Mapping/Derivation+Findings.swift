import ClinicalModel

/// Reading findings: whether an observation reports something present, and coded values.
extension Derivation {
    /// Whether an observation reports its finding present: a positive coded value or
    /// interpretation, `true`, or a score above zero; absent for a negative, `false` or zero;
    /// unknown for anything else (no value, free text, a code we do not know).
    func reported(_ o: Observation, positive: ValueSet, negative: ValueSet) -> Truth {
        switch o.value {
        case .integer(let n)?: return Truth(n > 0)
        case .quantity(let q)?: return q.isMeasurable && q.comparator == nil ? Truth(q.value > 0) : .unknown
        default: return resultPolarity(o, positive: positive, negative: negative)
        }
    }

    /// A coded observation value (finding) in `vs`.
    func valueMatches(_ o: Observation, _ vs: ValueSet) -> Bool {
        if case .concept(let c)? = o.value { return vs.matchesCode(c) }
        return false
    }
}
