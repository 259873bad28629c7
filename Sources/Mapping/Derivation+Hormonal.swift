import ClinicalModel

/// Castration status: testosterone, castration resistance, and the mCRPC conjunction.
extension Derivation {
    func castrateTestosterone() -> Fact {
        let t = rules.testosterone
        let windowStartDay = asOf.day - t.lookbackDays
        var unconvertible: [SourceRef] = []
        var latestUnconvertible: Instant? = nil
        var latest: (time: Instant, ngPerDl: Double, quantity: Quantity, source: SourceRef)? = nil
        for o in observations where t.observations.matchesCode(o.code) {
            guard let time = o.time, time.day >= windowStartDay, time < horizon else { continue }
            // A value that is not a finite, non-negative number measures nothing ("-1E400 ng/dL"),
            // nor does a result given as text or not given: none of them says "castrate".
            guard case .quantity(let q)? = o.value, q.isMeasurable, let ng = t.units.convert(q), ng.isFinite, ng >= 0 else {
                unconvertible.append(o.source)
                if latestUnconvertible.map({ time > $0 }) ?? true { latestUnconvertible = time }
                continue
            }
            if latest == nil || time > latest!.time { latest = (time, ng, q, o.source) }
        }
        // The latest result is the one that counts: when it (or one of its day) cannot be read,
        // an older readable one does not say what the latest says.
        if let u = latestUnconvertible, let l = latest, u.day >= l.time.day {
            return Fact(id: .castrateTestosterone, truth: .unknown, evidence: unconvertible,
                        note: "The latest testosterone result in the last \(t.lookbackDays) days (\(u.dateString)) has no unit that can be converted to ng/dL, or no usable number.")
        }
        let threshold = t.thresholdNgPerDl
        // The threshold in nmol/L too, with the factor of the unit table (facts.json).
        let nmol = t.units.factors[UnitTable.key("nmol/L")].map { " (\(Self.round3(threshold / $0)) nmol/L)" } ?? ""
        guard let latest else {
            if !unconvertible.isEmpty {
                return Fact(id: .castrateTestosterone, truth: .unknown, evidence: unconvertible,
                            note: "Testosterone results in the last \(t.lookbackDays) days have no unit that can be converted to ng/dL, or no usable number.")
            }
            return Fact(id: .castrateTestosterone, truth: .unknown,
                        note: "No total testosterone result in the last \(t.lookbackDays) days.")
        }
        let shown = "\(latest.quantity.comparator ?? "")\(latest.quantity.text) \(latest.quantity.unit ?? "")"
            .trimmingSpaces
        let converted = latest.quantity.unit.map(UnitTable.key) == "ng/dl" ? "" : " = \(Self.round3(latest.ngPerDl)) ng/dL"
        // A censored value decides only when its bound does: "< 20" is castrate, "< 100" cannot say.
        let comparator = latest.quantity.comparator ?? ""
        let below = latest.ngPerDl < threshold || (comparator.hasPrefix("<") && latest.ngPerDl <= threshold)
        if (comparator.hasPrefix("<") && !below) || (comparator.hasPrefix(">") && latest.ngPerDl < threshold) {
            return Fact(id: .castrateTestosterone, truth: .unknown, evidence: [latest.source],
                        note: "Latest testosterone is reported as \(shown) on \(latest.time.dateString): a censored value that cannot be compared with \(Self.format(threshold)) ng/dL.")
        }
        return Fact(id: .castrateTestosterone, truth: Truth(below), evidence: [latest.source],
                    note: "Latest testosterone \(shown)\(converted) on \(latest.time.dateString) is "
                        + (below ? "below" : "not below") + " \(Self.format(threshold)) ng/dL\(nmol).")
    }

    /// Documented CRPC, or castrate testosterone with progression on hormonal therapy.
    func castrationResistant(castrate: Fact, progressedOnEnzalutamide: Fact) -> Fact {
        let documented = conditions(in: rules.castrationResistant)
        if let first = documented.first {
            return Fact(id: .castrationResistant, truth: .true, evidence: documented.map(\.source),
                        note: "\(describe(first.code, rules.castrationResistant)) is documented.")
        }
        let progression = progressedOnEnzalutamide.value.truth == .true
            ? progressedOnEnzalutamide : self.progression(rules.crpcProgression, id: .castrationResistant)
        if castrate.value.truth == .true, progression.value.truth == .true {
            return Fact(id: .castrationResistant, truth: .true, evidence: castrate.evidence + progression.evidence,
                        note: "Castrate testosterone with progression on hormonal therapy.")
        }
        let sensitive = conditions(in: rules.hormoneSensitive)
        // Hormone-sensitive disease documented rules resistance out only when the data do not
        // leave room for progression under castration.
        if let first = sensitive.first, (castrate.value.truth && progression.value.truth) == .false {
            return Fact(id: .castrationResistant, truth: .false, evidence: sensitive.map(\.source),
                        note: "\(describe(first.code, rules.hormoneSensitive)) is documented and no castration resistance.")
        }
        if castrate.value.truth == .false {
            return Fact(id: .castrationResistant, truth: .false, evidence: castrate.evidence,
                        note: "Testosterone is not castrate and castration resistance is not documented.")
        }
        if castrate.value.truth == .true {
            return Fact(id: .castrationResistant, truth: .unknown, evidence: castrate.evidence,
                        note: "Testosterone is castrate, but neither CRPC nor progression on hormonal therapy is documented.")
        }
        return Fact(id: .castrationResistant, truth: .unknown,
                    note: "CRPC is not documented and castrate testosterone is not established.")
    }

    func mcrpc(_ facts: FactSet) -> Fact {
        let parts: [FactID] = [.prostateCancer, .metastatic, .castrationResistant]
        let t = Truth.all(parts.map { facts.truth($0) })
        let evidence = parts.flatMap { facts[$0]?.evidence ?? [] }
        switch t {
        case .true:
            return Fact(id: .mcrpc, truth: .true, evidence: evidence,
                        note: "Prostate cancer, metastatic, castration-resistant.")
        case .false:
            let failing = parts.filter { facts.truth($0) == .false }.map(\.rawValue)
            return Fact(id: .mcrpc, truth: .false, evidence: parts.filter { facts.truth($0) == .false }.flatMap { facts[$0]?.evidence ?? [] },
                        note: "Not mCRPC: \(failing.joined(separator: ", ")) is false.")
        case .unknown:
            let open = parts.filter { facts.truth($0) == .unknown }.map(\.rawValue)
            return Fact(id: .mcrpc, truth: .unknown, evidence: evidence,
                        note: "Cannot decide: \(open.joined(separator: ", ")) unknown.")
        }
    }
}
