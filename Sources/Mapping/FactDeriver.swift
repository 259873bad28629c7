public import ClinicalModel

/// Derives every fact of `facts.json` from one patient record, each by its kind
/// (``FactKinds``), in dependency order.
///
/// A pure function of (record, mappings, evaluation date): no I/O, no clock. Statements
/// that are excluded (entered in error, refuted, negated, cancelled, not taken) or dated after
/// the evaluation date are never evidence. When the record cannot decide a fact, the fact is
/// unknown, and the note says what is missing.
public struct FactDeriver: Sendable {
    let rules: SharedRules
    /// Every fact's kind, in the order they are derived (each after the facts it reads).
    let plan: [any FactKind]
    /// The facts in `facts.json` order: the order of explain and of a CarePlan.
    public let catalog: [FactID]

    /// Resolves every fact's kind and parameters; throws on the first unknown kind, missing or
    /// broken parameter, unknown dependency or dependency cycle, with its place in facts.json.
    public init(mappings: MappingSet) throws(MappingError) {
        rules = SharedRules(mappings)
        catalog = mappings.factList.map { FactID($0.id) }
        var kinds: [FactID: any FactKind] = [:]
        for definition in mappings.factList {
            kinds[FactID(definition.id)] = try FactKinds.make(definition.kind, FactParameters(mappings, definition))
        }
        // Depth-first, in file order: each fact after what it reads; a fact met again while its
        // own dependencies are being resolved closes a cycle.
        var plan: [any FactKind] = []
        var done = Set<FactID>()
        var visiting: [FactID] = []
        func visit(_ id: FactID) throws(MappingError) {
            if done.contains(id) { return }
            let definition = mappings.facts[id.rawValue]
            if visiting.contains(id) {
                throw MappingError(file: definition?.file ?? "facts.json", path: "$.facts[id=\(id)]",
                                   message: "the facts read each other in a cycle: \((visiting + [id]).map(\.rawValue).joined(separator: " → "))")
            }
            guard let kind = kinds[id] else {
                throw MappingError(file: "facts.json", path: "$.facts", message: "fact \"\(id)\" is not defined")
            }
            visiting.append(id)
            for dependency in kind.dependencies { try visit(dependency) }
            visiting.removeLast()
            done.insert(id)
            plan.append(kind)
        }
        for id in catalog { try visit(id) }
        self.plan = plan
    }

    /// The label `facts.json` gives a fact ("Castrate testosterone").
    public func label(_ id: FactID) -> String { rules.labels[id] ?? id.rawValue }

    /// Facts for `record` as of the calendar day starting at `asOf`.
    public func derive(_ record: PatientRecord, asOf: Instant) -> FactSet {
        let d = Derivation(record: record, asOf: asOf, rules: rules)
        var facts = FactSet()
        facts.order = catalog
        for kind in plan { facts.set(kind.derive(d, facts)) }
        return facts
    }
}

/// One derivation: the record seen as of the evaluation date, usable statements only.
struct Derivation {
    let rules: SharedRules
    let asOf: Instant
    /// First instant after the evaluation day.
    let horizon: Instant
    let conditions: [Condition]
    let medications: [MedicationUse]
    let observations: [Observation]
    let procedures: [Procedure]
    /// Conditions that are not evidence but may be what a fact looks for, so that they keep a
    /// "none recorded" conclusion open (DESIGN: decide false only on the evidence named for it):
    /// unconfirmed (provisional, differential), dated after the evaluation date, or unreadable.
    let openConditions: [Condition]
    /// Conditions whose meaning cannot be read at all: no text, no display, and no code of any
    /// list (or an entry of a template the reader does not know). Any of them may be anything.
    let unidentifiedConditions: [Condition]
    /// Real exposures dated after the evaluation date (a typo, or a later export): not evidence,
    /// but a drug they name cannot be said never given.
    let futureMedications: [MedicationUse]
    /// Real medication statements that name no drug we can read (no text, no display, an
    /// unresolved reference, an unreadable entry): any of them may be the drug a fact looks for.
    let unidentifiedMedications: [MedicationUse]
    /// The texts of each of `medications`, folded once for all the value sets they are matched
    /// against (a record's drugs meet every drug list of every fact).
    let medicationTexts: [FoldedTexts]
    /// What this record's facts already asked: several facts look for the same drugs.
    let memo = DerivationMemo()

