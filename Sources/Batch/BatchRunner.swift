import ClinicalModel
import Foundation
import Guideline
public import IngestKit
import JSONKit
import Mapping
import GRDB

/// What `ingest batch` was asked to do.
public struct BatchOptions: Sendable {
    public var inputs: [String]
    public var outDir: String
    public var evaluation: EvaluationOptions
    public var jobs: Int
    public var shard: ShardSpec
    public var statePath: String?
    public var quiet: Bool
    /// Tonight's inputs are the whole population (`--full-export`): a patient absent from them is
    /// withdrawn. Without it an absent patient is "not seen" and keeps his CarePlan, since a
    /// partial export must not revoke everyone (DESIGN "Batch mode").
    public var fullExport = false
    /// Also write `transaction.json` (`--bundle transaction`): a FHIR transaction Bundle that PUTs
    /// the CarePlans new, changed or revoked tonight.
    public var transactionBundle = false
    /// NDJSON files larger than this are read in chunks of `chunkBytes` (memory stays bounded).
    public var largeFileBytes = 64 << 20
    public var chunkBytes = 16 << 20
    /// What one input may cost (`--max-input-bytes`, `--max-decompressed-bytes`, `--max-compression-ratio`).
    public var limits = InputLimits.defaults
    /// Tests only: runs just before the ledger commit; throwing from it stands for a failing
    /// commit (a full disk), to check that nothing is published then.
    package var beforeLedgerCommit: (@Sendable () throws -> Void)?

    public init(inputs: [String], outDir: String, evaluation: EvaluationOptions, jobs: Int, shard: ShardSpec = .all,
                statePath: String? = nil, quiet: Bool = false) {
        self.inputs = inputs
        self.outDir = outDir
        self.evaluation = evaluation
        self.jobs = max(1, jobs)
        self.shard = shard
        self.statePath = statePath
        self.quiet = quiet
    }
}

/// The nightly batch: discover → read and stage (parallel) → group by patient → evaluate
/// (parallel, skipping patients whose inputs did not change) → stage every output → commit the
/// ledger → publish the outputs (`StagedOutputs`). Deterministic whatever `--jobs`. One run at a
/// time per output folder and ledger (`OutputLock`).
public struct BatchRunner: Sendable {
    public let options: BatchOptions
    let engine: GuidelineEngine
    let builder: CarePlanBuilder

    public init(options: BatchOptions) throws(IngestError) {
        self.options = options
        let evaluator = try Evaluator(options: options.evaluation)
        engine = evaluator.engine
        builder = evaluator.builder
    }

    /// Exit status of a completed run with quarantined inputs or records.
    public static let quarantinedExitCode: Int32 = 2

