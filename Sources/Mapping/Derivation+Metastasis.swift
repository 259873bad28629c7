import ClinicalModel

/// Metastatic disease and its sites, read open-world (DESIGN "bone- / visceral- /
/// distant-nodal-metastases"): the site of a lesion comes from its code or its bodySite; AJCC
/// staging is read the AJCC way and decides "absent" only while current; a lesion of unstated or
/// unrecognised site leaves the other sites unknown; a disease summary is not a lesion.
extension Derivation {
    enum SiteClass: Hashable, Sendable {
        case bone, visceral, distantNodal, regionalNodal, nodalUnstated, skin
        /// Site not stated, or a body site no list knows.
        case unstated
    }

    /// One documented metastatic lesion.
    struct Lesion {
        let site: SiteClass
        let source: SourceRef
        let concept: Concept
        /// How the site was found: "code", "bodySite …", "site not stated".
        let how: String
        let time: Instant?
    }

    /// An AJCC M category recorded by a staging observation or a condition's stage.
    struct Staging {
        enum Category: Int, Comparable, Sendable {
            case m0 = 0, m1 = 1, m1a = 2, m1b = 3, m1c = 4
            static func < (a: Category, b: Category) -> Bool { a.rawValue < b.rawValue }
            var text: String { ["M0", "M1", "M1a", "M1b", "M1c"][rawValue] }
        }
        let category: Category
        let source: SourceRef
        let time: Instant?
    }

    struct Sites {
        let metastatic: Fact
        let bone: Fact
        let visceral: Fact
        let distantNodal: Fact
    }

    // MARK: Reading lesions and staging

    /// The site classes of a body site concept; `.unstated` when no list knows it.
    func bodySiteClasses(_ site: Concept) -> [SiteClass] {
        let m = rules.metastasis
        var classes: [SiteClass] = []
        if m.bone.bodySites.matches(site) { classes.append(.bone) }
        if m.visceral.bodySites.matches(site) { classes.append(.visceral) }
        if m.regionalSites.matches(site) { classes.append(.regionalNodal) }
        else if m.distantNodal.bodySites.matches(site) { classes.append(.distantNodal) }
        else if m.nodalUnstatedSites.matches(site) { classes.append(.nodalUnstated) }
        if m.skinSites.matches(site) { classes.append(.skin) }
        return classes.isEmpty ? [.unstated] : classes
    }

    /// The lesions a condition documents, and whether it is a metastatic disease summary.
    func lesions(of c: Condition) -> (lesions: [Lesion], summary: Bool) {
        let m = rules.metastasis
        let code = c.code
        func byCode(_ vs: ValueSet) -> Bool { vs.matchesCode(code) }
        var sites: [SiteClass] = []
        var how = "code"
        if byCode(m.bone.conditions) { sites.append(.bone) }
        if byCode(m.visceral.conditions) { sites.append(.visceral) }
        if byCode(m.regionalConditions) { sites.append(.regionalNodal) }
        else if byCode(m.distantNodal.conditions) { sites.append(.distantNodal) }
        else if byCode(m.nodalUnstatedConditions) { sites.append(.nodalUnstated) }
        if byCode(m.skinConditions) { sites.append(.skin) }
        var generic = byCode(m.siteNotStated)
        var summary = byCode(m.summary)
        let coded = !sites.isEmpty || generic || summary
        if !coded {
            // Text is the fallback when no coding says what the condition is.
            for (vs, site) in [(m.bone.conditions, SiteClass.bone), (m.visceral.conditions, .visceral),
                               (m.regionalConditions, .regionalNodal), (m.distantNodal.conditions, .distantNodal),
                               (m.nodalUnstatedConditions, .nodalUnstated), (m.skinConditions, .skin)]
            where vs.matches(code) {
                if site == .distantNodal && sites.contains(.regionalNodal) { continue }
                if site == .nodalUnstated && (sites.contains(.regionalNodal) || sites.contains(.distantNodal)) { continue }
                sites.append(site)
                how = "text"
            }
            if sites.isEmpty {
                summary = m.summary.matches(code)
                generic = !summary && m.siteNotStated.matches(code)
            }
        }
        guard !sites.isEmpty || generic || summary else { return ([], false) }
        // The body site adds its own site (mCODE SecondaryCancerCondition: 128462008 + bodySite).
        // A body site no list knows matters only when the code gives no site of its own.
        for site in c.bodySites {
            for cls in bodySiteClasses(site) {
                if cls == .unstated && !sites.isEmpty { continue }
                if !sites.contains(cls) {
                    sites.append(cls)
                    how = cls == .unstated ? "bodySite not recognised" : "bodySite \(site.label)"
                }
            }
        }
        if sites.isEmpty && generic { sites = [.unstated]; how = "site not stated" }
        let lesions = sites.map { Lesion(site: $0, source: c.source, concept: c.code, how: how, time: c.time) }
        return (lesions, summary && lesions.isEmpty)
    }

