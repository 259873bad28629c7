import ClinicalModel

/// Treatment history: exposures, current courses, progression on enzalutamide (PCWG3), line of therapy.
extension Derivation {
    /// Any real exposure (not planned, not cancelled, not "not taken"), as a medication or, for
    /// therapies recorded as procedures (radium-223, 177Lu-PSMA), a done procedure.
    func exposure(_ e: ExposureFact) -> Fact {
        let found = exposures(e.medications)
        let done = e.procedures.map { vs in procedures.filter { $0.actuality == .actual && vs.matchesName($0.code) } } ?? []
        if let first = found.first {
            let when = first.start.map { " from \($0.dateString)" } ?? ""
            return Fact(id: e.id, truth: .true, evidence: found.map(\.source) + done.map(\.source),
                        note: "\(describe(first.medication, e.medications))\(when) (\(first.kind.rawValue)).")
        }
        if let first = done.first, let vs = e.procedures {
            let when = first.time.map { " on \($0.dateString)" } ?? ""
            return Fact(id: e.id, truth: .true, evidence: done.map(\.source),
                        note: "\(describe(first.code, vs))\(when) (\(first.kind.rawValue)).")
        }
        if let open = openMedication(e.medications) {
            return Fact(id: e.id, truth: .unknown, evidence: open.sources,
                        note: "Not found in the medication history, but \(open.reason).")
        }
        if hasMedicationHistory {
            let planned = medications.filter { $0.actuality == .planned && e.medications.matchesName($0.medication) }
            return Fact(id: e.id, truth: .false, evidence: planned.map(\.source),
                        note: planned.isEmpty ? "Not in the recorded medication history."
                                              : "Only planned or proposed, never given.")
        }
        return Fact(id: e.id, truth: .unknown, note: "No medication history is recorded.")
    }

    /// The first start of a line agent other than `drug`, in a regimen started after the one
    /// beginning at `start` (more than `sameRegimenWithinDays` later): where a course left
    /// `active` or with no recorded end is taken to stop.
    func nextLine(after start: Instant, excluding drug: ValueSet) -> (start: Instant, name: String)? {
        let t = rules.therapies
        var best: (start: Instant, name: String)? = nil
        for agent in t.lineAgents where agent.valueSet.id != drug.id {
            for use in exposures(agent.valueSet) {
                guard let s = use.start, s.day > start.day + t.sameRegimenDays else { continue }
                if best == nil || s < best!.start { best = (s, agent.name) }
            }
        }
        return best
    }

    func courses(_ uses: [MedicationUse], of drug: ValueSet, gapDays: Int) -> [TherapyCourse] {
        TherapyCourse.courses(uses, therapy: rules.therapies.therapy(drug), table: rules.therapies, asOf: asOf,
                              gapDays: gapDays, nextLine: { nextLine(after: $0, excluding: drug) })
    }

