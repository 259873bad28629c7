public import ClinicalModel
import Foundation
import GRDB
import Guideline
import Mapping
public import IngestKit
import JSONKit

/// `ingest merge`: the outputs of shards 1…N of one night (`--shard i/N` or `--shard-index`)
/// made into the outputs of one unsharded run — `careplans.ndjson` and `changes.ndjson` byte for
/// byte, `report.json` equal but for its timings, one `report.html`, the quarantine.
///
/// Shards are checked to be of one run before anything is written: the same inputs
/// (`inputsFingerprint` and the input counts, which every shard computes over every input), the
/// same Mappings fingerprint, guidelines and evaluation date, and every shard of N exactly once.
/// The order of the CarePlans and changes is the batch's (patient key, guideline), which only the
/// shards' ledgers hold: each shard's `state.sqlite` must be in its output folder (no `--state`).
public struct ShardMerge: Sendable {
    public let shards: [String]
    public let outDir: String
    public let evaluation: EvaluationOptions

    public init(shards: [String], outDir: String, evaluation: EvaluationOptions) {
        self.shards = shards
        self.outDir = outDir
        self.evaluation = evaluation
    }

    /// One shard's outputs, read.
    struct Shard {
        let dir: String
        let report: JSONValue
        let tonight: [(key: String, guideline: String, recs: String, carePlan: String?, plan: Data?)]
        let baseline: [(key: String, guideline: String, recs: String, carePlan: String?)]
        /// The revoked CarePlans at the end of its careplans.ndjson, each with its patient's key and guideline.
        let revoked: [(key: String, guideline: String, line: [UInt8])]
    }

    /// Members of report.json that every shard computes over all inputs: they must agree, and
    /// the merged report has them once.
    static let sameInEveryShard = ["guidelines", "mappingsFingerprint", "inputsFingerprint", "asOf", "baselineNight", "inputs",
                                   "resources", "errorsByKind", "warningsByKind", "sectionsWithUnreadEntriesBySource",
                                   "problemsBySource"]

    public func run() throws -> (carePlans: Int, patients: Int) {
        let evaluator = try Evaluator(options: evaluation)
        let read = try shards.map(readShard)
        try check(read, fingerprint: evaluator.engine.mappings.fingerprint)
        try FileManager.default.createDirectory(atPath: outDir, withIntermediateDirectories: true)

        // CarePlans: tonight's in (key, guideline) order, then the revoked ones in the same order.
        let tonight = read.flatMap(\.tonight).sorted { Self.before(($0.key, $0.guideline), ($1.key, $1.guideline)) }
        var carePlans: [UInt8] = []
        var written = 0
        var perRecommendation: [String: Int] = [:]
        for row in tonight {
            for id in BatchRunner.firedIDs(row.recs) { perRecommendation[id, default: 0] += 1 }
            guard let plan = row.plan else { continue }
            carePlans += plan
            carePlans.append(0x0A)
            written += 1
        }
        let revoked = read.flatMap(\.revoked).sorted { Self.before(($0.key, $0.guideline), ($1.key, $1.guideline)) }
        for r in revoked { carePlans += r.line + [0x0A] }

        // Changes: computed again over all shards' rows, as the batch computes them.
        let applied = Set((read[0].report["guidelines"]?.arrayValue ?? []).compactMap { $0.stringValue?.split(separator: "|").first.map(String.init) })
        let previous = read.flatMap(\.baseline).filter { applied.contains($0.guideline) }
            .sorted { Self.before(($0.key, $0.guideline), ($1.key, $1.guideline)) }
        let current = tonight.map { (key: $0.key, guideline: $0.guideline, recs: $0.recs, carePlan: $0.carePlan) }
        // Every shard compared with the same night (checked: baselineNight is the same in each).
        let changes = BatchRunner.changeLines(previous: previous, current: current,
                                              since: read[0].report["baselineNight"]?.stringValue)
        var changeBytes: [UInt8] = []
        var changeCounts = BatchReport(options: reportOptions(), guidelines: [], fingerprint: "")
        for c in changes {
            changeBytes += JSONWriter.serialize(c) + [0x0A]
            changeCounts.count(change: c)
        }

        var report = BatchReport(options: reportOptions(), guidelines: evaluator.engine.guidelines, fingerprint: evaluator.engine.mappings.fingerprint)
        let json = mergedReport(read, carePlans: written, revoked: revoked.count, perRecommendation: perRecommendation,
                                changes: changeCounts.changeCounts, report: &report)
        report.changes = changes
        report.changeCounts = changeCounts.changeCounts

        let out = outDir
        try AtomicFile.stage(carePlans, for: out + "/careplans.ndjson")
        try AtomicFile.stage(changeBytes, for: out + "/changes.ndjson")
        try AtomicFile.stage(JSONWriter.serialize(json, style: .pretty) + [0x0A], for: out + "/report.json")
        try AtomicFile.stage(ReportPage.html(report), for: out + "/report.html")
        // Every shard read every input, so each holds the whole quarantine: the first one's is it.
        let quarantine = read[0].dir + "/quarantine"
        let staged = out + "/quarantine.tmp-\(getpid())"
        try? FileManager.default.removeItem(atPath: staged)
        if FileManager.default.fileExists(atPath: quarantine) {
            try FileManager.default.copyItem(atPath: quarantine, toPath: staged)
        } else {
            try FileManager.default.createDirectory(atPath: staged, withIntermediateDirectories: true)
        }
        for name in ["careplans.ndjson", "changes.ndjson", "report.json", "report.html"] { try AtomicFile.publish(out + "/" + name) }
        try StagedOutputs.replaceFolder(out + "/quarantine", with: staged)
        return (written, report.patients)
    }

