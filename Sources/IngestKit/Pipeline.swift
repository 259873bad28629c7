public import ClinicalModel
import FHIRReader
import Guideline
public import JSONKit
import Mapping

#if canImport(Glibc)
@preconcurrency import Glibc
#endif

/// Pipe mode and explain mode: read inputs (files, or stdin), assemble patients, evaluate,
/// write CarePlans as NDJSON or the explanation as text on stdout; diagnostics on stderr.
public struct Pipeline: Sendable {
    public let options: EvaluationOptions
    let engine: GuidelineEngine
    let builder: CarePlanBuilder
    /// How much of an NDJSON input is read at a time (``InputPieces``).
    public var chunkBytes = InputPieces.defaultChunkBytes
    /// How many patients pipe mode evaluates at a time, on as many threads (`--jobs`). The
    /// output is the same bytes with any number.
    public var jobs = 1
    /// The largest piece of NDJSON read when pieces are parsed on several threads.
    static let parallelChunkBytes = 1 << 20

    public init(options: EvaluationOptions) throws(IngestError) {
        self.options = options
        let evaluator = try Evaluator(options: options)
        engine = evaluator.engine
        builder = evaluator.builder
    }

    public struct Outcome: Sendable {
        public var patients = 0
        public var carePlans = 0
        /// Patients deceased on the evaluation date: not evaluated, no CarePlan.
        public var deceased = 0
        /// Patients whose record is not whole (a rejected record names them, or an identity
        /// conflict): no CarePlan for them (DESIGN "Incomplete patients").
        public var incomplete = 0
        /// Pairs of patient records kept apart because sex or birth date conflict.
        public var conflicts = 0
        public var counts = ReadCounts()
        public var diagnostics: [Diagnostic] = []
        /// Errors already written out as they were found (``Pipeline/runOnePatientPerLine``),
        /// not kept in `diagnostics`.
        public var streamedErrors = 0
        /// Input bytes read when pipe mode moved what it read to a temporary database
        /// (``SpillPolicy``); nil when everything was held in memory.
        public var spilledAfter: Int? = nil
        /// 0 when every input was read; 65 when some input or record was rejected, or a patient is
        /// incomplete (he gets no CarePlan).
        public var exitCode: Int32 {
            streamedErrors > 0 || diagnostics.contains { $0.severity == .error } || incomplete > 0 ? 65 : 0
        }
    }

    /// What reading every input gave: the records, and the warnings and conflicts of assembling them.
    public struct Collected: Sendable {
        public var records: [PatientRecord]
        public var collector: RecordCollector
        public var assemblyDiagnostics: [Diagnostic]
        public var conflicts: Int
        /// Where the rows went once there were too many to hold (`records` is then empty: they
        /// are assembled group by group from it), and after how many input bytes.
        public var spill: (any PatientSpill)? = nil
        public var spilledAfter = 0
    }

    /// Reads every input into one set of records. `-` is stdin. NDJSON is read in pieces of
    /// whole lines (``InputPieces``): no input is held whole, only what was read from it. With a
    /// `spill`, what was read moves there once more than `spill.above` input bytes were read,
    /// and everything after goes there too: the records are then not assembled here.
    public func collect(_ inputs: [String], spill policy: SpillPolicy? = nil) throws(IngestError) -> Collected {
        var collector = RecordCollector(mappings: engine.mappings, identity: engine.mappings.identityRules,
                                        limits: options.limits)
        let readers = collector.readers
        var spill: (any PatientSpill)?
        var read = 0
        var spilledAt = 0
        func take(_ extract: SourceExtract, bytes: Int) throws(IngestError) {
            read += bytes
            if let spill {
                collector.account(extract)
                try spill.stage(extract)
                return
            }
            collector.add(extract)
            if let policy, read > policy.above {
                let opened = try policy.open(engine.mappings.identityRules)
                try opened.stage(collector.takeRows())
                spill = opened
                spilledAt = read
            }
        }
        // With several jobs, pieces are parsed `jobs` at a time on other threads while reading
        // goes on, and what they give is taken here in input order; pieces of at most 1 MiB
        // then, so that even a small input keeps every thread busy.
        var ahead = ReadAhead<(SourceExtract, Int)>(depth: jobs > 1 ? jobs : 0)
        defer { ahead.abandon() }
        let chunkBytes = jobs > 1 ? min(chunkBytes, Self.parallelChunkBytes) : chunkBytes
        let takeParsed = { (parsed: (SourceExtract, Int)) throws(IngestError) in try take(parsed.0, bytes: parsed.1) }
        for input in inputs {
            let file = input == "-" ? "-" : input
            try InputPieces.read(input, file: file, chunkBytes: chunkBytes, readers: readers) { piece throws(IngestError) in
                switch piece {
                case .whole(let bytes):
                    if input == "-" && bytes.isEmpty && inputs.count == 1 {
                        throw IngestError(.noInput, "no input on standard input (pipe a FHIR bundle in, or name files)")
                    }
                    try ahead.add({ (RecordCollector.extract(bytes, file: file, readers: readers), bytes.count) },
                                  consume: takeParsed)
                case .lines(let run, let firstLine):
                    try ahead.add({ (run.withUnsafeBufferPointer { readers.fhir.readLines($0, file: file, firstLine: firstLine) },
                                     run.count) }, consume: takeParsed)
                case .rejected(let extract):
                    try ahead.add({ (extract, 0) }, consume: takeParsed)
                }
            }
        }
        try ahead.finish(consume: takeParsed)
        if let spill { return Collected(records: [], collector: collector, assemblyDiagnostics: [], conflicts: 0, spill: spill, spilledAfter: spilledAt) }
        let assembled = collector.assemble()
        return Collected(records: assembled.records, collector: collector, assemblyDiagnostics: assembled.diagnostics,
                         conflicts: assembled.conflicts)
    }

