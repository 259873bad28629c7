import ClinicalModel

/// Treatment history: exposures, progression on enzalutamide (PCWG3), line of therapy.
extension Derivation {
    /// Any real exposure (not planned, not cancelled, not "not taken").
    func exposure(_ id: FactID, _ vs: ValueSet) -> Fact {
        let found = exposures(vs)
        if let first = found.first {
            let when = first.start.map { " from \($0.dateString)" } ?? ""
            return Fact(id: id, truth: .true, evidence: found.map(\.source),
                        note: "\(describe(first.medication, vs))\(when) (\(first.kind.rawValue)).")
        }
        if hasMedicationHistory {
            let planned = medications.filter { $0.actuality == .planned && vs.matches($0.medication) }
            return Fact(id: id, truth: .false, evidence: planned.map(\.source),
                        note: planned.isEmpty ? "Not in the recorded medication history."
                                              : "Only planned or proposed, never given.")
        }
        return Fact(id: id, truth: .unknown, note: "No medication history is recorded.")
    }

    func progressedOnEnzalutamide() -> Fact {
        progression(on: rules.progression.enzalutamide, id: .progressedOnEnzalutamide, drugName: "enzalutamide")
    }

    /// Progression while on a drug of `vs` or within the grace period after it stopped:
    /// stopped for progression, documented progression, or PCWG3 PSA progression.
    func progression(on vs: ValueSet, id: FactID, drugName: String) -> Fact {
        let p = rules.progression
        let uses = exposures(vs)
        guard !uses.isEmpty else {
            if hasMedicationHistory {
                return Fact(id: id, truth: .false, note: "Never exposed to \(drugName).")
            }
            return Fact(id: id, truth: .unknown, note: "No medication history is recorded.")
        }
        // 1. Stopped because of progression.
        for use in uses {
            for reason in use.statusReasons where p.stopReasons.matches(reason) {
                return Fact(id: id, truth: .true, evidence: [use.source],
                            note: "\(drugName.capitalizedFirst) was stopped for \(describe(reason, p.stopReasons)).")
            }
        }
        let courses = TherapyCourse.courses(uses, asOf: asOf, gapDays: p.courseGapDays)
        let psa = psaSeries()
        var noProgression: [SourceRef] = []
        var reasons: [String] = []
        var everyCourseAssessed = true
        for course in courses {
            guard let start = course.start, let end = course.end else {
                reasons.append("\(drugName) has no start date")
                everyCourseAssessed = false
                continue
            }
            let windowEnd = course.ongoing ? horizon : min(end.adding(days: p.graceDays), horizon)
            let span = course.ongoing ? "since \(start.dateString)" : "\(start.dateString) to \(end.dateString)"
            // 2. Documented progression inside the window.
            if let (source, what) = documentedProgression(from: start, to: windowEnd) {
                return Fact(id: id, truth: .true, evidence: course.sources + [source],
                            note: "\(what) on \(drugName) (\(span)\(course.ongoing ? "" : ", +\(p.graceDays) days")).")
            }
            // 3. PCWG3 PSA progression.
            switch PSAProgression.evaluate(psa, start: start, windowEnd: windowEnd, rule: p.psa) {
            case .progression(let rise, let confirmation, let nadir):
                return Fact(id: id, truth: .true, evidence: course.sources + [nadir.source, rise.source, confirmation.source],
                            note: "PCWG3 PSA progression on \(drugName) (\(span)): nadir \(Self.format(nadir.ngPerMl)) ng/mL, "
                                + "\(Self.format(rise.ngPerMl)) on \(rise.time.dateString), confirmed "
                                + "\(Self.format(confirmation.ngPerMl)) on \(confirmation.time.dateString).")
            case .noProgression(let values):
                noProgression += course.sources + values.map(\.source)
                reasons.append("\(Self.plural(values.count, "PSA result")) on \(drugName) (\(span)) show no PCWG3 progression")
            case .insufficient(let why):
                reasons.append("on \(drugName) (\(span)): \(why)")
                everyCourseAssessed = false
            }
        }
        if everyCourseAssessed {
            return Fact(id: id, truth: .false, evidence: noProgression,
                        note: reasons.joined(separator: "; ").capitalizedFirst + "; no progression is documented.")
        }
        return Fact(id: id, truth: .unknown, evidence: uses.map(\.source),
                    note: "Exposed to \(drugName), but progression cannot be decided: " + reasons.joined(separator: "; ") + ".")
    }