    /// The evaluation date a shard was run with (what merge uses when not given `--as-of`).
    public static func asOf(ofShard dir: String) throws(IngestError) -> ClinicalModel.Instant {
        guard let bytes = FileManager.default.contents(atPath: dir + "/report.json") else {
            throw IngestError(.noInput, "\(dir)/report.json: not found: give the --out folders of the shard runs.")
        }
        guard let text = (try? JSONValue.parse(Array(bytes)))?["asOf"]?.stringValue, let date = EvaluationOptions.parseDate(text) else {
            throw IngestError(.data, "\(dir)/report.json: not a report of ingest batch (no asOf).")
        }
        return date
    }

    /// Byte order, as SQLite's `ORDER BY` gives the batch's outputs.
    static func before(_ a: (String, String), _ b: (String, String)) -> Bool {
        if a.0 != b.0 { return a.0.utf8.lexicographicallyPrecedes(b.0.utf8) }
        return a.1.utf8.lexicographicallyPrecedes(b.1.utf8)
    }

    func reportOptions() -> BatchOptions {
        BatchOptions(inputs: [], outDir: outDir, evaluation: evaluation, jobs: 1, shard: .all, quiet: true)
    }

    func readShard(_ dir: String) throws -> Shard {
        let reportPath = dir + "/report.json"
        guard let bytes = FileManager.default.contents(atPath: reportPath) else {
            throw IngestError(.noInput, "\(reportPath): not found: give the --out folders of the shard runs.")
        }
        let report: JSONValue
        do { report = try JSONValue.parse(Array(bytes)) } catch {
            throw IngestError(.data, "\(reportPath): not a report of ingest batch (\(error.description)).")
        }
        guard let asOf = report["asOf"]?.stringValue else { throw IngestError(.data, "\(reportPath): has no asOf.") }
        let statePath = dir + "/state.sqlite"
        guard FileManager.default.fileExists(atPath: statePath) else {
            throw IngestError(.noInput, "\(statePath): not found: ingest merge needs each shard's ledger in its output folder (run the shards without --state).")
        }
        let db = try DatabaseQueue(path: statePath, configuration: { var c = Configuration(); c.readonly = true; return c }())
        defer { try? db.close() }
        let baselineNight = report["baselineNight"]?.stringValue
        let (tonight, baseline) = try db.read { db in
            let t = try Row.fetchAll(db, sql: "SELECT key, guideline, recs, carePlanId, careplan FROM night WHERE asOf = ? ORDER BY key, guideline",
                                     arguments: [asOf])
                .map { (key: $0[0] as String, guideline: $0[1] as String, recs: $0[2] as String, carePlan: $0[3] as String?, plan: $0[4] as Data?) }
            let b = try Row.fetchAll(db, sql: "SELECT key, guideline, recs, carePlanId FROM night WHERE asOf = ? ORDER BY key, guideline",
                                     arguments: [baselineNight])
                .map { (key: $0[0] as String, guideline: $0[1] as String, recs: $0[2] as String, carePlan: $0[3] as String?) }
            return (t, b)
        }
        // careplans.ndjson is tonight's CarePlans, then the revoked ones: those are its lines past tonight's count.
        let planPath = dir + "/careplans.ndjson"
        guard let plans = FileManager.default.contents(atPath: planPath) else { throw IngestError(.noInput, "\(planPath): not found.") }
        let lines = Array(plans).split(separator: 0x0A)
        let active = tonight.filter { $0.plan != nil }.count
        guard lines.count >= active else {
            throw IngestError(.data, "\(planPath): holds fewer CarePlans than the shard's ledger: the folder's outputs are not of one run.")
        }
        var byID: [String: (String, String)] = [:]
        for b in baseline { if let id = b.carePlan { byID[id] = (b.key, b.guideline) } }
        var revoked: [(key: String, guideline: String, line: [UInt8])] = []
        for line in lines.dropFirst(active) {
            guard let id = (try? JSONValue.parse(Array(line)))?["id"]?.stringValue, let (key, guideline) = byID[id] else {
                throw IngestError(.data, "\(planPath): a revoked CarePlan is not in the shard's ledger: the folder's outputs are not of one run.")
            }
            revoked.append((key, guideline, Array(line)))
        }
        return Shard(dir: dir, report: report, tonight: tonight, baseline: baseline, revoked: revoked)
    }

