/// Groups what the readers extracted into one ``PatientRecord`` per patient.
///
/// Patients are the same when they share a reference key (a fullUrl, `Patient/<id>`, a
/// `urn:uuid:`, a C-CDA document) or a real identifier (system and value, never a placeholder),
/// unless their sex or birth date conflict: then they are kept apart and both are incomplete
/// (``PatientLinker``). Statements whose patient was referenced but never described still get a
/// record, keyed by the reference; a statement that names only a placeholder identifier, or
/// matches two patients kept apart, belongs to nobody and is reported. A rejected record that
/// names a patient makes that patient incomplete. Medication references are resolved against
/// every Medication seen, in any input.
public struct RecordAssembler: Sendable {
    let rules: IdentityRules
    /// A patient with more statements than this is incomplete, not evaluated on part of them.
    let maxStatements: Int
    private var patients: [PatientEntry] = []
    private var statements: [(link: PatientLink, statement: Statement)] = []
    private var medications: [String: Concept] = [:]
    private var rejected: [RejectedLink] = []

    public init(rules: IdentityRules = .none, maxStatements: Int = ReadLimits.defaults.maxStatementsPerPatient) {
        self.rules = rules
        self.maxStatements = maxStatements
    }

    /// Why a patient with `count` statements is not evaluated (over `limit`).
    public static func overLimitReason(_ count: Int, limit: Int) -> String {
        "his record holds \(count) statements, more than the limit of \(limit) per patient (--max-patient-statements); it was not evaluated"
    }

    /// Adds one input's extract. Order matters only for ties; outputs are sorted.
    public mutating func add(_ extract: SourceExtract) {
        patients += extract.patients
        for definition in extract.medications {
            for key in definition.keys where medications[key] == nil { medications[key] = definition.concept }
        }
        statements.append(contentsOf: extract.statements)
        rejected += extract.rejectedLinks
    }

    /// Everything added so far, as one extract in the order it was added, and nothing kept:
    /// for moving what was read into a store on disk (pipe mode's spill). A medication key
    /// keeps its first definition, as when assembled here.
    public mutating func takeAll() -> SourceExtract {
        var e = SourceExtract(file: "")
        swap(&e.patients, &patients)
        swap(&e.statements, &statements)
        swap(&e.rejectedLinks, &rejected)
        e.medications = medications.keys.sorted().map { MedicationDefinition(keys: [$0], concept: medications[$0]!) }
        medications = [:]
        return e
    }

    /// What assembling found besides the records.
    public struct Assembly: Sendable {
        public var records: [PatientRecord]
        /// Statements that belong to no one patient, and why (worded without patient data).
        public var unattributed: [(source: SourceRef, reason: String)]
        /// Pairs of patient records kept apart because their sex or birth date conflict.
        public var conflicts: Int
    }

    /// The assembled records, sorted by key.
    public func records() -> [PatientRecord] { assemble().records }

