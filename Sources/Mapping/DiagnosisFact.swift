import ClinicalModel

/// Kind `diagnosis`: a disease on the problem list. A code that does not say malignant
/// (`notStatedMalignant`, e.g. Synthea's 126906006) is unknown on its own and true with a
/// treatment only this disease gets (`inferredFromTreatments`, or `inferredWithBackbone` given
/// with the `backbone`); false only when problems are recorded and none is the disease.
struct DiagnosisFact: FactKind {
    let id: FactID
    let conditions: ValueSet
    let notStatedMalignant: ValueSet
    let inferredFromTreatments: [ValueSet]
    let inferredWithBackbone: [ValueSet]
    let backbone: ValueSet
    let notes: FactNotes
    var dependencies: [FactID] { [] }

    init(_ p: FactParameters) throws(MappingError) {
        id = p.id
        conditions = try p.valueSet("conditions")
        notStatedMalignant = try p.valueSet("notStatedMalignant")
        inferredFromTreatments = try p.valueSets("inferredFromTreatments")
        inferredWithBackbone = try p.valueSets("inferredWithBackbone")
        backbone = try p.valueSet("backbone")
        notes = p.notes
    }

    func derive(_ d: Derivation, _ known: FactSet) -> FactOutcome {
        let found = d.conditions(in: conditions)
        if let first = found.first {
            return FactOutcome(Fact(id: id, truth: .true, evidence: found.map(\.source),
                                    note: notes.text("onRecord", "{what} is on the problem list.", ["what": d.describe(first.code, conditions)])))
        }
        let unspecified = d.conditions(in: notStatedMalignant)
        if let first = unspecified.first {
            let what = d.describe(first.code, notStatedMalignant)
            var treatment = inferredFromTreatments.flatMap { d.exposures($0) }
            if !d.exposures(backbone).isEmpty { treatment += inferredWithBackbone.flatMap { d.exposures($0) } }
            if let t = treatment.min(by: { ($0.start ?? Instant(seconds: .max), $0.source) < ($1.start ?? Instant(seconds: .max), $1.source) }) {
                return FactOutcome(Fact(id: id, truth: .true, evidence: unspecified.map(\.source) + treatment.map(\.source),
                                        note: notes.text("inferred", "{what} does not say malignant, but {treatment} is on record, a treatment only this disease gets.",
                                                         ["what": what, "treatment": t.medication.label]),
                                        assumptions: ["malignancy inferred from treatment"]))
            }
            return FactOutcome(Fact(id: id, truth: .unknown, evidence: unspecified.map(\.source),
                                    note: notes.text("notInferred", "{what} does not say malignant, and no treatment only this disease gets is on record.", ["what": what])))
        }
        if d.conditions.isEmpty {
            return FactOutcome(Fact(id: id, truth: .unknown, note: "No problems or diagnoses are recorded."))
        }
        if let open = d.openCondition(conditions) ?? d.openCondition(notStatedMalignant) {
            return FactOutcome(Fact(id: id, truth: .unknown, evidence: open.sources,
                                    note: notes.text("open", "No recorded problem is it, but {reason}.", ["reason": open.reason])))
        }
        return FactOutcome(Fact(id: id, truth: .false,
                                note: notes.text("absent", "None of the {problems} is it.",
                                                 ["problems": Derivation.plural(d.conditions.count, "recorded problem")])))
    }
}