    public func run() throws -> BatchReport {
        let clock = ContinuousClock()
        let started = clock.now
        let out = options.outDir
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        // Before anything in the folder is touched: a second run would delete this one's staged
        // files and interleave its ledger commit with this one's.
        let lock = try OutputLock(outDir: out, statePath: options.statePath)
        defer { lock.release() }
        Self.removeLeftovers(in: out)
        // Inputs first: a missing INPUT (exit 66) stops the run before the ledger is opened.
        let found = try InputDiscovery.discover(options.inputs, excluding: out)
        let progress = ProgressReporter(enabled: !options.quiet)
        let staging = try StagingStore(path: out + "/.staging.sqlite", identity: engine.mappings.identityRules,
                                       config: stagingConfig)
        // A run that fails leaves nothing to trust in what it kept (a damaged row would fail
        // every night): the next run stages everything again.
        var completed = false
        defer {
            if !completed { staging.forget() }
            staging.close()
        }
        try staging.createRecordTable()
        let statePath = options.statePath ?? out + "/state.sqlite"
        let (ledger, condition) = try Ledger.open(path: statePath)
        // One ledger per shard: another shard's patients would otherwise read as withdrawn.
        if let last = try ledger.lastShard(), last != options.shard.description {
            throw IngestError(.usage, "\(statePath) holds the state of shard \(last), not \(options.shard): give each shard its own --out or --state.")
        }
        var report = BatchReport(options: options, guidelines: engine.guidelines, fingerprint: engine.mappings.fingerprint)
        report.inputsFingerprint = Self.inputsFingerprint(found)
        let asOf = options.evaluation.asOf.dateString
        // Changes, `created` and revocations are against the last completed night before tonight's
        // date: a rerun of one night gives that night's outputs again.
        let baseline = try ledger.baselineDate(before: asOf)
        let night = Night(asOf: asOf, baseline: baseline, baselineRun: try baseline.flatMap(ledger.lastRun(asOf:)))
        report.baselineNight = night.baseline
        if let warning = Self.ledgerWarning(condition, statePath: statePath, out: out) {
            report.runWarnings.append(warning)
            progress.warning(warning)
        }
        let outputs = StagedOutputs(dir: out, transaction: options.transactionBundle)
        // Whatever was staged and not published (the run failed, or published only part) goes:
        // the next run writes everything again.
        defer { outputs.discard() }
        var quarantine = try Quarantine(dir: outputs.quarantineStaging)

        // 1. Read and stage every input, `jobs` at a time, in input order.
        let files = found.files
        report.inputFiles = files.count + found.rejected.count
        report.ignoredFiles = found.ignored.count
        // Entries never opened (FIFOs, devices, links out of the input folder, dangling links …): their reasons.
        for entry in found.rejected {
            try report.account(Self.rejected(entry.path.display, kind: entry.kind, entry.message), quarantine: &quarantine)
        }
        let readers = Readers(mappings: engine.mappings, limits: options.evaluation.limits)
        // Inputs that fit are read whole, in parallel; a larger one (a bulk export's Observation.ndjson,
        // a .gz that inflates past it) is streamed on its own, in bounded memory.
        let streamAbove = min(options.largeFileBytes, options.limits.maxInputBytes)
        // What an earlier run staged: an input with the same name and bytes is not read again.
        let reusable = try staging.reusableFiles()
        let reusableHashes = Set(reusable.keys)
        var reused = Set<Int64>()
        // Inputs are parsed and encoded `jobs` at a time while the ones before them are staged, in input order.
        let identity = engine.mappings.identityRules
        var consumed = 0
        try OrderedWork.forEach(count: files.count, jobs: options.jobs, window: 2 * options.jobs, work: { i in
            var outcome = Self.read(files[i], readers: readers, limits: options.limits, streamAbove: streamAbove, reusable: reusableHashes)
            outcome.encodeRows(identity: identity)
            return outcome
        }, consume: { i, first in
            let file = files[i]
            var outcome = first
            defer {
                consumed += 1
                progress.update(phase: "reading", unit: "file", done: consumed, total: files.count,
                                detail: ProgressReporter.count(report.records, "record"))
            }
            if case .unchanged(let hash) = outcome {
                if let k = reusable[hash], reused.insert(k.id).inserted {
                    try staging.reuse(k.id, position: file.index)
                    report.reusedFiles += 1
                    for summary in k.summaries { report.account(summary) }
                    return
                }
                // The same input named twice tonight: its second place is read again.
                outcome = Self.read(file, readers: readers, limits: options.limits, streamAbove: streamAbove, reusable: [])
                outcome.encodeRows(identity: identity)
            }
            switch outcome {
            case .read(let result, let hash):
                let rows = try result.rows ?? StagedRows(result.extract, identity: identity)
                try staging.stageWhole(rows, contentHash: hash ?? Self.unhashed(file), position: file.index,
                                       summary: ReadSummary(result), reusable: hash != nil && !result.extract.hasErrors)
                try report.account(result, quarantine: &quarantine)
            case .stream(let hash, let signature):
                try LargeNDJSON.stage(file, contentHash: hash, signature: signature, options: options, readers: readers,
                                      staging: staging, report: &report, quarantine: &quarantine)
            case .unchanged:
                preconditionFailure("an input read without reusable hashes is never unchanged")
            }
        })
        // Inputs gone or changed since last run: their rows go.
        try staging.dropUnplaced()
        let readDone = clock.now

        // 2. Group by patient and evaluate, chunk by chunk.
        _ = try staging.buildGroups()
        let groups = try staging.groupIDs()
        let chunkSize = 64 * options.jobs
        let maxStatements = options.evaluation.limits.maxStatementsPerPatient
        let seed = groupSeed(night: night)
        var done = 0
        var next = 0
        while next < groups.count {
            // On this thread, in group order: each group's digest, then its rows unless it is
            // skipped unassembled (an unchanged patient without a CarePlan keeps tonight's
            // earlier outcome: nothing of him is decoded; a CarePlan's explanation needs his facts).
            var work: [(digest: StagingStore.GroupDigest, rows: StagingStore.GroupRows)] = []
            var slots: [Slot] = []
            // A chunk of groups: at most `chunkSize`, and no more than `chunkBytes` of staged rows
            // once it holds one (memory is bounded by the largest patient, not by the export).
            var bytes = 0
            while next < groups.count, slots.count < chunkSize, bytes < Self.chunkBytes {
                let group = groups[next]
                next += 1
                let digest = try staging.digest(group: group, seed: seed)
                if let outcomes = try unchanged(digest, ledger: ledger, night: night) {
                    slots.append(.skipped(outcomes))
                    report.unassembled += 1
                    continue
                }
                // Counted before anything is loaded: a patient over the limit must not cost his
                // million statements in memory (DESIGN: bounded by the largest patient).
                let rows = try staging.rows(group: group, withStatements: digest.statements <= maxStatements)
                slots.append(.assembled(work.count))
                work.append((digest, rows))
                bytes += rows.bytes
            }
            // In parallel: decoded, assembled and evaluated.
            let todo = work
            let results = OrderedWork.map(count: todo.count, jobs: options.jobs) { i in
                Result { try assembleAndEvaluate(todo[i].rows, digest: todo[i].digest, ledger: ledger, night: night) }
            }
            // In group order again: tonight's outcomes, and the records to stage for `explain
            // --state` and the report. A record not re-evaluated is the one a run of this night
            // already kept (same hash).
            var patients: [[Outcome]] = []
            var evaluatedRecords: [(key: String, body: Data)] = []
            for slot in slots {
                switch slot {
                case .skipped(let outcomes):
                    patients.append(outcomes)
                case .assembled(let i):
                    for (key, body, outcomes) in try results[i].get() {
                        patients.append(outcomes)
                        if let body { evaluatedRecords.append((key, body)) }
                    }
                }
            }
            try staging.stageRecords(evaluatedRecords)
            for o in patients.compactMap(\.first) { if let e = o.explanation { report.explanations[o.key] = e } }
            try staging.db.write { db in
                for o in patients.flatMap({ $0 }) {
                    // A key is a patient's across the whole run (RecordAssembler keeps keys unique
                    // across groups); a repeat would silently replace a row, so it stops the run.
                    try db.execute(sql: "INSERT INTO result VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?)",
                                   arguments: [o.key, o.guideline, o.hash, o.careplan, o.recs, o.evaluated ? 1 : 0,
                                               o.fired.joined(separator: ","), o.created, o.carePlanID,
                                               JSONWriter.string(.array(o.incomplete.map { .string($0) }))])
                }
            }
            done += slots.count
            // Counted per patient (each has one outcome per guideline).
            report.patients += patients.count
            report.evaluated += patients.filter { $0.first?.evaluated ?? false }.count
            report.deceased += patients.filter { $0.first?.deceased ?? false }.count
            for outcomes in patients {
                guard let o = outcomes.first, !o.incomplete.isEmpty else { continue }
                report.incomplete.append((subject: o.subject, reasons: o.incomplete,
                                          keptCarePlan: outcomes.contains { $0.careplan != nil }))
            }
            progress.update(phase: "evaluating", unit: "patient group", done: done, total: groups.count,
                            detail: ProgressReporter.count(report.patients, "patient"))
        }
        let evaluateDone = clock.now

        // 3. Outputs: every one staged and made durable, then the ledger committed, then the
        // outputs renamed into place. A failure before the rename leaves every output and the
        // ledger as the previous run left them; after the commit, the error says what was published.
        try staging.attach(ledger: statePath)
        if !options.fullExport { report.notSeen = try staging.keepNotSeen(night: night, guidelines: guidelineIDs) }
        try writeCarePlans(staging: staging, night: night, report: &report)
        try writeChanges(staging: staging, ledger: ledger, night: night, report: &report)
        if options.transactionBundle { try writeTransaction(staging: staging, night: night, report: &report) }
        report.rows = try reportRows(staging: staging)
        let point = Self.historyPoint(report, asOf: asOf)
        report.history = try ledger.history(before: asOf, limit: 29) + [point]
        try staging.detachLedger()
        report.timings = [
            "readSeconds": Self.seconds(readDone - started), "evaluateSeconds": Self.seconds(evaluateDone - readDone),
            "totalSeconds": Self.seconds(clock.now - started),
        ]
        try AtomicFile.stage(JSONWriter.serialize(report.json(), style: .pretty) + [0x0A], for: out + "/report.json")
        try AtomicFile.stage(ReportPage.html(report), for: out + "/report.html")
        do {
            try options.beforeLedgerCommit?()
            try ledger.commit(stagingPath: staging.path, asOf: options.evaluation.asOf.dateString,
                              fingerprint: engine.mappings.fingerprint, finishedAt: Self.timestamp(),
                              shard: options.shard.description, history: point)
        } catch {
            var aside = ""
            if case .unreadable(let path, _) = condition { aside = " (the unreadable ledger stays set aside as \(path))" }
            throw BatchError(.ledgerCommit, """
                \(statePath): the ledger commit failed (\(error)). Nothing was published: careplans.ndjson, \
                changes.ndjson, report.json, report.html, quarantine/ and the ledger are as the previous run left them\(aside).
                """)
        }
        try outputs.publish()
        progress.done("\(ProgressReporter.count(files.count, "file")) read, \(ProgressReporter.count(report.patients, "patient")) "
                      + "(\(report.evaluated) re-evaluated), \(ProgressReporter.count(report.carePlans, "CarePlan"))")
        progress.finish()
        completed = true
        return report
    }

