public import ClinicalModel
import Foundation
import Guideline
import IngestKit
public import JSONKit

/// The numbers of one run; `report.json` and `report.html` are rendered from it. The counts
/// reconcile: every input record is processed or quarantined, every resource read, skipped
/// by type, or rejected with a reason.
public struct BatchReport: Sendable {
    let options: BatchOptions
    /// The guidelines applied, in order.
    let guidelines: [GuidelineDefinition]
    let fingerprint: String
    /// A hash of what was read — every input's path as found and size, in discovery order — so
    /// that `ingest merge` can tell shards of one run from shards of different exports.
    public var inputsFingerprint = ""
    public var inputFiles = 0
    /// Files in input folders that are not data files (READMEs …), not read.
    public var ignoredFiles = 0
    public var inputBytes = 0
    public var records = 0
    public var quarantinedRecords = 0
    public var quarantinedFiles = 0
    public var counts = ReadCounts()
    /// Resources that became a patient, a statement or a medication definition.
    public var readResources = 0
    public var errorsByKind: [String: Int] = [:]
    public var warningsByKind: [String: Int] = [:]
    /// Per input file: errors and warnings, for the data-quality table.
    public var problemsBySource: [(file: String, errors: Int, warnings: Int, unreadSections: Int, firstMessage: String)] = []
    public var patients = 0
    /// Inputs not read tonight: the same name and bytes as last run's, their staged rows used again.
    public var reusedFiles = 0
    /// Patients skipped unassembled: everything their record is made of is unchanged since a run
    /// of this night, so not one of their rows was decoded (no CarePlan to explain).
    public var unassembled = 0
    /// Patients deceased on the evaluation date: not evaluated, no CarePlan.
    public var deceased = 0
    public var evaluated = 0
    public var carePlans = 0
    /// The baseline night changes are computed against (nil on a first run).
    public var baselineNight: String? = nil
    /// Patients of the baseline night absent tonight who kept their CarePlan (no `--full-export`).
    public var notSeen = 0
    /// Patients whose record is not whole tonight: no new or changed CarePlan, the previous one
    /// kept (DESIGN "Incomplete patients"), with the reasons, worded without patient data.
    public var incomplete: [(subject: JSONValue, reasons: [String], keptCarePlan: Bool)] = []
    /// CarePlans of the baseline night written again as revoked.
    public var revoked = 0
    /// Entries of `transaction.json` (`--bundle transaction`).
    public var transactionEntries: Int? = nil
    public var perRecommendation: [String: Int] = [:]
    public var changes: [JSONValue] = []
    public var changeCounts: [String: Int] = [:]
    public var timings: [String: Double] = [:]
    /// What the operator must know about the run itself (a ledger found empty or unreadable …),
    /// whole sentences; also printed on standard error as they happen.
    public var runWarnings: [String] = []
    /// Per input, in input order: what it held, read, skipped, rejected, quarantined (report.html).
    var sources: [SourceQuality] = []
    private var sourceIndex: [String: Int] = [:]
    /// Tonight's explanation of each patient with a CarePlan, by patient key (report.html). In
    /// memory: the page holds them all anyway.
    var explanations: [String: Explanation] = [:]
    /// Every CarePlan of tonight, in patient order, for the report's table.
    var rows: [ReportRow] = []
    /// The nights before tonight, oldest first (at most 29), then tonight's: the history charts.
    var history: [Ledger.HistoryPoint] = []

    init(options: BatchOptions, guidelines: [GuidelineDefinition], fingerprint: String) {
        self.options = options
        self.guidelines = guidelines
        self.fingerprint = fingerprint
    }

    public var quarantined: Bool { quarantinedRecords > 0 }

    mutating func account(_ r: BatchRunner.ReadResult, quarantine: inout Quarantine) throws {
        let errors = account(ReadSummary(r))
        guard !errors.isEmpty else { return }
        // A multi-record input loses only its broken lines (a chunk of a file read in chunks
        // always: its other lines are staged already); anything else is rejected whole.
        if r.chunk || (r.extract.counts.records > 1 && errors.allSatisfy({ $0.line != nil })) {
            try quarantine.rejectLines(file: r.file, bytes: r.kept ?? [], firstLine: r.firstLine, because: errors)
        } else {
            quarantinedFiles += 1
            try quarantine.reject(file: r.file, copy: r.copy, because: errors[0])
        }
    }

    /// Counts what one input (or chunk) held, and returns its errors: what `account(_:quarantine:)`
    /// quarantines. An input reused from last run's staging (no errors) is accounted with this alone.
    @discardableResult
    mutating func account(_ s: ReadSummary) -> [Diagnostic] {
        inputBytes += s.bytes
        records += s.counts.records
        counts.add(s.counts)
        readResources += s.read
        let errors = s.diagnostics.filter { $0.severity == .error }
        let warnings = s.diagnostics.filter { $0.severity == .warning }
        for d in errors { errorsByKind[d.kind, default: 0] += 1 }
        for d in warnings { warningsByKind[d.kind, default: 0] += 1 }
        let unread = warnings.filter { Self.unreadSectionKinds.contains($0.kind) }.count
        if !s.diagnostics.isEmpty {
            problemsBySource.append((s.file, errors.count, warnings.count, unread, (errors.first ?? warnings.first)!.description))
        }
        // Chunks of one large input add up to one source.
        let i = sourceIndex[s.file] ?? {
            sources.append(SourceQuality(file: s.file))
            sourceIndex[s.file] = sources.count - 1
            return sources.count - 1
        }()
        sources[i].add(s, quarantined: errors.count, unread: unread)
        quarantinedRecords += errors.count
        return errors
    }

    /// The warnings of a document section with entries that could not be read (none, or some).
    static let unreadSectionKinds: Set<String> = ["cda-section-unread", "cda-entry-unread"]

