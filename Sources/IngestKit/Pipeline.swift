public import ClinicalModel
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
        public var counts = ReadCounts()
        public var diagnostics: [Diagnostic] = []
        /// 0 when every input was read; 65 when some input or record was rejected.
        public var exitCode: Int32 { diagnostics.contains { $0.severity == .error } ? 65 : 0 }
    }

    /// Reads every input into one set of records. `-` is stdin.
    public func collect(_ inputs: [String]) throws(IngestError) -> (records: [PatientRecord], collector: RecordCollector) {
        var collector = RecordCollector(codeSystems: engine.mappings.codeSystems)
        for input in inputs {
            let bytes = try FileIO.read(input)
            if input == "-" && bytes.isEmpty && inputs.count == 1 {
                throw IngestError(.noInput, "no input on standard input (pipe a FHIR bundle in, or name files)")
            }
            collector.add(bytes, file: input == "-" ? "-" : input)
        }
        return (collector.records(), collector)
    }

    /// Evaluates every patient and returns one CarePlan line per in-scope patient.
    public func carePlans(_ records: [PatientRecord], style: JSONWriter.Style) -> (lines: [UInt8], count: Int, deceased: Int) {
        var out: [UInt8] = []
        var count = 0
        var deceased = 0
        for record in records {
            let evaluation = engine.evaluate(record, asOf: options.asOf)
            if evaluation.deceased { deceased += 1 }
            guard let plan = builder.carePlan(evaluation) else { continue }
            out += JSONWriter.serialize(plan, style: style)
            out.append(0x0A)
            count += 1
        }
        return (out, count, deceased)
    }

    public func runPipe(inputs: [String], pretty: Bool, output: Int32 = 1) throws(IngestError) -> Outcome {
        let (records, collector) = try collect(inputs)
        let (bytes, count, deceased) = carePlans(records, style: pretty ? .pretty : .compact)
        try FileIO.write(fd: output, bytes)
        var outcome = Outcome()
        outcome.patients = records.count
        outcome.carePlans = count
        outcome.deceased = deceased
        outcome.counts = collector.counts
        outcome.diagnostics = collector.diagnostics
        return outcome
    }

    public func runExplain(inputs: [String], output: Int32 = 1) throws(IngestError) -> Outcome {
        let (records, collector) = try collect(inputs)
        let renderer = ExplainRenderer(engine: engine)
        var outcome = Outcome()
        var text = ""
        var count = 0
        for (i, record) in records.enumerated() {
            if i > 0 { text += "\n" + String(repeating: "─", count: 72) + "\n\n" }
            let evaluation = engine.evaluate(record, asOf: options.asOf)
            text += renderer.render(evaluation)
            if !evaluation.fired.isEmpty { count += 1 }
            if evaluation.deceased { outcome.deceased += 1 }
        }
        if records.isEmpty { text = "No patient found in the input.\n" }
        try FileIO.write(fd: output, Array(text.utf8))
        outcome.patients = records.count
        outcome.carePlans = count
        outcome.counts = collector.counts
        outcome.diagnostics = collector.diagnostics
        return outcome
    }

    /// One line of accounting for stderr: what was read, skipped and rejected.
    public static func summary(_ o: Outcome) -> String {
        let c = o.counts
        let resources = c.resourcesByType.values.reduce(0, +)
        let skipped = c.skippedByType.values.reduce(0, +)
        let rejected = c.rejectedByReason.values.reduce(0, +)
        let badRecords = c.rejectedRecords.values.reduce(0, +)
        var s = "ingest: \(c.records) record\(c.records == 1 ? "" : "s"), \(resources) resources: "
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
        if c.entriesWithoutResource > 0 { s += ", \(c.entriesWithoutResource) entries without a resource" }
        s += "; \(o.patients) patient\(o.patients == 1 ? "" : "s"), \(o.carePlans) CarePlan\(o.carePlans == 1 ? "" : "s")"
        if o.deceased > 0 { s += ", \(o.deceased) deceased (not evaluated)" }
        let unread = o.diagnostics.filter { $0.kind == "cda-section-unread" }.count
        if unread > 0 { s += ", \(unread) section\(unread == 1 ? "" : "s") with entries none could be read" }
        return s
    }
}
