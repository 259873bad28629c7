import Foundation
import GRDB

/// What the ledger keeps beyond the two nights of CarePlans: one point per night for the report's
/// history charts, and each patient's record as last staged, so `ingest explain --state` explains
/// him without the export.
extension Ledger {
    /// One night's counts, as the report's history charts draw them.
    struct HistoryPoint: Sendable, Equatable {
        let asOf: String
        /// Patients evaluated that night (in this ledger's shard).
        let patients: Int
        let carePlans: Int
        /// Recommendations added since the night's baseline (new patients' included).
        let added: Int
        /// Recommendations withdrawn since the baseline (withdrawn patients' included).
        let withdrawn: Int
        /// Records quarantined.
        let quarantined: Int
    }

    /// How many nights of history are kept: the report draws 30, the rest is for whoever asks.
    static let historyNights = 400

    /// The history table and the records table (migration `v4-history`). A ledger of an earlier
    /// release starts its history with its next run: its earlier nights' counts were never kept.
    static func registerHistory(_ m: inout DatabaseMigrator) {
        m.registerMigration("v4-history") { db in
            try db.execute(sql: """
                CREATE TABLE history (asOf TEXT PRIMARY KEY, patients INTEGER NOT NULL, carePlans INTEGER NOT NULL,
                                      added INTEGER NOT NULL, withdrawn INTEGER NOT NULL, quarantined INTEGER NOT NULL);
                CREATE TABLE record (key TEXT PRIMARY KEY, asOf TEXT NOT NULL, body BLOB NOT NULL);
                """)
        }
    }

    /// Inside the commit's transaction, so a night's point and records are there exactly when
    /// the night is: tonight's point (a rerun of a night replaces its point, never adds one)
    /// and tonight's records (a patient not seen tonight keeps his last one).
    static func commitHistory(_ db: Database, asOf: String, point: HistoryPoint?) throws {
        if let p = point {
            try db.execute(sql: "INSERT OR REPLACE INTO history VALUES (?, ?, ?, ?, ?, ?)",
                           arguments: [p.asOf, p.patients, p.carePlans, p.added, p.withdrawn, p.quarantined])
            try db.execute(sql: "DELETE FROM history WHERE asOf NOT IN (SELECT asOf FROM history ORDER BY asOf DESC LIMIT ?)",
                           arguments: [historyNights])
        }
        if try Bool.fetchOne(db, sql: "SELECT COUNT(*) > 0 FROM staging.sqlite_master WHERE name = 'stagedRecord'") ?? false {
            try db.execute(sql: "INSERT OR REPLACE INTO record SELECT key, ?, body FROM staging.stagedRecord", arguments: [asOf])
        }
    }

    /// The points of the nights before `asOf`, oldest first, at most `limit`.
    func history(before asOf: String, limit: Int) throws -> [HistoryPoint] {
        try db.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM (SELECT * FROM history WHERE asOf < ? ORDER BY asOf DESC LIMIT ?) ORDER BY asOf",
                             arguments: [asOf, limit])
                .map { HistoryPoint(asOf: $0["asOf"], patients: $0["patients"], carePlans: $0["carePlans"], added: $0["added"],
                                    withdrawn: $0["withdrawn"], quarantined: $0["quarantined"]) }
        }
    }

    /// Every point, oldest first (tests, and whoever audits the trend).
    func history() throws -> [HistoryPoint] { try history(before: "9999-99-99", limit: Self.historyNights) }
}
