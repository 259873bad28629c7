import Batch
import ClinicalModel
import Foundation
import IngestKit
import Testing
import TestSupport

#if canImport(Glibc)
@preconcurrency import Glibc
#endif

/// Pipe mode moves what it read to a temporary database once it has read more than
/// `--spill-above`, and evaluates it patient group by patient group from there (issue 11:
/// memory bounded by the largest patient). What a user checks: the same bytes on stdout, the
/// same messages and exit status, whether it spilled from the start, part-way or never.
@Suite(.serialized) struct SpilledPipeTests {
    static let asOf = ["--as-of", "2026-06-01"]

    /// Every input file of a fixture folder (or the shared corpus), in name order.
    static func inputs(_ set: String) throws -> [String] {
        let root = set == "corpus" ? try #require(TestSupport.corpusRoot) : TestSupport.path(set)
        let files = ["json", "ndjson", "xml", "gz"].flatMap { TestSupport.files(under: root, suffix: "." + $0) }.sorted()
        #expect(!files.isEmpty, "no inputs under \(root)")
        return files
    }

    /// stderr without the summary's note that the run spilled: everything else must match.
    static func withoutSpillNote(_ stderr: String) -> String {
        stderr.replacingOccurrences(of: #"; held on disk \(a temporary database\) after [0-9]+ MiB of input \(--spill-above\)"#,
                                    with: "", options: .regularExpression)
    }

    /// Held on one thread against spilled on three: the same bytes.
    static func expectSame(_ arguments: [String], spillAbove: String, _ comment: String) throws -> TestSupport.RunResult {
        let held = try TestSupport.runIngest(asOf + ["--summary", "--jobs", "1", "--spill-above", "1T"] + arguments)
        let spilled = try TestSupport.runIngest(asOf + ["--summary", "--jobs", "3", "--spill-above", spillAbove] + arguments)
        #expect(!held.stderr.contains("held on disk"), "\(comment)")
        #expect(spilled.stderr.contains("held on disk (a temporary database)"), "\(comment): \(spilled.stderr.suffix(300))")
        #expect(spilled.status == held.status, "\(comment)")
        #expect(spilled.stdout == held.stdout, "\(comment): \(spilled.stdout.count) bytes spilled, \(held.stdout.count) held")
        #expect(withoutSpillNote(spilled.stderr) == held.stderr, "\(comment)")
        return held
    }

    /// Spilled from the first byte: every record goes through the temporary database.
    @Test(arguments: ["Fixtures/scenarios", "Fixtures/safety", "Fixtures/twins", "Fixtures/bad-records", "Fixtures/scale-out", "corpus"])
    func spillingFromTheStartGivesTheSameBytes(set: String) throws {
        let held = try Self.expectSame(try Self.inputs(set), spillAbove: "0", set)
        if ["Fixtures/scenarios", "Fixtures/safety", "Fixtures/twins"].contains(set) {
            #expect(held.stdout.split(separator: "\n").count > 5, "a comparison of nothing proves nothing")
        }
    }

    /// Spilled part-way: what was held moves to the database (Medications first defined there
    /// included), the rest is staged as read; as a transaction Bundle and indented too.
    @Test(arguments: [[], ["--pretty"], ["--bundle", "transaction"], ["--bundle", "transaction", "--pretty"]])
    func spillingPartWayGivesTheSameBytes(shape: [String]) throws {
        let files = try Self.inputs("Fixtures/scenarios") + Self.inputs("corpus")
        _ = try Self.expectSame(shape + files, spillAbove: "1M", "part-way \(shape)")
    }

    /// A patient over `--max-patient-statements` gets no CarePlan, spilled or not; counted per
    /// patient once duplicates are merged (every input given twice: twice the rows, the same
    /// statements), and per patient of twins kept apart.
    @Test func aPatientOverTheStatementLimitIsIncompleteEitherWay() throws {
        let scenarios = try Self.inputs("Fixtures/scenarios")
        let held = try Self.expectSame(["--max-patient-statements", "10"] + scenarios + scenarios, spillAbove: "0", "over the limit")
        #expect(held.stderr.contains("more than the limit of 10"))
        _ = try Self.expectSame(["--max-patient-statements", "12"] + Self.inputs("Fixtures/twins"), spillAbove: "0", "twins")
    }

