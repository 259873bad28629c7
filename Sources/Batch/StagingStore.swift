import ClinicalModel
import Foundation
import GRDB

/// The batch's working database (`DIR/.staging.sqlite`): every normalized statement staged on
/// disk keyed by its patient link, so that records are assembled patient by patient in bounded
/// memory however large the export.
///
/// It is kept from one run to the next as a cache of what each input staged: an input whose
/// bytes (and name) are the same as last run's is not read again, its rows are used as they are
/// (`reusableFiles`, `reuse`). Rows are ordered by the input's position in tonight's discovery
/// order and their place in it, never by when they were staged, so a run that reuses rows gives
/// the same records, in the same order, as a run from nothing. Everything is rebuilt from
/// nothing when what reads the inputs changes (`config`: the program, the Mappings, the limits)
/// or the file cannot be read; an input whose staging did not finish (a killed run) is staged
/// again. WAL with `synchronous = NORMAL`: a kill or power loss loses at most the last
/// transactions, never the database's consistency. An input read whole is committed with its
/// `file` row in one transaction; a large one, chunk by chunk, counts only once its `file` row
/// says `complete`. A run that fails makes the next one rebuild everything (`forget`).
final class StagingStore: @unchecked Sendable {
    let db: DatabaseQueue
    let path: String
    /// Which identifiers may link patients: a placeholder one never groups records.
    let identity: IdentityRules
    private let encoder = StagingEncoder()
    private let decoder = StagingDecoder()

    /// The schema of the kept database; a database of another schema is rebuilt.
    static let schema = "staging-v2"

    /// Opens the staging database at `path`, rebuilt from nothing unless it was written under the
    /// same `config` (a hash of everything that decides what an input stages).
    init(path: String, identity: IdentityRules = .none, config: String = "") throws {
        self.path = path
        self.identity = identity
        var configuration = Configuration()
        configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL") }
        let key = Self.schema + " " + config
        var kept: DatabaseQueue?
        if let q = try? DatabaseQueue(path: path, configuration: configuration) {
            if (try? q.read({ try String.fetchOne($0, sql: "SELECT value FROM meta WHERE name = 'config'") })) == key {
                kept = q
            } else {
                try? q.close()
            }
        }
        if let kept {
            db = kept
        } else {
            for suffix in ["", "-journal", "-wal", "-shm"] { unlink(path + suffix) }
            db = try DatabaseQueue(path: path, configuration: configuration)
            try db.write { try Self.createTables($0, key: key) }
        }
        try startRun()
    }

