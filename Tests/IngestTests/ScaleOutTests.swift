import Foundation
import Testing
import TestSupport

/// What running `ingest` beyond one machine needs (issue 13): 0-based shards, `ingest keys`,
/// grouped pipe input, `--allow-empty`, and `ingest merge` of shard outputs.
@Suite(.serialized) struct ScaleOutTests {
    static let asOf = ["--as-of", "2026-11-27"]

    static func temp(_ name: String) throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ingest-scaleout-tests/\(name)-\(getpid())").path
        try? FileManager.default.removeItem(atPath: dir)
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    static func write(_ text: String, _ path: String) throws -> String {
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    static func read(_ path: String) -> String { (try? String(contentsOfFile: path, encoding: .utf8)) ?? "" }

    /// The scenario inputs, plus the shared corpus's bulk export when present.
    static var batchInputs: [String] {
        var inputs = TestSupport.files(under: TestSupport.path("Fixtures/scenarios"), suffix: "").filter {
            ($0 as NSString).lastPathComponent.hasPrefix("input.")
        }.sorted()
        if let corpus = TestSupport.corpusRoot { inputs.append(corpus + "/bulk-ndjson") }
        return inputs
    }

    @Test func shardIndexIsZeroBasedAndValidated() throws {
        let dir = try Self.temp("shard-index")
        let input = Self.batchInputs.first!
        for bad in [["--shard", "1/2", "--shard-index", "0", "--shard-count", "2"], ["--shard-index", "2", "--shard-count", "2"],
                    ["--shard-index", "0"], ["--shard-count", "2"], ["--shard-index", "-1", "--shard-count", "2"],
                    ["--shard-index", "0", "--shard-count", "0"]] {
            let r = try TestSupport.runIngest(["batch", input, "--out", dir + "/bad", "--quiet"] + Self.asOf + bad)
            #expect(r.status == 64, "\(bad): \(r.stderr)")
        }
        #expect(!FileManager.default.fileExists(atPath: dir + "/bad/careplans.ndjson"))
        let a = try TestSupport.runIngest(["batch"] + Self.batchInputs + ["--out", dir + "/a", "--quiet", "--shard-index", "1", "--shard-count", "3"] + Self.asOf)
        let b = try TestSupport.runIngest(["batch"] + Self.batchInputs + ["--out", dir + "/b", "--quiet", "--shard", "2/3"] + Self.asOf)
        #expect(a.status == 0 && b.status == 0, "\(a.stderr) \(b.stderr)")
        #expect(Self.read(dir + "/a/careplans.ndjson") == Self.read(dir + "/b/careplans.ndjson"))
        #expect(Self.read(dir + "/a/report.json").contains("\"shard\": \"2/3\""))
    }

    @Test func keysAreTheLinkersAndPlaceholdersNeverLink() throws {
        let dir = try Self.temp("keys")
        let bundle = try Self.write(CommandLineTests.mcrpcBundle, dir + "/b.json")
        let ndjson = try Self.write("""
            {"resourceType": "Patient", "id": "p2", "identifier": [{"system": "http://ssa.gov/ssn", "value": "000-00-0000"}, {"system": "http://h.example/mrn", "value": "M2"}]}
            {"resourceType": "Condition", "id": "c9", "subject": {"reference": "Patient/p2"}, "code": {"text": "x"}}
            {"resourceType": "Condition", "id": "c10", "subject": {"reference": "Patient/p2"}, "code": {"text": Secretname}}
            """, dir + "/e.ndjson")
        let r = try TestSupport.runIngest(["keys", bundle, ndjson])
        // The third NDJSON line is not JSON: reported with its place (never its content), exit 65, but still a line.
        #expect(r.status == 65)
        #expect(r.stderr.contains("e.ndjson:3:"), "\(r.stderr)")
        #expect(!r.stderr.contains("Secretname"))
        let lines = r.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 4)
        let keys = lines.map { String($0.split(separator: "\t")[0]) }
        #expect(keys[0] == #"["i:http://hospital.example/mrn|MRN-778899","k:Patient/p1","k:http://x.org/fhir/Patient/p1"]"#)
        #expect(keys[1] == #"["i:http://h.example/mrn|M2","k:Patient/p2"]"#)
        #expect(keys[2] == #"["k:Patient/p2"]"#)
        #expect(keys[3] == #"["k:Patient/p2"]"#)
        #expect(lines[2].hasSuffix(#"{"file":"\#(ndjson)","line":2}"#))
        // Record lines without keys get them (--lines), the same.
        let bare = lines.map { $0.split(separator: "\t").dropFirst().joined(separator: "\t") }.joined(separator: "\n") + "\n"
        let again = try TestSupport.runIngest(["keys", "--lines"], stdin: Array(bare.utf8))
        #expect(again.stdout == r.stdout)
    }