    /// A documented progression after the start day and before `to`: mCODE disease status
    /// "worsened", or a progression problem. A progression dated on the start day is the one that
    /// led to the drug, not one on it.
    func documentedProgression(from: Instant, to: Instant) -> (SourceRef, String)? {
        let p = rules.progression
        let firstDay = TimeRange.day(from).end
        for o in observations where p.diseaseStatusCodes.matchesCode(o.code) {
            guard let t = o.effective?.earliest, t >= firstDay, t < to, case .concept(let value)? = o.value,
                p.progressionValues.matchesCode(value)
            else { continue }
            return (o.source, "Disease status \(describe(value, p.progressionValues)) on \(t.dateString)")
        }
        for c in conditions where p.progressionFindings.matches(c.code) {
            guard let t = c.time, t >= firstDay, t < to else { continue }
            return (c.source, "\(describe(c.code, p.progressionFindings)) recorded \(t.dateString)")
        }
        return nil
    }

    /// Dated PSA results in ng/mL, oldest first; results in units that cannot be converted are left out.
    func psaSeries() -> [PSAValue] {
        let rule = rules.progression.psa
        var values: [PSAValue] = []
        for o in observations where rule.observations.matchesCode(o.code) {
            // A censored result ("< 0.1") is not a value a rise can be measured from.
            guard let earliest = o.effective?.earliest, let latest = o.effective?.latest, case .quantity(let q)? = o.value,
                q.comparator == nil, let v = rule.units.convert(q)
            else { continue }
            values.append(PSAValue(time: earliest, latest: latest, ngPerMl: v, source: o.source))
        }
        return values.sorted { ($0.time, $0.source) < ($1.time, $1.source) }
    }

    /// The line of systemic therapy in which enzalutamide was given. Each line agent's first
    /// start orders the regimens; agents starting within `sameRegimenDays` of each other are
    /// one regimen. ADT is the backbone, not a line.
    func enzalutamideLine() -> Fact {
        let enzalutamide = exposures(rules.progression.enzalutamide)
        guard !enzalutamide.isEmpty else {
            return Fact(id: .enzalutamideLine, value: .unknownInteger, note: "No exposure to enzalutamide.")
        }
        var firstStarts: [(agent: String, title: String, start: Instant, source: SourceRef)] = []
        var undated: [SourceRef] = []
        let backboneStart = exposures(rules.backbone).compactMap(\.start).min()
        for agent in rules.lineAgents {
            var uses = exposures(agent)
            // An antiandrogen started with ADT is flare cover: part of the backbone, not a line.
            if let b = backboneStart, rules.flareCover.contains(where: { $0.id == agent.id }) {
                uses = uses.filter { u in u.start.map { abs(b.days(until: $0)) > rules.sameRegimenDays } ?? true }
            }
            guard !uses.isEmpty else { continue }
            let dated = uses.compactMap { u in u.start.map { ($0, u.source) } }
            guard let first = dated.min(by: { $0.0 < $1.0 }) else {
                undated += uses.map(\.source)
                continue
            }
            firstStarts.append((agent.id, agent.title, first.0, first.1))
        }
        guard undated.isEmpty else {
            return Fact(id: .enzalutamideLine, value: .unknownInteger, evidence: undated,
                        note: "A systemic therapy has no start date, so the order of lines cannot be decided.")
        }
        firstStarts.sort { ($0.start, $0.agent) < ($1.start, $1.agent) }
        var regimens: [[(agent: String, title: String, start: Instant, source: SourceRef)]] = []
        for item in firstStarts {
            if let first = regimens.last?.first, first.start.days(until: item.start) <= rules.sameRegimenDays {
                regimens[regimens.count - 1].append(item)
            } else {
                regimens.append([item])
            }
        }
        let enzalutamideID = rules.progression.enzalutamide.id
        guard let index = regimens.firstIndex(where: { $0.contains { $0.agent == enzalutamideID } }) else {
            return Fact(id: .enzalutamideLine, value: .unknownInteger, evidence: enzalutamide.map(\.source),
                        note: "Enzalutamide has no start date.")
        }
        let order = regimens.map { $0.map(\.title).joined(separator: " + ") }.joined(separator: " → ")
        return Fact(id: .enzalutamideLine, value: .integer(index + 1), evidence: regimens.flatMap { $0.map(\.source) },
                    note: "Line \(index + 1) of systemic therapy: \(order).")
    }
}
