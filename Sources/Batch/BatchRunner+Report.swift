import GRDB
import JSONKit

/// What report.html needs beyond the counts: the CarePlans' rows and the history point.
extension BatchRunner {
    /// Tonight's CarePlans (the staging `result` table, not-seen patients included), in patient order.
    func reportRows(staging: StagingStore) throws -> [ReportRow] {
        try staging.db.read { db in
            try Row.fetchAll(db, sql: """
                SELECT patientKey, guideline, recs, carePlanId, fired, seen FROM result
                WHERE careplan IS NOT NULL ORDER BY patientKey, guideline
                """).map { row in
                let recs: String = row["recs"]
                let fired: String = row["fired"]
                return ReportRow(key: row["patientKey"], guideline: row["guideline"],
                                 subject: (try? JSONValue.parse(Array(recs.utf8)))?["subject"] ?? .null,
                                 carePlanID: row["carePlanId"], fired: fired.split(separator: ",").map(String.init),
                                 seen: (row["seen"] as Int) != 0)
            }
        }
    }

    /// Tonight's point of the history charts.
    static func historyPoint(_ report: BatchReport, asOf: String) -> Ledger.HistoryPoint {
        Ledger.HistoryPoint(asOf: asOf, patients: report.patients, carePlans: report.carePlans,
                            added: report.changeCounts["added", default: 0], withdrawn: report.changeCounts["removed", default: 0],
                            quarantined: report.quarantinedRecords)
    }
}