    /// Whether a course of `drug` is current on the evaluation date or ended at most `graceDays`
    /// before it. A course whose end is not recorded is current only while nothing says it ended,
    /// and then unknown: the record cannot tell.
    func currentExposure(_ c: CurrentExposureFact) -> Fact {
        let name = rules.name(of: c.drug)
        let uses = exposures(c.drug)
        guard !uses.isEmpty else {
            if let open = openMedication(c.drug) {
                return Fact(id: c.id, truth: .unknown, evidence: open.sources, note: "No \(name) found, but \(open.reason).")
            }
            if hasMedicationHistory { return Fact(id: c.id, truth: .false, note: "Never exposed to \(name).") }
            return Fact(id: c.id, truth: .unknown, note: "No medication history is recorded.")
        }
        let courses = self.courses(uses, of: c.drug, gapDays: c.courseGapDays)
        guard let latest = courses.filter({ $0.start != nil }).max(by: { $0.start! < $1.start! }) else {
            return Fact(id: c.id, truth: .unknown, evidence: uses.map(\.source),
                        note: "\(name.capitalizedFirst) is recorded without a date.")
        }
        let limit = asOf.adding(days: -c.graceDays)
        switch latest.end {
        case .current?:
            return Fact(id: c.id, truth: .true, evidence: latest.sources,
                        note: "\(name.capitalizedFirst) \(latest.span(asOf: asOf)), recorded as ongoing.")
        case .recorded(let end, _)? where end >= asOf && latest.statusSaysEnded:
            // "A course whose status says it ended is never current", yet its recorded end is later.
            return Fact(id: c.id, truth: .unknown, evidence: latest.sources,
                        note: "\(name.capitalizedFirst) from \(latest.start!.dateString): the status says it ended, but the recorded end is \(end.dateString); when it ended is unknown.")
        case .conflicting(let end, let how)?:
            if end >= limit {
                return Fact(id: c.id, truth: .true, evidence: latest.sources,
                            note: "\(name.capitalizedFirst) from \(latest.start!.dateString): its latest record ends \(end.dateString) (\(how)), within \(c.graceDays) days.")
            }
            return Fact(id: c.id, truth: .unknown, evidence: latest.sources,
                        note: "\(name.capitalizedFirst) from \(latest.start!.dateString): one statement says it is ongoing, a later one ends it \(end.dateString) (\(how)); the records disagree.")
        case .recorded(let end, let how)?:
            let within = end >= limit
            let ends = end >= asOf ? "runs to \(end.dateString)" : "ended \(end.dateString)"
            return Fact(id: c.id, truth: Truth(within), evidence: latest.sources,
                        note: "\(name.capitalizedFirst) from \(latest.start!.dateString) \(ends) (\(how))"
                            + (within ? (end >= asOf ? "." : ", within \(c.graceDays) days of the evaluation date.")
                                      : ", more than \(c.graceDays) days before the evaluation date."))
        case .superseded(let end, let by)?:
            let within = end >= limit
            return Fact(id: c.id, truth: Truth(within), evidence: latest.sources,
                        note: "\(name.capitalizedFirst) from \(latest.start!.dateString) is recorded as ongoing, but \(by) started \(end.dateString), which ends it"
                            + (within ? "; that is within \(c.graceDays) days." : "."))
        case .notRecorded(_, _, let ended)?:
            if ended {
                return Fact(id: c.id, truth: .false, evidence: latest.sources,
                            note: "\(name.capitalizedFirst) from \(latest.start!.dateString): its status says it ended, and the end is not recorded, so it is not current.",
                            assumptions: ["end not recorded"])
            }
            return Fact(id: c.id, truth: .unknown, evidence: latest.sources,
                        note: "\(name.capitalizedFirst) from \(latest.start!.dateString) has neither an end nor a status saying whether it goes on.",
                        assumptions: ["end not recorded"])
        case nil:
            return Fact(id: c.id, truth: .unknown, evidence: latest.sources, note: "\(name.capitalizedFirst) is undated.")
        }
    }

