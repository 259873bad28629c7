import Foundation
import Testing
import TestSupport

/// A real run of the binary, killed with SIGKILL part-way, then started again, ends with
/// exactly the output of a clean run.
@Suite(.serialized) struct KillAndResumeTests {
    func batch(_ inputs: [String], out: String) -> Process {
        let p = Process()
        p.executableURL = TestSupport.ingestBinary
        p.arguments = ["batch"] + inputs + ["--out", out, "--as-of", "2026-11-27", "--quiet", "--jobs", "2"]
        p.standardError = FileHandle.nullDevice
        return p
    }

    func outputs(_ dir: String) -> [String: String] {
        var result: [String: String] = [:]
        for name in ["careplans.ndjson", "changes.ndjson"] {
            result[name] = (try? String(contentsOfFile: dir + "/" + name, encoding: .utf8)) ?? "<missing>"
        }
        return result
    }

    @Test func aKilledRunRestartedEqualsACleanRun() throws {
        let inputs = [TestSupport.path("Fixtures/scenarios")] + (TestSupport.corpusRoot.map { [$0 + "/fhir-r4", $0 + "/bulk-ndjson"] } ?? [])
        let tmp = FileManager.default.temporaryDirectory.path
        let clean = tmp + "/kill-clean-\(getpid())"
        try? FileManager.default.removeItem(atPath: clean)
        let c = batch(inputs, out: clean)
        try c.run()
        c.waitUntilExit()
        let expected = outputs(clean)
        #expect(expected["careplans.ndjson"] != "<missing>")

        // Kill at several points of the run (reading, evaluating, writing), each time restart.
        for delay in [0.05, 0.3, 0.8, 1.5] {
            let dir = tmp + "/kill-\(getpid())-\(Int(delay * 1000))"
            try? FileManager.default.removeItem(atPath: dir)
            // A previous complete run exists, so the killed run is an incremental one.
            let first = batch(inputs, out: dir)
            try first.run()
            first.waitUntilExit()
            let killed = batch(inputs, out: dir)
            try killed.run()
            Thread.sleep(forTimeInterval: delay)
            kill(killed.processIdentifier, SIGKILL)
            killed.waitUntilExit()
            let again = batch(inputs, out: dir)
            try again.run()
            again.waitUntilExit()
            let got = outputs(dir)
            #expect(got["careplans.ndjson"] == expected["careplans.ndjson"], "killed after \(delay)s")
            // The restarted run is another run of the same night: that night's changes, exactly
            // as the clean run wrote them (DESIGN: against the last night with an earlier date).
            #expect(got["changes.ndjson"] == expected["changes.ndjson"], "killed after \(delay)s")
            // Nothing a killed run left half-written survives the restart.
            let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.contains(".tmp") || $0.hasSuffix(".old") }
            #expect(leftovers.isEmpty, "\(leftovers)")
        }
    }
}
