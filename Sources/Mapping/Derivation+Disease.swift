import ClinicalModel

/// Diagnosis and extent of disease: prostate cancer, metastatic sites, symptoms, recurrence.
extension Derivation {
    /// Malignant neoplasm of prostate. A code that does not say malignant (Synthea's 126906006,
    /// 92691004) is unknown on its own and true with treatment only prostate cancer gets; false
    /// only when conditions are recorded and none is any prostate neoplasm.
    func prostateCancer() -> Fact {
        let r = rules.prostateCancer
        let found = conditions(in: r.conditions)
        if let first = found.first {
            return Fact(id: .prostateCancer, truth: .true, evidence: found.map(\.source),
                        note: "\(describe(first.code, r.conditions)) is on the problem list.")
        }
        let unspecified = conditions(in: r.unspecified)
        if let first = unspecified.first {
            let what = describe(first.code, r.unspecified)
            var treatment = r.onlyTreatments.flatMap { exposures($0) }
            if !exposures(r.backbone).isEmpty { treatment += r.withBackbone.flatMap { exposures($0) } }
            if let t = treatment.min(by: { ($0.start ?? Instant(seconds: .max), $0.source) < ($1.start ?? Instant(seconds: .max), $1.source) }) {
                return Fact(id: .prostateCancer, truth: .true, evidence: unspecified.map(\.source) + treatment.map(\.source),
                            note: "\(what) does not say malignant, but \(t.medication.label) is on record, a treatment only prostate cancer gets.",
                            assumptions: ["malignancy inferred from treatment"])
            }
            return Fact(id: .prostateCancer, truth: .unknown, evidence: unspecified.map(\.source),
                        note: "\(what) does not say malignant, and no treatment only prostate cancer gets is on record.")
        }
        if conditions.isEmpty {
            return Fact(id: .prostateCancer, truth: .unknown, note: "No problems or diagnoses are recorded.")
        }
        if let open = openCondition(r.conditions) ?? openCondition(r.unspecified) {
            return Fact(id: .prostateCancer, truth: .unknown, evidence: open.sources,
                        note: "No recorded problem is a prostate neoplasm, but \(open.reason).")
        }
        return Fact(id: .prostateCancer, truth: .false,
                    note: "None of the \(Self.plural(conditions.count, "recorded problem")) is a prostate neoplasm.")
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
            // A symptom counts while it is current (a resolved or abated pain does not) and only
            // when it is reported present: an observation "bone pain: absent", scored 0 or without
            // a value reads as no symptom or as unknown, never as a symptom.
            let m = rules.metastasis
            let vs = m.symptoms
            let conditions = conditions(in: vs).filter { c in
                let ended = ["inactive", "resolved", "remission"].contains(c.clinicalStatus ?? "")
                let abated = c.abatement?.earliest.map { $0 < horizon } ?? false
                return !ended && !abated
            }
            var present = conditions.map { ($0.source, $0.code) }
            var unclear: [SourceRef] = []
            for o in observations {
                if valueMatches(o, vs) {
                    present.append((o.source, o.code))
                    continue
                }
                guard vs.matches(o.code) else { continue }
                switch symptomReported(o, m) {
                case .true: present.append((o.source, o.code))
                case .unknown: unclear.append(o.source)
                case .false: break
                }
            }
            if let first = present.first {
                return Fact(id: .symptomaticBoneMetastases, truth: .true, evidence: bone.evidence + present.map(\.0),
                            note: "Bone metastases with \(describe(first.1, vs)).")
            }
            if !unclear.isEmpty {
                return Fact(id: .symptomaticBoneMetastases, truth: .unknown, evidence: bone.evidence + unclear,
                            note: "Bone metastases; a bone-pain or fracture observation is recorded without a value that says whether it is present.")
            }
            return Fact(id: .symptomaticBoneMetastases, truth: .false, evidence: bone.evidence,
                        note: "Bone metastases, but no bone or cancer pain, pathological fracture or cord compression is documented.")
        }
    }

    /// Whether a symptom observation reports the symptom present: a positive coded value or
    /// interpretation, `true`, or a score above zero; absent for a negative, `false` or zero;
    /// unknown for anything else (no value, free text, a code we do not know).
    func symptomReported(_ o: Observation, _ m: FactRules.Metastasis) -> Truth {
        switch o.value {
        case .integer(let n)?: return Truth(n > 0)
        case .quantity(let q)?: return q.isMeasurable && q.comparator == nil ? Truth(q.value > 0) : .unknown
        default: return resultPolarity(o, positive: m.symptomPositive, negative: m.symptomNegative)
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
            if let open = openCondition(rules.recurrence) {
                return Fact(id: .localRecurrence, truth: .unknown, evidence: open.sources,
                            note: "No recurrence of prostate cancer is documented, but \(open.reason).")
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