    /// Evaluates every patient: one CarePlan per in-scope patient, as its bytes in `style`. An
    /// incomplete patient gets none (DESIGN "Incomplete patients").
    public func carePlans(_ records: [PatientRecord], style: JSONWriter.Style = .compact)
        -> (plans: [[UInt8]], deceased: Int, incomplete: Int) {
        var plans: [[UInt8]] = []
        var deceased = 0
        var incomplete = 0
        for record in records {
            let r = carePlans(of: record)
            if r.deceased { deceased += 1 }
            if r.incomplete { incomplete += 1 }
            plans += r.plans.compactMap { builder.carePlan($0, style: style) }
        }
        return (plans, deceased, incomplete)
    }

    /// The evaluations of one patient that make a CarePlan, one per guideline that recommends
    /// something, in guideline order; none when his record is incomplete.
    func carePlans(of record: PatientRecord) -> (plans: [Evaluation], deceased: Bool, incomplete: Bool) {
        let evaluations = engine.evaluate(record, asOf: options.asOf)
        let deceased = evaluations.first?.deceased == true
        if !record.incomplete.isEmpty { return ([], deceased, true) }
        return (evaluations.filter { !$0.fired.isEmpty }, deceased, false)
    }

    /// One resource per line, from the resources' bytes.
    public static func ndjson(_ resources: [[UInt8]]) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(resources.reduce(0) { $0 + $1.count + 1 })
        for r in resources { bytes += r; bytes.append(0x0A) }
        return bytes
    }

    /// How pipe mode writes its CarePlans.
    public enum OutputShape: String, Sendable, CaseIterable {
        /// One CarePlan per line.
        case ndjson
        /// One FHIR `transaction` Bundle that PUTs each CarePlan (``TransactionBundle``).
        case transaction
    }

    /// Pipe mode's default: everything read, grouped by patient, CarePlans in patient order.
    /// With a `spill`, more than `spill.above` bytes of input are staged there and evaluated
    /// group by group (``runSpilled``): the same bytes out, in memory bounded by the largest patient.
    public func runPipe(inputs: [String], pretty: Bool, shape: OutputShape = .ndjson, output: Int32 = 1,
                        spill policy: SpillPolicy? = nil) throws(IngestError) -> Outcome {
        let c = try collect(inputs, spill: policy)
        if let spill = c.spill { return try runSpilled(c, spill: spill, pretty: pretty, shape: shape, output: output) }
        // Records come sorted by key: each patient's CarePlans are written as they are made,
        // `jobs` patients evaluated at a time.
        var out = CarePlanOutput(fd: output, shape: shape, style: pretty ? .pretty : .compact, builder: builder)
        var outcome = Outcome()
        let records = c.records
        let framing = out.framing
        try OrderedWork.forEach(count: records.count, jobs: jobs, window: 4 * jobs, work: { i in
            let r = carePlans(of: records[i])
            return (r.deceased, r.incomplete, r.plans.map(framing.piece))
        }, consume: { (_, r: (deceased: Bool, incomplete: Bool, pieces: [[UInt8]?])) throws(IngestError) in
            if r.deceased { outcome.deceased += 1 }
            if r.incomplete { outcome.incomplete += 1 }
            for piece in r.pieces {
                if let piece { try out.append(piece) }
                outcome.carePlans += 1
            }
        })
        try out.finish()
        outcome.patients = c.records.count
        outcome.conflicts = c.conflicts
        outcome.counts = c.collector.counts
        outcome.diagnostics = c.collector.diagnostics + c.assemblyDiagnostics + Self.incompleteDiagnostics(c.records)
        return outcome
    }

    /// One error line per incomplete patient, worded without patient data: why he gets no CarePlan.
    static func incompleteDiagnostics(_ records: [PatientRecord]) -> [Diagnostic] {
        records.compactMap { r in
            guard let first = r.incomplete.first else { return nil }
            let more = r.incomplete.count > 1 ? " (and \(r.incomplete.count - 1) more)" : ""
            return Diagnostic(kind: "incomplete-patient", severity: .error, file: r.sources.first?.file ?? "-",
                              message: "no CarePlan for a patient of this input: \(first)\(more).")
        }
    }

    public func runExplain(inputs: [String], output: Int32 = 1) throws(IngestError) -> Outcome {
        let c = try collect(inputs)
        let records = c.records
        let renderer = ExplainRenderer(engine: engine)
        var outcome = Outcome()
        var text = ""
        var count = 0
        for (i, record) in records.enumerated() {
            if i > 0 { text += "\n" + String(repeating: "─", count: 72) + "\n\n" }
            let evaluations = engine.evaluate(record, asOf: options.asOf)
            text += renderer.render(evaluations)
            if record.incomplete.isEmpty { count += evaluations.filter { !$0.fired.isEmpty }.count }
            if evaluations.first?.deceased == true { outcome.deceased += 1 }
            if !record.incomplete.isEmpty { outcome.incomplete += 1 }
        }
        if records.isEmpty { text = "No patient found in the input.\n" }
        try FileIO.write(fd: output, Array(text.utf8))
        outcome.patients = records.count
        outcome.carePlans = count
        outcome.conflicts = c.conflicts
        outcome.counts = c.collector.counts
        outcome.diagnostics = c.collector.diagnostics + c.assemblyDiagnostics
        return outcome
    }

    /// The definitions Bundle (`ingest definitions`): everything a CarePlan names, under this
    /// run's canonical base.
    public func definitions(style: JSONWriter.Style) -> [UInt8] {
        JSONWriter.serialize(DefinitionsBuilder(builder: builder).bundle(), style: style) + [0x0A]
    }

    public func writeDefinitions(pretty: Bool, output: Int32 = 1) throws(IngestError) {
        try FileIO.write(fd: output, definitions(style: pretty ? .pretty : .compact))
    }

    /// One line of accounting for stderr: what was read, skipped and rejected.
    public static func summary(_ o: Outcome) -> String {
        let c = o.counts
        let resources = c.resourcesByType.values.reduce(0, +)
        let skipped = c.skippedByType.values.reduce(0, +)
        let rejected = c.rejectedByReason.values.reduce(0, +)
        let badRecords = c.rejectedRecords.values.reduce(0, +)
        var s = "ingest: \(c.records) record\(c.records == 1 ? "" : "s"), \(resources) resource\(resources == 1 ? "" : "s"): "
        s += "\(skipped) skipped (types not used)"
        if rejected > 0 {
            let reasons = c.rejectedByReason.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }
            s += ", \(rejected) rejected (\(reasons.joined(separator: "; ")))"
        }
        if badRecords > 0 {
            s += ", \(badRecords) record\(badRecords == 1 ? "" : "s") rejected ("
                + c.rejectedRecords.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: "; ") + ")"
        }
        let nonResources = c.skippedNonResources.values.reduce(0, +)
        if nonResources > 0 { s += ", \(nonResources) non-resource object\(nonResources == 1 ? "" : "s") skipped" }
        if c.entriesWithoutResource > 0 { s += ", \(c.entriesWithoutResource) entr\(c.entriesWithoutResource == 1 ? "y" : "ies") without a resource" }
        s += "; \(o.patients) patient\(o.patients == 1 ? "" : "s"), \(o.carePlans) CarePlan\(o.carePlans == 1 ? "" : "s")"
        if o.deceased > 0 { s += ", \(o.deceased) deceased (not evaluated)" }
        if o.incomplete > 0 { s += ", \(o.incomplete) incomplete (no CarePlan tonight)" }
        if o.conflicts > 0 { s += ", \(o.conflicts) identity conflict\(o.conflicts == 1 ? "" : "s") (records kept apart)" }
        let unread = o.diagnostics.filter { $0.kind == "cda-section-unread" || $0.kind == "cda-entry-unread" }.count
        if unread > 0 { s += ", \(unread) section\(unread == 1 ? "" : "s") with entries that could not be read" }
        if let spilled = o.spilledAfter {
            s += "; held on disk (a temporary database) after \((spilled + (1 << 20) - 1) >> 20) MiB of input (--spill-above)"
        }
        return s
    }
}