    public func assemble() -> Assembly {
        let nodes = patients.map { e in
            PatientLinker.Node(links: PatientLinker.links(of: e, rules: rules), gender: e.identity.gender,
                               birthDate: e.identity.birthDate)
        }
        let linked = PatientLinker.link(nodes)
        var byGroup: [Int: PatientRecord] = [:]
        var identifiers: [Int: Set<Identifier>] = [:]
        var members: [Int: [PatientEntry]] = [:]
        var sourceFiles: [Int: Set<SourceRef>] = [:]
        for (i, entry) in patients.enumerated() {
            let g = linked.group[i]
            if var record = byGroup[g] {
                record.identity = Self.merge(record.identity, entry.identity)
                byGroup[g] = record
            } else {
                byGroup[g] = PatientRecord(key: "", identity: entry.identity)
            }
            // Sets, so that a thousand entries merged into one stay linear.
            identifiers[g, default: []].formUnion(entry.identity.identifiers)
            members[g, default: []].append(entry)
            let file = SourceRef(file: entry.source.file, format: entry.source.format)
            if sourceFiles[g, default: []].insert(file).inserted { byGroup[g]!.sources.append(file) }
        }
        for (g, ids) in identifiers { byGroup[g]!.identity.identifiers = ids.sorted() }
        for (g, entries) in members { byGroup[g]!.key = recordKey(entries, identity: byGroup[g]!.identity) }
        let conflictReason = "identity conflict: another patient record shares a reference or identifier with this one, "
            + "but their sex or birth date differ; they were not merged"
        for (a, b) in linked.conflicts {
            for g in [a, b] where !byGroup[g]!.incomplete.contains(conflictReason) { byGroup[g]!.incomplete.append(conflictReason) }
        }

        var external: [String: PatientRecord] = [:]
        var unattributed: [(source: SourceRef, reason: String)] = []
        func owner(_ link: PatientLink) -> (groups: [Int]?, linkString: String?, why: String?) {
            switch link {
            case .key(let k): return (linked.owners[PatientLinker.keyLink(k)], PatientLinker.keyLink(k), nil)
            case .identifier(let id):
                guard rules.links(id) else {
                    return (nil, nil, (id.system ?? "").isEmpty ? "its subject is an identifier without a system"
                                                               : "its subject is a placeholder identifier")
                }
                return (linked.owners[PatientLinker.identifierLink(id)], PatientLinker.identifierLink(id), nil)
            }
        }
        let ambiguous = "a record naming this patient matches more than one patient record kept apart; it was not used"
        for (link, statement) in statements {
            var resolved = Self.resolveMedication(statement, medications)
            let (groups, _, why) = owner(link)
            if let why {
                if let s = Self.source(of: statement) { unattributed.append((s, why)) }
                continue
            }
            if let groups, groups.count == 1 {
                Self.append(&resolved, to: &byGroup[groups[0]]!)
            } else if let groups {
                if let s = Self.source(of: statement) { unattributed.append((s, "its subject matches more than one patient record kept apart")) }
                for g in groups where !byGroup[g]!.incomplete.contains(ambiguous) { byGroup[g]!.incomplete.append(ambiguous) }
            } else {
                let (key, subject) = Self.externalSubject(link)
                var record = external[key] ?? PatientRecord(key: key, identity: PatientIdentity(subject: subject))
                Self.append(&resolved, to: &record)
                external[key] = record
            }
        }
        for r in rejected {
            let reason = "a record naming this patient was rejected (\(r.kind) at \(r.place)); facts decided by absence cannot be trusted"
            let (groups, _, _) = owner(r.link)
            for g in groups ?? [] where !byGroup[g]!.incomplete.contains(reason) { byGroup[g]!.incomplete.append(reason) }
            if groups == nil, case .key = r.link {
                let key = Self.externalSubject(r.link).key
                if external[key] != nil, !external[key]!.incomplete.contains(reason) { external[key]!.incomplete.append(reason) }
            }
        }
        // Each record with the reference keys of its own entries: where records kept apart share
        // a key (an identifier of a conflict), each takes one of its own, which stays the same
        // night after night, rather than a position.
        var ordered: [(record: PatientRecord, own: [String], group: Int)] = byGroup.map { g, r in
            (r, (members[g] ?? []).flatMap(\.keys).sorted(), g)
        }
        ordered += external.values.map { ($0, [], Int.max) }
        // Content order, then the linker's group order (input order), never dictionary order:
        // which record takes a contested key must be the same in every process.
        ordered.sort { Self.sortsBefore($0.record, $1.record) || (!Self.sortsBefore($1.record, $0.record) && $0.group < $1.group) }
        var all = Self.uniqueKeys(ordered.map { ($0.record, $0.own) }).map(Self.withoutDuplicates)
        // A CarePlan must name its patient the way R4 allows; a reference an input made up
        // (a path, a control character, a 1 MB id) is never copied into one.
        let unwritable = "the patient's id or reference is not valid R4, so no CarePlan can name him"
        for i in all.indices where !FHIRSyntax.isWritable(all[i].identity.subject) {
            all[i].incomplete.append(unwritable)
        }
        // Over the per-patient limit: incomplete, and his statements are let go, so that
        // nothing costs more for him (DESIGN: not half-evaluated).
        for i in all.indices where all[i].statementCount > maxStatements {
            all[i].incomplete.append(Self.overLimitReason(all[i].statementCount, limit: maxStatements))
            all[i].conditions = []
            all[i].medications = []
            all[i].observations = []
            all[i].procedures = []
        }
        all.sort { Self.sortsBefore($0, $1) }
        unattributed.sort { $0.source < $1.source }
        return Assembly(records: all, unattributed: unattributed, conflicts: linked.conflicts.count)
    }

    /// Two different patients never share a key (the batch's ledger is keyed by it): a record
    /// whose key another has too takes its smallest own reference key that no other record
    /// has; if none is free, the key with `#2`, `#3` … in content order.
    static func uniqueKeys(_ candidates: [(record: PatientRecord, own: [String])]) -> [PatientRecord] {
        var count: [String: Int] = [:]
        for c in candidates { count[c.record.key, default: 0] += 1 }
        var taken = Set(count.keys)
        var result: [PatientRecord] = []
        var clashing: [PatientRecord] = []
        for c in candidates {
            guard count[c.record.key]! > 1 else {
                result.append(c.record)
                continue
            }
            var r = c.record
            if let own = c.own.first(where: { !taken.contains($0) }) {
                r.key = own
                taken.insert(own)
                result.append(r)
            } else {
                clashing.append(r)
            }
        }
        for var r in clashing {
            let base = r.key
            var n = 2
            while taken.contains(r.key), n < Int.max {
                r.key = "\(base)#\(n)"
                n += 1
            }
            // The first of a clashing key keeps it when no one else took it.
            taken.insert(r.key)
            result.append(r)
        }
        return result
    }