    init(record: PatientRecord, asOf: Instant, rules: SharedRules) {
        self.rules = rules
        self.asOf = asOf
        self.horizon = asOf.adding(days: 1)
        let h = horizon
        func known(_ t: Instant?) -> Bool { t.map { $0 < h } ?? true }
        func unreadable(_ u: Usability) -> Bool { u == .excluded(.unreadable) }
        // A plan is dated by when it was made, not by when it is meant to happen: a pelvic IMRT
        // booked for next month is a plan today.
        conditions = record.conditions.filter { $0.usability.isUsable && known($0.time) }
        openConditions = record.conditions.filter {
            ($0.usability == .excluded(.unconfirmed) || unreadable($0.usability)) || ($0.usability.isUsable && !known($0.time))
        }
        unidentifiedConditions = record.conditions.filter {
            unreadable($0.usability) || ($0.usability.isUsable && known($0.time) && $0.code.texts.isEmpty && !rules.knowsAny($0.code))
        }
        let medicationsAll = record.medications
        medications = medicationsAll.filter {
            $0.usability.isUsable && known($0.actuality == .planned ? $0.authored?.start : $0.start)
        }
        medicationTexts = medications.map { FoldedTexts($0.medication) }
        futureMedications = medicationsAll.filter { $0.usability.isUsable && $0.actuality == .actual && !known($0.start) }
        unidentifiedMedications = medicationsAll.filter {
            unreadable($0.usability)
                || ($0.usability.isUsable && $0.actuality == .actual && known($0.start)
                    && ($0.medicationReference != nil || ($0.medication.texts.isEmpty && !rules.knowsAny($0.medication))))
        }
        observations = record.observations.filter { $0.usability.isUsable && known($0.effective?.earliest) }
        procedures = record.procedures.filter {
            $0.usability.isUsable && known($0.actuality == .planned ? $0.authored?.start : $0.time)
        }
    }

    /// Real exposures (not planned) to drugs in `vs`. A drug is a name: "did not tolerate
    /// docetaxel" names docetaxel, and the statement's status says whether it was given.
    func exposures(_ vs: ValueSet) -> [MedicationUse] {
        if let known = memo.exposures[vs.id] { return known }
        var found: [MedicationUse] = []
        for (m, folded) in zip(medications, medicationTexts) where m.actuality == .actual && vs.matchesName(m.medication, folded: folded) {
            found.append(m)
        }
        memo.exposures[vs.id] = found
        return found
    }

    var hasMedicationHistory: Bool { medications.contains { $0.actuality == .actual } }

    /// Whether "never given" can be concluded for `vs`: not while a statement we cannot read, or
    /// one dated after the evaluation date, may be it. Nil when it can; else the reason, and the
    /// statements behind it.
    func openMedication(_ vs: ValueSet) -> (reason: String, sources: [SourceRef])? {
        let future = futureMedications.filter { vs.matchesName($0.medication) }
        if let first = future.first {
            return ("\(describe(first.medication, vs)) is recorded with a date after the evaluation date", future.map(\.source))
        }
        if !unidentifiedMedications.isEmpty {
            return ("\(Self.plural(unidentifiedMedications.count, "medication")) on record could not be identified (no name and no known code)",
                    unidentifiedMedications.map(\.source))
        }
        return nil
    }

    func conditions(in vs: ValueSet) -> [Condition] { conditions.filter { vs.matches($0.code) } }

    /// Whether "none recorded" can be concluded for conditions of `vs`: not while an unconfirmed,
    /// later-dated or unreadable condition of it, or any condition we cannot read, is on record.
    func openCondition(_ vs: ValueSet) -> (reason: String, sources: [SourceRef])? {
        let open = openConditions.filter { vs.matches($0.code) || vs.textMention($0.code)?.reading == .uncertain }
        if let first = open.first {
            let why = first.usability == .excluded(.unconfirmed) ? "is recorded as unconfirmed (provisional or differential)"
                : first.usability == .excluded(.unreadable) ? "is in an entry that could not be read"
                : "is dated after the evaluation date"
            return ("\(describe(first.code, vs)) \(why)", open.map(\.source))
        }
        let uncertain = conditions.filter { !vs.matches($0.code) && vs.textMention($0.code)?.reading == .uncertain }
        if let first = uncertain.first {
            return ("\"\(first.code.label)\" mentions it with uncertain wording", uncertain.map(\.source))
        }
        if !unidentifiedConditions.isEmpty {
            return ("\(Self.plural(unidentifiedConditions.count, "recorded problem")) could not be read (no text, no display, no known code)",
                    unidentifiedConditions.map(\.source))
        }
        return nil
    }

    /// "Malignant tumor of prostate (SNOMED CT 399068003)" or "text \"xtandi\"".
    func describe(_ concept: Concept, _ vs: ValueSet) -> String {
        switch vs.match(concept) {
        case .code(let c)?:
            let system = c.system.map { rules.systemName($0) } ?? "code"
            return "\(c.display ?? concept.label) (\(system) \(c.code))"
        case .text(let t)?: return "\"\(concept.label)\" (text matches \"\(t)\")"
        case nil: return concept.label
        }
    }

    static func plural(_ n: Int, _ word: String) -> String { n == 1 ? "1 \(word)" : "\(n) \(word)s" }
}