    /// What the operator is told about a ledger that is not the previous run's: nil when it is, or
    /// when there is no earlier output it could belong to (a true first run).
    static func ledgerWarning(_ condition: Ledger.Condition, statePath: String, out: String) -> String? {
        let consequence = "this run treats every patient as new: all are re-evaluated and changes.ndjson lists them all as new"
        switch condition {
        case .ok:
            return nil
        case .unreadable(let aside, let reason):
            return "\(statePath): the ledger cannot be read (\(reason)); it was set aside as \(aside) and a new one started, so \(consequence)."
        case .missing, .empty, .noRun:
            let earlier = ["careplans.ndjson", "report.json"].contains { FileManager.default.fileExists(atPath: out + "/" + $0) }
            guard earlier else { return nil }
            let found = condition == .missing ? "does not exist" : condition == .empty ? "is empty (0 bytes)" : "holds no completed run"
            return """
                \(statePath): the ledger \(found), but \(out) holds the outputs of an earlier run: \(consequence). \
                If the ledger was lost, restore it from a backup before the next run.
                """
        }
    }

    /// What `report.json` says was read: every input as found (path and size, in discovery order)
    /// and every entry refused unopened. Shards of one run read the same inputs, so they agree.
    static func inputsFingerprint(_ found: InputDiscovery.Found) -> String {
        var h = StableHash()
        for f in found.files {
            h.combine(f.path.display)
            h.combine(String(f.size))
        }
        for r in found.rejected { h.combine("rejected " + r.path.display) }
        return h.hex
    }

