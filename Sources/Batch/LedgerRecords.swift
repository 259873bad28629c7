public import ClinicalModel
import Foundation
import GRDB
public import IngestKit

/// `ingest explain --state out/state.sqlite`: the patients' records as the last batch run staged
/// them, read from its ledger instead of the export.
public enum LedgerRecords {
    /// The records (in key order) for which `keep` holds, and the night they were staged (the
    /// latest, when they come from several). Decoded one at a time: only the kept ones stay in
    /// memory. A missing ledger, or one without records, is an error (66): explain must never
    /// say "no patient" of a file that is not a ledger.
    public static func load(statePath: String, where keep: (PatientRecord) -> Bool) throws(IngestError) -> (records: [PatientRecord], night: String?) {
        guard FileManager.default.isReadableFile(atPath: statePath) else {
            throw IngestError(.noInput, "\(statePath): no such ledger (give the --state of a batch run, e.g. out/state.sqlite).")
        }
        do {
            var config = Configuration()
            config.readonly = true
            let db = try DatabaseQueue(path: statePath, configuration: config)
            defer { try? db.close() }
            return try db.read { db in
                guard try Bool.fetchOne(db, sql: "SELECT COUNT(*) > 0 FROM sqlite_master WHERE name = 'record'") ?? false else {
                    throw IngestError(.noInput, "\(statePath): this ledger holds no staged records (it was written by a release "
                        + "before explain --state, or no batch run completed): run ingest batch once more.")
                }
                var records: [PatientRecord] = []
                var night: String?
                let rows = try Row.fetchCursor(db, sql: "SELECT asOf, body FROM record ORDER BY key")
                while let row = try rows.next() {
                    let record = try decode(row["body"] as Data)
                    guard keep(record) else { continue }
                    records.append(record)
                    let asOf: String = row["asOf"]
                    if night == nil || asOf > night! { night = asOf }
                }
                return (records, night)
            }
        } catch let error as IngestError {
            throw error
        } catch let error as DatabaseError {
            throw IngestError(.data, "\(statePath): not a readable ledger (\(error.message ?? "SQLite error \(error.resultCode)")).")
        } catch {
            throw IngestError(.data, "\(statePath): a staged record cannot be read (\(error)); run ingest batch once more.")
        }
    }

    /// A record as a batch kept it: compact (`RecordCodec`), or as an earlier release did, in the
    /// generic staging format (`StagingEncoder`) or as JSON. Each starts with a byte of its own:
    /// the compact version, the staging version, `{`.
    static func decode(_ body: Data) throws -> PatientRecord {
        switch body.first {
        case RecordCodec.version: return try body.withUnsafeBytes { bytes throws(CompactCodecError) in try RecordCodec.decode(bytes) }
        case UInt8(ascii: "{"): return try JSONDecoder().decode(PatientRecord.self, from: body)
        default: return try StagingDecoder().decode(PatientRecord.self, from: body)
        }
    }
}