    /// Progression while on a drug of the rule or within the grace period after it stopped:
    /// stopped for progression, documented progression, or PCWG3 PSA progression.
    func progression(_ p: ProgressionRule, id: FactID) -> Fact {
        let drugName = rules.name(of: p.drug)
        let uses = exposures(p.drug)
        guard !uses.isEmpty else {
            if let open = openMedication(p.drug) {
                return Fact(id: id, truth: .unknown, evidence: open.sources, note: "No \(drugName) found, but \(open.reason).")
            }
            if hasMedicationHistory {
                return Fact(id: id, truth: .false, note: "Never exposed to \(drugName).")
            }
            return Fact(id: id, truth: .unknown, note: "No medication history is recorded.")
        }
        // 1. Stopped because of progression: a reason counts only on a statement whose status says
        // it ended (a statusReason on an active course is why it is active), and text counts only
        // when no reason of the statement is coded with the opposite ("treatment completed").
        for use in uses where rules.therapies.endedStatuses.contains(use.status ?? "") {
            let opposite = use.statusReasons.contains { r in r.codings.contains(where: p.stopReasons.isOpposite) }
            for reason in use.statusReasons where opposite ? p.stopReasons.matchesCode(reason) : p.stopReasons.matches(reason) {
                return Fact(id: id, truth: .true, evidence: [use.source],
                            note: "\(drugName.capitalizedFirst) was stopped for \(describe(reason, p.stopReasons)).")
            }
        }
        let courses = self.courses(uses, of: p.drug, gapDays: p.courseGapDays)
        let psa = psaSeries(p.psa)
        var noProgression: [SourceRef] = []
        var reasons: [String] = []
        var assumptions: [String] = []
        var everyCourseAssessed = true
        var straddling: [SourceRef] = []
        for course in courses {
            guard let start = course.start, let last = course.lastDay(asOf: asOf) else {
                reasons.append("\(drugName) has no start date")
                everyCourseAssessed = false
                continue
            }
            let windowEnd = course.isCurrent ? horizon : min(TimeRange.day(last).start.adding(days: p.graceDays + 1), horizon)
            let span = course.span(asOf: asOf) + (course.isCurrent ? "" : ", +\(p.graceDays) days")
            let assumption = course.assumption.map { [$0] } ?? []
            // 2. Documented progression inside the window.
            let documented = documentedProgression(p, from: start, to: windowEnd)
            if let (source, what) = documented.found {
                return Fact(id: id, truth: .true, evidence: course.sources + [source],
                            note: "\(what) on \(drugName) (\(span)).", assumptions: assumption)
            }
            straddling += documented.straddling
            // 3. PCWG3 PSA progression.
            switch PSAProgression.evaluate(psa, start: start, windowEnd: windowEnd, rule: p.psa) {
            case .progression(let rise, let confirmation, let nadir):
                return Fact(id: id, truth: .true, evidence: course.sources + [nadir.source, rise.source, confirmation.source],
                            note: "PCWG3 PSA progression on \(drugName) (\(span)): nadir \(Self.format(nadir.ngPerMl)) ng/mL, "
                                + "\(Self.format(rise.ngPerMl)) on \(rise.time.dateString), confirmed "
                                + "\(Self.format(confirmation.ngPerMl)) on \(confirmation.time.dateString).",
                            assumptions: assumption)
            case .noProgression(let values):
                noProgression += course.sources + values.map(\.source)
                assumptions += assumption
                reasons.append("\(Self.plural(values.count, "PSA result")) on \(drugName) (\(span)) show no PCWG3 progression")
            case .insufficient(let why):
                assumptions += assumption
                reasons.append("on \(drugName) (\(span)): \(why)")
                everyCourseAssessed = false
            }
        }
        if !straddling.isEmpty {
            return Fact(id: id, truth: .unknown, evidence: uses.map(\.source) + straddling,
                        note: "Exposed to \(drugName); a progression is documented with a date (a partial date or a period) that may or may not fall on \(drugName): "
                            + reasons.joined(separator: "; ") + ".",
                        assumptions: assumptions)
        }
        if everyCourseAssessed {
            return Fact(id: id, truth: .false, evidence: noProgression,
                        note: reasons.joined(separator: "; ").capitalizedFirst + "; no progression is documented.",
                        assumptions: assumptions)
        }
        return Fact(id: id, truth: .unknown, evidence: uses.map(\.source),
                    note: "Exposed to \(drugName), but progression cannot be decided: " + reasons.joined(separator: "; ") + ".",
                    assumptions: assumptions)
    }

    /// A documented progression after the start day and before `to`: mCODE disease status
    /// "worsened", or a progression problem. A progression dated on the start day is the one that
    /// led to the drug, not one on it. Days are calendar days as recorded; a partial date or a
    /// period decides only when its whole range falls in the window (`straddling` lists those that
    /// overlap it without falling in it).
    func documentedProgression(_ p: ProgressionRule, from: Instant, to: Instant)
        -> (found: (SourceRef, String)?, straddling: [SourceRef])
    {
        let firstDay = from.day + 1
        var straddling: [SourceRef] = []
        func place(_ earliest: Instant, _ latest: Instant) -> Bool? {
            if earliest.day >= firstDay && latest < to { return true }
            if latest.day < firstDay || earliest >= to { return false }
            return nil
        }
        for o in observations where p.diseaseStatusCodes.matchesCode(o.code) {
            guard let e = o.effective?.earliest, let l = o.effective?.latest, case .concept(let value)? = o.value,
                p.progressionValues.matchesCode(value)
            else { continue }
            switch place(e, l) {
            case true?: return ((o.source, "Disease status \(describe(value, p.progressionValues)) on \(e.dateString)"), [])
            case nil: straddling.append(o.source)
            case false?: break
            }
        }
        for c in conditions where p.progressionFindings.matches(c.code) {
            guard let e = c.onset?.earliest ?? c.recorded?.start, let l = c.onset?.latest ?? c.recorded?.last else { continue }
            switch place(e, l) {
            case true?: return ((c.source, "\(describe(c.code, p.progressionFindings)) recorded \(e.dateString)"), [])
            case nil: straddling.append(c.source)
            case false?: break
            }
        }
        return (nil, straddling)
    }

