import ClinicalModel

/// Metastatic disease and its sites, read open-world (DESIGN "bone- / visceral- /
/// distant-nodal-metastases"): the site of a lesion comes from its code or its bodySite; AJCC
/// staging is read the AJCC way and decides "absent" only while current; a lesion of unstated or
/// unrecognised site leaves the other sites unknown; a disease summary is not a lesion. Evidence
/// that is not evidence — an unconfirmed or later-dated lesion, uncertain wording, a problem or a
/// staging that cannot be read — never makes a site true, but keeps it from being decided false.
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
        /// How the site was found: "code", "text", "bodySite …", "site not stated".
        let how: String
        let time: Instant?
        /// Known only from free text (weaker than a code: a current coded M0 outweighs it).
        var textOnly: Bool { how == "text" }
    }

    /// An AJCC M category recorded by a staging observation or a condition's stage.
    struct Staging {
        enum Category: Int, Comparable, Sendable {
            case m0 = 0, m1 = 1, m1a = 2, m1b = 3, m1c = 4
            static func < (a: Category, b: Category) -> Bool { a.rawValue < b.rawValue }
            var text: String { ["M0", "M1", "M1a", "M1b", "M1c"][rawValue] }
        }
        let category: Category
        /// The value that recorded it.
        let value: Concept
        let source: SourceRef
        let time: Instant?
    }

    struct Sites {
        let metastatic: Fact
        let bone: Fact
        let visceral: Fact
        let distantNodal: Fact
    }

    /// What is known about metastases before any fact is decided.
    struct MetastasisEvidence {
        var lesions: [Lesion] = []
        /// Conditions that say the disease is metastatic without naming a lesion.
        var summaries: [(source: SourceRef, concept: Concept, textOnly: Bool, time: Instant?)] = []
        /// Lesions that are not evidence (unconfirmed, dated later, uncertain wording), by site.
        var uncertain: [Lesion] = []
        var stagings: [Staging] = []
        /// M-staging observations whose value cannot be read.
        var unreadableStagings: [SourceRef] = []
    }

    // MARK: Reading lesions and staging

    /// The site classes of a body site concept (a name: no trigger applies); `.unstated` when no
    /// list knows it.
    func bodySiteClasses(_ site: Concept, _ m: MetastaticDiseaseFact) -> [SiteClass] {
        var classes: [SiteClass] = []
        if m.bone.bodySites.matchesName(site) { classes.append(.bone) }
        if m.visceral.bodySites.matchesName(site) { classes.append(.visceral) }
        if m.regionalSites.matchesName(site) { classes.append(.regionalNodal) }
        else if m.distantNodal.bodySites.matchesName(site) { classes.append(.distantNodal) }
        else if m.nodalUnstatedSites.matchesName(site) { classes.append(.nodalUnstated) }
        if m.skinSites.matchesName(site) { classes.append(.skin) }
        return classes.isEmpty ? [.unstated] : classes
    }

    /// The lesions a concept (a condition's code, a finding's value) documents, and whether it is
    /// a metastatic disease summary. With `uncertainText`, also the lesions it mentions only with
    /// uncertain wording ("suspected liver metastases").
    func lesions(_ code: Concept, bodySites: [Concept], source: SourceRef, time: Instant?, _ m: MetastaticDiseaseFact)
        -> (lesions: [Lesion], summary: Bool, summaryTextOnly: Bool, uncertain: [Lesion])
    {
        func adding(_ site: SiteClass, to sites: inout [SiteClass]) {
            if site == .distantNodal && sites.contains(.regionalNodal) { return }
            if site == .nodalUnstated && (sites.contains(.regionalNodal) || sites.contains(.distantNodal)) { return }
            if !sites.contains(site) { sites.append(site) }
        }
        var sites: [SiteClass] = []
        var how = "code"
        for (vs, site) in m.conditionSites where vs.matchesCode(code) { adding(site, to: &sites) }
        var generic = m.siteNotStated.matchesCode(code)
        var summary = m.summary.matchesCode(code)
        var summaryTextOnly = false
        var uncertainSites: [SiteClass] = []
        // Text is read only when no coding decided; the code's texts are then folded once for
        // all the value sets below.
        let readsText = sites.isEmpty && !generic && !summary
        let folded = readsText ? FoldedTexts(code) : nil
        if readsText {
            // Text is the fallback when no coding says what the condition is.
            for (vs, site) in m.conditionSites {
                switch vs.textMention(code, folded: folded)?.reading {
                case .affirmed?: adding(site, to: &sites); how = "text"
                case .uncertain?: adding(site, to: &uncertainSites)
                default: break
                }
            }
            if sites.isEmpty {
                switch m.summary.textMention(code, folded: folded)?.reading {
                case .affirmed?: summary = true; summaryTextOnly = true
                case .uncertain?: uncertainSites.append(.unstated)
                default: break
                }
                if !summary {
                    switch m.siteNotStated.textMention(code, folded: folded)?.reading {
                    case .affirmed?: generic = true; how = "text"
                    case .uncertain?: if uncertainSites.isEmpty { uncertainSites.append(.unstated) }
                    default: break
                    }
                }
            }
        }
        if sites.isEmpty && !generic && !summary {
            // A lesion of a site not stated to be a metastasis ("hepatic lesions").
            for (s, site) in [(m.bone, SiteClass.bone), (m.visceral, .visceral), (m.distantNodal, .distantNodal)] {
                if let vs = s.suspected, let mention = vs.textMention(code, folded: folded), mention.reading != .negated {
                    adding(site, to: &uncertainSites)
                }
            }
        }
        let uncertain = uncertainSites.map { Lesion(site: $0, source: source, concept: code, how: "uncertain wording", time: time) }
        guard !sites.isEmpty || generic || summary else { return ([], false, false, uncertain) }
        // The body site adds its own site (mCODE SecondaryCancerCondition: 128462008 + bodySite).
        // A body site no list knows matters only when the code gives no site of its own.
        for site in bodySites {
            for cls in bodySiteClasses(site, m) {
                if cls == .unstated && !sites.isEmpty { continue }
                if !sites.contains(cls) {
                    sites.append(cls)
                    how = cls == .unstated ? "bodySite not recognised" : "bodySite \(site.label)"
                }
            }
        }
        if sites.isEmpty && generic { sites = [.unstated]; how = how == "text" ? "text" : "site not stated" }
        let lesions = sites.map { Lesion(site: $0, source: source, concept: code, how: how, time: time) }
        return (lesions, summary && lesions.isEmpty, summaryTextOnly, uncertain)
    }

    /// The AJCC category a staging value records; nil when it records none we know.
    func stagingCategory(_ c: Concept, _ m: MetastaticDiseaseFact) -> Staging.Category? {
        // Codes first; text ("cM1c") only when no code decides, folded once for all five.
        for (vs, category) in m.stagingValues where vs.matchesCode(c) { return category }
        let folded = FoldedTexts(c)
        for (vs, category) in m.stagingValues where vs.match(c, folded: folded) != nil { return category }
        return nil
    }

    func metastasisEvidence(_ m: MetastaticDiseaseFact) -> MetastasisEvidence {
        var e = MetastasisEvidence()
        for c in conditions {
            let r = lesions(c.code, bodySites: c.bodySites, source: c.source, time: c.time, m)
            e.lesions += r.lesions
            e.uncertain += r.uncertain
            if r.summary { e.summaries.append((c.source, c.code, r.summaryTextOnly, c.time)) }
            for stage in c.stages {
                if let cat = stagingCategory(stage, m) { e.stagings.append(Staging(category: cat, value: stage, source: c.source, time: c.time)) }
            }
        }
        // Unconfirmed (provisional, differential) or later-dated metastases: not evidence, not nothing.
        for c in openConditions {
            let r = lesions(c.code, bodySites: c.bodySites, source: c.source, time: c.time, m)
            e.uncertain += (r.lesions + r.uncertain).map { Lesion(site: $0.site, source: $0.source, concept: $0.concept, how: "unconfirmed", time: $0.time) }
            if r.summary { e.uncertain.append(Lesion(site: .unstated, source: c.source, concept: c.code, how: "unconfirmed", time: c.time)) }
        }
        for o in observations {
            let staging = m.stagingObservations.matchesCode(o.code)
            var value: Concept? = nil
            switch o.value {
            case .concept(let v)?: value = v
            case .text(let t)?: value = Concept(text: t)
            default: break
            }
            if let v = value, let cat = stagingCategory(v, m) {
                e.stagings.append(Staging(category: cat, value: v, source: o.source, time: o.time))
                continue
            }
            if staging {
                e.unreadableStagings.append(o.source)
                continue
            }
            // A finding valued with a metastasis (imaging: "liver metastasis") documents the lesion.
            if let v = value, case .concept? = o.value {
                let r = lesions(v, bodySites: o.bodySites, source: o.source, time: o.time, m)
                e.lesions += r.lesions
                e.uncertain += r.uncertain
            }
        }
        return e
    }

    /// The latest recurrence or progression evidence: a staging older than it says nothing today.
    func latestRecurrenceOrProgression(_ m: MetastaticDiseaseFact) -> Instant? {
        var dates = conditions.filter { c in m.recurrence.contains { $0.matches(c.code) } }.compactMap(\.time)
        for o in observations where m.progressionStatusObservations.matchesCode(o.code) {
            if case .concept(let v)? = o.value, m.progressionStatusValues.matchesCode(v), let t = o.time { dates.append(t) }
        }
        return dates.max()
    }

    /// The staging that rules today: dated within `stagingCurrentDays` before the evaluation date
    /// or after the latest recurrence / progression; the latest such, the most advanced on a tie.
    func currentStaging(_ all: [Staging], _ m: MetastaticDiseaseFact) -> Staging? {
        let windowStart = asOf.day - m.stagingCurrentDays
        let after = latestRecurrenceOrProgression(m)
        let current = all.filter { s in
            guard let t = s.time else { return false }
            return t.day >= windowStart || (after.map { t.day > $0.day } ?? false)
        }
        return current.max { a, b in (a.time!.day, a.category) < (b.time!.day, b.category) }
    }

    // MARK: The facts

    func metastaticSites(_ m: MetastaticDiseaseFact) -> Sites {
        let e = metastasisEvidence(m)
        let lesions = e.lesions
        let current = currentStaging(e.stagings, m)
        let m1 = e.stagings.filter { $0.category >= .m1 }
        let distant = lesions.filter { [.bone, .visceral, .distantNodal, .skin, .unstated].contains($0.site) }
        let regional = lesions.filter { $0.site == .regionalNodal }
        let nodalUnstated = lesions.filter { $0.site == .nodalUnstated }
        /// Dated after the current staging, or undated: the staging cannot have accounted for it.
        func afterCurrent(_ t: Instant?) -> Bool {
            guard let c = current?.time, let t else { return true }
            return t.day > c.day
        }
        // What keeps "absent" from being concluded: unreadable problems and stagings, and evidence
        // that is not evidence (unconfirmed, later-dated, uncertain wording).
        let unidentified = unidentifiedConditions.filter { afterCurrent($0.time) }.map(\.source) + e.unreadableStagings

        // metastatic
        let metastatic: Fact
        let coded = distant.filter { !$0.textOnly }
        let codedSummaries = e.summaries.filter { !$0.textOnly }
        let textOnly = distant.filter(\.textOnly).map(\.source) + e.summaries.filter(\.textOnly).map(\.source)
        if let c = current, c.category == .m0, coded.isEmpty, codedSummaries.isEmpty, m1.isEmpty, !textOnly.isEmpty {
            // Text is weaker than codes: words about metastases do not overturn a current coded M0.
            metastatic = Fact(id: m.id, truth: .unknown, evidence: [c.source] + textOnly,
                              note: "Staging recorded M0 on \(c.time!.dateString), but a problem's text mentions metastases; the record disagrees with itself.")
        } else if !distant.isEmpty || !e.summaries.isEmpty || !m1.isEmpty {
            var parts: [String] = []
            for (cls, name) in [(SiteClass.bone, "bone"), (.visceral, "visceral"), (.distantNodal, "distant nodal"), (.skin, "skin"),
                                (.unstated, "site not stated")]
            where distant.contains(where: { $0.site == cls }) { parts.append(name) }
            var note = parts.isEmpty ? "Metastatic disease is documented" : "Metastases documented: \(parts.joined(separator: ", "))"
            if let first = e.summaries.first, parts.isEmpty { note += ": \(describe(first.concept, m.summary))" }
            if let s = m1.max(by: { $0.category < $1.category }) { note += "; AJCC \(s.category.text) recorded" }
            metastatic = Fact(id: m.id, truth: .true,
                              evidence: distant.map(\.source) + e.summaries.map(\.source) + m1.map(\.source), note: note + ".")
        } else if let c = current, c.category == .m0 {
            // M0 accounts for what was known then; what was found since, or cannot be read, may be distant.
            let later = nodalUnstated.filter { afterCurrent($0.time) }.map(\.source)
                + e.uncertain.filter { $0.site != .regionalNodal && afterCurrent($0.time) }.map(\.source)
            if !later.isEmpty || !unidentified.isEmpty {
                metastatic = Fact(id: m.id, truth: .unknown, evidence: [c.source] + later + unidentified,
                                  note: "Staging recorded M0 on \(c.time!.dateString), but since then "
                                    + (later.isEmpty ? "problems were recorded that could not be read"
                                                     : "metastases that are unconfirmed, uncertain or of unstated nodal region were recorded")
                                    + "; they may be distant.")
            } else {
                metastatic = Fact(id: m.id, truth: .false, evidence: [c.source],
                                  note: "Current staging records no distant metastasis (M0 on \(c.time!.dateString))"
                                    + (regional.isEmpty ? "." : "; regional (pelvic) nodes alone are not metastatic disease."))
            }
        } else if !regional.isEmpty {
            metastatic = Fact(id: m.id, truth: .unknown, evidence: regional.map(\.source),
                              note: "Only regional (pelvic) nodal metastases are documented, which are not metastatic disease; no current staging rules distant metastases in or out.")
        } else if !nodalUnstated.isEmpty {
            metastatic = Fact(id: m.id, truth: .unknown, evidence: nodalUnstated.map(\.source),
                              note: "Nodal metastases are documented without saying whether the nodes are regional or distant.")
        } else if let old = e.stagings.first(where: { $0.category == .m0 }) {
            metastatic = Fact(id: m.id, truth: .unknown, evidence: [old.source],
                              note: "An M0 staging is on record, but it is not current (older than \(m.stagingCurrentDays) days or before the latest recurrence or progression), so it says nothing about today.")
        } else {
            metastatic = Fact(id: m.id, truth: .unknown, note: "No metastasis and no M staging is recorded.")
        }

        func site(_ s: MetastaticDiseaseFact.Site, _ cls: SiteClass, present: Staging.Category) -> Fact {
            let found = lesions.filter { $0.site == cls }
            let staged = e.stagings.filter { $0.category == present }
            if !found.isEmpty || !staged.isEmpty {
                var note: String
                if let first = found.first {
                    note = "\(describe(first.concept, s.conditions)) is documented"
                    if first.how.hasPrefix("bodySite") { note += " (site from its \(first.how))" }
                } else {
                    note = "AJCC \(present.text) is recorded (\(s.name) metastasis)"
                }
                return Fact(id: s.partID, truth: .true, evidence: found.map(\.source) + staged.map(\.source), note: note + ".")
            }
            if metastatic.value.truth == .false {
                return Fact(id: s.partID, truth: .false, evidence: metastatic.evidence, note: "No metastatic disease (current M0).")
            }
            // A lesion of unstated or unrecognised site keeps every other site open, unless a current
            // staging recorded after it already accounts for it.
            let unstated = lesions.filter { $0.site == .unstated && afterCurrent($0.time) }
            if !unstated.isEmpty {
                return Fact(id: s.partID, truth: .unknown, evidence: unstated.map(\.source),
                            note: "A metastasis of unstated or unrecognised site is documented, so \(s.name) metastases cannot be ruled out.",
                            assumptions: ["site not stated"])
            }
            let uncertain = e.uncertain.filter { ($0.site == cls || $0.site == .unstated) && afterCurrent($0.time) }
            if let first = uncertain.first {
                return Fact(id: s.partID, truth: .unknown, evidence: uncertain.map(\.source),
                            note: "\"\(first.concept.label)\" (\(first.how)) may be a \(s.name) metastasis; it cannot be ruled out.")
            }
            if !unidentified.isEmpty {
                return Fact(id: s.partID, truth: .unknown, evidence: unidentified,
                            note: "A problem or a staging on record could not be read, so \(s.name) metastases cannot be ruled out.")
            }
            if let c = current, s.stagingAbsent.contains(where: { $0.matches(c.value) }) {
                return Fact(id: s.partID, truth: .false, evidence: [c.source],
                            note: "Current AJCC \(c.category.text) (\(c.time!.dateString)) records no \(s.name) metastasis.")
            }
            if cls == .distantNodal, !nodalUnstated.isEmpty {
                return Fact(id: s.partID, truth: .unknown, evidence: nodalUnstated.map(\.source),
                            note: "Nodal metastases are documented without a region, so distant nodes cannot be ruled out.")
            }
            let known = lesions.filter { [.bone, .visceral, .distantNodal, .skin].contains($0.site) }
            if !known.isEmpty {
                return Fact(id: s.partID, truth: .false, evidence: known.map(\.source),
                            note: "Every documented metastasis has a known site and none is \(s.name); confirm on current imaging.")
            }
            if metastatic.value.truth == .true {
                return Fact(id: s.partID, truth: .unknown, evidence: metastatic.evidence,
                            note: "Metastatic disease is documented without its sites.")
            }
            return Fact(id: s.partID, truth: .unknown, note: "No metastatic sites are recorded.")
        }
        return Sites(
            metastatic: metastatic,
            bone: site(m.bone, .bone, present: .m1b),
            visceral: site(m.visceral, .visceral, present: .m1c),
            distantNodal: site(m.distantNodal, .distantNodal, present: .m1a))
    }
}