    /// Tonight's evaluation date and its baseline: the last completed night with an earlier date.
    struct Night: Sendable {
        let asOf: String
        let baseline: String?
        /// The ledger's id of the last run of the baseline night: rerunning that night changes it.
        var baselineRun: Int64? = nil
    }

    /// The ids of the guidelines applied tonight, as a JSON array (for SQL `json_each`).
    var guidelineIDs: String { JSONWriter.string(.array(engine.guidelines.map { .string($0.id) })) }

    struct Outcome: Sendable {
        let key: String
        let guideline: String
        let hash: String
        /// Tonight's active CarePlan: new, changed, unchanged, or an incomplete patient's kept one.
        let careplan: Data?
        let recs: String
        let evaluated: Bool
        let fired: [String]
        /// Deceased on the evaluation date: not evaluated, no CarePlan.
        let deceased: Bool
        /// The night the recommendations of `careplan` first appeared.
        let created: String?
        let carePlanID: String?
        let subject: JSONValue
        /// Why the patient's record is not whole tonight (no new or changed CarePlan for him).
        let incomplete: [String]
        /// The report's explanation of a patient with a CarePlan tonight (on his first outcome).
        var explanation: Explanation? = nil
    }

    /// One group's records and their outcomes, from its staged rows: each record's key, its
    /// outcomes, and the record encoded for `explain --state` when it was evaluated tonight.
    func assembleAndEvaluate(_ rows: StagingStore.GroupRows, digest: StagingStore.GroupDigest, ledger: Ledger,
                             night: Night) throws -> [(key: String, body: Data?, outcomes: [Outcome])] {
        let maxStatements = options.evaluation.limits.maxStatementsPerPatient
        var assembler = RecordAssembler(rules: engine.mappings.identityRules, maxStatements: maxStatements)
        assembler.add(try rows.extract())
        var assembled = assembler.records()
        if digest.statements > maxStatements {
            let reason = RecordAssembler.overLimitReason(digest.statements, limit: maxStatements)
            for i in assembled.indices { assembled[i].incomplete.append(reason) }
        }
        return try assembled.filter { options.shard.contains(patientKey: $0.key) }.map { record in
            let o = try outcomes(record, hash: digest.hash, ledger: ledger, night: night)
            return (record.key, o.first?.evaluated ?? true ? Data(RecordCodec.encode(record)) : nil, o)
        }
    }

    /// One record's outcomes, one per guideline. Unchanged since a run of the same night (same
    /// hash): that run's. An incomplete patient keeps the baseline night's CarePlan (DESIGN
    /// "Incomplete patients"); a CarePlan whose recommendations are the baseline's keeps its
    /// `created`, so it is the same bytes as the night before.
    func outcomes(_ record: PatientRecord, hash: String, ledger: Ledger, night: Night) throws -> [Outcome] {
        let previous = try ledger.entries(record.key, night: night.asOf)
        let baseline = try ledger.entries(record.key, night: night.baseline)
        let guidelines = engine.guidelines
        let subject = CarePlanBuilder.reference(record.identity.subject)
        // Unchanged since a run of the same night, for every guideline: that run's outcomes.
        let same = guidelines.compactMap { g in previous[g.id].flatMap { $0.hash == hash && $0.seen ? $0 : nil } }
        if same.count == guidelines.count {
            var outcomes = same.map { p in
                Outcome(key: record.key, guideline: p.guideline, hash: p.hash, careplan: p.careplan, recs: p.recs,
                        evaluated: false, fired: Self.firedIDs(p.recs), deceased: Self.isDeceased(p.recs),
                        created: p.created, carePlanID: p.carePlanID, subject: subject, incomplete: record.incomplete)
            }
            // Not re-evaluated, but the report explains every CarePlan: facts derived again.
            if outcomes.contains(where: { $0.careplan != nil }) {
                outcomes[0].explanation = Explanation(engine.evaluate(record, asOf: options.evaluation.asOf), deriver: engine.deriver)
            }
            return outcomes
        }
        let evaluations = engine.evaluate(record, asOf: options.evaluation.asOf)
        var outcomes = evaluations.map { evaluation -> Outcome in
            let g = evaluation.guideline
            if !record.incomplete.isEmpty {
                let b = baseline[g.id].flatMap { $0.careplan == nil ? nil : $0 }
                return Outcome(key: record.key, guideline: g.id, hash: hash, careplan: b?.careplan,
                               recs: b?.recs ?? Self.recsJSON(subject: subject, fired: [], deceased: evaluation.deceased),
                               evaluated: true, fired: b.map { Self.firedIDs($0.recs) } ?? [], deceased: evaluation.deceased,
                               created: b?.created, carePlanID: b?.carePlanID, subject: subject, incomplete: record.incomplete)
            }
            let recs = Self.recsJSON(evaluation)
            var created = options.evaluation.asOf
            if let b = baseline[g.id], b.careplan != nil, Self.sameRecommendations(b.recs, recs),
               let then = b.created.flatMap(EvaluationOptions.parseDate) {
                created = then
            }
            let plan = builder.carePlan(evaluation, created: created)
            return Outcome(key: record.key, guideline: g.id, hash: hash, careplan: plan.map { Data($0) },
                           recs: recs, evaluated: true, fired: evaluation.fired.map(\.recommendation.id),
                           deceased: evaluation.deceased, created: plan == nil ? nil : created.dateString,
                           carePlanID: plan == nil ? nil : builder.carePlanID(for: record, guideline: g), subject: subject,
                           incomplete: [])
        }
        if outcomes.contains(where: { $0.careplan != nil }) {
            outcomes[0].explanation = Explanation(evaluations, deriver: engine.deriver)
        }
        return outcomes
    }

