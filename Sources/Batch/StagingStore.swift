import ClinicalModel
import Foundation
import GRDB

/// The run's scratch database: every normalized statement staged on disk keyed by its patient
/// link, so that records are assembled patient by patient in bounded memory however large the
/// export. Rebuilt from nothing by every run (a killed run leaves nothing to trust).
final class StagingStore: @unchecked Sendable {
    let db: DatabaseQueue
    let path: String
    /// Which identifiers may link patients: a placeholder one never groups records.
    let identity: IdentityRules
    private let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        return e
    }()
    private let decoder = JSONDecoder()

    init(path: String, identity: IdentityRules = .none) throws {
        self.path = path
        self.identity = identity
        for suffix in ["", "-journal", "-wal", "-shm"] { unlink(path + suffix) }
        var config = Configuration()
        // Scratch data: durability buys nothing here, the next run rebuilds it anyway.
        config.prepareDatabase { db in try db.execute(sql: "PRAGMA synchronous = OFF; PRAGMA journal_mode = OFF") }
        db = try DatabaseQueue(path: path, configuration: config)
        try db.write { db in
            try db.execute(sql: """
                CREATE TABLE patient (id INTEGER PRIMARY KEY, fileIndex INTEGER, ord INTEGER, body BLOB NOT NULL);
                CREATE TABLE patientKey (patientId INTEGER NOT NULL, link TEXT NOT NULL);
                CREATE TABLE statement (id INTEGER PRIMARY KEY, fileIndex INTEGER, ord INTEGER, link TEXT NOT NULL, body BLOB NOT NULL);
                CREATE TABLE medication (key TEXT NOT NULL, body BLOB NOT NULL);
                CREATE TABLE rejectedLink (link TEXT NOT NULL, body BLOB NOT NULL);
                CREATE TABLE linkGroup (link TEXT PRIMARY KEY, groupId INTEGER NOT NULL);
                CREATE TABLE result (patientKey TEXT NOT NULL, guideline TEXT NOT NULL, hash TEXT NOT NULL, careplan BLOB,
                                     recs TEXT NOT NULL, evaluated INTEGER NOT NULL, fired TEXT NOT NULL, created TEXT,
                                     carePlanId TEXT, seen INTEGER NOT NULL, PRIMARY KEY (patientKey, guideline));
                CREATE INDEX resultCarePlan ON result(carePlanId);
                """)
        }
    }

    func close() {
        try? db.close()
        for suffix in ["", "-journal", "-wal", "-shm"] { unlink(path + suffix) }
    }

    static func link(_ l: PatientLink) -> String {
        switch l {
        case .key(let k): "k:" + k
        case .identifier(let id): "i:" + (id.system ?? "") + "|" + id.value
        }
    }

    /// Stages one input's extract, in one transaction.
    /// `ordBase` orders the statements of a file read in several chunks.
    func stage(_ extract: SourceExtract, fileIndex: Int, ordBase: Int = 0) throws {
        try db.write { db in
            for (ord, patient) in extract.patients.enumerated() {
                try db.execute(sql: "INSERT INTO patient (fileIndex, ord, body) VALUES (?, ?, ?)",
                               arguments: [fileIndex, ordBase + ord, try encoder.encode(patient)])
                let id = db.lastInsertedRowID
                for key in patient.keys {
                    try db.execute(sql: "INSERT INTO patientKey VALUES (?, ?)", arguments: [id, Self.link(.key(key))])
                }
                // Only identifiers that may link (a system, not a placeholder) group records.
                for identifier in patient.identity.identifiers where identity.links(identifier) {
                    try db.execute(sql: "INSERT INTO patientKey VALUES (?, ?)", arguments: [id, Self.link(.identifier(identifier))])
                }
            }
            for (ord, item) in extract.statements.enumerated() {
                try db.execute(sql: "INSERT INTO statement (fileIndex, ord, link, body) VALUES (?, ?, ?, ?)",
                               arguments: [fileIndex, ordBase + ord, Self.link(item.link), try encoder.encode(item.statement)])
            }
            for m in extract.medications {
                let body = try encoder.encode(m)
                for key in m.keys { try db.execute(sql: "INSERT INTO medication VALUES (?, ?)", arguments: [key, body]) }
            }
            for r in extract.rejectedLinks {
                try db.execute(sql: "INSERT INTO rejectedLink VALUES (?, ?)", arguments: [Self.link(r.link), try encoder.encode(r)])
            }
        }
    }

    /// Groups patients sharing a key or a linking identifier — the coarse grouping of the one
    /// ``PatientLinker`` (no identity check: the full linker refines each group when its records
    /// are assembled, keeping apart patients whose sex or birth date conflict) —, maps every
    /// statement link and rejected-record link to its group, and returns the number of groups.
    func buildGroups() throws -> Int {
        try db.write { db in
            var ids: [Int64] = []
            var links: [[String]] = []
            var position: [Int64: Int] = [:]
            for id in try Int64.fetchAll(db, sql: "SELECT id FROM patient ORDER BY id") {
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
            try db.execute(sql: "CREATE TABLE patientGroup (patientId INTEGER PRIMARY KEY, groupId INTEGER NOT NULL)")
            for (p, id) in ids.enumerated() {
                try db.execute(sql: "INSERT INTO patientGroup VALUES (?, ?)", arguments: [id, ids[linked.group[p]]])
            }
            // Statement and rejected-record links: a patient's group, or a group of their own
            // (a patient referenced but never described).
            var next: Int64 = (ids.max() ?? 0) + 1
            let statementLinks = try String.fetchCursor(db, sql: """
                SELECT link FROM statement UNION SELECT link FROM rejectedLink ORDER BY 1
                """)
            var pending: [(String, Int64)] = []
            while let link = try statementLinks.next() {
                if let owners = linked.owners[link], let first = owners.first {
                    pending.append((link, ids[first]))
                } else {
                    pending.append((link, next))
                    next += 1
                }
            }
            for (link, group) in pending {
                try db.execute(sql: "INSERT INTO linkGroup VALUES (?, ?)", arguments: [link, group])
            }
            try db.execute(sql: """
                CREATE INDEX statementLink ON statement(link); CREATE INDEX linkGroupGroup ON linkGroup(groupId);
                CREATE INDEX rejectedLinkLink ON rejectedLink(link)
                """)
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

    /// How many statements are staged for one group.
    func statementCount(group: Int64) throws -> Int {
        try db.read { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM statement s JOIN linkGroup l ON l.link = s.link WHERE l.groupId = ?",
                             arguments: [group]) ?? 0
        }
    }

    /// Everything staged for one group, as an extract the RecordAssembler understands; without
    /// its statements when `withStatements` is false (a patient over the per-patient limit).
    func extract(group: Int64, withStatements: Bool = true) throws -> SourceExtract {
        try db.read { db in
            var e = SourceExtract(file: "")
            let patients = try Row.fetchCursor(db, sql: """
                SELECT p.body FROM patient p JOIN patientGroup g ON g.patientId = p.id
                WHERE g.groupId = ? ORDER BY p.fileIndex, p.ord
                """, arguments: [group])
            while let row = try patients.next() {
                e.patients.append(try decoder.decode(PatientEntry.self, from: row[0] as Data))
            }
            let statements = try Row.fetchCursor(db, sql: """
                SELECT s.link, s.body FROM statement s JOIN linkGroup l ON l.link = s.link
                WHERE l.groupId = ? AND ? ORDER BY s.fileIndex, s.ord
                """, arguments: [group, withStatements])
            var references = Set<String>()
            while let row = try statements.next() {
                let link: String = row[0]
                let statement = try decoder.decode(Statement.self, from: row[1] as Data)
                if case .medication(let m) = statement, let r = m.medicationReference { references.insert(r) }
                e.statements.append((Self.parseLink(link), statement))
            }
            let rejected = try Row.fetchCursor(db, sql: """
                SELECT r.body FROM rejectedLink r JOIN linkGroup l ON l.link = r.link WHERE l.groupId = ? ORDER BY r.rowid
                """, arguments: [group])
            while let row = try rejected.next() {
                e.rejectedLinks.append(try decoder.decode(RejectedLink.self, from: row[0] as Data))
            }
            for key in references.sorted() {
                if let body = try Data.fetchOne(db, sql: "SELECT body FROM medication WHERE key = ? ORDER BY rowid LIMIT 1", arguments: [key]) {
                    e.medications.append(try decoder.decode(MedicationDefinition.self, from: body))
                }
            }
            return e
        }
    }

    static func parseLink(_ link: String) -> PatientLink {
        let body = String(link.dropFirst(2))
        if link.hasPrefix("k:") { return .key(body) }
        let parts = body.split(separator: "|", maxSplits: 1, omittingEmptySubsequences: false)
        let system = parts.first.map(String.init) ?? ""
        return .identifier(Identifier(system: system.isEmpty ? nil : system, value: parts.count > 1 ? String(parts[1]) : ""))
    }

    func encode<T: Encodable>(_ value: T) throws -> Data { try encoder.encode(value) }

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
                INSERT INTO result (patientKey, guideline, hash, careplan, recs, evaluated, fired, created, carePlanId, seen)
                SELECT n.key, n.guideline, n.hash, n.careplan, n.recs, 0,
                       COALESCE((SELECT group_concat(json_extract(value, '$.id'), ',') FROM json_each(n.recs, '$.recommendations')), ''),
                       n.created, n.carePlanId, 0
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
