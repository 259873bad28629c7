import ClinicalModel
import Foundation
import Guideline
public import IngestKit
import JSONKit
import Mapping
import GRDB
import Synchronization

/// What `ingest batch` was asked to do.
public struct BatchOptions: Sendable {
    public var inputs: [String]
    public var outDir: String
    public var evaluation: EvaluationOptions
    public var jobs: Int
    public var shard: ShardSpec
    public var statePath: String?
    public var quiet: Bool
    /// NDJSON files larger than this are read in chunks of `chunkBytes` (memory stays bounded).
    public var largeFileBytes = 64 << 20
    public var chunkBytes = 16 << 20

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
/// (parallel, skipping patients whose inputs did not change) → write outputs atomically →
/// commit the ledger. Deterministic whatever `--jobs`.
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
        Self.removeLeftovers(in: out)
        let progress = ProgressReporter(enabled: !options.quiet)
        let staging = try StagingStore(path: out + "/.staging.sqlite")
        defer { staging.close() }
        let statePath = options.statePath ?? out + "/state.sqlite"
        let ledger = try Ledger(path: statePath)
        // One ledger per shard: another shard's patients would otherwise read as withdrawn.
        if let last = try ledger.lastShard(), last != options.shard.description {
            throw IngestError(.usage, "\(statePath) holds the state of shard \(last), not \(options.shard): give each shard its own --out or --state.")
        }
        var report = BatchReport(options: options, guideline: engine.guideline, fingerprint: engine.mappings.fingerprint)
        var quarantine = try Quarantine(dir: out + "/.quarantine.tmp")

        // 1. Read and stage every input, `jobs` at a time, in input order.
        let (files, ignored) = try InputDiscovery.files(options.inputs, excluding: out)
        report.inputFiles = files.count
        report.ignoredFiles = ignored.count
        let readers = Readers(codeSystems: engine.mappings.codeSystems)
        var index = 0
        while index < files.count {
            // A file too large to hold (a bulk export's Observation.ndjson) is read in chunks of lines.
            let large = options.largeFileBytes
            if LargeNDJSON.isLarge(files[index], threshold: large),
                try LargeNDJSON.stage(files[index], fileIndex: index, chunkSize: options.chunkBytes, readers: readers,
                                      staging: staging, report: &report, quarantine: &quarantine)
            {
                index += 1
                continue
            }
            var end = index
            while end < min(index + options.jobs, files.count), end == index || !LargeNDJSON.isLarge(files[end], threshold: large) {
                end += 1
            }
            let batch = Array(files[index..<end])
            let results = Mutex<[Int: ReadResult]>([:])
            DispatchQueue.concurrentPerform(iterations: batch.count) { i in
                let r = Self.read(batch[i], readers: readers)
                results.withLock { $0[i] = r }
            }
            let ordered = results.withLock { r in (0..<batch.count).map { r[$0]! } }
            for (offset, result) in ordered.enumerated() {
                try staging.stage(result.extract, fileIndex: index + offset)
                try report.account(result, quarantine: &quarantine)
            }
            index += batch.count
            progress.update(phase: "reading", done: index, total: files.count, records: report.records, patients: 0)
        }
        let readDone = clock.now

        // 2. Group by patient and evaluate, chunk by chunk.
        _ = try staging.buildGroups()
        let groups = try staging.groupIDs()
        let chunkSize = 64 * options.jobs
        var done = 0
        for chunkStart in stride(from: 0, to: groups.count, by: chunkSize) {
            let chunk = Array(groups[chunkStart..<min(chunkStart + chunkSize, groups.count)])
            var records: [PatientRecord] = []
            for group in chunk {
                var assembler = RecordAssembler()
                assembler.add(try staging.extract(group: group))
                records += assembler.records().filter { options.shard.contains(patientKey: $0.key) }
            }
            let outcomes = try evaluate(records, ledger: ledger, staging: staging)
            try staging.db.write { db in
                for o in outcomes {
                    try db.execute(sql: "INSERT OR REPLACE INTO result VALUES (?, ?, ?, ?, ?, ?)",
                                   arguments: [o.key, o.hash, o.careplan, o.recs, o.evaluated ? 1 : 0, o.fired.joined(separator: ",")])
                }
            }
            done += chunk.count
            report.patients += outcomes.count
            report.evaluated += outcomes.filter(\.evaluated).count
            report.deceased += outcomes.filter(\.deceased).count
            progress.update(phase: "evaluating", done: done, total: groups.count, records: report.records,
                            patients: report.patients)
        }
        let evaluateDone = clock.now