    /// Reading fails after the spill began, with writes still waiting: the run's error, no crash.
    @Test func anInputThatFailsAfterTheSpillBeganStopsTheRunCleanly() throws {
        let options = EvaluationOptions(asOf: try #require(EvaluationOptions.parseDate("2026-06-01")))
        let pipeline = try Pipeline(options: options)
        let inputs = try Self.inputs("Fixtures/scenarios") + ["/nonexistent/after-the-spill.json"]
        let error = #expect(throws: IngestError.self) {
            _ = try pipeline.runPipe(inputs: inputs, pretty: false, output: -1, spill: TemporarySpill.policy(above: 0, rowsPerSlice: 3))
        }
        #expect(error?.kind == .noInput)
    }

    /// NDJSON read in pieces of a few kilobytes (a piece boundary inside most lines), spilled
    /// after the first pieces: the records and CarePlans of reading it whole, held.
    @Test func chunkedNDJSONSpilledGivesTheSameCarePlans() throws {
        let lines = try StreamingPipeTests.scenarioLines()
        let file = try StreamingPipeTests.temp("spilled.ndjson", lines.joined(separator: "\n") + "\n")
        let options = EvaluationOptions(asOf: try #require(EvaluationOptions.parseDate("2026-06-01")))
        func run(_ chunkBytes: Int, spill: SpillPolicy?) throws -> (out: [UInt8], outcome: Pipeline.Outcome) {
            var pipeline = try Pipeline(options: options)
            pipeline.chunkBytes = chunkBytes
            let path = FileManager.default.temporaryDirectory.appendingPathComponent("ingest-spill-\(getpid()).out").path
            let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
            defer { unlink(path) }
            let outcome = try pipeline.runPipe(inputs: [file], pretty: false, output: fd, spill: spill)
            close(fd)
            return (try TestSupport.bytes(path), outcome)
        }
        let held = try run(1 << 30, spill: nil)
        // Seven rows a slice: every extract is inserted in many transactions.
        let spilled = try run(4096, spill: TemporarySpill.policy(above: 20_000, rowsPerSlice: 7))
        #expect(held.outcome.spilledAfter == nil)
        #expect((spilled.outcome.spilledAfter ?? 0) > 20_000)
        #expect(held.out.count > 10_000)
        #expect(spilled.out == held.out)
        #expect(spilled.outcome.patients == held.outcome.patients)
        #expect(spilled.outcome.carePlans == held.outcome.carePlans)
        #expect(spilled.outcome.counts == held.outcome.counts)
        #expect(spilled.outcome.diagnostics == held.outcome.diagnostics)
    }

    /// A spill that cannot take more (a full disk) stops the run with its message; nothing is
    /// written, since CarePlans are only written once every patient is evaluated.
    @Test func aFailingSpillStopsTheRunWithItsErrorAndWritesNothing() throws {
        final class FullDisk: PatientSpill, @unchecked Sendable {
            func stage(_ extract: SourceExtract) throws(IngestError) {
                throw IngestError(.io, "the temporary database failed (database or disk is full)")
            }
            func forEachGroup(_ body: (SpilledGroup) throws(IngestError) -> Void) throws(IngestError) {}
            func keep(_ pieces: [(key: String, output: [UInt8])]) throws(IngestError) {}
            func forEachOutput(_ body: ([UInt8]) throws(IngestError) -> Void) throws(IngestError) {}
        }
        let options = EvaluationOptions(asOf: try #require(EvaluationOptions.parseDate("2026-06-01")))
        let pipeline = try Pipeline(options: options)
        let policy = SpillPolicy(above: 0) { _ throws(IngestError) -> any PatientSpill in FullDisk() }
        let error = #expect(throws: IngestError.self) {
            _ = try pipeline.runPipe(inputs: try Self.inputs("Fixtures/twins"), pretty: false, output: -1, spill: policy)
        }
        #expect(error?.kind == .io)
        #expect(error?.message.contains("disk is full") == true)
    }

    @Test func spillAboveIsCheckedAndOnlyWhereItMeansSomething() throws {
        let bad = try TestSupport.runIngest(["--spill-above", "lots", "-"], stdin: [])
        #expect(bad.status == 64)
        #expect(bad.stderr.contains("--spill-above must be a number of bytes"))
        let streaming = try TestSupport.runIngest(["--spill-above", "1M", "--one-patient-per-line", "-"], stdin: [])
        #expect(streaming.status == 64)
        let help = try TestSupport.runIngest(["pipe", "--help"])
        #expect(help.stdout.contains("--spill-above"))
    }
}