    /// How many bytes of staged rows one chunk of groups holds at most (but for its first group):
    /// they are decoded, assembled and evaluated in parallel, then written in one transaction.
    static let chunkBytes = SpilledGroup.chunkBytes

    /// One group of a chunk: skipped unassembled (`unchanged`) with its outcomes, one per
    /// guideline, or assembled from the chunk's work item at an index.
    enum Slot {
        case skipped([Outcome])
        case assembled(Int)
    }

    /// Tonight's earlier outcomes of a group whose digest is unchanged since a run of this night,
    /// when nothing more is needed of its record: one patient, every guideline applied tonight
    /// on record for him, no CarePlan. Nil when the group must be assembled.
    func unchanged(_ digest: StagingStore.GroupDigest, ledger: Ledger, night: Night) throws -> [Outcome]? {
        let found = try ledger.entries(hash: digest.hash, night: night.asOf)
        // A group of several records is assembled: their order is the assembler's.
        guard found.count == 1, let (key, rows) = found.first else { return nil }
        var outcomes: [Outcome] = []
        for g in engine.guidelines {
            guard let (p, incomplete) = rows[g.id], p.seen, p.careplan == nil else { return nil }
            // Parsed once: the subject, the fired recommendations and deceased all come from it.
            let recs = try? JSONValue.parse(Array(p.recs.utf8))
            outcomes.append(Outcome(key: key, guideline: g.id, hash: p.hash, careplan: nil, recs: p.recs, evaluated: false,
                                    fired: Self.firedIDs(recs), deceased: Self.isDeceased(recs), created: p.created,
                                    carePlanID: p.carePlanID, subject: recs?["subject"] ?? .null, incomplete: incomplete))
        }
        return outcomes
    }

    /// What the hash of a group's rows (`StagingStore.digest`) starts from: everything besides
    /// the inputs that decides a patient's outcome. What decides what an input stages (the
    /// program, its build too (`ProgramIdentity`), so a rebuilt binary re-evaluates everyone; the Mappings; the limits
    /// and the chunking, which number a large input's rows), the evaluation date, the baseline
    /// night (an incomplete patient keeps its CarePlan; `created` comes from it) and the canonical base.
    func groupSeed(night: Night) -> String {
        [stagingConfig, night.asOf, "baseline " + (night.baseline ?? "none") + " run " + (night.baselineRun.map { String($0) } ?? "none"),
         builder.canonicalBase].joined(separator: "\n")
    }

    /// What decides what an input stages, besides its bytes: the staging database is rebuilt
    /// from nothing when it changes.
    var stagingConfig: String {
        [IngestVersion.current, ProgramIdentity.current, engine.mappings.fingerprint, String(describing: options.evaluation.limits),
         String(describing: options.limits), String(options.largeFileBytes), String(options.chunkBytes)].joined(separator: "\n")
    }


    static func recsJSON(_ e: Evaluation) -> String {
        let recs: [JSONValue] = e.fired.map { r in
            var description = r.recommendation.description
            for c in r.caveats { description += " " + c.text }
            return ["id": .string(r.recommendation.id), "description": .string(description)]
        }
        return recsJSON(subject: CarePlanBuilder.reference(e.record.identity.subject), fired: recs, deceased: e.deceased)
    }

    static func recsJSON(subject: JSONValue, fired: [JSONValue], deceased: Bool) -> String {
        var members: [JSONObject.Member] = [
            .init(key: "subject", value: subject),
            .init(key: "recommendations", value: .array(fired)),
        ]
        if deceased { members.append(.init(key: "deceased", value: true)) }
        return JSONWriter.string(.object(JSONObject(members: members)))
    }

    /// Whether two ledger `recs` documents hold the same recommendations (ids and wording).
    static func sameRecommendations(_ a: String, _ b: String) -> Bool {
        func recs(_ s: String) -> JSONValue? { (try? JSONValue.parse(Array(s.utf8)))?["recommendations"] }
        return recs(a) == recs(b)
    }

