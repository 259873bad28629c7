import ClinicalModel

/// Kind `exposure`: any real exposure (not planned, not cancelled, not "not taken") to a drug
/// of `medications`, or, for therapies recorded as procedures (radium-223, 177Lu-PSMA), a done
/// procedure of `procedures`. False only with a medication history that holds none.
struct ExposureFact: FactKind {
    let id: FactID
    let medications: ValueSet
    let procedures: ValueSet?
    var dependencies: [FactID] { [] }

    init(_ p: FactParameters) throws(MappingError) {
        id = p.id
        medications = try p.valueSet("medications")
        procedures = p.has("procedures") ? try p.valueSet("procedures") : nil
    }

    func derive(_ d: Derivation, _ known: FactSet) -> FactOutcome { FactOutcome(d.exposure(self)) }
}

/// Kind `current-exposure`: a course of `medications` is current on the evaluation date or ended
/// at most `graceDaysAfterEnd` days before it (courses split at gaps over `courseGapDays`).
struct CurrentExposureFact: FactKind {
    let id: FactID
    let drug: ValueSet
    let graceDays: Int
    let courseGapDays: Int
    var dependencies: [FactID] { [] }

    init(_ p: FactParameters) throws(MappingError) {
        id = p.id
        drug = try p.valueSet("medications")
        graceDays = try p.int("graceDaysAfterEnd")
        courseGapDays = try p.int("courseGapDays")
    }

    func derive(_ d: Derivation, _ known: FactSet) -> FactOutcome { FactOutcome(d.currentExposure(self)) }
}

/// Kind `progression-on`: progression while on a drug (``ProgressionRule``).
struct ProgressionFact: FactKind {
    let id: FactID
    let rule: ProgressionRule
    var dependencies: [FactID] { [] }

    init(_ p: FactParameters) throws(MappingError) {
        id = p.id
        rule = try ProgressionRule(p)
    }

    func derive(_ d: Derivation, _ known: FactSet) -> FactOutcome { FactOutcome(d.progression(rule, id: id)) }
}

/// Kind `therapy-line`: the line of systemic therapy in which a drug was given (an integer).
/// Each line agent of `therapies.json` starts a regimen at its first start; agents starting
/// within `sameRegimenWithinDays` of a regimen's first agent join it; the `backbone` (ADT) is not
/// a line, and agents of `flareCoverWithBackbone` started with it are part of it.
struct TherapyLineFact: FactKind {
    let id: FactID
    let drug: ValueSet
    let backbone: ValueSet
    let flareCover: [ValueSet]
    var dependencies: [FactID] { [] }

    init(_ p: FactParameters) throws(MappingError) {
        id = p.id
        let drug = try p.valueSet("medications")
        self.drug = drug
        guard p.mappings.therapies.lineAgents.contains(where: { $0.valueSet.id == drug.id }) else {
            throw MappingError(file: p.file, path: p.path("medications"),
                               message: "\"\(drug.id)\" is not a line agent in therapies.json")
        }
        backbone = try p.valueSet("backbone")
        flareCover = try p.valueSets("flareCoverWithBackbone")
    }

    func derive(_ d: Derivation, _ known: FactSet) -> FactOutcome { FactOutcome(d.therapyLine(self)) }
}
