import ClinicalModel

/// Kind `documented-or-established`: a state documented as such (`conditions`), or established
/// by a precondition fact (`requires`) together with progression on a therapy (`progression`, a
/// progression rule like the `progression-on` kind's; a `progressionFact` that is already true
/// is used as it is). Documented contrary conditions (`contraConditions`) make it false only
/// when the data leave no room for the established route. Castration resistance: documented
/// CRPC, or castrate testosterone with progression on hormonal therapy.
struct DocumentedOrEstablishedFact: FactKind {
    let id: FactID
    let conditions: ValueSet
    let contraConditions: ValueSet
    let requires: FactID
    let progressionFact: FactID?
    let progression: ProgressionRule
    let notes: FactNotes
    var dependencies: [FactID] { [requires] + (progressionFact.map { [$0] } ?? []) }

    init(_ p: FactParameters) throws(MappingError) {
        id = p.id
        conditions = try p.valueSet("conditions")
        contraConditions = try p.valueSet("contraConditions")
        requires = try p.factID("requires")
        progressionFact = p.has("progressionFact") ? try p.factID("progressionFact") : nil
        progression = try ProgressionRule(try p.nested("progression"))
        notes = p.notes
    }

    func derive(_ d: Derivation, _ known: FactSet) -> FactOutcome { FactOutcome(fact(d, known)) }

    private func fact(_ d: Derivation, _ known: FactSet) -> Fact {
        let documented = d.conditions(in: conditions)
        if let first = documented.first {
            return Fact(id: id, truth: .true, evidence: documented.map(\.source),
                        note: notes.text("documented", "{what} is documented.", ["what": d.describe(first.code, conditions)]))
        }
        let precondition = known[requires] ?? Fact(id: requires, truth: .unknown, note: "")
        let shortcut = progressionFact.flatMap { known[$0] }
        let progressed = shortcut?.value.truth == .true ? shortcut! : d.progression(progression, id: id)
        let label = d.rules.labels[requires] ?? requires.rawValue
        if precondition.value.truth == .true, progressed.value.truth == .true {
            return Fact(id: id, truth: .true, evidence: precondition.evidence + progressed.evidence,
                        note: notes.text("established", "\(label), with progression on \(d.rules.name(of: progression.drug))."))
        }
        let contra = d.conditions(in: contraConditions)
        // A documented contrary state rules it out only when the data leave no room for the
        // established route.
        if let first = contra.first, (precondition.value.truth && progressed.value.truth) == .false {
            return Fact(id: id, truth: .false, evidence: contra.map(\.source),
                        note: notes.text("contrary", "{what} is documented.", ["what": d.describe(first.code, contraConditions)]))
        }
        switch precondition.value.truth {
        case .false:
            return Fact(id: id, truth: .false, evidence: precondition.evidence,
                        note: notes.text("preconditionFalse", "\(label): no, and it is not documented."))
        case .true:
            return Fact(id: id, truth: .unknown, evidence: precondition.evidence,
                        note: notes.text("preconditionOnly", "\(label), but neither the state nor progression is documented."))
        case .unknown:
            return Fact(id: id, truth: .unknown, note: notes.text("undecided", "It is not documented and \(label) is not established."))
        }
    }
}
