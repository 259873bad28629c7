import ClinicalModel

/// Radiotherapy: planned pelvic radiation, completed definitive radiation to the prostate.
extension Derivation {
    /// Does this procedure target the sites of `vs`? By body site, else by the procedure's text.
    func targets(_ p: Procedure, _ vs: ValueSet) -> Truth {
        if !p.bodySites.isEmpty { return Truth(vs.matchesAny(p.bodySites)) }
        for text in p.code.texts where vs.matchesText(text) { return .true }
        return .unknown
    }

    func pelvicRadiationPlanned() -> Fact {
        let r = rules.pelvicPlan
        let rt = r.radiotherapy
        // Palliative radiation (a palliative code, intent or reason, or a bone metastasis as its
        // reason) is palliative bone radiation, not pelvic IMRT, whatever bone it targets.
        let plans = procedures.filter { $0.actuality == .planned && $0.status != "completed" && rt.matches($0.code) }
        let palliative = plans.filter {
            r.palliativeIntent.matches($0.code) || r.palliativeIntent.matchesAny($0.reasons)
                || r.palliativeIntent.matchesAny($0.intents) || r.boneMetastasisReasons.matchesAny($0.reasons)
        }
        let planned = plans.filter { p in !palliative.contains(p) }
        let done = procedures.filter {
            $0.actuality == .actual && ($0.status == nil || $0.status == "completed") && rt.matches($0.code)
                && targets($0, r.pelvicSites) == .true
        }
        var unknownSite: [SourceRef] = []
        for plan in planned {
            switch targets(plan, r.pelvicSites) {
            case .true:
                // A plan that a later completed pelvic course fulfilled is no longer pending.
                if let planned = plan.time, done.contains(where: { ($0.time ?? Instant(seconds: .min)) >= planned }) { continue }
                let site = plan.bodySites.first.map { " to \($0.label)" } ?? ""
                return Fact(id: .pelvicRadiationPlanned, truth: .true, evidence: [plan.source],
                            note: "\(describe(plan.code, rt))\(site) is \(plan.kind == .serviceRequest ? "requested" : "planned")"
                                + (plan.status.map { " (status \($0))" } ?? "") + ".")
            case .unknown: unknownSite.append(plan.source)
            case .false: break
            }
        }
        if !unknownSite.isEmpty {
            return Fact(id: .pelvicRadiationPlanned, truth: .unknown, evidence: unknownSite,
                        note: "Radiotherapy is planned but its target is not recorded.")
        }
        if planned.isEmpty, !palliative.isEmpty {
            return Fact(id: .pelvicRadiationPlanned, truth: .false, evidence: palliative.map(\.source),
                        note: "The planned radiotherapy is palliative (bone metastasis or palliative intent), not pelvic IMRT.")
        }
        return Fact(id: .pelvicRadiationPlanned, truth: .false,
                    note: planned.isEmpty ? "No radiotherapy is requested or planned."
                                          : "Planned radiotherapy does not target the prostate or pelvis.")
    }

    func priorDefinitiveRadiotherapy() -> Fact {
        let rt = rules.definitiveRadiotherapy
        let found = procedures.filter {
            $0.actuality == .actual && ($0.status == nil || $0.status == "completed") && rt.matches($0.code)
                && targets($0, rules.prostateSites) == .true
        }
        if let first = found.first {
            let when = first.time.map { " (\($0.dateString))" } ?? ""
            return Fact(id: .priorDefinitiveRadiotherapy, truth: .true, evidence: found.map(\.source),
                        note: "\(describe(first.code, rt)) to the prostate or prostate bed, completed\(when).")
        }
        if procedures.isEmpty {
            return Fact(id: .priorDefinitiveRadiotherapy, truth: .unknown, note: "No procedures are recorded.")
        }
        return Fact(id: .priorDefinitiveRadiotherapy, truth: .false,
                    note: "No completed radiotherapy to the prostate or prostate bed is recorded.")
    }
}
