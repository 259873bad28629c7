import Foundation
import GRDB
import JSONKit

/// The state ledger (default `DIR/state.sqlite`): per evaluation date, patient and guideline, the hash of
/// everything that decided his CarePlan (inputs, Mappings fingerprint, evaluation date, program
/// version), the CarePlan, its id, the night its recommendations first appeared and the
/// recommendations themselves.
///
/// Two nights are kept: tonight's evaluation date, and the *baseline* — the last completed night
/// with an earlier evaluation date. Changes, `created` and revocations are computed against the
/// baseline, so rerunning one night gives that night's changes again instead of none; a patient
/// whose hash is unchanged since a run of the same date is not re-evaluated.
///
/// Written once per run, in one transaction, after every output is staged and durable and before
/// any is published (`StagedOutputs`): a run killed or failing before the commit leaves it, and
/// the outputs, as the previous run left them. The schema is versioned with GRDB's
/// `DatabaseMigrator`; a ledger of an earlier release is migrated in place.
final class Ledger: @unchecked Sendable {
    let db: DatabaseQueue

    /// One patient's row of one night and guideline.
    struct Entry: Sendable {
        let key: String
        let guideline: String
        let hash: String
        let careplan: Data?
        /// `{"subject", "recommendations": [{"id", "description"}], "deceased"?}`.
        let recs: String
        /// The night the recommendations of `careplan` first appeared (YYYY-MM-DD).
        let created: String?
        let carePlanID: String?
        /// False for a patient absent from that night's inputs whose CarePlan was kept.
        let seen: Bool
    }

