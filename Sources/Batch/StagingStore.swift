import ClinicalModel
import Foundation
import GRDB

/// The run's scratch database: every normalized statement staged on disk keyed by its patient
/// link, so that records are assembled patient by patient in bounded memory however large the
/// export. Rebuilt from nothing by every run (a killed run leaves nothing to trust).
final class StagingStore: @unchecked Sendable {
    let db: DatabaseQueue
    let path: String
    private let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        return e
    }()
    private let decoder = JSONDecoder()

    init(path: String) throws {
        self.path = path
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
                CREATE TABLE linkGroup (link TEXT PRIMARY KEY, groupId INTEGER NOT NULL);
                CREATE TABLE result (patientKey TEXT PRIMARY KEY, hash TEXT NOT NULL, careplan BLOB, recs TEXT NOT NULL,
                                     evaluated INTEGER NOT NULL, fired TEXT NOT NULL);
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
                for identifier in patient.identity.identifiers {
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
        }
    }

    /// Groups patients sharing a key or identifier (union-find over the staged keys, in memory:
    /// one entry per patient key), maps every statement link to its group, and returns the
    /// number of groups.
    func buildGroups() throws -> Int {
        try db.write { db in
            var parent: [Int64: Int64] = [:]
            func find(_ x: Int64) -> Int64 {
                var r = x
                while let p = parent[r], p != r { r = p }
                var n = x
                while let p = parent[n], p != r { parent[n] = r; n = p }
                return r
            }
            var linkOwner: [String: Int64] = [:]
            let rows = try Row.fetchCursor(db, sql: "SELECT patientId, link FROM patientKey ORDER BY patientId")
            while let row = try rows.next() {
                let id: Int64 = row[0]
                let link: String = row[1]
                if link.hasPrefix("i:|") { // an identifier without a system never merges patients
                    if parent[id] == nil { parent[id] = id }
                    continue
                }
                if parent[id] == nil { parent[id] = id }
                if let owner = linkOwner[link] {
                    let (a, b) = (find(owner), find(id))
                    if a != b { parent[max(a, b)] = min(a, b) }
                } else {
                    linkOwner[link] = id
                }
            }
            // Patients without any key still form their own group.
            for id in try Int64.fetchAll(db, sql: "SELECT id FROM patient") where parent[id] == nil { parent[id] = id }
            try db.execute(sql: "CREATE TABLE patientGroup (patientId INTEGER PRIMARY KEY, groupId INTEGER NOT NULL)")
            for id in parent.keys.sorted() {
                try db.execute(sql: "INSERT INTO patientGroup VALUES (?, ?)", arguments: [id, find(id)])
            }
            // Statement links: a patient's group, or a group of their own (patient never described).
            var next: Int64 = (parent.keys.max() ?? 0) + 1
            let links = try String.fetchCursor(db, sql: "SELECT DISTINCT link FROM statement ORDER BY link")
            var pending: [(String, Int64)] = []
            while let link = try links.next() {
                if let owner = linkOwner[link] {
                    pending.append((link, find(owner)))
                } else {
                    pending.append((link, next))
                    next += 1
                }
            }
            for (link, group) in pending {
                try db.execute(sql: "INSERT INTO linkGroup VALUES (?, ?)", arguments: [link, group])
            }
            try db.execute(sql: "CREATE INDEX statementLink ON statement(link); CREATE INDEX linkGroupGroup ON linkGroup(groupId)")
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

    /// Everything staged for one group, as an extract the RecordAssembler understands.
    func extract(group: Int64) throws -> SourceExtract {
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
                WHERE l.groupId = ? ORDER BY s.fileIndex, s.ord
                """, arguments: [group])
            var references = Set<String>()
            while let row = try statements.next() {
                let link: String = row[0]
                let statement = try decoder.decode(Statement.self, from: row[1] as Data)
                if case .medication(let m) = statement, let r = m.medicationReference { references.insert(r) }
                e.statements.append((Self.parseLink(link), statement))
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
}
