import Foundation
import Testing
import TestSupport

/// Issue 8: two real runs of the binary on one `--out` (or one `--state`). The second exits at
/// once with status 75 and changes nothing; the first ends as if it had run alone.
@Suite(.serialized) struct ConcurrentRunTests {
    static let inputs = [TestSupport.path("Fixtures/scenarios")]
        + (TestSupport.corpusRoot.map { [$0 + "/fhir-r4", $0 + "/bulk-ndjson", $0 + "/ccda"] } ?? [])

    static func temp(_ name: String) -> String {
        let dir = FileManager.default.temporaryDirectory.path + "/concurrent-\(name)-\(getpid())"
        try? FileManager.default.removeItem(atPath: dir)
        return dir
    }

    static func batch(_ out: String, _ extra: [String] = []) -> [String] {
        ["batch"] + inputs + ["--out", out, "--as-of", "2026-11-27", "--quiet", "--jobs", "1"] + extra
    }

    /// Waits until the run `a` holds the lock on `lockFile`: it writes its process id there right after taking it.
    static func waitForLock(_ lockFile: String, by a: Spawn) -> Bool {
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline, a.isRunning {
            if (try? String(contentsOfFile: lockFile, encoding: .utf8)) == "\(a.pid)\n" { return true }
            usleep(5_000)
        }
        return false
    }

    @Test func aSecondRunOnTheSameOutExitsAt75AndTheFirstEndsAsIfAlone() throws {
        let out = Self.temp("out")
        let a = try Spawn.start(Self.batch(out))
        #expect(Self.waitForLock(out + "/.ingest-batch.lock", by: a), "the first run never took the lock")
        let started = Date()
        let b = try Spawn.run(Self.batch(out), timeout: 60)
        #expect(a.isRunning, "the first run ended before the second was tried: the test proves nothing")
        #expect(b.status == 75, "\(b.stderr)")
        #expect(Date().timeIntervalSince(started) < 10, "the second run must not wait for the first")
        #expect(b.stderr.contains("another ingest batch run (process \(a.pid)) is using the output folder \(out)"), "\(b.stderr)")
        #expect(b.stderr.contains("this run stopped before changing anything"))
        let first = a.wait(timeout: 300)
        #expect(first.status == 0 || first.status == 2, "\(first.stderr)")
        // The ledger the first run left is whole: the next night finds nothing new and re-evaluates nobody.
        let firstChanges = (try? String(contentsOfFile: out + "/changes.ndjson", encoding: .utf8)) ?? "<missing>"
        let next = try Spawn.run(Self.batch(out), timeout: 300)
        #expect(next.status == first.status, "\(next.stderr)")
        // A rerun of the night gives that night's changes again (DESIGN: against the last night
        // with an earlier date), no more, no fewer.
        #expect(((try? String(contentsOfFile: out + "/changes.ndjson", encoding: .utf8)) ?? "<missing>") == firstChanges)
        let report = (try? String(contentsOfFile: out + "/report.json", encoding: .utf8)) ?? ""
        #expect(report.contains("\"evaluated\": 0"), "\(report)")
    }

    @Test func aSharedLedgerIsLockedToo() throws {
        let state = Self.temp("state") + ".sqlite"
        let outA = Self.temp("out-a")
        let outB = Self.temp("out-b")
        let a = try Spawn.start(Self.batch(outA, ["--state", state]))
        #expect(Self.waitForLock(state + ".lock", by: a), "the first run never took the ledger's lock")
        let b = try Spawn.run(Self.batch(outB, ["--state", state]), timeout: 60)
        #expect(a.isRunning)
        #expect(b.status == 75, "\(b.stderr)")
        #expect(b.stderr.contains("is using the ledger \(state)"), "\(b.stderr)")
        #expect(!FileManager.default.fileExists(atPath: outB + "/careplans.ndjson"))
        let first = a.wait(timeout: 300)
        #expect(first.status == 0 || first.status == 2, "\(first.stderr)")
        unlink(state)
        unlink(state + ".lock")
    }

    @Test func helpDocumentsTheLockTheLimitsAndTheExitStatuses() throws {
        let r = try TestSupport.runIngest(["batch", "--help"])
        #expect(r.status == 0)
        // Help is wrapped to the terminal: compare with the line breaks and indentation folded.
        let help = r.stdout.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        for phrase in ["75", "another run holds the lock", "--max-input-bytes", "--max-decompressed-bytes", "--max-compression-ratio",
                       "128M", "4G", "200", "nothing is published"] {
            #expect(help.contains(phrase), "batch help lacks \(phrase)")
        }
    }
}
