import Foundation
import Testing
import TestSupport

/// End-to-end tests of the `ingest` binary: stdin, files, exit statuses, help, explain.
@Suite(.serialized) struct CommandLineTests {
    static let patient = #"{"resourceType": "Patient", "id": "p1", "name": [{"family": "Secretname"}], "birthDate": "1950-02-03"}"#

    /// An mCRPC patient who progressed on enzalutamide: docetaxel must be proposed.
    static let mcrpcBundle = #"""
    {"resourceType": "Bundle", "type": "collection", "entry": [
     {"fullUrl": "http://x.org/fhir/Patient/p1", "resource": {"resourceType": "Patient", "id": "p1", "name": [{"family": "Secretname"}],
      "identifier": [{"system": "http://hospital.example/mrn", "value": "MRN-778899"}], "birthDate": "1950-02-03"}},
     {"fullUrl": "http://x.org/fhir/Condition/c1", "resource": {"resourceType": "Condition", "id": "c1", "subject": {"reference": "Patient/p1"},
      "code": {"coding": [{"system": "http://snomed.info/sct", "code": "427492003"}]}}},
     {"fullUrl": "http://x.org/fhir/Condition/c2", "resource": {"resourceType": "Condition", "id": "c2", "subject": {"reference": "Patient/p1"},
      "code": {"coding": [{"system": "http://snomed.info/sct", "code": "94222008"}]}}},
     {"fullUrl": "http://x.org/fhir/MedicationStatement/m1", "resource": {"resourceType": "MedicationStatement", "id": "m1", "status": "stopped",
      "subject": {"reference": "Patient/p1"}, "medicationCodeableConcept": {"text": "Xtandi 40 mg capsule"},
      "effectivePeriod": {"start": "2025-01-10", "end": "2026-06-01"},
      "statusReason": [{"coding": [{"system": "http://snomed.info/sct", "code": "266721009"}]}]}}
    ]}
    """#

    func write(_ text: String, _ name: String) throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ingest-cli-tests")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let path = dir.appendingPathComponent(name).path
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test func pipesABundleFromStdinToOneCarePlanLine() throws {
        let r = try TestSupport.runIngest(["--as-of", "2026-11-27"], stdin: Array(Self.mcrpcBundle.utf8))
        #expect(r.status == 0, "\(r.stderr)")
        let lines = r.stdout.split(separator: "\n")
        #expect(lines.count == 1)
        #expect(r.stdout.contains("\"subject\":{\"reference\":\"Patient/p1\"}"))
        #expect(r.stdout.contains("/ActivityDefinition/docetaxel\""))
        TestSupport.sinkCarePlans(r.stdout, name: "cli-stdin")
        // Same input, same date: same bytes.
        let again = try TestSupport.runIngest(["--as-of", "2026-11-27"], stdin: Array(Self.mcrpcBundle.utf8))
        #expect(again.stdout == r.stdout)
    }

    @Test func readsFilesLikeCatAndAcceptsDashForStdin() throws {
        let file = try write(Self.mcrpcBundle, "b.json")
        let r = try TestSupport.runIngest(["--as-of", "2026-11-27", file, "-"], stdin: Array(Self.patient.utf8))
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.split(separator: "\n").count == 1)
        let pretty = try TestSupport.runIngest(["--as-of", "2026-11-27", "--pretty", file])
        #expect(pretty.stdout.split(separator: "\n").count > 50)
        TestSupport.sinkCarePlans(r.stdout, name: "cli-files")
    }

    @Test func badJSONExits65WithFileLineAndPathButNoPatientData() throws {
        let file = try write("{\"resourceType\": \"Patient\", \"name\": [{\"family\": Secretname}]}", "bad.json")
        let r = try TestSupport.runIngest([file])
        #expect(r.status == 65)
        #expect(r.stderr.contains("bad.json:1:"))
        #expect(r.stderr.contains("$.name[0].family"))
        #expect(!r.stderr.contains("Secretname"))
    }

    @Test func aMissingFileExits66AndEmptyStdinExits66() throws {
        let r = try TestSupport.runIngest(["/nonexistent/x.json"])
        #expect(r.status == 66)
        #expect(r.stderr.contains("/nonexistent/x.json"))
        #expect(try TestSupport.runIngest([], stdin: []).status == 66)
    }

    @Test func usageErrorsExit64() throws {
        #expect(try TestSupport.runIngest(["--as-of", "27/11/2026", "-"], stdin: []).status == 64)
        #expect(try TestSupport.runIngest(["--no-such-flag"]).status == 64)
    }

    @Test func xmlInputIsDetectedAsCDA() throws {
        let r = try TestSupport.runIngest(["-"], stdin: Array("\u{FEFF}<?xml version=\"1.0\"?><foo/>".utf8))
        #expect(r.status == 65)
        #expect(!r.stdout.contains("CarePlan"))
    }

    @Test func helpTeachesTheTool() throws {
        let r = try TestSupport.runIngest(["--help"])
        #expect(r.status == 0)
        for phrase in ["explain", "--as-of", "Exit status", "cat bundle.json | ingest", "NDJSON"] {
            #expect(r.stdout.contains(phrase), "help lacks \(phrase)")
        }
        let explain = try TestSupport.runIngest(["explain", "--help"])
        #expect(explain.stdout.contains("recommendation"))
    }

    @Test func explainReadsLikeAChecklistWithSources() throws {
        let file = try write(Self.mcrpcBundle, "explain.json")
        let r = try TestSupport.runIngest(["explain", "--as-of", "2026-11-27", file])
        #expect(r.status == 0)
        #expect(r.stdout.contains("progressed-on-enzalutamide"))
        #expect(r.stdout.contains("← \(file) http://x.org/fhir/MedicationStatement/m1"))
        #expect(r.stdout.contains("FIRES      docetaxel"))
        #expect(r.stdout.contains("not fired  cabazitaxel"))
        #expect(r.stdout.contains("stopped by prior-docetaxel is false"))
        for secret in ["Secretname", "MRN-778899", "1950-02-03"] { #expect(!r.stdout.contains(secret) && !r.stderr.contains(secret)) }
    }

    @Test func customMappingsFolderChangesBehaviourWithoutRebuilding() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ingest-mappings-\(getpid())")
        try? FileManager.default.removeItem(at: dir)
        try FileManager.default.copyItem(at: URL(fileURLWithPath: TestSupport.path("Mappings")), to: dir)
        let guideline = dir.appendingPathComponent("guidelines/mcrpc-after-enzalutamide.json")
        let text = try String(contentsOf: guideline, encoding: .utf8)
        try Data(text.replacingOccurrences(of: "\"version\": \"1.1.0\"", with: "\"version\": \"9.9.9\"").utf8).write(to: guideline)
        let file = try write(Self.mcrpcBundle, "m.json")
        let r = try TestSupport.runIngest(["--as-of", "2026-11-27", "--mappings", dir.path, file])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("mcrpc-after-enzalutamide|9.9.9"))
        try Data("{".utf8).write(to: guideline)
        let broken = try TestSupport.runIngest(["--mappings", dir.path, file])
        #expect(broken.status == 65)
        #expect(broken.stderr.contains("guidelines/mcrpc-after-enzalutamide.json"))
    }
}
