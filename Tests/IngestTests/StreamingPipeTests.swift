import ClinicalModel
import Foundation
import IngestKit
import Testing
import TestSupport

/// Pipe mode reads NDJSON in pieces, and `--one-patient-per-line` evaluates each line as it is
/// read (issue 11). What a user checks: the same CarePlans as reading everything first, a patient
/// on two lines never gets two CarePlans, and nothing depends on where a chunk ends.
@Suite(.serialized) struct StreamingPipeTests {
    /// Every scenario bundle that gives a CarePlan, each compacted onto one line: a
    /// bundle-per-line export of many patients.
    static func scenarioLines() throws -> [String] {
        var lines: [String] = []
        let root = TestSupport.packageRoot.appendingPathComponent("Fixtures/scenarios").path
        for name in try FileManager.default.contentsOfDirectory(atPath: root).sorted() {
            let dir = root + "/" + name
            guard let plans = FileManager.default.contents(atPath: dir + "/careplans.ndjson"), !plans.isEmpty,
                  let input = FileManager.default.contents(atPath: dir + "/input.json") else { continue }
            let object = try JSONSerialization.jsonObject(with: input)
            let compact = try JSONSerialization.data(withJSONObject: object)
            lines.append(String(decoding: compact, as: UTF8.self))
        }
        return lines
    }

    static func temp(_ name: String, _ text: String) throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ingest-streaming-tests")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let path = dir.appendingPathComponent(name).path
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test func onePatientPerLineGivesTheCarePlansOfReadingEverythingFirst() throws {
        let lines = try Self.scenarioLines()
        #expect(lines.count > 30)
        let file = try Self.temp("export.ndjson", lines.joined(separator: "\n") + "\n")
        let grouped = try TestSupport.runIngest(["--as-of", "2026-11-27", file])
        let streamed = try TestSupport.runIngest(["--as-of", "2026-11-27", "--one-patient-per-line", "-"],
                                                 stdin: Array(lines.joined(separator: "\n").utf8))
        #expect(grouped.status == streamed.status, "\(streamed.stderr)")
        let a = grouped.stdout.split(separator: "\n").sorted()
        let b = streamed.stdout.split(separator: "\n").sorted()
        #expect(a.count >= lines.count)
        #expect(a == b)
        TestSupport.sinkCarePlans(streamed.stdout, name: "streaming-one-patient-per-line")
    }

    @Test func aPatientOnTwoLinesIsAnErrorNeverASecondCarePlan() throws {
        let bundle = CommandLineTests.mcrpcBundle.replacingOccurrences(of: "\n", with: "")
        let other = #"{"resourceType": "Patient", "id": "p2", "gender": "male"}"#
        let r = try TestSupport.runIngest(["--as-of", "2026-11-27", "--one-patient-per-line", "-"],
                                          stdin: Array([bundle, other, bundle].joined(separator: "\n").utf8))
        #expect(r.status == 65)
        #expect(r.stdout.split(separator: "\n").count == 1)
        #expect(r.stderr.contains("-:3: error:") && r.stderr.contains("already read at -:1"), "\(r.stderr)")
        #expect(!r.stderr.contains("Secretname") && !r.stderr.contains("MRN-778899"))
    }

    @Test func aBundleCannotStream() throws {
        let r = try TestSupport.runIngest(["--one-patient-per-line", "--bundle", "transaction", "-"], stdin: [])
        #expect(r.status == 64)
        #expect(r.stderr.contains("cannot stream"))
    }

    /// Chunks of a few bytes put a chunk boundary inside every line, a BOM, blank lines and a
    /// last line without its newline: the result must not change at all.
    @Test func whereAChunkEndsChangesNothing() throws {
        let lines = try Self.scenarioLines().prefix(6)
        let text = "\u{FEFF}" + lines.joined(separator: "\n\n") + "\n{\"resourceType\": \"Patient\", broken}\n" + lines.first!
        let file = try Self.temp("chunks.ndjson", text)
        let options = EvaluationOptions(asOf: try #require(EvaluationOptions.parseDate("2026-11-27")))
        var whole = try Pipeline(options: options)
        whole.chunkBytes = 1 << 30
        let reference = try whole.collect([file])
        // With several jobs, pieces are parsed on other threads and taken back in order.
        for size in [1, 7, 4096] {  // 1: every line is cut at every byte
            for jobs in [1, 3] {
                var pipeline = try Pipeline(options: options)
                pipeline.chunkBytes = size
                pipeline.jobs = jobs
                let c = try pipeline.collect([file, file])
                let twice = try whole.collect([file, file])
                #expect(c.records == twice.records, "chunk \(size), jobs \(jobs)")
                #expect(c.collector.diagnostics.map(\.description) == twice.collector.diagnostics.map(\.description),
                        "chunk \(size), jobs \(jobs)")
                #expect(c.collector.counts.records == 2 * reference.collector.counts.records, "chunk \(size), jobs \(jobs)")
                #expect(c.collector.counts.resourcesByType == twice.collector.counts.resourcesByType, "chunk \(size), jobs \(jobs)")
            }
        }
        #expect(reference.collector.diagnostics.contains { $0.line == 2 * lines.count && $0.severity == .error })
    }
}