    func check(_ shards: [Shard], fingerprint: String) throws {
        let first = shards[0]
        for s in shards.dropFirst() {
            for member in Self.sameInEveryShard where s.report[member] != first.report[member] {
                throw IngestError(.data, "\(s.dir) and \(first.dir) differ in report.json's \"\(member)\": they are not shards of one run (same inputs, Mappings and --as-of).")
            }
        }
        if first.report["mappingsFingerprint"]?.stringValue != fingerprint {
            throw IngestError(.data, "the shards were run with other Mappings than this merge (report.json's mappingsFingerprint): give merge the same --mappings.")
        }
        if first.report["asOf"]?.stringValue != evaluation.asOf.dateString {
            throw IngestError(.usage, "the shards were evaluated --as-of \(first.report["asOf"]?.stringValue ?? "?"), not \(evaluation.asOf.dateString).")
        }
        var seen: [Int: String] = [:]
        var count: Int?
        for s in shards {
            guard let text = s.report["shard"]?.stringValue, let spec = ShardSpec(parsing: text) else {
                throw IngestError(.data, "\(s.dir)/report.json: no shard i/N.")
            }
            if let count, count != spec.count { throw IngestError(.data, "\(s.dir) is a shard of \(spec.count), \(first.dir) of \(count).") }
            count = spec.count
            if let other = seen[spec.index] { throw IngestError(.data, "\(s.dir) and \(other) are both shard \(spec).") }
            seen[spec.index] = s.dir
        }
        let missing = (1...(count ?? 1)).filter { seen[$0] == nil }
        if !missing.isEmpty {
            throw IngestError(.data, "shard\(missing.count == 1 ? "" : "s") \(missing.map { "\($0)/\(count ?? 1)" }.joined(separator: ", ")) missing: merge needs every shard of the run.")
        }
    }

