import Batch
import ClinicalModel
import Foundation
import IngestKit
import Testing
import TestSupport

/// Issue 8: one bad input never stops the night, never loses data; the quarantine holds exactly
/// what was rejected; outputs are published only with their ledger.
@Suite(.serialized) struct HardeningTests {
    static let asOf = Instant(year: 2026, month: 11, day: 27)

    static func temp(_ name: String) throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hardening-\(name)-\(getpid())").path
        try? FileManager.default.removeItem(atPath: dir)
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    static func write(_ text: String, to path: String) throws { try Data(text.utf8).write(to: URL(fileURLWithPath: path)) }
    static func bytes(_ path: String) -> [UInt8] { (try? TestSupport.bytes(path)) ?? Array("<missing>".utf8) }
    static func read(_ path: String) -> String { (try? String(contentsOfFile: path, encoding: .utf8)) ?? "<missing>" }

    static func options(_ inputs: [String], out: String) -> BatchOptions {
        BatchOptions(inputs: inputs, outDir: out, evaluation: EvaluationOptions(asOf: asOf), jobs: 2, quiet: true)
    }

    static func run(_ options: BatchOptions) throws -> BatchReport { try BatchRunner(options: options).run() }

    static func gzip(_ path: String) throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/gzip")
        p.arguments = ["-n", "-f", path]
        try p.run()
        p.waitUntilExit()
    }

    /// Every reason in `out/quarantine`, from the `.reason.json` files and the lines of the `.reasons.ndjson` files.
    static func reasons(_ out: String) -> [[String: Any]] {
        var all: [[String: Any]] = []
        for name in QuarantineFiles.all(out) {
            let text = read(out + "/quarantine/" + name)
            if name.hasSuffix(".reason.json") {
                if let o = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] { all.append(o) }
            } else if name.hasSuffix(".reasons.ndjson") {
                for line in text.split(separator: "\n") {
                    if let o = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] { all.append(o) }
                }
            }
        }
        return all
    }

    // MARK: 1. The quarantine holds the rejected lines, whatever the chunking

    /// 400 NDJSON lines, six of them broken — spread so that, read in chunks of 1.5 KB, they fall
    /// in different chunks, the last one ending the file without a newline.
    static func ndjsonWithBadLines() -> (text: String, bad: [Int], badBytes: [UInt8]) {
        let bad = [3, 97, 98, 211, 399, 400]
        var lines: [String] = []
        for i in 1...400 {
            if bad.contains(i) {
                lines.append(#"{"resourceType": "Condition", "id": "bad\#(i)", "subject": "#)
            } else {
                let pad = String(repeating: "x", count: i % 37)
                lines.append(#"{"resourceType": "Patient", "id": "p\#(i)", "gender": "male", "extension": [{"url": "urn:x:\#(pad)"}]}"#)
            }
        }
        let badBytes = Array(bad.map { lines[$0 - 1] }.joined(separator: "\n").utf8) + [0x0A]
        return (lines.joined(separator: "\n"), bad, badBytes)
    }

    @Test func quarantinedLinesAreTheRejectedLinesWhateverTheChunking() throws {
        let export = try Self.temp("chunk-export")
        let (text, bad, badBytes) = Self.ndjsonWithBadLines()
        try Self.write(text, to: export + "/Patient.ndjson")
        var results: [[UInt8]] = []
        for (name, large, chunk) in [("whole", 64 << 20, 16 << 20), ("chunked", 1_000, 1_500), ("tiny", 10, 200)] {
            let out = try Self.temp("chunk-out-\(name)")
            var options = Self.options([export], out: out)
            options.largeFileBytes = large
            options.chunkBytes = chunk
            let report = try Self.run(options)
            #expect(report.quarantinedRecords == bad.count, "\(name)")
            #expect(report.patients == 400 - bad.count, "\(name)")
            // One pair of files for the input, however many chunks it was read in.
            #expect(QuarantineFiles.all(out).count == 2, "\(name): \(QuarantineFiles.all(out))")
            let rejected = Self.bytes(QuarantineFiles.path(out, stem: "Patient", ext: ".ndjson", suffix: ".rejected.ndjson"))
            // The bytes of the broken lines themselves, in order (never a neighbour, never empty).
            #expect(rejected == badBytes, "\(name): \(String(decoding: rejected, as: UTF8.self))")
            let lines = Self.read(QuarantineFiles.path(out, stem: "Patient", ext: ".ndjson", suffix: ".reasons.ndjson")).split(separator: "\n")
            #expect(lines.map { l in bad.first { l.contains("\"line\":\($0),") } } == bad.map { Optional($0) }, "\(name)")
            results.append(rejected)
        }
        #expect(Set(results.map { $0 }).count == 1)
    }

    @Test func aLineLongerThanTheInputLimitIsRejectedAloneWhileTheRestIsStreamed() throws {
        let export = try Self.temp("longline-export")
        let out = try Self.temp("longline-out")
        let long = #"{"resourceType": "Patient", "id": "long", "extension": [{"url": "urn:x:"# + String(repeating: "y", count: 9_000) + #""}]}"#
        let text = [#"{"resourceType": "Patient", "id": "before"}"#, long, #"{"resourceType": "Patient", "id": "after"}"#]
            .joined(separator: "\n") + "\n"
        try Self.write(text, to: export + "/p.ndjson")
        var options = Self.options([export], out: out)
        options.limits.maxInputBytes = 4_096
        options.chunkBytes = 1_024
        let report = try Self.run(options)
        #expect(report.patients == 2)  // before and after
        #expect(report.quarantinedRecords == 1)
        #expect(report.errorsByKind["too-large"] == 1)
        let reasons = Self.read(QuarantineFiles.path(out, stem: "p", ext: ".ndjson", suffix: ".reasons.ndjson"))
        #expect(reasons.contains("\"line\":2") && reasons.contains("--max-input-bytes"), "\(reasons)")
        // The line too long to hold is not held: its place in rejected.ndjson is empty.
        #expect(Self.read(QuarantineFiles.path(out, stem: "p", ext: ".ndjson", suffix: ".rejected.ndjson")) == "\n")
    }

    // MARK: 2. Quarantine names

    @Test func quarantineNamesNeverCollideAndStayShort() throws {
        let export = try Self.temp("names-export")
        let out = try Self.temp("names-out")
        try FileManager.default.createDirectory(atPath: export + "/x", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: export + "/y", withIntermediateDirectories: true)
        let long = String(repeating: "n", count: 245) + ".json"
        let inputs = ["a.json": "{broken a", "a.json.reason.json": "{broken reason", "x/dup.json": "{broken x",
                      "y/dup.json": "{broken y", long: "{broken long"]
        for (name, text) in inputs { try Self.write(text, to: export + "/" + name) }
        let report = try Self.run(Self.options([export], out: out))
        #expect(report.quarantinedFiles == inputs.count)
        let names = QuarantineFiles.all(out)
        #expect(names.count == 2 * inputs.count, "\(names)")
        #expect(names.allSatisfy { $0.utf8.count <= 255 })
        // Each copy holds its own input, each reason names its own input.
        var copies: [String: String] = [:]
        for reason in Self.reasons(out) {
            let file = try #require(reason["file"] as? String)
            let copy = try #require(reason["copy"] as? String)
            copies[String(file.dropFirst(export.count + 1))] = Self.read(out + "/quarantine/" + copy)
        }
        #expect(copies == inputs)
        #expect(QuarantineFiles.find(out, stem: String(repeating: "n", count: 200), ext: ".json").count == 1)
    }

    // MARK: 4. Publish only with the ledger

    /// Every output of `out` (the ledger included), by name: what must not change when a run fails.
    static func snapshot(_ out: String) -> [String: [UInt8]] {
        var files: [String: [UInt8]] = [:]
        for name in ["careplans.ndjson", "changes.ndjson", "report.json", "report.html", "state.sqlite"] {
            files[name] = bytes(out + "/" + name)
        }
        for name in QuarantineFiles.all(out) { files["quarantine/" + name] = bytes(out + "/quarantine/" + name) }
        return files
    }

    static func leftovers(_ out: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: out)) ?? []).filter { $0.contains(".tmp") || $0.hasSuffix(".old") }
    }

    @Test func aFailingLedgerCommitPublishesNothing() throws {
        let export = try Self.temp("commit-export")
        let out = try Self.temp("commit-out")
        try FileManager.default.copyItem(atPath: TestSupport.path("Fixtures/scenarios/01-mcrpc-docetaxel-stop-reason/input.json"),
                                         toPath: export + "/s01.json")
        try Self.write("{broken", to: export + "/broken.json")
        _ = try Self.run(Self.options([export], out: out))
        let before = Self.snapshot(out)

        // The next night brings another patient, and the disk fills up during the ledger commit.
        try FileManager.default.copyItem(atPath: TestSupport.path("Fixtures/scenarios/08-lu177-psma-positive/input.json"),
                                         toPath: export + "/s08.json")
        try FileManager.default.removeItem(atPath: export + "/broken.json")
        struct DiskFull: Error, CustomStringConvertible { var description: String { "No space left on device" } }
        var failing = Self.options([export], out: out)
        failing.beforeLedgerCommit = { throw DiskFull() }
        do {
            _ = try Self.run(failing)
            Issue.record("the run should have failed")
        } catch let error as BatchError {
            #expect(error.code == .ledgerCommit)
            #expect(error.exitCode == 74)
            #expect(error.message.contains("Nothing was published") && error.message.contains("No space left on device"), "\(error)")
        }
        // The message is true: every output and the ledger are byte for byte the previous run's.
        #expect(Self.snapshot(out) == before)
        #expect(Self.leftovers(out).isEmpty, "\(Self.leftovers(out))")

        // Once there is room again, the night is run as if the failure never happened.
        _ = try Self.run(Self.options([export], out: out))
        #expect(Self.read(out + "/changes.ndjson").contains("\"status\":\"new\""))
        let clean = try Self.temp("commit-clean")
        _ = try Self.run(Self.options([export], out: clean))
        #expect(Self.read(out + "/careplans.ndjson") == Self.read(clean + "/careplans.ndjson"))
    }

    @Test func anOutputThatCannotBeRenamedAfterTheCommitIsNamedInTheError() throws {
        let export = try Self.temp("rename-export")
        let out = try Self.temp("rename-out")
        try FileManager.default.copyItem(atPath: TestSupport.path("Fixtures/scenarios/01-mcrpc-docetaxel-stop-reason/input.json"),
                                         toPath: export + "/s01.json")
        _ = try Self.run(Self.options([export], out: out))
        // changes.ndjson becomes a folder: the rename over it fails after the ledger commit.
        try FileManager.default.removeItem(atPath: out + "/changes.ndjson")
        try FileManager.default.createDirectory(atPath: out + "/changes.ndjson/x", withIntermediateDirectories: true)
        do {
            _ = try Self.run(Self.options([export], out: out))
            Issue.record("the run should have failed")
        } catch let error as BatchError {
            #expect(error.code == .publish)
            #expect(error.message.contains("The ledger was committed; published: careplans.ndjson; not published: changes.ndjson, report.json, report.html, quarantine/"),
                    "\(error)")
        }
        try FileManager.default.removeItem(atPath: out + "/changes.ndjson")
        _ = try Self.run(Self.options([export], out: out))
        let clean = try Self.temp("rename-clean")
        _ = try Self.run(Self.options([export], out: clean))
        #expect(Self.read(out + "/careplans.ndjson") == Self.read(clean + "/careplans.ndjson"))
        #expect(Self.leftovers(out).isEmpty)
    }

    // MARK: 5. The ledger

    @Test func aTruncatedLedgerIsAWarningNotASilentFirstRun() throws {
        let export = try Self.temp("ledger0-export")
        let out = try Self.temp("ledger0-out")
        try FileManager.default.copyItem(atPath: TestSupport.path("Fixtures/scenarios/01-mcrpc-docetaxel-stop-reason/input.json"),
                                         toPath: export + "/s01.json")
        let first = try Self.run(Self.options([export], out: out))
        #expect(first.runWarnings.isEmpty)  // a true first run: no earlier outputs, nothing to warn about
        #expect(truncate(out + "/state.sqlite", 0) == 0)
        let second = try Self.run(Self.options([export], out: out))
        #expect(second.runWarnings.count == 1)
        #expect(second.runWarnings.first?.contains("state.sqlite: the ledger is empty (0 bytes), but \(out) holds the outputs of an earlier run") == true,
                "\(second.runWarnings)")
        #expect(Self.read(out + "/report.json").contains("the ledger is empty (0 bytes)"))
        #expect(Self.read(out + "/report.html").contains("the ledger is empty (0 bytes)"))
        // The binary says it on standard error, --quiet or not.
        #expect(truncate(out + "/state.sqlite", 0) == 0)
        let r = try Spawn.run(["batch", export, "--out", out, "--as-of", "2026-11-27", "--quiet"], timeout: 60)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("ingest batch: warning: \(out)/state.sqlite: the ledger is empty (0 bytes)"), "\(r.stderr)")
        // With the ledger back, the warning goes.
        #expect(try Self.run(Self.options([export], out: out)).runWarnings.isEmpty)
    }

    @Test func anUnreadableLedgerIsSetAsideWithAWarning() throws {
        let export = try Self.temp("ledgerbad-export")
        let out = try Self.temp("ledgerbad-out")
        try FileManager.default.copyItem(atPath: TestSupport.path("Fixtures/scenarios/01-mcrpc-docetaxel-stop-reason/input.json"),
                                         toPath: export + "/s01.json")
        _ = try Self.run(Self.options([export], out: out))
        let garbage = String(repeating: "this is not an SQLite database. ", count: 200)
        try Self.write(garbage, to: out + "/state.sqlite")
        let report = try Self.run(Self.options([export], out: out))
        #expect(report.runWarnings.count == 1)
        #expect(report.runWarnings.first?.contains("cannot be read") == true && report.runWarnings.first?.contains("state.sqlite.unreadable") == true,
                "\(report.runWarnings)")
        #expect(Self.read(out + "/state.sqlite.unreadable") == garbage)  // kept for whoever investigates
        #expect(Self.read(out + "/changes.ndjson").contains("\"status\":\"new\""))
        let next = try Self.run(Self.options([export], out: out))
        #expect(next.runWarnings.isEmpty && next.evaluated == 0)
    }

    // MARK: 7, 8. Limits

    @Test func ndjsonInsideGzipIsStreamedChunkByChunkWithTheSameResult() throws {
        let plain = try Self.temp("gz-plain")
        let zipped = try Self.temp("gz-zipped")
        let (text, bad, badBytes) = Self.ndjsonWithBadLines()
        try Self.write(text, to: plain + "/Patient.ndjson")
        try Self.write(text, to: zipped + "/Patient.ndjson")
        try Self.gzip(zipped + "/Patient.ndjson")
        let outPlain = try Self.temp("gz-out-plain")
        let outZipped = try Self.temp("gz-out-zipped")
        _ = try Self.run(Self.options([plain], out: outPlain))
        var options = Self.options([zipped], out: outZipped)
        options.largeFileBytes = 2_000  // inflates past it: streamed
        options.chunkBytes = 1_500
        let report = try Self.run(options)
        #expect(report.quarantinedRecords == bad.count)
        #expect(Self.read(outZipped + "/careplans.ndjson") == Self.read(outPlain + "/careplans.ndjson"))
        #expect(Self.bytes(QuarantineFiles.path(outZipped, stem: "Patient", ext: ".ndjson.gz", suffix: ".rejected.ndjson")) == badBytes)
    }

    @Test func aGzipOverTheDecompressionLimitsIsQuarantinedCompressedAndNothingOfItRead() throws {
        let export = try Self.temp("gzlimit-export")
        // 3 MB of distinct patients: a ratio any real export has, but more than the 2 MiB allowed here.
        var text = ""
        for i in 0..<40_000 { text += #"{"resourceType": "Patient", "id": "gz\#(i)", "gender": "male"}"# + "\n" }
        try Self.write(text, to: export + "/big.ndjson")
        try Self.gzip(export + "/big.ndjson")
        let original = Self.bytes(export + "/big.ndjson.gz")
        for (name, large) in [("whole", 64 << 20), ("streamed", 100_000)] {
            let out = try Self.temp("gzlimit-out-\(name)")
            var options = Self.options([export], out: out)
            options.largeFileBytes = large
            options.chunkBytes = 64 << 10
            options.limits.maxDecompressedBytes = 2 << 20
            let report = try Self.run(options)
            #expect(report.errorsByKind["gzip-limit"] == 1, "\(name)")
            // Checked before anything of it is staged: no half-read file.
            #expect(report.patients == 0, "\(name)")
            // The original, compressed, under its .gz name; never the inflated bytes.
            #expect(Self.bytes(QuarantineFiles.path(out, stem: "big", ext: ".ndjson.gz")) == original, "\(name)")
            #expect(Self.read(QuarantineFiles.path(out, stem: "big", ext: ".ndjson.gz", suffix: ".reason.json")).contains("--max-decompressed-bytes"))
        }
    }

    @Test func anInputOverTheSizeCapIsQuarantinedUnreadButNDJSONIsStreamedWhateverItsSize() throws {
        let export = try Self.temp("cap-export")
        let out = try Self.temp("cap-out")
        let bundle = TestSupport.path("Fixtures/scenarios/01-mcrpc-docetaxel-stop-reason/input.json")
        try FileManager.default.copyItem(atPath: bundle, toPath: export + "/s01.json")
        var ndjson = ""
        for i in 0..<300 { ndjson += #"{"resourceType": "Patient", "id": "cap\#(i)"}"# + "\n" }
        try Self.write(ndjson, to: export + "/many.ndjson")
        var options = Self.options([export], out: out)
        options.limits.maxInputBytes = 4_096  // s01.json is 7.5 KB; many.ndjson 12 KB
        let report = try Self.run(options)
        #expect(report.errorsByKind["too-large"] == 1)
        #expect(report.patients == 300)
        #expect(Self.bytes(QuarantineFiles.path(out, stem: "s01", ext: ".json")) == (try TestSupport.bytes(bundle)))
        #expect(Self.read(QuarantineFiles.path(out, stem: "s01", ext: ".json", suffix: ".reason.json")).contains("--max-input-bytes"))
        // The option of the command line, with a unit.
        let cli = try Self.temp("cap-out-cli")
        let r = try Spawn.run(["batch", export, "--out", cli, "--as-of", "2026-11-27", "--quiet", "--max-input-bytes", "4K"], timeout: 60)
        #expect(r.status == 2, "\(r.stderr)")
        #expect(QuarantineFiles.find(cli, stem: "s01", ext: ".json").count == 1)
        let bad = try Spawn.run(["batch", export, "--out", cli, "--max-input-bytes", "lots"], timeout: 60)
        #expect(bad.status == 64 && bad.stderr.contains("--max-input-bytes"))
    }

    @Test func inputLimitsParseByteCountsWithUnits() {
        #expect(InputLimits.parseBytes("4096") == 4_096)
        #expect(InputLimits.parseBytes("4K") == 4_096)
        #expect(InputLimits.parseBytes("128M") == 128 << 20)
        #expect(InputLimits.parseBytes("128MiB") == 128 << 20)
        #expect(InputLimits.parseBytes("4gb") == 4 << 30)
        #expect(InputLimits.parseBytes("") == nil && InputLimits.parseBytes("M") == nil && InputLimits.parseBytes("-1") == nil)
        #expect(InputLimits.parseBytes("99999999999T") == nil)
        #expect(InputLimits.format(128 << 20) == "128 MiB" && InputLimits.format(1_500) == "1500 bytes")
    }
}