    /// AJCC M categories from staging observations (a coded value) and condition stages.
    func stagings() -> [Staging] {
        let m = rules.metastasis
        func category(_ c: Concept) -> Staging.Category? {
            if m.visceral.stagingPresent.matchesCode(c) { return .m1c }
            if m.bone.stagingPresent.matchesCode(c) { return .m1b }
            if m.distantNodal.stagingPresent.matchesCode(c) { return .m1a }
            if m.m1.matchesCode(c) { return .m1 }
            if m.m0.matchesCode(c) { return .m0 }
            return nil
        }
        var result: [Staging] = []
        for o in observations {
            guard case .concept(let value)? = o.value, let cat = category(value) else { continue }
            result.append(Staging(category: cat, source: o.source, time: o.time))
        }
        for c in conditions {
            for stage in c.stages { if let cat = category(stage) { result.append(Staging(category: cat, source: c.source, time: c.time)) } }
        }
        return result
    }

    /// The latest recurrence or progression evidence: a staging older than it says nothing today.
    func latestRecurrenceOrProgression() -> Instant? {
        let m = rules.metastasis
        var dates = conditions.filter { c in m.recurrence.contains { $0.matches(c.code) } }.compactMap(\.time)
        for o in observations where m.progressionStatusObservations.matchesCode(o.code) {
            if case .concept(let v)? = o.value, m.progressionStatusValues.matchesCode(v), let t = o.time { dates.append(t) }
        }
        return dates.max()
    }

    /// The staging that rules today: dated within `stagingCurrentDays` before the evaluation date
    /// or after the latest recurrence / progression; the latest such, the most advanced on a tie.
    func currentStaging(_ all: [Staging]) -> Staging? {
        let windowStart = asOf.day - rules.metastasis.stagingCurrentDays
        let after = latestRecurrenceOrProgression()
        let current = all.filter { s in
            guard let t = s.time else { return false }
            return t.day >= windowStart || (after.map { t.day > $0.day } ?? false)
        }
        return current.max { a, b in (a.time!.day, a.category) < (b.time!.day, b.category) }
    }

    // MARK: The facts