    /// A database of its own that nothing else can open, for pipe mode (``PatientSpill``):
    /// SQLite's temporary database, a file in `SQLITE_TMPDIR` or `TMPDIR` (else /var/tmp or /tmp)
    /// that SQLite unlinks as soon as it opens it, so nothing is left behind, even by a killed
    /// process. Pages stay in memory (16 MiB) until there are more; no journal: it is never
    /// used again.
    init(temporaryWith identity: IdentityRules) throws {
        path = ""
        self.identity = identity
        var configuration = Configuration()
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA cache_size = -16384")
            db.add(collation: Self.recordKeyOrder)
        }
        db = try DatabaseQueue(path: "", configuration: configuration)
        try db.write { db in
            try Self.createTables(db, key: "temporary")
            try db.execute(sql: "CREATE TABLE spillOutput (seq INTEGER PRIMARY KEY, key TEXT NOT NULL, body BLOB NOT NULL)")
        }
        try startRun()
    }

    private static func createTables(_ db: Database, key: String) throws {
        try db.execute(sql: """
            CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
            CREATE TABLE file (id INTEGER PRIMARY KEY, contentHash TEXT NOT NULL, position INTEGER,
                               complete INTEGER NOT NULL, reusable INTEGER NOT NULL, summaries BLOB);
            CREATE TABLE patient (id INTEGER PRIMARY KEY, file INTEGER NOT NULL, ord INTEGER NOT NULL, body BLOB NOT NULL);
            CREATE TABLE patientKey (patientId INTEGER NOT NULL, link TEXT NOT NULL);
            CREATE TABLE statement (id INTEGER PRIMARY KEY, file INTEGER NOT NULL, ord INTEGER NOT NULL, link TEXT NOT NULL,
                                    medRef TEXT, body BLOB NOT NULL);
            CREATE TABLE medication (key TEXT NOT NULL, file INTEGER NOT NULL, ord INTEGER NOT NULL, body BLOB NOT NULL);
            CREATE TABLE rejectedLink (link TEXT NOT NULL, file INTEGER NOT NULL, ord INTEGER NOT NULL, body BLOB NOT NULL);
            """)
        try db.execute(sql: "INSERT INTO meta VALUES ('config', ?)", arguments: [key])
    }

    /// Tonight's tables from nothing, and no input placed yet: each is placed again when it is
    /// read or reused, and `dropUnplaced` lets go of the rest.
    private func startRun() throws {
        try db.write { db in
            try db.execute(sql: """
                DROP TABLE IF EXISTS patientGroup; DROP TABLE IF EXISTS linkGroup; DROP TABLE IF EXISTS result;
                DROP TABLE IF EXISTS stagedRecord;
                CREATE TABLE linkGroup (link TEXT PRIMARY KEY, groupId INTEGER NOT NULL);
                CREATE TABLE patientGroup (patientId INTEGER PRIMARY KEY, groupId INTEGER NOT NULL);
                CREATE TABLE result (patientKey TEXT NOT NULL, guideline TEXT NOT NULL, hash TEXT NOT NULL, careplan BLOB,
                                     recs TEXT NOT NULL, evaluated INTEGER NOT NULL, fired TEXT NOT NULL, created TEXT,
                                     carePlanId TEXT, seen INTEGER NOT NULL, incomplete TEXT, PRIMARY KEY (patientKey, guideline));
                CREATE INDEX resultCarePlan ON result(carePlanId);
                UPDATE file SET position = NULL;
                """)
        }
    }

    /// Makes the next run rebuild the database from nothing (this run failed).
    func forget() {
        _ = try? db.write { try $0.execute(sql: "DELETE FROM meta") }
    }

    /// Closes the database; its tables stay for the next run.
    func close() {
        try? db.close()
    }

    /// Record keys in Swift's string order, which ``RecordAssembler`` sorts records by (SQLite's
    /// own order compares bytes, which differs for text that is not in normal form C).
    static let recordKeyOrder = DatabaseCollation("recordKeyOrder") { a, b in
        a < b ? .orderedAscending : a == b ? .orderedSame : .orderedDescending
    }

    static func link(_ l: PatientLink) -> String {
        switch l {
        case .key(let k): "k:" + k
        case .identifier(let id): "i:" + (id.system ?? "") + "|" + id.value
        }
    }

    // MARK: Inputs

    /// An input staged by an earlier run that can be used again: its id and what reading it said.
    struct ReusableFile: Sendable {
        let id: Int64
        let summaries: [ReadSummary]
    }

    /// The inputs staged whole by an earlier run, without errors, by content hash: an input with
    /// an error is read again, for its quarantine copy.
    func reusableFiles() throws -> [String: ReusableFile] {
        try db.read { db in
            var kept: [String: ReusableFile] = [:]
            let rows = try Row.fetchCursor(db, sql: "SELECT id, contentHash, summaries FROM file WHERE complete = 1 AND reusable = 1")
            while let row = try rows.next() {
                guard let blob: Data = row[2], let summaries = try? decoder.decode([ReadSummary].self, from: [UInt8](blob)) else { continue }
                kept[row[1]] = ReusableFile(id: row[0], summaries: summaries)
            }
            return kept
        }
    }

    /// Places a kept input at `position` in tonight's order.
    func reuse(_ id: Int64, position: Int) throws {
        try db.write { try $0.execute(sql: "UPDATE file SET position = ? WHERE id = ?", arguments: [position, id]) }
    }

    /// Starts staging an input read tonight, and returns its id. Until `finish`, its rows do not
    /// count as staged: a run killed half-way stages it again.
    func begin(contentHash: String, position: Int) throws -> Int64 {
        try db.write { db in
            try db.execute(sql: "INSERT INTO file (contentHash, position, complete, reusable) VALUES (?, ?, 0, 0)",
                           arguments: [contentHash, position])
            return db.lastInsertedRowID
        }
    }

    /// Marks an input staged, with what reading it said; `reusable` when a later run may use its
    /// rows instead of reading it.
    func finish(_ id: Int64, summaries: [ReadSummary], reusable: Bool) throws {
        let blob = try encoder.encode(summaries)
        try db.write { db in
            try db.execute(sql: "UPDATE file SET complete = 1, reusable = ?, summaries = ? WHERE id = ?",
                           arguments: [reusable, Data(blob), id])
        }
    }

    /// Stages one input read whole, with its `file` row, in one transaction.
    func stageWhole(_ rows: StagedRows, contentHash: String, position: Int, summary: ReadSummary, reusable: Bool) throws {
        let blob = try encoder.encode([summary])
        try db.write { db in
            try db.execute(sql: "INSERT INTO file (contentHash, position, complete, reusable, summaries) VALUES (?, ?, 1, ?, ?)",
                           arguments: [contentHash, position, reusable, Data(blob)])
            try insert(rows, file: db.lastInsertedRowID, db)
        }
    }

    /// Lets go of every input not placed tonight (absent, changed, or half staged) and its rows.
    func dropUnplaced() throws {
        try db.write { db in
            guard try Bool.fetchOne(db, sql: "SELECT COUNT(*) > 0 FROM file WHERE position IS NULL OR complete = 0") ?? false else { return }
            try db.execute(sql: """
                CREATE TEMP TABLE gone AS SELECT id FROM file WHERE position IS NULL OR complete = 0;
                DELETE FROM patientKey WHERE patientId IN (SELECT id FROM patient WHERE file IN (SELECT id FROM gone));
                DELETE FROM patient WHERE file IN (SELECT id FROM gone);
                DELETE FROM statement WHERE file IN (SELECT id FROM gone);
                DELETE FROM medication WHERE file IN (SELECT id FROM gone);
                DELETE FROM rejectedLink WHERE file IN (SELECT id FROM gone);
                DELETE FROM file WHERE id IN (SELECT id FROM gone);
                DROP TABLE gone;
                """)
        }
    }

    /// Stages (part of) one input's extract, in one transaction. `ordBase` orders the rows of an
    /// input read in several chunks: it must grow, chunk after chunk, by at least the rows of
    /// every kind the chunk staged.
    func stage(_ extract: SourceExtract, file: Int64, ordBase: Int) throws {
        let rows = try StagedRows(extract, identity: identity, ordBase: ordBase)
        try db.write { db in try insert(rows, file: file, db) }
    }

    /// Inserts with statements prepared once per connection (GRDB's statement cache), not per row.
    func insert(_ rows: StagedRows, file: Int64, _ db: Database) throws {
        let patient = try db.cachedStatement(sql: "INSERT INTO patient (file, ord, body) VALUES (?, ?, ?)")
        let patientKey = try db.cachedStatement(sql: "INSERT INTO patientKey VALUES (?, ?)")
        for p in rows.patients {
            try patient.execute(arguments: [file, p.ord, p.body])
            let id = db.lastInsertedRowID
            for link in p.links { try patientKey.execute(arguments: [id, link]) }
        }
        let statement = try db.cachedStatement(sql: "INSERT INTO statement (file, ord, link, medRef, body) VALUES (?, ?, ?, ?, ?)")
        for s in rows.statements {
            try statement.execute(arguments: [file, s.ord, s.link, s.medicationReference, s.body])
        }
        let medication = try db.cachedStatement(sql: "INSERT INTO medication VALUES (?, ?, ?, ?)")
        for m in rows.medications {
            for key in m.keys { try medication.execute(arguments: [key, file, m.ord, m.body]) }
        }
        let rejected = try db.cachedStatement(sql: "INSERT INTO rejectedLink VALUES (?, ?, ?, ?)")
        for r in rows.rejected {
            try rejected.execute(arguments: [r.link, file, r.ord, r.body])
        }
    }

    /// Groups patients sharing a key or a linking identifier — the coarse grouping of the one
    /// ``PatientLinker`` (no identity check: the full linker refines each group when its records
    /// are assembled, keeping apart patients whose sex or birth date conflict) —, maps every
    /// statement link and rejected-record link to its group, and returns the number of groups.
    func buildGroups() throws -> Int {
        try db.write { db in
            // Tonight's order: the input's place, then the row's place in it (never the row id: a
            // kept input's rows were staged on another night).
            var ids: [Int64] = []
            var links: [[String]] = []
            var position: [Int64: Int] = [:]
            let patients = try Int64.fetchCursor(db, sql: "SELECT p.id FROM patient p JOIN file f ON f.id = p.file ORDER BY f.position, p.ord")
            while let id = try patients.next() {
                position[id] = ids.count
                ids.append(id)
                links.append([])
            }
            let rows = try Row.fetchCursor(db, sql: "SELECT patientId, link FROM patientKey ORDER BY patientId, rowid")
            while let row = try rows.next() {
                let id: Int64 = row[0]
                let link: String = row[1]
                if let p = position[id] { links[p].append(link) }
            }
            let linked = PatientLinker.link(links.map { PatientLinker.Node(links: $0) }, checkIdentity: false)
            // A group is numbered by the place of its first patient: groups come in input order.
            for (p, id) in ids.enumerated() {
                try db.execute(sql: "INSERT INTO patientGroup VALUES (?, ?)", arguments: [id, Int64(linked.group[p]) + 1])
            }
            // Statement and rejected-record links: a patient's group, or a group of their own
            // (a patient referenced but never described), one per record the assembler would make
            // of them: `k:X` and `i:s|v` of no patient are the records keyed `X` and
            // `identifier|s|v`, so a reference spelled `identifier|s|v` joins the latter.
            var next = Int64(ids.count) + 1
            var external: [String: Int64] = [:]
            try db.execute(sql: """
                CREATE INDEX IF NOT EXISTS statementLink ON statement(link); CREATE INDEX IF NOT EXISTS rejectedLinkLink ON rejectedLink(link);
                CREATE INDEX IF NOT EXISTS medicationKey ON medication(key)
                """)
            let statementLinks = try String.fetchCursor(db, sql: """
                SELECT link FROM statement UNION SELECT link FROM rejectedLink ORDER BY 1
                """)
            var pending: [(String, Int64)] = []
            while let link = try statementLinks.next() {
                if let owners = linked.owners[link], let first = owners.first {
                    pending.append((link, Int64(first) + 1))
                } else {
                    let key = link.hasPrefix("i:") ? "identifier|" + link.dropFirst(2) : String(link.dropFirst(2))
                    if let group = external[key] {
                        pending.append((link, group))
                    } else {
                        external[key] = next
                        pending.append((link, next))
                        next += 1
                    }
                }
            }
            for (link, group) in pending {
                try db.execute(sql: "INSERT INTO linkGroup VALUES (?, ?)", arguments: [link, group])
            }
            try db.execute(sql: "CREATE INDEX linkGroupGroup ON linkGroup(groupId); CREATE INDEX patientGroupGroup ON patientGroup(groupId)")
            return try Int.fetchOne(db, sql: """
                SELECT COUNT(*) FROM (SELECT groupId FROM patientGroup UNION SELECT groupId FROM linkGroup)
                """) ?? 0
        }
    }

    /// Group ids in a stable order.
    func groupIDs() throws -> [Int64] {
        try db.read { db in
            try Int64.fetchAll(db, sql: "SELECT groupId FROM patientGroup UNION SELECT groupId FROM linkGroup ORDER BY 1")
        }
    }

    /// One group's staged rows, still encoded: read from the database by the one thread that
    /// reads it, decoded (`extract()`) on any.
    struct GroupRows: Sendable {
        var patients: [Data] = []
        var statements: [(link: String, body: Data)] = []
        var rejected: [Data] = []
        /// The first definition of each medication key the group's statements name, by key.
        var medications: [(key: String, body: Data)] = []

        /// The encoded rows' bytes.
        var bytes: Int {
            patients.reduce(0) { $0 + $1.count } + statements.reduce(0) { $0 + $1.body.count }
                + rejected.reduce(0) { $0 + $1.count } + medications.reduce(0) { $0 + $1.body.count }
        }

        func extract() throws -> SourceExtract {
            let decoder = StagingDecoder()
            var e = SourceExtract(file: "")
            e.patients = try patients.map { try decoder.decode(PatientEntry.self, from: $0) }
            e.statements = try statements.map { row in
                (StagingStore.parseLink(row.link), try row.body.withUnsafeBytes { bytes throws(CompactCodecError) in try StatementCodec.decode(bytes) })
            }
            e.rejectedLinks = try rejected.map { try decoder.decode(RejectedLink.self, from: $0) }
            // Each definition for the one key it was found by: a definition with several keys
            // must not set another of its keys, whose first definition may be another one.
            e.medications = try medications.map { m in
                MedicationDefinition(keys: [m.key], concept: try decoder.decode(MedicationDefinition.self, from: m.body).concept)
            }
            return e
        }
    }

    /// The rows of one group, in tonight's order, and the first definition of every medication
    /// its statements name (by key, in key order).
    func rows(group: Int64, withStatements: Bool = true) throws -> GroupRows {
        try db.read { db in
            var g = GroupRows()
            let patients = try Data.fetchCursor(db, sql: """
                SELECT p.body FROM patient p JOIN patientGroup g ON g.patientId = p.id JOIN file f ON f.id = p.file
                WHERE g.groupId = ? ORDER BY f.position, p.ord
                """, arguments: [group])
            while let body = try patients.next() { g.patients.append(body) }
            let statements = try Row.fetchCursor(db, sql: """
                SELECT s.link, s.body, s.medRef FROM statement s JOIN linkGroup l ON l.link = s.link JOIN file f ON f.id = s.file
                WHERE l.groupId = ? AND ? ORDER BY f.position, s.ord
                """, arguments: [group, withStatements])
            var references = Set<String>()
            while let row = try statements.next() {
                g.statements.append((row[0], row[1]))
                if let r: String = row[2] { references.insert(r) }
            }
            let rejected = try Data.fetchCursor(db, sql: """
                SELECT r.body FROM rejectedLink r JOIN linkGroup l ON l.link = r.link JOIN file f ON f.id = r.file
                WHERE l.groupId = ? ORDER BY f.position, r.ord
                """, arguments: [group])
            while let body = try rejected.next() { g.rejected.append(body) }
            for key in references.sorted() {
                if let body = try Data.fetchOne(db, sql: Self.firstMedication("m.body"), arguments: [key]) {
                    g.medications.append((key, body))
                }
            }
            return g
        }
    }

    /// The first definition staged for a medication key, in tonight's order.
    static func firstMedication(_ columns: String) -> String {
        "SELECT \(columns) FROM medication m JOIN file f ON f.id = m.file WHERE m.key = ? ORDER BY f.position, m.ord LIMIT 1"
    }

    /// What one group's records are made of, without decoding any of it: its hash over the rows
    /// it would be assembled from (each named by its input's content hash and its place there,
    /// in tonight's order), and how many statements it has.
    /// Two runs that give a group the same hash, from the same `seed`, assemble the same records.
    struct GroupDigest: Sendable {
        let hash: String
        let statements: Int
    }

    func digest(group: Int64, seed: String) throws -> GroupDigest {
        try db.read { db in
            var h = ContentHash()
            h.combine(seed)
            h.combine("patients")
            let patients = try Row.fetchCursor(db, sql: """
                SELECT f.contentHash, p.ord FROM patient p JOIN patientGroup g ON g.patientId = p.id JOIN file f ON f.id = p.file
                WHERE g.groupId = ? ORDER BY f.position, p.ord
                """, arguments: [group])
            while let row = try patients.next() {
                h.combine(row[0] as String)
                h.combine(String(row[1] as Int64))
            }
            h.combine("statements")
            var references = Set<String>()
            var statements = 0
            let rows = try Row.fetchCursor(db, sql: """
                SELECT f.contentHash, s.ord, s.medRef FROM statement s JOIN linkGroup l ON l.link = s.link JOIN file f ON f.id = s.file
                WHERE l.groupId = ? ORDER BY f.position, s.ord
                """, arguments: [group])
            while let row = try rows.next() {
                h.combine(row[0] as String)
                h.combine(String(row[1] as Int64))
                if let r: String = row[2] { references.insert(r) }
                statements += 1
            }
            h.combine("rejected")
            let rejectedRows = try Row.fetchCursor(db, sql: """
                SELECT f.contentHash, r.ord FROM rejectedLink r JOIN linkGroup l ON l.link = r.link JOIN file f ON f.id = r.file
                WHERE l.groupId = ? ORDER BY f.position, r.ord
                """, arguments: [group])
            while let row = try rejectedRows.next() {
                h.combine(row[0] as String)
                h.combine(String(row[1] as Int64))
            }
            h.combine("medications")
            for key in references.sorted() {
                h.combine(key)
                if let row = try Row.fetchOne(db, sql: Self.firstMedication("f.contentHash, m.ord"), arguments: [key]) {
                    h.combine(row[0] as String)
                    h.combine(String(row[1] as Int64))
                }
            }
            return GroupDigest(hash: h.hex, statements: statements)
        }
    }

    static func parseLink(_ link: String) -> PatientLink {
        let body = String(link.dropFirst(2))
        if link.hasPrefix("k:") { return .key(body) }
        let parts = body.split(separator: "|", maxSplits: 1, omittingEmptySubsequences: false)
        let system = parts.first.map(String.init) ?? ""
        return .identifier(Identifier(system: system.isEmpty ? nil : system, value: parts.count > 1 ? String(parts[1]) : ""))
    }


    // MARK: Tonight against the baseline night (the ledger, attached read-only in spirit)

    /// Attaches the ledger as `ledger`, so tonight's results and the baseline night are compared
    /// in SQL, row by row, never all in memory.
    func attach(ledger path: String) throws {
        try db.writeWithoutTransaction { try $0.execute(sql: "ATTACH DATABASE ? AS ledger", arguments: [path]) }
    }

    func detachLedger() throws {
        try db.writeWithoutTransaction { try $0.execute(sql: "DETACH DATABASE ledger") }
    }

    /// Patients of the baseline night absent from tonight's inputs keep their CarePlan ("not
    /// seen"), unless another patient tonight carries its id (a record linked in under another
    /// key). Returns how many.
    /// Only guidelines applied tonight are kept (`guidelines`, a JSON array of ids): one not
    /// applied (`--guideline`) is neither kept nor revoked.
    func keepNotSeen(night: BatchRunner.Night, guidelines: String) throws -> Int {
        guard let baseline = night.baseline else { return 0 }
        return try db.write { db in
            try db.execute(sql: """
                INSERT INTO result (patientKey, guideline, hash, careplan, recs, evaluated, fired, created, carePlanId, seen, incomplete)
                SELECT n.key, n.guideline, n.hash, n.careplan, n.recs, 0,
                       COALESCE((SELECT group_concat(json_extract(value, '$.id'), ',') FROM json_each(n.recs, '$.recommendations')), ''),
                       n.created, n.carePlanId, 0, NULL
                FROM ledger.night n
                WHERE n.asOf = ? AND n.careplan IS NOT NULL AND n.carePlanId IS NOT NULL
                  AND n.guideline IN (SELECT value FROM json_each(?))
                  AND n.key NOT IN (SELECT patientKey FROM result)
                  AND n.carePlanId NOT IN (SELECT carePlanId FROM result WHERE carePlanId IS NOT NULL)
                """, arguments: [baseline, guidelines])
            return db.changesCount
        }
    }

    /// The baseline night's CarePlans that no patient carries tonight, in patient order.
    func forEachRevoked(night: BatchRunner.Night, guidelines: String, _ body: (Data) throws -> Void) throws {
        guard let baseline = night.baseline else { return }
        try db.read { db in
            let rows = try Data.fetchCursor(db, sql: """
                SELECT n.careplan FROM ledger.night n
                WHERE n.asOf = ? AND n.careplan IS NOT NULL AND n.guideline IN (SELECT value FROM json_each(?))
                  AND (n.carePlanId IS NULL OR n.carePlanId NOT IN
                       (SELECT carePlanId FROM result WHERE careplan IS NOT NULL AND carePlanId IS NOT NULL))
                ORDER BY n.key, n.guideline
                """, arguments: [baseline, guidelines])
            while let plan = try rows.next() { try body(plan) }
        }
    }

    /// Tonight's CarePlans that are new or differ (in any byte) from the baseline night's
    /// CarePlan of the same id, in patient order.
    func forEachChanged(night: BatchRunner.Night, _ body: (Data) throws -> Void) throws {
        try db.read { db in
            let rows = try Data.fetchCursor(db, sql: """
                SELECT r.careplan FROM result r
                LEFT JOIN ledger.night n ON n.asOf = ? AND n.carePlanId = r.carePlanId
                WHERE r.careplan IS NOT NULL AND (n.careplan IS NULL OR n.careplan != r.careplan)
                ORDER BY r.patientKey, r.guideline
                """, arguments: [night.baseline])
            while let plan = try rows.next() { try body(plan) }
        }
    }
}
