import ClinicalModel
import Foundation
import GRDB

/// Tonight's assembled records, staged for the ledger (``Ledger/commitHistory(_:asOf:point:)``
/// copies them in its commit): what `ingest explain --state` reads instead of the export.
extension StagingStore {
    func createRecordTable() throws {
        try db.write { try $0.execute(sql: "CREATE TABLE IF NOT EXISTS stagedRecord (key TEXT PRIMARY KEY, body BLOB NOT NULL)") }
    }

    /// Records by key, each encoded already (`StagingEncoder`, on the thread that assembled it).
    func stageRecords(_ records: [(key: String, body: Data)]) throws {
        try db.write { db in
            for r in records {
                try db.execute(sql: "INSERT OR REPLACE INTO stagedRecord VALUES (?, ?)", arguments: [r.key, r.body])
            }
        }
    }
}