    func metastaticSites() -> Sites {
        let m = rules.metastasis
        var lesions: [Lesion] = []
        var summaries: [Condition] = []
        for c in conditions {
            let (l, summary) = self.lesions(of: c)
            lesions += l
            if summary { summaries.append(c) }
        }
        let stagings = self.stagings()
        let current = currentStaging(stagings)
        let m1 = stagings.filter { $0.category >= .m1 }
        let distant = lesions.filter { [.bone, .visceral, .distantNodal, .skin, .unstated].contains($0.site) }
        let regional = lesions.filter { $0.site == .regionalNodal }
        let nodalUnstated = lesions.filter { $0.site == .nodalUnstated }

        // metastatic
        let metastatic: Fact
        if !distant.isEmpty || !summaries.isEmpty || !m1.isEmpty {
            var parts: [String] = []
            for (cls, name) in [(SiteClass.bone, "bone"), (.visceral, "visceral"), (.distantNodal, "distant nodal"), (.skin, "skin"),
                                (.unstated, "site not stated")]
            where distant.contains(where: { $0.site == cls }) { parts.append(name) }
            var note = parts.isEmpty ? "Metastatic disease is documented" : "Metastases documented: \(parts.joined(separator: ", "))"
            if let first = summaries.first, parts.isEmpty { note += ": \(describe(first.code, m.summary))" }
            if let s = m1.max(by: { $0.category < $1.category }) { note += "; AJCC \(s.category.text) recorded" }
            metastatic = Fact(id: .metastatic, truth: .true,
                              evidence: distant.map(\.source) + summaries.map(\.source) + m1.map(\.source), note: note + ".")
        } else if let c = current, c.category == .m0,
            case let later = nodalUnstated.filter({ $0.time.map { $0.day > c.time!.day } ?? true }), !later.isEmpty
        {
            // M0 accounts for nodes known at the time; nodes of unknown region found since may be distant.
            metastatic = Fact(id: .metastatic, truth: .unknown, evidence: [c.source] + later.map(\.source),
                              note: "Staging recorded M0 on \(c.time!.dateString), but nodal metastases of unstated region were documented since; they may be distant.")
        } else if let c = current, c.category == .m0 {
            metastatic = Fact(id: .metastatic, truth: .false, evidence: [c.source],
                              note: "Current staging records no distant metastasis (M0 on \(c.time!.dateString))"
                                + (regional.isEmpty ? "." : "; regional (pelvic) nodes alone are not metastatic disease."))
        } else if !regional.isEmpty {
            metastatic = Fact(id: .metastatic, truth: .unknown, evidence: regional.map(\.source),
                              note: "Only regional (pelvic) nodal metastases are documented, which are not metastatic disease; no current staging rules distant metastases in or out.")
        } else if !nodalUnstated.isEmpty {
            metastatic = Fact(id: .metastatic, truth: .unknown, evidence: nodalUnstated.map(\.source),
                              note: "Nodal metastases are documented without saying whether the nodes are regional or distant.")
        } else if let old = stagings.filter({ $0.category == .m0 }).first {
            metastatic = Fact(id: .metastatic, truth: .unknown, evidence: [old.source],
                              note: "An M0 staging is on record, but it is not current (older than \(m.stagingCurrentDays) days or before the latest recurrence or progression), so it says nothing about today.")
        } else {
            metastatic = Fact(id: .metastatic, truth: .unknown, note: "No metastasis and no M staging is recorded.")
        }

        func site(_ s: FactRules.Site, _ cls: SiteClass, present: Staging.Category) -> Fact {
            let found = lesions.filter { $0.site == cls }
            let staged = stagings.filter { $0.category == present }
            if !found.isEmpty || !staged.isEmpty {
                var note: String
                if let first = found.first {
                    note = "\(describe(first.concept, s.conditions)) is documented"
                    if first.how.hasPrefix("bodySite") { note += " (site from its \(first.how))" }
                } else {
                    note = "AJCC \(present.text) is recorded (\(s.name) metastasis)"
                }
                return Fact(id: s.fact, truth: .true, evidence: found.map(\.source) + staged.map(\.source), note: note + ".")
            }
            if metastatic.value.truth == .false {
                return Fact(id: s.fact, truth: .false, evidence: metastatic.evidence, note: "No metastatic disease (current M0).")
            }
            // A lesion of unstated or unrecognised site keeps every other site open, unless a current
            // staging recorded after it already accounts for it.
            let unstated = lesions.filter { l in
                guard l.site == .unstated else { return false }
                guard let c = current, let ct = c.time, let lt = l.time else { return true }
                return lt.day > ct.day
            }
            if !unstated.isEmpty {
                return Fact(id: s.fact, truth: .unknown, evidence: unstated.map(\.source),
                            note: "A metastasis of unstated or unrecognised site is documented, so \(s.name) metastases cannot be ruled out.",
                            assumptions: ["site not stated"])
            }
            if let c = current, s.stagingAbsent.contains(where: { $0.matchesCode(conceptOf(c)) }) {
                return Fact(id: s.fact, truth: .false, evidence: [c.source],
                            note: "Current AJCC \(c.category.text) (\(c.time!.dateString)) records no \(s.name) metastasis.")
            }
            if cls == .distantNodal, !nodalUnstated.isEmpty {
                return Fact(id: s.fact, truth: .unknown, evidence: nodalUnstated.map(\.source),
                            note: "Nodal metastases are documented without a region, so distant nodes cannot be ruled out.")
            }
            let known = lesions.filter { [.bone, .visceral, .distantNodal, .skin].contains($0.site) }
            if !known.isEmpty {
                return Fact(id: s.fact, truth: .false, evidence: known.map(\.source),
                            note: "Every documented metastasis has a known site and none is \(s.name); confirm on current imaging.")
            }
            if metastatic.value.truth == .true {
                return Fact(id: s.fact, truth: .unknown, evidence: metastatic.evidence,
                            note: "Metastatic disease is documented without its sites.")
            }
            return Fact(id: s.fact, truth: .unknown, note: "No metastatic sites are recorded.")
        }
        return Sites(
            metastatic: metastatic,
            bone: site(m.bone, .bone, present: .m1b),
            visceral: site(m.visceral, .visceral, present: .m1c),
            distantNodal: site(m.distantNodal, .distantNodal, present: .m1a))
    }

    /// The staging's recorded value, to test it against the value sets that say "absent".
    private func conceptOf(_ s: Staging) -> Concept {
        for o in observations where o.source == s.source {
            if case .concept(let v)? = o.value { return v }
        }
        for c in conditions where c.source == s.source {
            if let stage = c.stages.first(where: { rules.metastasis.m1.matchesCode($0) || rules.metastasis.m0.matchesCode($0) }) {
                return stage
            }
        }
        return Concept()
    }
}
