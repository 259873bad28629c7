import ClinicalModel

/// Kind `symptom-present`: a symptom of something another fact establishes (`given`), reported
/// present and current: a condition not ended (`endedClinicalStatuses`) nor abated, a finding
/// valued with the symptom, or an observation of it reported present (a positive coded value or
/// interpretation, `true`, a score above zero). False when `given` is false, or when it is true
/// and no symptom is documented; unknown when an observation of it says neither.
struct SymptomFact: FactKind {
    let id: FactID
    let given: FactID
    let symptoms: ValueSet
    let positive: ValueSet
    let negative: ValueSet
    let endedStatuses: Set<String>
    let notes: FactNotes
    var dependencies: [FactID] { [given] }

    init(_ p: FactParameters) throws(MappingError) {
        id = p.id
        given = try p.factID("given")
        symptoms = try p.valueSet("symptoms")
        positive = try p.valueSet("positiveResults")
        negative = try p.valueSet("negativeResults")
        endedStatuses = Set(try p.strings("endedClinicalStatuses"))
        notes = p.notes
    }

    func derive(_ d: Derivation, _ known: FactSet) -> FactOutcome {
        let base = known[given]
        let label = d.rules.labels[given] ?? given.rawValue
        switch base?.value.truth ?? .unknown {
        case .false:
            return FactOutcome(Fact(id: id, truth: .false, evidence: base?.evidence ?? [],
                                    note: notes.text("givenFalse", "\(label): no.")))
        case .unknown:
            return FactOutcome(Fact(id: id, truth: .unknown, note: notes.text("givenUnknown", "\(label): unknown.")))
        case .true:
            let evidence = base?.evidence ?? []
            // A symptom counts while it is current (a resolved or abated one does not) and only
            // when it is reported present: "bone pain: absent", a score of 0 or no value reads as
            // no symptom or as unknown, never as a symptom.
            let conditions = d.conditions(in: symptoms).filter { c in
                let ended = endedStatuses.contains(c.clinicalStatus ?? "")
                let abated = c.abatement?.earliest.map { $0 < d.horizon } ?? false
                return !ended && !abated
            }
            var present = conditions.map { ($0.source, $0.code) }
            var unclear: [SourceRef] = []
            for o in d.observations {
                if d.valueMatches(o, symptoms) {
                    present.append((o.source, o.code))
                    continue
                }
                guard symptoms.matches(o.code) else { continue }
                switch d.reported(o, positive: positive, negative: negative) {
                case .true: present.append((o.source, o.code))
                case .unknown: unclear.append(o.source)
                case .false: break
                }
            }
            if let first = present.first {
                return FactOutcome(Fact(id: id, truth: .true, evidence: evidence + present.map(\.0),
                                        note: notes.text("present", "\(label) with {what}.", ["what": d.describe(first.1, symptoms)])))
            }
            if !unclear.isEmpty {
                return FactOutcome(Fact(id: id, truth: .unknown, evidence: evidence + unclear,
                                        note: notes.text("unclear", "\(label); an observation of the symptom is recorded without a value that says whether it is present.")))
            }
            return FactOutcome(Fact(id: id, truth: .false, evidence: evidence,
                                    note: notes.text("absent", "\(label), but no symptom is documented.")))
        }
    }
}
