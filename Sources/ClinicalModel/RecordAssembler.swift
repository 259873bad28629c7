/// Groups what the readers extracted into one ``PatientRecord`` per patient.
///
/// Patients are the same when they share a reference key (a fullUrl, `Patient/<id>`, a
/// `urn:uuid:`) or an identifier (system and value). Statements whose patient was referenced
/// but never described still get a record, keyed by the reference. Medication references are
/// resolved against every Medication seen, in any input.
public struct RecordAssembler: Sendable {
    private var parent: [Int] = []
    private var keyIndex: [String: Int] = [:]
    private var identifierIndex: [Identifier: Int] = [:]
    private var patients: [(node: Int, entry: PatientEntry)] = []
    private var statements: [(link: PatientLink, statement: Statement)] = []
    private var medications: [String: Concept] = [:]
    private var sources: [SourceRef] = []

    public init() {}

    /// Adds one input's extract. Order matters only for ties; outputs are sorted.
    public mutating func add(_ extract: SourceExtract) {
        for patient in extract.patients {
            let node = newNode()
            for key in patient.keys { union(node, nodeForKey(key)) }
            // An identifier without a system names nobody in particular: it never merges patients.
            for id in patient.identity.identifiers where !(id.system ?? "").isEmpty { union(node, nodeForIdentifier(id)) }
            patients.append((node, patient))
        }
        for definition in extract.medications {
            for key in definition.keys where medications[key] == nil { medications[key] = definition.concept }
        }
        statements.append(contentsOf: extract.statements)
        if let first = extract.patients.first?.source ?? Self.source(of: extract.statements.first?.statement) {
            let fileRef = SourceRef(file: first.file, format: first.format)
            if !sources.contains(fileRef) { sources.append(fileRef) }
        }
    }

    /// The assembled records, sorted by key.
    public func records() -> [PatientRecord] {
        var uf = self
        var byRoot: [Int: PatientRecord] = [:]
        var rootKeys: [Int: [String]] = [:]
        for (key, node) in keyIndex { rootKeys[uf.find(node), default: []].append(key) }

        for (node, entry) in patients {
            let root = uf.find(node)
            var record = byRoot[root] ?? PatientRecord(
                key: Self.recordKey(rootKeys[root] ?? [], fallback: entry.identity.subject),
                identity: entry.identity)
            if byRoot[root] != nil { record.identity = Self.merge(record.identity, entry.identity) }
            Self.addSource(entry.source, to: &record)
            byRoot[root] = record
        }

        var external: [String: PatientRecord] = [:]
        for (link, statement) in statements {
            var resolved = Self.resolveMedication(statement, medications)
            let root: Int?
            switch link {
            case .key(let key): root = uf.keyIndex[key].map { uf.find($0) }
            case .identifier(let id): root = uf.identifierIndex[id].map { uf.find($0) }
            }
            if let root, byRoot[root] != nil {
                Self.append(&resolved, to: &byRoot[root]!)
            } else {
                let (key, subject) = Self.externalSubject(link)
                var record = external[key] ?? PatientRecord(key: key, identity: PatientIdentity(subject: subject))
                Self.append(&resolved, to: &record)
                external[key] = record
            }
        }
        var all = (Array(byRoot.values) + Array(external.values)).map(Self.withoutDuplicates)
        all.sort { $0.key < $1.key }
        // Two different patients must never share a key: disambiguate deterministically.
        for i in all.indices.dropFirst() where all[i].key == all[i - 1].key { all[i].key += "#\(i)" }
        return all
    }

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

    private static func recordKey(_ keys: [String], fallback: SubjectReference) -> String {
        if let first = keys.min() { return first }
        return externalSubject(fallback).key
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

    private static func merge(_ a: PatientIdentity, _ b: PatientIdentity) -> PatientIdentity {
        var m = a
        for id in b.identifiers where !m.identifiers.contains(id) { m.identifiers.append(id) }
        m.identifiers.sort()
        m.gender = m.gender ?? b.gender
        m.birthDate = m.birthDate ?? b.birthDate
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

    // MARK: Union-find

    private mutating func newNode() -> Int {
        parent.append(parent.count)
        return parent.count - 1
    }

    private mutating func nodeForKey(_ key: String) -> Int {
        if let n = keyIndex[key] { return n }
        let n = newNode()
        keyIndex[key] = n
        return n
    }

    private mutating func nodeForIdentifier(_ id: Identifier) -> Int {
        if let n = identifierIndex[id] { return n }
        let n = newNode()
        identifierIndex[id] = n
        return n
    }

    private mutating func find(_ x: Int) -> Int {
        var root = x
        while parent[root] != root { root = parent[root] }
        var node = x
        while parent[node] != root {
            let next = parent[node]
            parent[node] = root
            node = next
        }
        return root
    }

    private mutating func union(_ a: Int, _ b: Int) {
        let ra = find(a)
        let rb = find(b)
        if ra != rb { parent[max(ra, rb)] = min(ra, rb) }
    }
}