    static func firedIDs(_ recs: String) -> [String] { firedIDs(try? JSONValue.parse(Array(recs.utf8))) }

    static func firedIDs(_ recs: JSONValue?) -> [String] {
        recs?["recommendations"]?.arrayValue.compactMap { $0["id"]?.stringValue } ?? []
    }

    static func isDeceased(_ recs: String) -> Bool { isDeceased(try? JSONValue.parse(Array(recs.utf8))) }

    static func isDeceased(_ recs: JSONValue?) -> Bool { recs?["deceased"]?.boolValue ?? false }

    /// `careplans.ndjson`: tonight's CarePlans in patient order, then the CarePlans of the
    /// baseline night that no patient carries any more, written again with `status: "revoked"`
    /// (withdrawn, or replaced by a CarePlan with another id) so a server learns of them.
    func writeCarePlans(staging: StagingStore, night: Night, report: inout BatchReport) throws {
        let file = try OutputFile(options.outDir + "/careplans.ndjson")
        var perRecommendation: [String: Int] = [:]
        var carePlans = 0
        var ids = Set<String>()
        try staging.db.read { db in
            let rows = try Row.fetchCursor(db, sql: "SELECT careplan, fired, carePlanId FROM result ORDER BY patientKey, guideline")
            while let row = try rows.next() {
                let fired: String = row[1]
                for id in fired.split(separator: ",") { perRecommendation[String(id), default: 0] += 1 }
                guard let plan: Data = row[0] else { continue }
                // Two patients never share a CarePlan id (DESIGN): a repeat would make a server
                // merge two patients' proposals, so the run stops instead.
                if let id: String = row[2], !ids.insert(id).inserted {
                    throw BatchError(.io, "two patients were given the same CarePlan id \(id); no output was published.")
                }
                try file.write(plan)
                try file.write([0x0A])
                carePlans += 1
            }
        }
        var revoked = 0
        try staging.forEachRevoked(night: night, guidelines: guidelineIDs) { plan in
            guard let value = try? JSONValue.parse(Array(plan)) else { return }
            try file.write(JSONWriter.serialize(builder.revoked(value)))
            try file.write([0x0A])
            revoked += 1
        }
        try file.commit()
        report.carePlans = carePlans
        report.revoked = revoked
        report.perRecommendation = perRecommendation
    }

    /// `changes.ndjson`: per patient whose recommendations differ from the baseline night's.
    /// A patient absent tonight and not kept (`--full-export`) is withdrawn.
    func writeChanges(staging: StagingStore, ledger: Ledger, night: Night, report: inout BatchReport) throws {
        let applied = Set(engine.guidelines.map(\.id))
        // A guideline not applied tonight (--guideline) changes nothing.
        let previous = try ledger.recs(night: night.baseline).filter { applied.contains($0.guideline) }
        var current: [(key: String, guideline: String, recs: String, carePlan: String?)] = []
        try staging.db.read { db in
            current = try Row.fetchAll(db, sql: "SELECT patientKey, guideline, recs, carePlanId FROM result ORDER BY patientKey, guideline")
                .map { ($0[0], $0[1], $0[2], $0[3]) }
        }
        let file = try OutputFile(options.outDir + "/changes.ndjson")
        let lines = Self.changeLines(previous: previous, current: current, since: night.baseline)
        for line in lines {
            try file.write(JSONWriter.serialize(line))
            try file.write([0x0A])
            report.count(change: line)
        }
        try file.commit()
    }

    /// The lines of `changes.ndjson` from the baseline night's and tonight's rows, both in
    /// (key, guideline) order: shared by the batch and `ingest merge`, so that merged shards give
    /// the unsharded changes byte for byte.
    static func changeLines(previous: [(key: String, guideline: String, recs: String, carePlan: String?)],
                            current: [(key: String, guideline: String, recs: String, carePlan: String?)],
                            since: String?) -> [JSONValue] {
        var i = 0
        var j = 0
        var lines: [JSONValue] = []
        func add(_ change: JSONValue?, guideline: String, carePlan: String?) {
            guard case .object(var o)? = change else { return }
            o.members.insert(.init(key: "guideline", value: .string(guideline)), at: 1)
            if let carePlan { o.members.append(.init(key: "carePlan", value: .string("CarePlan/" + carePlan))) }
            // Which night the change is against: reruns of one night compare with the same one.
            o.members.append(.init(key: "since", value: since.map { .string($0) } ?? .null))
            lines.append(.object(o))
        }
        func before(_ a: (key: String, guideline: String), _ b: (key: String, guideline: String)) -> Bool {
            (a.key, a.guideline) < (b.key, b.guideline)
        }
        while i < current.count || j < previous.count {
            if j >= previous.count || (i < current.count && before((current[i].key, current[i].guideline), (previous[j].key, previous[j].guideline))) {
                add(Change.compare(before: nil, after: current[i].recs), guideline: current[i].guideline, carePlan: current[i].carePlan)
                i += 1
            } else if i >= current.count || before((previous[j].key, previous[j].guideline), (current[i].key, current[i].guideline)) {
                add(Change.compare(before: previous[j].recs, after: nil), guideline: previous[j].guideline, carePlan: previous[j].carePlan)
                j += 1
            } else {
                add(Change.compare(before: previous[j].recs, after: current[i].recs), guideline: current[i].guideline,
                    carePlan: current[i].carePlan ?? previous[j].carePlan)
                i += 1
                j += 1
            }
        }
        return lines
    }

