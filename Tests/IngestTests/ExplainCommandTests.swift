import Foundation
import Testing
import TestSupport

/// `ingest explain` as issue 12 asks: `--patient` selects exactly one patient (unknown: a clear
/// error, exit 67), folders are read like the batch reads them, `--state` explains from the
/// ledger exactly as re-reading the export does, and text wraps at 100 columns.
@Suite struct ExplainCommandTests {
    static let asOf = "2026-11-27"
    static let three = TestSupport.path("Fixtures/scenarios/32-three-patients/input.json")
    static let cda = TestSupport.path("Fixtures/scenarios/68-legacy-ccd-1-0-c32/input.xml")

    static func subjects(_ jsonLines: String) throws -> [String] {
        try jsonLines.split(separator: "\n").map { line in
            let o = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            let s = try #require(o["subject"] as? [String: Any])
            if let r = s["reference"] as? String { return r }
            let id = try #require(s["identifier"] as? [String: Any])
            return "\(id["system"] as? String ?? "")|\(id["value"] as? String ?? "")"
        }
    }

    static func temp(_ name: String) throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("explain-\(name)-\(getpid())").path
        try? FileManager.default.removeItem(atPath: dir)
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    @Test func patientSelectsExactlyOnePatientByReference() throws {
        let all = try TestSupport.runIngest(["explain", "--as-of", Self.asOf, "--format", "json", Self.three])
        #expect(try Self.subjects(all.stdout) == ["Patient/p32a", "Patient/p32b", "Patient/p32c"])
        let one = try TestSupport.runIngest(["explain", "--as-of", Self.asOf, "--format", "json", "--patient", "Patient/p32b", Self.three])
        #expect(one.status == 0, "\(one.stderr)")
        #expect(try Self.subjects(one.stdout) == ["Patient/p32b"])
        let text = try TestSupport.runIngest(["explain", "--as-of", Self.asOf, "--patient", "Patient/p32b", Self.three])
        #expect(text.stdout.split(separator: "\n").filter { $0.hasPrefix("Patient ") } == ["Patient Patient/p32b"])
    }

    @Test func patientSelectsByIdentifierSystemAndValue() throws {
        let r = try TestSupport.runIngest(["explain", "--as-of", Self.asOf, "--format", "json",
                                           "--patient", "urn:oid:2.16.840.1.113883.19.5|p68", Self.cda, Self.three])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try Self.subjects(r.stdout) == ["urn:oid:2.16.840.1.113883.19.5|p68"])
    }

    @Test func anUnknownPatientIsAClearErrorWithItsOwnExitStatus() throws {
        let r = try TestSupport.runIngest(["explain", "--as-of", Self.asOf, "--patient", "Patient/nobody", Self.three])
        #expect(r.status == 67)
        #expect(r.stdout.isEmpty)
        #expect(r.stderr.contains("ingest: error: --patient Patient/nobody: no such patient"))
        let id = try TestSupport.runIngest(["explain", "--as-of", Self.asOf, "--patient", "urn:oid:1.2.3|nobody", Self.cda])
        #expect(id.status == 67)
    }

    @Test func aFolderIsReadLikeTheBatchReadsIt() throws {
        let dir = try Self.temp("folder")
        try FileManager.default.createDirectory(atPath: dir + "/sub", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: Self.three, toPath: dir + "/sub/three.json")
        try Data("not data".utf8).write(to: URL(fileURLWithPath: dir + "/README.txt"))
        // A .gz in the folder is inflated, as the batch does.
        try FileManager.default.copyItem(atPath: TestSupport.path("Fixtures/scenarios/01-mcrpc-docetaxel-stop-reason/input.json"),
                                         toPath: dir + "/p01.json")
        let gzip = Process()
        gzip.executableURL = URL(fileURLWithPath: "/bin/gzip")
        gzip.arguments = [dir + "/p01.json"]
        try gzip.run()
        gzip.waitUntilExit()
        #expect(FileManager.default.fileExists(atPath: dir + "/p01.json.gz"))
        let folder = try TestSupport.runIngest(["explain", "--as-of", Self.asOf, "--format", "json", dir])
        #expect(folder.status == 0, "\(folder.stderr)")
        #expect(try Self.subjects(folder.stdout) == ["Patient/p01", "Patient/p32a", "Patient/p32b", "Patient/p32c"])
    }

    @Test func textWrapsAtOneHundredColumnsForEveryScenario() throws {
        let inputs = try FileManager.default.contentsOfDirectory(atPath: TestSupport.path("Fixtures/scenarios")).sorted()
            .compactMap { d -> String? in
                let dir = TestSupport.path("Fixtures/scenarios/" + d)
                return ["input.json", "input.ndjson", "input.xml"].map { dir + "/" + $0 }.first { FileManager.default.fileExists(atPath: $0) }
            }
        #expect(inputs.count > 50)
        let r = try TestSupport.runIngest(["explain", "--as-of", Self.asOf] + inputs)
        let lines = r.stdout.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.count > 1000)
        let wide = lines.filter { $0.count > 100 }
        #expect(wide.isEmpty, "\(wide.count) lines wider than 100 columns, e.g. \(wide.first ?? "")")
    }

    @Test func stateGivesTheSameExplanationAsReReadingTheExport() throws {
        let out = try Self.temp("state")
        let inputs = [TestSupport.path("Fixtures/scenarios/01-mcrpc-docetaxel-stop-reason/input.json"), Self.three, Self.cda,
                      TestSupport.path("Fixtures/scenarios/35-ndjson/input.ndjson")]
        // Twice: the rerun re-evaluates nobody, and the ledger keeps the records of the first run.
        for _ in 0..<2 {
            let batch = try TestSupport.runIngest(["batch"] + inputs + ["--out", out, "--as-of", Self.asOf, "--quiet"])
            #expect(batch.status == 0, "\(batch.stderr)")
        }
        let state = out + "/state.sqlite"
        for format in ["text", "json"] {
            let fromExport = try TestSupport.runIngest(["explain", "--as-of", Self.asOf, "--format", format] + inputs)
            // --as-of defaults to the night the records were staged.
            let fromState = try TestSupport.runIngest(["explain", "--state", state, "--format", format])
            #expect(fromState.status == 0, "\(fromState.stderr)")
            #expect(!fromState.stdout.isEmpty)
            #expect(fromState.stdout == fromExport.stdout, "explain --state (\(format)) differs from re-reading the export")
        }
        let one = try TestSupport.runIngest(["explain", "--state", state, "--patient", "Patient/p32c", "--format", "json"])
        #expect(try Self.subjects(one.stdout) == ["Patient/p32c"])
        let none = try TestSupport.runIngest(["explain", "--state", state, "--patient", "Patient/nobody"])
        #expect(none.status == 67)
        let missing = try TestSupport.runIngest(["explain", "--state", out + "/no-such.sqlite"])
        #expect(missing.status == 66)
        #expect(missing.stderr.hasPrefix("ingest: error: "))
    }

    @Test func everyErrorHasOnePrefix() throws {
        for args in [["--as-of", "yesterday", Self.three], ["explain", "--no-such-option"], ["batch", Self.three]] {
            let r = try TestSupport.runIngest(args)
            #expect(r.status == 64, "\(args): \(r.status)")
            #expect(r.stderr.hasPrefix("ingest: error: "), "\(args): \(r.stderr)")
            #expect(!r.stderr.contains("Error:"), "\(args): \(r.stderr)")
        }
    }
}