    /// Per source with unreadable sections: how many, for the data-quality report.
    var unreadSectionsBySource: [String: Int] {
        var d: [String: Int] = [:]
        for p in problemsBySource where p.unreadSections > 0 { d[p.file, default: 0] += p.unreadSections }
        return d
    }

    mutating func count(change: JSONValue) {
        changes.append(change)
        changeCounts[change["status"]?.stringValue ?? "?", default: 0] += 1
        changeCounts["added", default: 0] += change["added"]?.arrayValue.count ?? 0
        changeCounts["removed", default: 0] += change["removed"]?.arrayValue.count ?? 0
        changeCounts["changed", default: 0] += change["changed"]?.arrayValue.count ?? 0
    }

    /// Incomplete patients in content order, not the order their groups were evaluated in: the
    /// same list whether one run or N merged shards found them.
    static func sortedIncomplete(_ entries: [JSONValue]) -> JSONValue {
        .array(entries.map { (JSONWriter.string($0), $0) }.sorted { $0.0 < $1.0 }.map(\.1))
    }

    static func object(_ d: [String: Int]) -> JSONValue {
        .object(JSONObject(members: d.keys.sorted().map { .init(key: $0, value: .number(JSONNumber(text: String(d[$0]!)))) }))
    }

    static func number(_ n: Int) -> JSONValue { .number(JSONNumber(text: String(n))) }
    static func number(_ x: Double) -> JSONValue { .number(JSONNumber(text: String(x))) }

    func json() -> JSONValue {
        let resources = counts.resourcesByType.filter { $0.key != "Bundle" }.values.reduce(0, +)
        let skipped = counts.skippedByType.values.reduce(0, +)
        let rejected = counts.rejectedByReason.values.reduce(0, +)
        let total = timings["totalSeconds"] ?? 0
        // Per guideline, its recommendations in priority order with how many patients have each.
        let recs: [JSONObject.Member] = guidelines.map { g in
            .init(key: g.id, value: .object(JSONObject(members: g.recommendations.map {
                .init(key: $0.id, value: Self.number(perRecommendation[$0.id, default: 0]))
            })))
        }
        return [
            "guidelines": .array(guidelines.map { .string("\($0.id)|\($0.version)") }),
            "mappingsFingerprint": .string(fingerprint),
            "inputsFingerprint": .string(inputsFingerprint),
            "asOf": .string(options.evaluation.asOf.dateString),
            "runWarnings": .array(runWarnings.map { .string($0) }),
            "shard": .string(options.shard.description),
            "inputs": [
                "files": Self.number(inputFiles), "ignoredNonDataFiles": Self.number(ignoredFiles), "bytes": Self.number(inputBytes),
                "records": Self.number(records), "recordsProcessed": Self.number(records - quarantinedRecords),
                "recordsQuarantined": Self.number(quarantinedRecords), "filesQuarantinedWhole": Self.number(quarantinedFiles),
                "recordsRejectedByReason": Self.object(counts.rejectedRecords),
                "filesReusedUnread": Self.number(reusedFiles),
            ],
            "resources": [
                "seen": Self.number(resources),
                "reconciles": .bool(resources == readResources + skipped + rejected),
                "byType": Self.object(counts.resourcesByType),
                "skippedTypeNotUsed": Self.object(counts.skippedByType),
                "rejectedByReason": Self.object(counts.rejectedByReason),
                "notResourcesSkipped": Self.object(counts.skippedNonResources),
                "read": Self.number(readResources),
                "bundleEntriesWithoutResource": Self.number(counts.entriesWithoutResource),
                "invalidIDs": Self.number(counts.invalidIDs),
            ],
            "baselineNight": baselineNight.map { .string($0) } ?? .null,
            "patients": [
                "total": Self.number(patients), "evaluated": Self.number(evaluated),
                "unchangedNotReevaluated": Self.number(patients - evaluated), "unchangedNotAssembled": Self.number(unassembled),
                "withCarePlan": Self.number(carePlans),
                "deceasedNotEvaluated": Self.number(deceased),
                "notSeenKeptCarePlan": Self.number(notSeen),
                "incomplete": Self.number(incomplete.count),
            ],
            "incompletePatients": Self.sortedIncomplete(incomplete.map { i in
                ["subject": i.subject, "reasons": .array(i.reasons.map { .string($0) }), "keptPreviousCarePlan": .bool(i.keptCarePlan)]
            }),
            "carePlans": [
                "written": Self.number(carePlans), "revoked": Self.number(revoked),
                "transactionEntries": transactionEntries.map { Self.number($0) } ?? .null,
            ],
            "recommendations": .object(JSONObject(members: recs)),
            "errorsByKind": Self.object(errorsByKind),
            "warningsByKind": Self.object(warningsByKind),
            "sectionsWithUnreadEntriesBySource": Self.object(unreadSectionsBySource),
            "problemsBySource": .array(problemsBySource.map { p in
                ["file": .string(p.file), "errors": Self.number(p.errors), "warnings": Self.number(p.warnings),
                 "unreadSections": Self.number(p.unreadSections), "firstMessage": .string(p.firstMessage)]
            }),
            "changes": Self.object(changeCounts),
            "timings": .object(JSONObject(members: timings.keys.sorted().map { .init(key: $0, value: Self.number(timings[$0]!)) })),
            "throughput": [
                "megabytesPerSecond": Self.number(total > 0 ? (Double(inputBytes) / 1e6 / total * 100).rounded() / 100 : 0),
                "recordsPerSecond": Self.number(total > 0 ? (Double(records) / total).rounded() : 0),
                "patientsPerSecond": Self.number(total > 0 ? (Double(patients) / total).rounded() : 0),
            ],
        ]
    }
}