    /// `transaction.json` (`--bundle transaction`): one FHIR transaction Bundle with a PUT per
    /// CarePlan new, changed or revoked tonight. An unchanged CarePlan is left out, so edits a
    /// reviewer made to it on the server survive; replaying the Bundle leaves the same state.
    func writeTransaction(staging: StagingStore, night: Night, report: inout BatchReport) throws {
        let file = try OutputFile(options.outDir + "/" + StagedOutputs.transaction)
        let writer = TransactionBundle.Writer(style: .compact)
        try file.write(writer.head)
        var count = 0
        func entry(_ plan: JSONValue) throws {
            guard let e = writer.entryBytes(plan) else { return }
            try file.write(writer.separator(count))
            try file.write(e)
            count += 1
        }
        try staging.forEachChanged(night: night) { plan in
            if let value = try? JSONValue.parse(Array(plan)) { try entry(value) }
        }
        try staging.forEachRevoked(night: night, guidelines: guidelineIDs) { plan in
            if let value = try? JSONValue.parse(Array(plan)) { try entry(builder.revoked(value)) }
        }
        try file.write(writer.tail(count: count) + [0x0A])
        try file.commit()
        report.transactionEntries = count
    }

    /// Half-written files of a run that was killed: staged outputs and the quarantine being built.
    /// Called only with the lock held, so they cannot be another running run's.
    static func removeLeftovers(in out: String) {
        let fm = FileManager.default
        for name in (try? fm.contentsOfDirectory(atPath: out)) ?? [] where name.contains(".tmp") || name.hasSuffix(".old") {
            try? fm.removeItem(atPath: out + "/" + name)
        }
    }

    /// What reading one input gave.
    struct ReadResult: Sendable {
        let file: String
        let bytes: Int
        var extract: SourceExtract
        /// The bytes read — the whole input, or a chunk of its lines — kept only when something in
        /// them must be quarantined.
        var kept: [UInt8]? = nil
        /// Its rows, encoded for the staging database (its extract's values are let go then).
        var rows: StagedRows? = nil
        /// Patients, statements and medication definitions read, once the extract let them go.
        var read: Int? = nil
        /// The line number of `kept`'s first line in the input.
        var firstLine = 1
        /// A chunk of an input read in chunks: its rejected records are lines, never the whole input.
        var chunk = false
        /// The file the quarantine copies when the input is rejected whole, instead of `kept`: a
        /// `.gz` is quarantined as it was (compressed), a file too large to read is never read whole.
        var original: Original? = nil

        var copy: Quarantine.Copy {
            if let original { return .file(original.path, followSymlinks: original.followSymlinks) }
            return kept.map { .bytes($0) } ?? Quarantine.Copy.none
        }
    }

    struct Original: Sendable {
        let path: InputPath
        let followSymlinks: Bool
    }

    enum ReadOutcome: Sendable {
        /// Read whole; with the hash of the input's name and bytes (nil when they could not be hashed).
        case read(ReadResult, contentHash: String?)
        /// Larger than can be read whole in parallel: to be streamed on its own (`LargeNDJSON`),
        /// with the input's signature when it was hashed.
        case stream(contentHash: String?, signature: FileSignature?)
        /// The same name and bytes as an input an earlier run staged: not read.
        case unchanged(contentHash: String)

        /// Encodes a read input's rows for the staging database (on the reading thread), and lets
        /// go of its decoded values. Left as it is if they cannot be encoded: staged from the
        /// extract then, where the error stops the run.
        mutating func encodeRows(identity: IdentityRules) {
            guard case .read(var result, let hash) = self, let rows = try? StagedRows(result.extract, identity: identity) else { return }
            result.read = result.extract.patients.count + result.extract.statements.count + result.extract.medications.count
            result.rows = rows
            result.extract.patients = []
            result.extract.statements = []
            result.extract.medications = []
            result.extract.rejectedLinks = []
            self = .read(result, contentHash: hash)
        }
    }