    @Test func groupedInputIsLinkedGroupByGroupAsTheWholeInputWouldBe() throws {
        let dir = try Self.temp("grouped")
        let scenarios = Self.batchInputs.filter { $0.contains("/scenarios/") }.prefix(6)
        var grouped = ""
        for s in scenarios {
            let k = try TestSupport.runIngest(["keys", s])
            grouped += k.stdout + "\n"
        }
        let r = try TestSupport.runIngest(["--grouped"] + Self.asOf, stdin: Array(grouped.utf8))
        let whole = try TestSupport.runIngest(Self.asOf + Array(scenarios))
        #expect(r.stdout.split(separator: "\n").sorted() == whole.stdout.split(separator: "\n").sorted())
        #expect(!r.stdout.isEmpty)
        // One group holding every record: split where the linker splits, same CarePlans.
        let one = grouped.split(separator: "\n").joined(separator: "\n") + "\n"
        let r1 = try TestSupport.runIngest(["--grouped"] + Self.asOf, stdin: Array(one.utf8))
        #expect(r1.stdout.split(separator: "\n").sorted() == whole.stdout.split(separator: "\n").sorted())
        _ = dir
    }

    @Test func allowEmptyExitsZeroOnEmptyInput() throws {
        for args in [["--grouped", "--allow-empty"], ["--allow-empty"]] {
            let r = try TestSupport.runIngest(args + Self.asOf, stdin: [])
            #expect(r.status == 0 && r.stdout.isEmpty, "\(args): \(r.stderr)")
        }
        let blank = try TestSupport.runIngest(["--grouped", "--allow-empty"] + Self.asOf, stdin: Array("\n\n".utf8))
        #expect(blank.status == 0 && blank.stdout.isEmpty)
        #expect(try TestSupport.runIngest(["--grouped"] + Self.asOf, stdin: []).status == 66)
        #expect(try TestSupport.runIngest(Self.asOf, stdin: []).status == 66)
        let bad = try TestSupport.runIngest(["--grouped", "--allow-empty"] + Self.asOf, stdin: Array("not a record line\n".utf8))
        #expect(bad.status == 65)
        #expect(bad.stderr.contains("-:1:"))
    }

    /// Shards 0..N-1 merged are the unsharded run: CarePlans and changes byte for byte,
    /// report.json equal but for its timings (and the throughput computed from them).
    @Test func mergedShardsAreTheUnshardedRun() throws {
        let dir = try Self.temp("merge")
        let inputs = Self.batchInputs
        let whole = try TestSupport.runIngest(["batch"] + inputs + ["--out", dir + "/whole", "--quiet"] + Self.asOf)
        #expect(whole.status == 0 || whole.status == 2, "\(whole.stderr)")
        var shards: [String] = []
        for k in 0..<3 {
            let out = dir + "/shard-\(k)"
            let r = try TestSupport.runIngest(["batch"] + inputs + ["--out", out, "--quiet", "--shard-index", "\(k)", "--shard-count", "3"] + Self.asOf)
            #expect(r.status == whole.status, "\(r.stderr)")
            shards.append(out)
        }
        // Not every shard: refused, nothing written.
        let partial = try TestSupport.runIngest(["merge", shards[0], shards[2], "--out", dir + "/partial"])
        #expect(partial.status == 65)
        #expect(partial.stderr.contains("2/3"))
        #expect(!FileManager.default.fileExists(atPath: dir + "/partial/careplans.ndjson"))
        let twice = try TestSupport.runIngest(["merge", shards[0], shards[1], shards[1], "--out", dir + "/twice"])
        #expect(twice.status == 65)
        let wrongDate = try TestSupport.runIngest(["merge"] + shards + ["--out", dir + "/date", "--as-of", "2026-11-28"])
        #expect(wrongDate.status != 0)

        let m = try TestSupport.runIngest(["merge"] + shards.reversed() + ["--out", dir + "/merged"])
        #expect(m.status == 0, "\(m.stderr)")
        for name in ["careplans.ndjson", "changes.ndjson"] {
            let a = Self.read(dir + "/whole/" + name), b = Self.read(dir + "/merged/" + name)
            #expect(!a.isEmpty)
            #expect(a == b, "\(name) differs")
        }
        func withoutTimings(_ path: String) -> String {
            Self.read(path).split(separator: "\n").filter { !$0.contains("Seconds\"") && !$0.contains("PerSecond\"") }.joined(separator: "\n")
        }
        #expect(withoutTimings(dir + "/whole/report.json") == withoutTimings(dir + "/merged/report.json"))
        #expect(Self.read(dir + "/merged/report.html").contains("<!DOCTYPE html>"))
        let quarantined = (try? FileManager.default.contentsOfDirectory(atPath: dir + "/whole/quarantine"))?.sorted()
        #expect((try? FileManager.default.contentsOfDirectory(atPath: dir + "/merged/quarantine"))?.sorted() == quarantined)
        TestSupport.sinkCarePlans(Self.read(dir + "/merged/careplans.ndjson"), name: "merged-shards")
    }
}