    /// Dated PSA results in ng/mL, oldest first. A censored "< x" is kept as an upper bound, and
    /// a result that cannot be converted (another unit, no unit, text, "> x", not a finite
    /// non-negative number) is kept as unreadable: dropping either could hide that PSA fell back.
    func psaSeries(_ rule: PSARule) -> [PSAValue] {
        var values: [PSAValue] = []
        for o in observations where rule.observations.matchesCode(o.code) {
            guard let earliest = o.effective?.earliest, let latest = o.effective?.latest else { continue }
            var kind = PSAValue.Kind.unreadable
            var ng = 0.0
            if case .quantity(let q)? = o.value, q.isMeasurable, let v = rule.units.convert(q), v.isFinite, v >= 0 {
                ng = v
                switch q.comparator {
                case nil: kind = .value
                case let c? where c.hasPrefix("<"): kind = .atMost
                default: kind = .unreadable
                }
            }
            values.append(PSAValue(time: earliest, latest: latest, ngPerMl: ng, source: o.source, kind: kind))
        }
        return values.sorted { ($0.time, $0.source) < ($1.time, $1.source) }
    }

    /// The line of systemic therapy in which enzalutamide was given. Each line agent's first
    /// start orders the regimens; agents starting within `sameRegimenWithinDays` of a regimen's
    /// first agent join it. ADT is the backbone, not a line.
    func therapyLine(_ t: TherapyLineFact) -> Fact {
        let drug = t.drug
        let enzalutamide = exposures(drug)
        guard !enzalutamide.isEmpty else {
            return Fact(id: t.id, value: .unknownInteger, note: "No exposure to \(rules.name(of: drug)).")
        }
        let sameRegimenDays = rules.therapies.sameRegimenDays
        var firstStarts: [(agent: String, title: String, start: Instant, source: SourceRef)] = []
        var undated: [SourceRef] = []
        let backboneStart = exposures(t.backbone).compactMap(\.start).min()
        for agent in rules.therapies.lineAgents {
            var uses = exposures(agent.valueSet)
            // An antiandrogen started with ADT is flare cover: part of the backbone, not a line.
            if let b = backboneStart, t.flareCover.contains(where: { $0.id == agent.valueSet.id }) {
                uses = uses.filter { u in u.start.map { abs(b.days(until: $0)) > sameRegimenDays } ?? true }
            }
            guard !uses.isEmpty else { continue }
            let dated = uses.compactMap { u in u.start.map { ($0, u.source) } }
            guard let first = dated.min(by: { $0.0 < $1.0 }) else {
                undated += uses.map(\.source)
                continue
            }
            firstStarts.append((agent.valueSet.id, agent.valueSet.title, first.0, first.1))
        }
        guard undated.isEmpty else {
            return Fact(id: t.id, value: .unknownInteger, evidence: undated,
                        note: "A systemic therapy has no start date, so the order of lines cannot be decided.")
        }
        firstStarts.sort { ($0.start, $0.agent) < ($1.start, $1.agent) }
        var regimens: [[(agent: String, title: String, start: Instant, source: SourceRef)]] = []
        for item in firstStarts {
            if let first = regimens.last?.first, first.start.days(until: item.start) <= sameRegimenDays {
                regimens[regimens.count - 1].append(item)
            } else {
                regimens.append([item])
            }
        }
        guard let index = regimens.firstIndex(where: { $0.contains { $0.agent == drug.id } }) else {
            return Fact(id: t.id, value: .unknownInteger, evidence: enzalutamide.map(\.source),
                        note: "\(rules.name(of: drug).capitalizedFirst) has no start date.")
        }
        let order = regimens.map { $0.map(\.title).joined(separator: " + ") }.joined(separator: " → ")
        return Fact(id: t.id, value: .integer(index + 1), evidence: regimens.flatMap { $0.map(\.source) },
                    note: "Line \(index + 1) of systemic therapy: \(order).")
    }
}