    static var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        // The first release's schema: one row per patient, last run only.
        m.registerMigration("v1") { db in
            try db.execute(sql: """
                CREATE TABLE IF NOT EXISTS patient (key TEXT PRIMARY KEY, hash TEXT NOT NULL, careplan BLOB, recs TEXT NOT NULL);
                CREATE TABLE IF NOT EXISTS run (id INTEGER PRIMARY KEY, finishedAt TEXT NOT NULL, asOf TEXT NOT NULL,
                                                fingerprint TEXT NOT NULL, patients INTEGER NOT NULL, shard TEXT NOT NULL);
                """)
        }
        // Nights by evaluation date, with what a FHIR server needs night after night: the
        // CarePlan's id and `created`. The last run's rows become its night's; their CarePlans
        // had date-dependent ids, which the next night therefore revokes.
        m.registerMigration("v2-nights") { db in
            try db.execute(sql: """
                CREATE TABLE night (asOf TEXT NOT NULL, key TEXT NOT NULL, hash TEXT NOT NULL, careplan BLOB,
                                    recs TEXT NOT NULL, created TEXT, carePlanId TEXT, seen INTEGER NOT NULL,
                                    PRIMARY KEY (asOf, key));
                INSERT INTO night
                    SELECT (SELECT asOf FROM run ORDER BY id DESC LIMIT 1), key, hash, careplan, recs,
                           (SELECT asOf FROM run ORDER BY id DESC LIMIT 1),
                           CASE WHEN careplan IS NULL THEN NULL ELSE json_extract(CAST(careplan AS TEXT), '$.id') END, 1
                    FROM patient WHERE EXISTS (SELECT 1 FROM run);
                DROP TABLE patient;
                CREATE INDEX nightCarePlan ON night(asOf, carePlanId);
                """)
        }
        // Several guidelines: one row per night, patient and guideline. The rows of earlier
        // releases are the one guideline they had.
        m.registerMigration("v3-guidelines") { db in
            try db.execute(sql: """
                CREATE TABLE night3 (asOf TEXT NOT NULL, guideline TEXT NOT NULL, key TEXT NOT NULL, hash TEXT NOT NULL,
                                     careplan BLOB, recs TEXT NOT NULL, created TEXT, carePlanId TEXT, seen INTEGER NOT NULL,
                                     PRIMARY KEY (asOf, guideline, key));
                INSERT INTO night3 SELECT asOf, 'mcrpc-after-enzalutamide', key, hash, careplan, recs, created, carePlanId, seen FROM night;
                DROP TABLE night;
                ALTER TABLE night3 RENAME TO night;
                CREATE INDEX nightCarePlan ON night(asOf, carePlanId);
                """)
        }
        // The report's history and the records explain --state reads (Ledger+History.swift).
        registerHistory(&m)
        // Skipping an unchanged patient before anything is decoded: tonight's rows found by the
        // hash of what they were assembled from, and why a record was incomplete (the report
        // names the reasons of a patient it did not assemble again). Rows of earlier releases
        // have no reasons (NULL): they are never reused, their patients are evaluated again.
        // And a patient's rows by key: the primary key (asOf, guideline, key) cannot find them
        // without reading the whole night.
        m.registerMigration("v5-reuse") { db in
            try db.execute(sql: """
                ALTER TABLE night ADD COLUMN incomplete TEXT;
                CREATE INDEX nightHash ON night(asOf, hash);
                CREATE INDEX nightKey ON night(asOf, key);
                """)
        }
        return m
    }

    init(path: String) throws {
        db = try DatabaseQueue(path: path)
        try Self.migrator.migrate(db)
    }

    /// How a run found the ledger.
    enum Condition: Equatable {
        /// It holds at least one completed run.
        case ok
        /// No file: a first run.
        case missing
        /// A 0-byte file (truncated, or created empty): read as a first run.
        case empty
        /// A database without a completed run.
        case noRun
        /// Not readable as SQLite (corrupt, or not a database at all): set aside at `setAside` and
        /// replaced by an empty ledger. `reason` is SQLite's, which quotes no content.
        case unreadable(setAside: String, reason: String)
    }

    /// Opens the ledger at `path`, and says in what condition it was found. A ledger SQLite cannot
    /// read is moved aside (kept for whoever investigates), not deleted, and the run goes on as a
    /// first run: one damaged file must not stop every night from now on.
    static func open(path: String) throws -> (Ledger, Condition) {
        var st = stat()
        let existed = stat(path, &st) == 0
        do {
            let ledger = try Ledger(path: path)
            let runs = try ledger.db.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM run") ?? 0 }
            if runs > 0 { return (ledger, .ok) }
            return (ledger, !existed ? .missing : st.st_size == 0 ? .empty : .noRun)
        } catch let error as DatabaseError where error.resultCode == .SQLITE_NOTADB || error.resultCode == .SQLITE_CORRUPT {
            let aside = path + ".unreadable"
            // Its journals go with it: a stale journal beside a new database would be replayed into it.
            for suffix in ["", "-journal", "-wal", "-shm"] {
                unlink(aside + suffix)
                guard rename(path + suffix, aside + suffix) == 0 || errno == ENOENT else {
                    throw BatchError.database("\(path) cannot be read (\(error.message ?? "corrupt")) and cannot be set aside as \(aside): \(String(cString: strerror(errno)))")
                }
            }
            return (try Ledger(path: path), .unreadable(setAside: aside, reason: error.message ?? "corrupt database"))
        }
    }

    /// The shard of the last run that used this ledger, if any.
    func lastShard() throws -> String? {
        try db.read { try String.fetchOne($0, sql: "SELECT shard FROM run ORDER BY id DESC LIMIT 1") }
    }

    /// The baseline of a night: the last completed night with an earlier evaluation date.
    func baselineDate(before asOf: String) throws -> String? {
        try db.read { try String.fetchOne($0, sql: "SELECT MAX(asOf) FROM run WHERE asOf < ?", arguments: [asOf]) }
    }

    /// The id of the last completed run of night `asOf`.
    func lastRun(asOf: String) throws -> Int64? {
        try db.read { try Int64.fetchOne($0, sql: "SELECT MAX(id) FROM run WHERE asOf = ?", arguments: [asOf]) }
    }

    static func entry(_ row: Row) -> Entry {
        Entry(key: row["key"], guideline: row["guideline"], hash: row["hash"], careplan: row["careplan"], recs: row["recs"], created: row["created"],
              carePlanID: row["carePlanId"], seen: (row["seen"] as Int) != 0)
    }

    /// One patient's rows of one night, by guideline.
    func entries(_ key: String, night: String?) throws -> [String: Entry] {
        guard let night else { return [:] }
        return try db.read { db in
            let rows = try Row.fetchAll(db, sql: "SELECT * FROM night WHERE asOf = ? AND key = ?", arguments: [night, key])
            return Dictionary(rows.map(Self.entry).map { ($0.guideline, $0) }, uniquingKeysWith: { a, _ in a })
        }
    }

    /// Tonight's rows of a night, by patient key and guideline, that were written for records
    /// assembled from what hashes to `hash` (`StagingStore.digest`), with the reasons each record
    /// was incomplete. Rows without reasons (an earlier release's) are left out.
    func entries(hash: String, night: String) throws -> [String: [String: (entry: Entry, incomplete: [String])]] {
        try db.read { db in
            var found: [String: [String: (entry: Entry, incomplete: [String])]] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT * FROM night WHERE asOf = ? AND hash = ? AND incomplete IS NOT NULL",
                                        arguments: [night, hash]) {
                let e = Self.entry(row)
                let text: String = row["incomplete"]
                guard let parsed = try? JSONValue.parse(Array(text.utf8)), case .array(let items) = parsed else { continue }
                let reasons = items.compactMap(\.stringValue)
                found[e.key, default: [:]][e.guideline] = (e, reasons)
            }
            return found
        }
    }

    /// The recommendations and CarePlan id of every patient and guideline of one night, in
    /// (key, guideline) order (for changes).
    func recs(night: String?) throws -> [(key: String, guideline: String, recs: String, carePlan: String?)] {
        guard let night else { return [] }
        return try db.read { db in
            try Row.fetchAll(db, sql: "SELECT key, guideline, recs, carePlanId FROM night WHERE asOf = ? ORDER BY key, guideline",
                             arguments: [night])
                .map { ($0[0], $0[1], $0[2], $0[3]) }
        }
    }

    /// Makes this run's results (the staging database's `result` table) the night `asOf`, in one
    /// transaction, keeping that night's baseline and dropping older nights.
    func commit(stagingPath: String, asOf: String, fingerprint: String, finishedAt: String, shard: String,
                history: HistoryPoint? = nil) throws {
        try db.writeWithoutTransaction { db in
            try db.execute(sql: "ATTACH DATABASE ? AS staging", arguments: [stagingPath])
            defer { try? db.execute(sql: "DETACH DATABASE staging") }
            try db.inTransaction {
                try db.execute(sql: "DELETE FROM night WHERE asOf = ?", arguments: [asOf])
                try db.execute(sql: """
                    INSERT INTO night (asOf, guideline, key, hash, careplan, recs, created, carePlanId, seen, incomplete)
                    SELECT ?, guideline, patientKey, hash, careplan, recs, created, carePlanId, seen, incomplete FROM staging.result
                    """, arguments: [asOf])
                let baseline = try String.fetchOne(db, sql: "SELECT MAX(asOf) FROM run WHERE asOf < ?", arguments: [asOf])
                try db.execute(sql: "DELETE FROM night WHERE asOf < ?", arguments: [baseline ?? asOf])
                let count = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM night WHERE asOf = ?", arguments: [asOf]) ?? 0
                try db.execute(sql: "INSERT INTO run (finishedAt, asOf, fingerprint, patients, shard) VALUES (?, ?, ?, ?, ?)",
                               arguments: [finishedAt, asOf, fingerprint, count, shard])
                try Self.commitHistory(db, asOf: asOf, point: history)
                return .commit
            }
        }
    }
}
