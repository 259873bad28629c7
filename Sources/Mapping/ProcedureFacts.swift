import ClinicalModel

extension Derivation {
    /// Does this procedure target the sites of `vs`? By body site, else by the procedure's text.
    func targets(_ p: Procedure, _ vs: ValueSet) -> Truth {
        if !p.bodySites.isEmpty { return Truth(vs.matchesAny(p.bodySites)) }
        for text in p.code.texts where vs.matchesText(text) { return .true }
        return .unknown
    }
}

/// Kind `procedure-planned`: a procedure of `procedures` requested, planned or proposed, not
/// yet done, to `targetSites`, and not of palliative intent (a `palliativeIntent` code, intent
/// or reason, or a reason in `palliativeReasons`). A plan a later completed course to the same
/// sites fulfilled is no longer pending; a plan whose target is not recorded leaves it unknown.
struct ProcedurePlannedFact: FactKind {
    let id: FactID
    let procedures: ValueSet
    let targetSites: ValueSet
    let palliativeIntent: ValueSet
    let palliativeReasons: ValueSet
    let notes: FactNotes
    var dependencies: [FactID] { [] }

    init(_ p: FactParameters) throws(MappingError) {
        id = p.id
        procedures = try p.valueSet("procedures")
        targetSites = try p.valueSet("targetSites")
        palliativeIntent = try p.valueSet("palliativeIntent")
        palliativeReasons = try p.valueSet("palliativeReasons")
        notes = p.notes
    }

    func derive(_ d: Derivation, _ known: FactSet) -> FactOutcome { FactOutcome(fact(d)) }

    private func fact(_ d: Derivation) -> Fact {
        let rt = procedures
        let plans = d.procedures.filter { $0.actuality == .planned && $0.status != "completed" && rt.matches($0.code) }
        let palliative = plans.filter {
            palliativeIntent.matches($0.code) || palliativeIntent.matchesAny($0.reasons)
                || palliativeIntent.matchesAny($0.intents) || palliativeReasons.matchesAny($0.reasons)
        }
        let planned = plans.filter { p in !palliative.contains(p) }
        let done = d.procedures.filter {
            $0.actuality == .actual && ($0.status == nil || $0.status == "completed") && rt.matches($0.code)
                && d.targets($0, targetSites) == .true
        }
        var unknownSite: [SourceRef] = []
        for plan in planned {
            switch d.targets(plan, targetSites) {
            case .true:
                if let when = plan.time, done.contains(where: { ($0.time ?? Instant(seconds: .min)) >= when }) { continue }
                let site = plan.bodySites.first.map { " to \($0.label)" } ?? ""
                return Fact(id: id, truth: .true, evidence: [plan.source],
                            note: "\(d.describe(plan.code, rt))\(site) is \(plan.kind == .serviceRequest ? "requested" : "planned")"
                                + (plan.status.map { " (status \($0))" } ?? "") + ".")
            case .unknown: unknownSite.append(plan.source)
            case .false: break
            }
        }
        if !unknownSite.isEmpty {
            return Fact(id: id, truth: .unknown, evidence: unknownSite,
                        note: notes.text("targetNotRecorded", "One is planned but its target is not recorded."))
        }
        if planned.isEmpty, !palliative.isEmpty {
            return Fact(id: id, truth: .false, evidence: palliative.map(\.source),
                        note: notes.text("palliative", "The planned one is palliative."))
        }
        return Fact(id: id, truth: .false,
                    note: planned.isEmpty ? notes.text("none", "None is requested or planned.")
                                          : notes.text("otherTarget", "The planned one does not target the sites."))
    }
}

/// Kind `procedure-done`: a completed procedure of `procedures` to `targetSites`; unknown with
/// no procedure on record, false otherwise.
struct ProcedureDoneFact: FactKind {
    let id: FactID
    let procedures: ValueSet
    let targetSites: ValueSet
    let notes: FactNotes
    var dependencies: [FactID] { [] }

    init(_ p: FactParameters) throws(MappingError) {
        id = p.id
        procedures = try p.valueSet("procedures")
        targetSites = try p.valueSet("targetSites")
        notes = p.notes
    }

    func derive(_ d: Derivation, _ known: FactSet) -> FactOutcome { FactOutcome(fact(d)) }

    private func fact(_ d: Derivation) -> Fact {
        let found = d.procedures.filter {
            $0.actuality == .actual && ($0.status == nil || $0.status == "completed") && procedures.matches($0.code)
                && d.targets($0, targetSites) == .true
        }
        if let first = found.first {
            let when = first.time.map { " (\($0.dateString))" } ?? ""
            return Fact(id: id, truth: .true, evidence: found.map(\.source),
                        note: notes.text("done", "{what}, completed{when}.", ["what": d.describe(first.code, procedures), "when": when]))
        }
        if d.procedures.isEmpty {
            return Fact(id: id, truth: .unknown, note: "No procedures are recorded.")
        }
        return Fact(id: id, truth: .false, note: notes.text("none", "None completed is recorded."))
    }
}
