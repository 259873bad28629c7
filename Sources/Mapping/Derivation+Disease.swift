import ClinicalModel

/// Diagnosis and extent of disease: prostate cancer, metastatic sites, symptoms, recurrence.
extension Derivation {
    func prostateCancer() -> Fact {
        let found = conditions(in: rules.prostateCancer)
        if let first = found.first {
            return Fact(id: .prostateCancer, truth: .true, evidence: found.map(\.source),
                        note: "\(describe(first.code, rules.prostateCancer)) is on the problem list.")
        }
        if conditions.isEmpty {
            return Fact(id: .prostateCancer, truth: .unknown, note: "No problems or diagnoses are recorded.")
        }
        return Fact(id: .prostateCancer, truth: .false,
                    note: "None of the \(Self.plural(conditions.count, "recorded problem")) is a prostate cancer.")
    }

    struct Sites {
        let metastatic: Fact
        let bone: Fact
        let visceral: Fact
        let distantNodal: Fact
    }

    /// Metastatic status and its sites. A site is false when metastatic disease is ruled out
    /// (M0), or when metastases are documented by site and none is at this site; it is
    /// unknown when metastases are documented without a site.
    func metastaticSites() -> Sites {
        let m = rules.metastasis
        let bone = conditions(in: m.bone)
        let visceral = conditions(in: m.visceral)
        let distantNodal = conditions(in: m.distantNodal)
        let regional = conditions(in: m.regionalNodal).filter { !m.distantNodal.matches($0.code) }
        let unspecifiedNodal = conditions(in: m.unspecifiedNodal)
        let anySite = conditions(in: m.anySite)
        let (m1, m0) = stagingM()

        let siteSpecific = bone + visceral + distantNodal
        let metastatic: Fact
        if !siteSpecific.isEmpty || !anySite.isEmpty || !m1.isEmpty {
            var parts: [String] = []
            if !bone.isEmpty { parts.append("bone") }
            if !visceral.isEmpty { parts.append("visceral") }
            if !distantNodal.isEmpty { parts.append("distant nodal") }
            var note = parts.isEmpty ? "Metastatic disease is documented" : "Metastases documented: \(parts.joined(separator: ", "))"
            if !m1.isEmpty { note += parts.isEmpty ? " (M1 stage)" : "; M1 stage recorded" }
            if let first = anySite.first, parts.isEmpty, m1.isEmpty { note += ": \(describe(first.code, m.anySite))" }
            metastatic = Fact(id: .metastatic, truth: .true,
                              evidence: (siteSpecific + anySite).map(\.source) + m1, note: note + ".")
        } else if !m0.isEmpty {
            metastatic = Fact(id: .metastatic, truth: .false, evidence: m0,
                              note: "Staging records no distant metastasis (M0)"
                                + (regional.isEmpty ? "." : "; regional (pelvic) nodes alone are not metastatic disease."))
        } else if !regional.isEmpty {
            metastatic = Fact(id: .metastatic, truth: .unknown, evidence: regional.map(\.source),
                              note: "Only regional (pelvic) nodal metastases are documented, which are not metastatic disease; no staging rules distant metastases in or out.")
        } else if !unspecifiedNodal.isEmpty {
            metastatic = Fact(id: .metastatic, truth: .unknown, evidence: unspecifiedNodal.map(\.source),
                              note: "Nodal metastases are documented without saying whether the nodes are regional or distant.")
        } else {
            metastatic = Fact(id: .metastatic, truth: .unknown,
                              note: "No metastasis and no M staging is recorded.")
        }

        func site(_ id: FactID, _ name: String, _ found: [Condition], _ vs: ValueSet, ambiguous: [Condition] = []) -> Fact {
            if let first = found.first {
                return Fact(id: id, truth: .true, evidence: found.map(\.source),
                            note: "\(describe(first.code, vs)) is documented.")
            }
            if metastatic.value.truth == .false {
                return Fact(id: id, truth: .false, evidence: m0, note: "No metastatic disease (M0).")
            }
            if !ambiguous.isEmpty {
                return Fact(id: id, truth: .unknown, evidence: ambiguous.map(\.source),
                            note: "Nodal metastases are documented without a region, so distant nodes cannot be ruled out.")
            }
            if !siteSpecific.isEmpty {
                return Fact(id: id, truth: .false, evidence: siteSpecific.map(\.source),
                            note: "Metastases are documented by site and none is \(name).")
            }
            if metastatic.value.truth == .true {
                return Fact(id: id, truth: .unknown, evidence: metastatic.evidence,
                            note: "Metastatic disease is documented without its sites.")
            }
            return Fact(id: id, truth: .unknown, note: "No metastatic sites are recorded.")
        }
        return Sites(
            metastatic: metastatic,
            bone: site(.boneMetastases, "in bone", bone, m.bone),
            visceral: site(.visceralMetastases, "visceral", visceral, m.visceral),
            distantNodal: site(.distantNodalMetastases, "in distant lymph nodes", distantNodal, m.distantNodal,
                               ambiguous: unspecifiedNodal.filter { !m.distantNodal.matches($0.code) }))
    }

