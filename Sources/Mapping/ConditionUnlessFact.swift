import ClinicalModel

/// Kind `condition-unless`: a condition on record while another fact (`unless`) is false — a
/// local recurrence is one only while the disease is not metastatic. True with the condition and
/// `unless` false; false without the condition (problems recorded, none open) or with `unless`
/// true; unknown otherwise.
struct ConditionUnlessFact: FactKind {
    let id: FactID
    let conditions: ValueSet
    let unless: FactID
    let notes: FactNotes
    var dependencies: [FactID] { [unless] }

    init(_ p: FactParameters) throws(MappingError) {
        id = p.id
        conditions = try p.valueSet("conditions")
        unless = try p.factID("unless")
        notes = p.notes
    }

    func derive(_ d: Derivation, _ known: FactSet) -> FactOutcome {
        let found = d.conditions(in: conditions)
        guard let first = found.first else {
            if d.conditions.isEmpty {
                return FactOutcome(Fact(id: id, truth: .unknown, note: "No problems or diagnoses are recorded."))
            }
            if let open = d.openCondition(conditions) {
                return FactOutcome(Fact(id: id, truth: .unknown, evidence: open.sources,
                                        note: notes.text("open", "None is documented, but {reason}.", ["reason": open.reason])))
            }
            return FactOutcome(Fact(id: id, truth: .false, note: notes.text("absent", "None is documented.")))
        }
        let what = d.describe(first.code, conditions)
        let other = known[unless]
        let evidence = found.map(\.source) + (other?.evidence ?? [])
        switch other?.value.truth ?? .unknown {
        case .false:
            return FactOutcome(Fact(id: id, truth: .true, evidence: evidence,
                                    note: notes.text("present", "{what} is documented and \(unless) is false.", ["what": what])))
        case .true:
            return FactOutcome(Fact(id: id, truth: .false, evidence: evidence,
                                    note: notes.text("overruled", "{what} is documented, but \(unless) is true.", ["what": what])))
        case .unknown:
            return FactOutcome(Fact(id: id, truth: .unknown, evidence: found.map(\.source),
                                    note: notes.text("undecided", "{what} is documented, but \(unless) is unknown.", ["what": what])))
        }
    }
}