    /// Content order of records, for ties of their keys: never dictionary order.
    static func sortsBefore(_ a: PatientRecord, _ b: PatientRecord) -> Bool {
        if a.key != b.key { return a.key < b.key }
        if a.identity.subject != b.identity.subject { return a.identity.subject < b.identity.subject }
        if a.identity.identifiers != b.identity.identifiers { return a.identity.identifiers.lexicographicallyPrecedes(b.identity.identifiers) }
        if a.identity.gender != b.identity.gender { return (a.identity.gender ?? "") < (b.identity.gender ?? "") }
        let da = a.identity.birthDate?.start.seconds ?? .min, db = b.identity.birthDate?.start.seconds ?? .min
        if da != db { return da < db }
        return a.sources.lexicographicallyPrecedes(b.sources)
    }

    /// A record's key: the smallest resource reference key (stable as long as the export names
    /// the patient the same way), else its smallest linking identifier, else a document's key.
    func recordKey(_ entries: [PatientEntry], identity: PatientIdentity) -> String {
        let keys = entries.flatMap(\.keys)
        if let first = keys.filter({ !$0.hasPrefix(Self.documentKeyPrefix) }).min() { return first }
        if let id = identity.identifiers.filter(rules.links).min() { return Self.externalSubject(PatientLink.identifier(id)).key }
        if let first = keys.min() { return first }
        return Self.externalSubject(identity.subject).key
    }

    /// The key prefix of a C-CDA document's patient (its statements are linked by it).
    public static let documentKeyPrefix = "cda-document:"

    // MARK: Helpers

    /// One statement, however many sources repeat it: two statements with the same content
    /// (code, time, value, status …) but different sources count once, and the survivor lists
    /// the other sources. Needed when one patient arrives in several exports.
    static func withoutDuplicates(_ record: PatientRecord) -> PatientRecord {
        // Repeats within one input are that input's business; merging is about several sources.
        guard record.sources.count > 1 else { return record }
        var r = record
        r.conditions = dedupe(r.conditions)
        r.medications = dedupe(r.medications)
        r.observations = dedupe(r.observations)
        r.procedures = dedupe(r.procedures)
        return r
    }

    /// Keeps the first of statements equal in everything but their sources; it lists the others.
    private static func dedupe<T: SourcedStatement>(_ items: [T]) -> [T] {
        var index: [T: Int] = [:]
        var result: [T] = []
        for item in items {
            var key = item
            key.source = SourceRef(file: "", format: .fhirJSON)
            key.otherSources = []
            if let i = index[key] {
                if result[i].source != item.source { result[i].otherSources.append(item.source) }
            } else {
                index[key] = result.count
                result.append(item)
            }
        }
        return result
    }

    private static func source(of statement: Statement?) -> SourceRef? {
        switch statement {
        case .condition(let c)?: c.source
        case .medication(let m)?: m.source
        case .observation(let o)?: o.source
        case .procedure(let p)?: p.source
        case nil: nil
        }
    }

    private static func addSource(_ source: SourceRef, to record: inout PatientRecord) {
        let fileRef = SourceRef(file: source.file, format: source.format)
        if !record.sources.contains(fileRef) { record.sources.append(fileRef) }
    }

    private static func append(_ statement: inout Statement, to record: inout PatientRecord) {
        if let s = source(of: statement) { addSource(s, to: &record) }
        switch statement {
        case .condition(let c): record.conditions.append(c)
        case .medication(let m): record.medications.append(m)
        case .observation(let o): record.observations.append(o)
        case .procedure(let p): record.procedures.append(p)
        }
    }

    private static func resolveMedication(_ statement: Statement, _ medications: [String: Concept]) -> Statement {
        guard case .medication(var use) = statement, let ref = use.medicationReference,
            let concept = medications[ref]
        else { return statement }
        use.medication.codings += concept.codings
        if use.medication.text == nil { use.medication.text = concept.text }
        use.medicationReference = nil
        return .medication(use)
    }

    private static func externalSubject(_ link: PatientLink) -> (key: String, subject: SubjectReference) {
        switch link {
        case .key(let key): (key, .reference(key))
        case .identifier(let id): ("identifier|\(id.system ?? "")|\(id.value)", .identifier(id))
        }
    }

    private static func externalSubject(_ subject: SubjectReference) -> (key: String, subject: SubjectReference) {
        switch subject {
        case .reference(let r): externalSubject(PatientLink.key(r))
        case .identifier(let id): externalSubject(PatientLink.identifier(id))
        }
    }

    /// Identifiers are collected by the caller (a set, so a thousand merged entries stay linear).
    private static func merge(_ a: PatientIdentity, _ b: PatientIdentity) -> PatientIdentity {
        var m = a
        m.gender = PatientLinker.known(m.gender) ? m.gender : b.gender ?? m.gender
        m.birthDate = PatientLinker.narrower(a.birthDate, b.birthDate)
        m.deceased = Deceased.merge(a.deceased, b.deceased)
        m.isDescribed = a.isDescribed || b.isDescribed
        // Prefer a resource reference over an identifier-only subject, then the smaller one.
        switch (a.subject, b.subject) {
        case (.identifier, .reference): m.subject = b.subject
        case (.reference, .identifier): break
        default: m.subject = min(a.subject, b.subject)
        }
        return m
    }
}