    /// M category from staging: any observation (TNM M category) or condition stage whose value
    /// is an AJCC M value. Any M1 makes the disease metastatic; M0 rules it out only when no
    /// metastasis is documented.
    func stagingM() -> (m1: [SourceRef], m0: [SourceRef]) {
        let m = rules.metastasis
        var m1: [SourceRef] = []
        var m0: [SourceRef] = []
        for o in observations {
            guard case .concept(let value)? = o.value else { continue }
            let isM1 = m.m1Values.matchesCode(value)
            let isM0 = m.m0Values.matchesCode(value)
            guard isM1 || isM0 else { continue }
            if isM1 { m1.append(o.source) } else { m0.append(o.source) }
        }
        for c in conditions {
            for stage in c.stages {
                if m.m1Values.matchesCode(stage) { m1.append(c.source) }
                if m.m0Values.matchesCode(stage) { m0.append(c.source) }
            }
        }
        return (m1, m0)
    }

    func boneOnly(bone: Fact, visceral: Fact, nodal: Fact) -> Fact {
        let t = bone.value.truth && !visceral.value.truth && !nodal.value.truth
        let note: String
        switch t {
        case .true: note = "Bone metastases with neither visceral nor distant nodal metastases."
        case .false:
            note = bone.value.truth == .false ? "No bone metastases." : "Metastases are not confined to bone."
        case .unknown:
            note = "Bone \(bone.value.truth), visceral \(visceral.value.truth), distant nodal \(nodal.value.truth): the extent cannot be decided."
        }
        let evidence = t == .false && bone.value.truth != .false
            ? (visceral.value.truth == .true ? visceral.evidence : []) + (nodal.value.truth == .true ? nodal.evidence : [])
            : bone.evidence
        return Fact(id: .boneOnlyMetastases, truth: t, evidence: evidence, note: note)
    }

    func symptomaticBone(bone: Fact) -> Fact {
        switch bone.value.truth {
        case .false:
            return Fact(id: .symptomaticBoneMetastases, truth: .false, evidence: bone.evidence, note: "No bone metastases.")
        case .unknown:
            return Fact(id: .symptomaticBoneMetastases, truth: .unknown, note: "Whether there are bone metastases is unknown.")
        case .true:
            // A symptom counts while it is current (a resolved pain does not) and when it is
            // reported present (an observation "bone pain: absent" is not a symptom).
            let vs = rules.metastasis.symptoms
            let current = conditions(in: vs).filter { !["inactive", "resolved", "remission"].contains($0.clinicalStatus ?? "") }
            let found = current.map { ($0.source, $0.code) }
                + observations.filter { (vs.matches($0.code) && resultPolarity($0) != .false) || valueMatches($0, vs) }
                    .map { ($0.source, $0.code) }
            if let first = found.first {
                return Fact(id: .symptomaticBoneMetastases, truth: .true, evidence: bone.evidence + found.map(\.0),
                            note: "Bone metastases with \(describe(first.1, vs)).")
            }
            return Fact(id: .symptomaticBoneMetastases, truth: .false, evidence: bone.evidence,
                        note: "Bone metastases, but no bone or cancer pain, pathological fracture or cord compression is documented.")
        }
    }

    /// A coded observation value (finding) in `vs`.
    func valueMatches(_ o: Observation, _ vs: ValueSet) -> Bool {
        if case .concept(let c)? = o.value { return vs.matchesCode(c) }
        return false
    }

    func localRecurrence(metastatic: Fact) -> Fact {
        let found = conditions(in: rules.recurrence)
        guard let first = found.first else {
            if conditions.isEmpty {
                return Fact(id: .localRecurrence, truth: .unknown, note: "No problems or diagnoses are recorded.")
            }
            return Fact(id: .localRecurrence, truth: .false, note: "No recurrence of prostate cancer is documented.")
        }
        let what = describe(first.code, rules.recurrence)
        switch metastatic.value.truth {
        case .false:
            return Fact(id: .localRecurrence, truth: .true, evidence: found.map(\.source) + metastatic.evidence,
                        note: "\(what) is documented and the disease is not metastatic.")
        case .true:
            return Fact(id: .localRecurrence, truth: .false, evidence: found.map(\.source) + metastatic.evidence,
                        note: "\(what) is documented, but the disease is metastatic: not a local recurrence.")
        case .unknown:
            return Fact(id: .localRecurrence, truth: .unknown, evidence: found.map(\.source),
                        note: "\(what) is documented, but whether the disease is metastatic is unknown.")
        }
    }
}
