import ClinicalModel

/// Kind `condition-present`: a condition of `conditions` is documented (usable: confirmed, not
/// entered in error, not refuted, dated by the evaluation date). False only when problems are
/// recorded, none is one, and none that could be one is unconfirmed, later-dated or unreadable.
struct ConditionPresentFact: FactKind {
    let id: FactID
    let conditions: ValueSet
    var dependencies: [FactID] { [] }

    init(_ p: FactParameters) throws(MappingError) {
        id = p.id
        conditions = try p.valueSet("conditions")
    }

    func derive(_ d: Derivation, _ known: FactSet) -> FactOutcome {
        let found = d.conditions(in: conditions)
        if let first = found.first {
            return FactOutcome(Fact(id: id, truth: .true, evidence: found.map(\.source),
                                    note: "\(d.describe(first.code, conditions)) is documented."))
        }
        if d.conditions.isEmpty {
            return FactOutcome(Fact(id: id, truth: .unknown, note: "No problems or diagnoses are recorded."))
        }
        if let open = d.openCondition(conditions) {
            return FactOutcome(Fact(id: id, truth: .unknown, evidence: open.sources,
                                    note: "None of the recorded problems is \(conditions.title), but \(open.reason)."))
        }
        return FactOutcome(Fact(id: id, truth: .false,
                                note: "None of the \(Derivation.plural(d.conditions.count, "recorded problem")) is \(conditions.title)."))
    }
}
