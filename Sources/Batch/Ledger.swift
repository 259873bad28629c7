import Foundation
import GRDB

/// The state ledger (default `DIR/state.sqlite`): per patient, the hash of everything that
/// decided its CarePlan (inputs, Mappings fingerprint, evaluation date) and the CarePlan and
/// recommendations of the last completed run. A patient whose hash is unchanged is not
/// re-evaluated. The ledger is only written once a run's outputs are in place, in one
/// transaction, so a run killed at any moment leaves it as the previous run left it.
final class Ledger: @unchecked Sendable {
    let db: DatabaseQueue

    struct Entry: Sendable {
        let hash: String
        let careplan: Data?
        /// JSON array of {"id", "description"} of the recommendations that fired.
        let recs: String
    }

    init(path: String) throws {
        db = try DatabaseQueue(path: path)
        try db.write { db in
            try db.execute(sql: """
                CREATE TABLE IF NOT EXISTS patient (key TEXT PRIMARY KEY, hash TEXT NOT NULL, careplan BLOB, recs TEXT NOT NULL);
                CREATE TABLE IF NOT EXISTS run (id INTEGER PRIMARY KEY, finishedAt TEXT NOT NULL, asOf TEXT NOT NULL,
                                                fingerprint TEXT NOT NULL, patients INTEGER NOT NULL, shard TEXT NOT NULL);
                """)
        }
    }

    /// The shard of the last run that used this ledger, if any.
    func lastShard() throws -> String? {
        try db.read { try String.fetchOne($0, sql: "SELECT shard FROM run ORDER BY id DESC LIMIT 1") }
    }

    func entry(_ key: String) throws -> Entry? {
        try db.read { db in
            try Row.fetchOne(db, sql: "SELECT hash, careplan, recs FROM patient WHERE key = ?", arguments: [key]).map {
                Entry(hash: $0[0], careplan: $0[1], recs: $0[2])
            }
        }
    }

    /// Previous recommendations of every patient, in key order, for computing changes.
    func allRecs() throws -> [(key: String, recs: String)] {
        try db.read { db in
            try Row.fetchAll(db, sql: "SELECT key, recs FROM patient ORDER BY key").map { ($0[0], $0[1]) }
        }
    }

    /// Replaces the ledger with this run's results (the staging database's `result` table),
    /// in one transaction.
    func commit(stagingPath: String, asOf: String, fingerprint: String, finishedAt: String, shard: String) throws {
        try db.writeWithoutTransaction { db in
            try db.execute(sql: "ATTACH DATABASE ? AS staging", arguments: [stagingPath])
            defer { try? db.execute(sql: "DETACH DATABASE staging") }
            try db.inTransaction {
                try db.execute(sql: "DELETE FROM patient")
                try db.execute(sql: "INSERT INTO patient SELECT patientKey, hash, careplan, recs FROM staging.result")
                let count = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM patient") ?? 0
                try db.execute(sql: "INSERT INTO run (finishedAt, asOf, fingerprint, patients, shard) VALUES (?, ?, ?, ?, ?)",
                               arguments: [finishedAt, asOf, fingerprint, count, shard])
                return .commit
            }
        }
    }
}