    /// report.json of the whole run: the members every shard shares once, the per-patient ones
    /// added up, timings the slowest shard's (the wall time of shards run side by side).
    func mergedReport(_ shards: [Shard], carePlans: Int, revoked: Int, perRecommendation: [String: Int], changes: [String: Int],
                      report: inout BatchReport) -> JSONValue {
        let reports = shards.map(\.report)
        func sum(_ path: String, _ member: String) -> Int {
            reports.reduce(0) { $0 + Int($1[path]?[member]?.numberValue?.text ?? "0")! }
        }
        let first = reports[0]
        guard case .object(let template) = first else { return first }
        var members: [JSONObject.Member] = []
        var timings: [String: Double] = [:]
        for r in reports { for m in r["timings"]?.objectValue?.members ?? [] { timings[m.key] = max(timings[m.key] ?? 0, m.value.numberValue?.double ?? 0) } }
        var incomplete: [JSONValue] = []
        for r in reports { incomplete += r["incompletePatients"]?.arrayValue ?? [] }
        var warnings: [String] = []
        for r in reports { for w in r["runWarnings"]?.arrayValue.compactMap(\.stringValue) ?? [] where !warnings.contains(w) { warnings.append(w) } }
        let transactions = reports.compactMap { $0["carePlans"]?["transactionEntries"]?.numberValue?.text }.compactMap { Int($0) }
        for m in template.members {
            var value = m.value
            switch m.key {
            case "shard": value = .string(ShardSpec.all.description)
            case "runWarnings": value = .array(warnings.map { .string($0) })
            case "patients":
                value = .object(JSONObject(members: (m.value.objectValue?.members ?? []).map {
                    .init(key: $0.key, value: BatchReport.number(sum("patients", $0.key)))
                }))
            case "incompletePatients": value = BatchReport.sortedIncomplete(incomplete)
            case "carePlans":
                value = ["written": BatchReport.number(carePlans), "revoked": BatchReport.number(revoked),
                         "transactionEntries": transactions.count == reports.count ? BatchReport.number(transactions.reduce(0, +)) : .null]
            case "recommendations":
                value = .object(JSONObject(members: report.guidelines.map { g in
                    .init(key: g.id, value: .object(JSONObject(members: g.recommendations.map {
                        .init(key: $0.id, value: BatchReport.number(perRecommendation[$0.id, default: 0]))
                    })))
                }))
            case "changes": value = BatchReport.object(changes)
            case "timings":
                value = .object(JSONObject(members: timings.keys.sorted().map { .init(key: $0, value: BatchReport.number(timings[$0]!)) }))
            case "throughput":
                let total = timings["totalSeconds"] ?? 0
                let bytes = Double(first["inputs"]?["bytes"]?.numberValue?.text ?? "0") ?? 0
                let records = Double(first["inputs"]?["records"]?.numberValue?.text ?? "0") ?? 0
                let patients = Double(sum("patients", "total"))
                value = [
                    "megabytesPerSecond": BatchReport.number(total > 0 ? (bytes / 1e6 / total * 100).rounded() / 100 : 0),
                    "recordsPerSecond": BatchReport.number(total > 0 ? (records / total).rounded() : 0),
                    "patientsPerSecond": BatchReport.number(total > 0 ? (patients / total).rounded() : 0),
                ]
            default: break
            }
            members.append(.init(key: m.key, value: value))
        }
        // What report.html shows.
        report.inputFiles = Int(first["inputs"]?["files"]?.numberValue?.text ?? "0") ?? 0
        report.records = Int(first["inputs"]?["records"]?.numberValue?.text ?? "0") ?? 0
        report.quarantinedRecords = Int(first["inputs"]?["recordsQuarantined"]?.numberValue?.text ?? "0") ?? 0
        report.patients = sum("patients", "total")
        report.evaluated = sum("patients", "evaluated")
        report.deceased = sum("patients", "deceasedNotEvaluated")
        report.carePlans = carePlans
        report.perRecommendation = perRecommendation
        report.timings = timings
        report.runWarnings = warnings
        report.problemsBySource = (first["problemsBySource"]?.arrayValue ?? []).map { p in
            (p["file"]?.stringValue ?? "", Int(p["errors"]?.numberValue?.text ?? "0") ?? 0, Int(p["warnings"]?.numberValue?.text ?? "0") ?? 0,
             Int(p["unreadSections"]?.numberValue?.text ?? "0") ?? 0, p["firstMessage"]?.stringValue ?? "")
        }
        return .object(JSONObject(members: members))
    }
}