        // 3. Outputs, each published atomically; the ledger last.
        try writeCarePlans(staging: staging, report: &report)
        try writeChanges(staging: staging, ledger: ledger, report: &report)
        report.timings = [
            "readSeconds": Self.seconds(readDone - started), "evaluateSeconds": Self.seconds(evaluateDone - readDone),
            "totalSeconds": Self.seconds(clock.now - started),
        ]
        try AtomicFile.write(JSONWriter.serialize(report.json(), style: .pretty) + [0x0A], to: out + "/report.json")
        try AtomicFile.write(ReportPage.html(report), to: out + "/report.html")
        try Self.publish(quarantineAt: out + "/.quarantine.tmp", to: out + "/quarantine")
        try ledger.commit(stagingPath: staging.path, asOf: options.evaluation.asOf.dateString,
                          fingerprint: engine.mappings.fingerprint, finishedAt: Self.timestamp(),
                          shard: options.shard.description)
        progress.update(phase: "done", done: groups.count, total: groups.count, records: report.records,
                        patients: report.patients, force: true)
        progress.finish()
        return report
    }

    struct Outcome: Sendable {
        let key: String
        let hash: String
        let careplan: Data?
        let recs: String
        let evaluated: Bool
        let fired: [String]
        /// Deceased on the evaluation date: not evaluated, no CarePlan.
        let deceased: Bool
    }

    /// Evaluates the records whose inputs changed since the ledger's run, in parallel; the others
    /// keep their previous CarePlan.
    func evaluate(_ records: [PatientRecord], ledger: Ledger, staging: StagingStore) throws -> [Outcome] {
        let hashes = try records.map { try hash($0, staging: staging) }
        let previous = try records.map { try ledger.entry($0.key) }
        let results = Mutex<[Int: Outcome]>([:])
        DispatchQueue.concurrentPerform(iterations: records.count) { i in
            let record = records[i]
            if let p = previous[i], p.hash == hashes[i] {
                let fired = Self.firedIDs(p.recs)
                results.withLock { $0[i] = Outcome(key: record.key, hash: p.hash, careplan: p.careplan, recs: p.recs,
                                                   evaluated: false, fired: fired, deceased: Self.isDeceased(p.recs)) }
                return
            }
            let evaluation = engine.evaluate(record, asOf: options.evaluation.asOf)
            let plan = builder.carePlan(evaluation).map { Data(JSONWriter.serialize($0)) }
            let recs = Self.recsJSON(evaluation)
            results.withLock { $0[i] = Outcome(key: record.key, hash: hashes[i], careplan: plan, recs: recs,
                                               evaluated: true, fired: evaluation.fired.map(\.recommendation.id),
                                               deceased: evaluation.deceased) }
        }
        return results.withLock { r in (0..<records.count).map { r[$0]! } }
    }

    /// Hash of everything that decides a patient's CarePlan.
    func hash(_ record: PatientRecord, staging: StagingStore) throws -> String {
        var h = StableHash()
        // The program's version too: a logic fix re-evaluates everyone.
        h.combine(IngestVersion.current)
        h.combine(engine.mappings.fingerprint)
        h.combine(options.evaluation.asOf.dateString)
        h.combine(builder.canonicalBase)
        h.combine(try staging.encode(record))
        return h.hex
    }

    static func recsJSON(_ e: Evaluation) -> String {
        let recs: [JSONValue] = e.fired.map { r in
            var description = r.recommendation.description
            for c in r.caveats { description += " " + c.text }
            return ["id": .string(r.recommendation.id), "description": .string(description)]
        }
        var members: [JSONObject.Member] = [
            .init(key: "subject", value: CarePlanBuilder.reference(e.record.identity.subject)),
            .init(key: "recommendations", value: .array(recs)),
        ]
        if e.deceased { members.append(.init(key: "deceased", value: true)) }
        return JSONWriter.string(.object(JSONObject(members: members)))
    }

    static func firedIDs(_ recs: String) -> [String] {
        guard let v = try? JSONValue.parse(Array(recs.utf8)) else { return [] }
        return v["recommendations"]?.arrayValue.compactMap { $0["id"]?.stringValue } ?? []
    }

    static func isDeceased(_ recs: String) -> Bool {
        (try? JSONValue.parse(Array(recs.utf8)))?["deceased"]?.boolValue ?? false
    }

    func writeCarePlans(staging: StagingStore, report: inout BatchReport) throws {
        let file = try OutputFile(options.outDir + "/careplans.ndjson")
        var perRecommendation: [String: Int] = [:]
        var carePlans = 0
        try staging.db.read { db in
            let rows = try Row.fetchCursor(db, sql: "SELECT careplan, fired FROM result ORDER BY patientKey")
            while let row = try rows.next() {
                let fired: String = row[1]
                for id in fired.split(separator: ",") { perRecommendation[String(id), default: 0] += 1 }
                guard let plan: Data = row[0] else { continue }
                try file.write(plan)
                try file.write([0x0A])
                carePlans += 1
            }
        }
        try file.commit()
        report.carePlans = carePlans
        report.perRecommendation = perRecommendation
    }

    /// `changes.ndjson`: per patient whose recommendations differ from the previous run's.
    func writeChanges(staging: StagingStore, ledger: Ledger, report: inout BatchReport) throws {
        let previous = try ledger.allRecs()
        var current: [(key: String, recs: String)] = []
        try staging.db.read { db in
            current = try Row.fetchAll(db, sql: "SELECT patientKey, recs FROM result ORDER BY patientKey").map { ($0[0], $0[1]) }
        }
        let file = try OutputFile(options.outDir + "/changes.ndjson")
        var i = 0
        var j = 0
        var lines: [JSONValue] = []
        while i < current.count || j < previous.count {
            if j >= previous.count || (i < current.count && current[i].key < previous[j].key) {
                if let c = Change.compare(before: nil, after: current[i].recs) { lines.append(c) }
                i += 1
            } else if i >= current.count || previous[j].key < current[i].key {
                if let c = Change.compare(before: previous[j].recs, after: nil) { lines.append(c) }
                j += 1
            } else {
                if let c = Change.compare(before: previous[j].recs, after: current[i].recs) { lines.append(c) }
                i += 1
                j += 1
            }
        }
        for line in lines {
            try file.write(JSONWriter.serialize(line))
            try file.write([0x0A])
            report.count(change: line)
        }
        try file.commit()
    }

    /// Half-written files of a run that was killed: temporary outputs and the quarantine being built.
    static func removeLeftovers(in out: String) {
        let fm = FileManager.default
        for name in (try? fm.contentsOfDirectory(atPath: out)) ?? [] where name.contains(".tmp") || name.hasSuffix(".old") {
            try? fm.removeItem(atPath: out + "/" + name)
        }
    }

    static func publish(quarantineAt temp: String, to final: String) throws {
        let fm = FileManager.default
        let old = final + ".old"
        try? fm.removeItem(atPath: old)
        if fm.fileExists(atPath: final) { try fm.moveItem(atPath: final, toPath: old) }
        try fm.moveItem(atPath: temp, toPath: final)
        try? fm.removeItem(atPath: old)
    }

    struct ReadResult: Sendable {
        let file: String
        let bytes: Int
        let extract: SourceExtract
        /// The input's bytes, kept only when something in it must be quarantined.
        let quarantineBytes: [UInt8]?
    }

    static func read(_ path: String, readers: Readers) -> ReadResult {
        do throws(IngestError) {
            var bytes = try FileIO.read(path)
            let size = bytes.count
            if Gzip.isGzip(bytes) {
                do {
                    bytes = try Gzip.decompress(bytes)
                } catch {
                    return rejected(path, bytes, size, kind: "invalid-gzip", "the file is not valid gzip: \(error)")
                }
            }
            if BulkManifest.isManifest(bytes) {
                var e = SourceExtract(file: path)
                e.counts.records = 1
                e.counts.skippedNonResources["Bulk Data export manifest", default: 0] += 1
                return ReadResult(file: path, bytes: size, extract: e, quarantineBytes: nil)
            }
            let extract = RecordCollector.extract(bytes, file: path, readers: readers)
            return ReadResult(file: path, bytes: size, extract: extract, quarantineBytes: extract.hasErrors ? bytes : nil)
        } catch {
            return rejected(path, [], 0, kind: "unreadable", error.message)
        }
    }

    static func rejected(_ path: String, _ bytes: [UInt8], _ size: Int, kind: String, _ message: String) -> ReadResult {
        var e = SourceExtract(file: path)
        e.counts.records = 1
        e.counts.rejectedRecords[kind, default: 0] += 1
        e.diagnostics.append(Diagnostic(kind: kind, severity: .error, file: path, message: message))
        return ReadResult(file: path, bytes: size, extract: e, quarantineBytes: bytes)
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