    /// Reads one input whole if it holds at most `streamAbove` bytes (inflated, for a `.gz`),
    /// unless its name and bytes hash to one of `reusable`. Never throws: whatever goes wrong with
    /// the input rejects it with a located reason.
    static func read(_ file: InputFile, readers: Readers, limits: InputLimits, streamAbove: Int, reusable: Set<String>) -> ReadOutcome {
        let name = file.path.display
        let opened: FileIO.OpenFile
        do {
            opened = try FileIO.openRegular(file.target.bytes, name: name, followSymlinks: file.followSymlinks)
        } catch {
            return .read(rejected(name, kind: "unreadable", located(error.message, name)), contentHash: nil)
        }
        defer { close(opened.fd) }
        if Gzip.isGzip(fd: opened.fd) {
            // The compressed bytes decide the inflated ones: hashed without inflating, in a pass
            // of its own, so the hash holds only if the file did not change until it was read.
            let signature = FileSignature(fd: opened.fd)
            let hash = ContentHash.ofFile(fd: opened.fd, seed: name)
            if let hash, reusable.contains(hash) { return .unchanged(contentHash: hash) }
            do throws(InputFailure) {
                let reader = try GzipReader(fd: opened.fd, compressedSize: opened.size, limits: limits, name: name)
                var bytes: [UInt8] = []
                while bytes.count <= streamAbove, try reader.read(into: &bytes, count: streamAbove + 1 - bytes.count) > 0 {}
                if bytes.count > streamAbove { return .stream(contentHash: hash, signature: signature) }
                let same = signature != nil && FileSignature(fd: opened.fd) == signature
                return .read(whole(bytes, file: file, size: opened.size, gzip: true, readers: readers), contentHash: same ? hash : nil)
            } catch {
                var r = rejected(name, kind: error.kind, error.message, size: opened.size)
                r.original = Original(path: file.target, followSymlinks: file.followSymlinks)
                return .read(r, contentHash: nil)
            }
        }
        if opened.size > streamAbove {
            let signature = FileSignature(fd: opened.fd)
            let hash = ContentHash.ofFile(fd: opened.fd, seed: name)
            if let hash, reusable.contains(hash) { return .unchanged(contentHash: hash) }
            return .stream(contentHash: hash, signature: signature)
        }
        do throws(IngestError) {
            let bytes = try FileIO.readAll(fd: opened.fd, name: name, sizeHint: opened.size, limit: streamAbove)
            // Grown since it was examined: read it as the large file it now is.
            if bytes.count > streamAbove {
                let signature = FileSignature(fd: opened.fd)
                let hash = ContentHash.ofFile(fd: opened.fd, seed: name)
                if let hash, reusable.contains(hash) { return .unchanged(contentHash: hash) }
                return .stream(contentHash: hash, signature: signature)
            }
            var h = ContentHash()
            h.combine(name)
            h.combine(bytes)
            let hash = h.hex
            if reusable.contains(hash) { return .unchanged(contentHash: hash) }
            return .read(whole(bytes, file: file, size: opened.size, gzip: false, readers: readers), contentHash: hash)
        } catch {
            return .read(rejected(name, kind: "unreadable", located(error.message, name), size: opened.size), contentHash: nil)
        }
    }

    /// The content hash of an input that could not be hashed (or changed while it was read):
    /// unique, so no group digest and no later run takes it for another run's input.
    static func unhashed(_ file: InputFile) -> String {
        "unhashed " + String(file.index) + " " + String(UInt64.random(in: 0...UInt64.max), radix: 16)
    }

    /// Reads an input held whole: `bytes` (inflated, for a `.gz` of `size` bytes).
    static func whole(_ bytes: [UInt8], file: InputFile, size: Int, gzip: Bool, readers: Readers) -> ReadResult {
        let name = file.path.display
        if BulkManifest.isManifest(bytes) {
            var e = SourceExtract(file: name)
            e.counts.records = 1
            e.counts.skippedNonResources["Bulk Data export manifest", default: 0] += 1
            return ReadResult(file: name, bytes: size, extract: e)
        }
        var extract = RecordCollector.extract(bytes, file: name, readers: readers)
        if !file.path.isPlain { extract.diagnostics.append(nameWarning(name)) }
        var result = ReadResult(file: name, bytes: size, extract: extract, kept: extract.hasErrors ? bytes : nil)
        if gzip { result.original = Original(path: file.target, followSymlinks: file.followSymlinks) }
        return result
    }

    /// An input rejected whole before it could be read: nothing is kept of it unless the caller
    /// names the `original` to copy.
    static func rejected(_ file: String, kind: String, _ message: String, size: Int = 0) -> ReadResult {
        var e = SourceExtract(file: file)
        e.counts.records = 1
        e.counts.rejectedRecords[kind, default: 0] += 1
        e.diagnostics.append(Diagnostic(kind: kind, severity: .error, file: file, message: message))
        return ReadResult(file: file, bytes: size, extract: e)
    }

    /// The warning of an input whose name had to be escaped to be shown.
    static func nameWarning(_ file: String) -> Diagnostic {
        Diagnostic(kind: "file-name-escaped", severity: .warning, file: file, message: """
            the file name is not valid UTF-8 or holds control characters: it is shown with those bytes written \\xHH.
            """)
    }

    /// A message of `FileIO` without its leading "path: ", which the diagnostic puts back.
    static func located(_ message: String, _ file: String) -> String {
        message.hasPrefix(file + ": ") ? String(message.dropFirst(file.count + 2)) : message
    }

    static func seconds(_ d: Duration) -> Double {
        let (s, atto) = d.components
        return ((Double(s) + Double(atto) / 1e18) * 1000).rounded() / 1000
    }

    static func timestamp() -> String {
        let f = ISO8601DateFormatter()
        return f.string(from: Date())
    }
}
