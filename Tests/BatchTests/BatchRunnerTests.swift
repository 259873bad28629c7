import Batch
import ClinicalModel
import Foundation
import IngestKit
import Testing
import TestSupport

/// The nightly batch, run in-process on real exports assembled in a temporary folder.
@Suite(.serialized) struct BatchRunnerTests {
    let asOf = Instant(year: 2026, month: 11, day: 27)

    static func temp(_ name: String) throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("batch-\(name)-\(getpid())").path
        try? FileManager.default.removeItem(atPath: dir)
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    static func copy(_ relative: String, to dir: String, as name: String? = nil) throws {
        let src = TestSupport.path(relative)
        let target = dir + "/" + (name ?? URL(fileURLWithPath: src).lastPathComponent)
        try FileManager.default.copyItem(atPath: src, toPath: target)
    }

    static func gzip(_ path: String) throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/gzip")
        p.arguments = ["-n", path]
        try p.run()
        p.waitUntilExit()
    }

    /// A mixed export: a bulk NDJSON folder (with manifest), bundles, a .gz bundle, a broken
    /// bundle, an NDJSON file with one broken line, and a README that is not data.
    static func mixedExport() throws -> String {
        let dir = try temp("export")
        try FileManager.default.createDirectory(atPath: dir + "/bulk", withIntermediateDirectories: true)
        if let corpus = TestSupport.corpusRoot {
            for name in ["Patient.ndjson", "Condition.ndjson", "MedicationRequest.ndjson", "manifest.json"] {
                try FileManager.default.copyItem(atPath: corpus + "/bulk-ndjson/synthea-v2.5_bulk-data-server_20-patients/" + name,
                                                 toPath: dir + "/bulk/" + name)
            }
        }
        try copy("Fixtures/scenarios/01-mcrpc-docetaxel-stop-reason/input.json", to: dir, as: "s01.json")
        try copy("Fixtures/scenarios/08-lu177-psma-positive/input.json", to: dir, as: "s08.json")
        try copy("Fixtures/scenarios/13-no-pelvic-imrt-mcrpc/input.json", to: dir, as: "s13.json")
        try gzip(dir + "/s13.json")
        try copy("Fixtures/twins/16-local-salvage-m0/input.xml", to: dir, as: "t16.xml")
        try Data("{\"resourceType\": \"Bundle\", \"entry\": [ {\"resource\": }".utf8).write(to: URL(fileURLWithPath: dir + "/broken.json"))
        let ndjson = #"{"resourceType": "Patient", "id": "nd1"}"# + "\n" + #"{"resourceType": "Condition", "subject": "# + "\n"
            + #"{"resourceType": "Condition", "code": {"coding": [{"system": "http://snomed.info/sct", "code": "399068003"}]}, "subject": {"reference": "Patient/nd1"}}"# + "\n"
        try Data(ndjson.utf8).write(to: URL(fileURLWithPath: dir + "/lines.ndjson"))
        try Data("not data".utf8).write(to: URL(fileURLWithPath: dir + "/README.md"))
        return dir
    }

    func run(_ inputs: [String], out: String, jobs: Int = 2, shard: ShardSpec = .all, asOf: Instant? = nil,
             fullExport: Bool = false, transaction: Bool = false) throws -> BatchReport {
        var options = BatchOptions(inputs: inputs, outDir: out, evaluation: EvaluationOptions(asOf: asOf ?? self.asOf),
                                   jobs: jobs, shard: shard, quiet: true)
        options.fullExport = fullExport
        options.transactionBundle = transaction
        return try BatchRunner(options: options).run()
    }

    /// The night after `asOf`, and the one after that.
    var nextNight: Instant { Instant(seconds: asOf.seconds + Instant.secondsPerDay) }
    var nightAfterNext: Instant { Instant(seconds: asOf.seconds + 2 * Instant.secondsPerDay) }

    static func read(_ path: String) -> String { (try? String(contentsOfFile: path, encoding: .utf8)) ?? "<missing>" }

    @Test func aMixedExportIsProcessedQuarantinedAndReconciled() throws {
        let export = try Self.mixedExport()
        let out = try Self.temp("out-mixed")
        let report = try run([export], out: out)
        #expect(report.quarantined)
        #expect(report.quarantinedRecords == 2)  // broken.json whole, one NDJSON line
        #expect(report.ignoredFiles == 1)
        // Quarantine names are <stem>-<hash of the path><ext>: collision-free (see HardeningTests).
        #expect(QuarantineFiles.find(out, stem: "broken", ext: ".json").count == 1)
        #expect(QuarantineFiles.find(out, stem: "broken", ext: ".json", suffix: ".reason.json").count == 1)
        #expect(QuarantineFiles.find(out, stem: "lines", ext: ".ndjson", suffix: ".rejected.ndjson").count == 1)
        #expect(QuarantineFiles.find(out, stem: "lines", ext: ".ndjson", suffix: ".reasons.ndjson").count == 1)
        #expect(Self.read(QuarantineFiles.path(out, stem: "lines", ext: ".ndjson", suffix: ".reasons.ndjson")).contains("\"line\":2"))
        #expect(Self.read(QuarantineFiles.path(out, stem: "lines", ext: ".ndjson", suffix: ".rejected.ndjson"))
            .hasPrefix("{\"resourceType\": \"Condition\", \"subject\": "))
        let json = Self.read(out + "/report.json")
        #expect(json.contains("\"reconciles\": true"))
        let careplans = Self.read(out + "/careplans.ndjson").split(separator: "\n")
        #expect(careplans.count == 4)  // s01, s08, the gzipped s13 and the C-CDA t16; nobody in the bulk export is mCRPC
        #expect(careplans.contains { $0.contains("/ActivityDefinition/no-pelvic-imrt") })
        #expect(careplans.contains { $0.contains("/ActivityDefinition/local-salvage-radiation") && $0.contains("urn:oid:2.16.840.1.113883.19.5") })
        TestSupport.sinkCarePlans(Self.read(out + "/careplans.ndjson"), name: "batch-mixed")
        let html = Self.read(out + "/report.html")
        // Self-contained: nothing is fetched. Source references (fullUrls) are shown as text, and
        // the one script (sorting and filtering the patient table, issue 12) is inline.
        #expect(html.contains("<svg"))
        for fetch in ["src=\"http", "href=\"http", "src=\"//", "href=\"//", "<script src", "url(http", "@import"] {
            #expect(!html.contains(fetch), "report.html fetches something: \(fetch)")
        }
        if TestSupport.corpusRoot != nil { #expect(report.patients >= 20 + 4) }
    }

    @Test func aRerunChangesNothingAndReevaluatesNobody() throws {
        let export = try Self.mixedExport()
        let out = try Self.temp("out-rerun")
        _ = try run([export], out: out)
        let first = Self.read(out + "/careplans.ndjson")
        #expect(!Self.read(out + "/changes.ndjson").isEmpty)  // first run: everything is new
        let firstChanges = Self.read(out + "/changes.ndjson")
        let second = try run([export], out: out)
        #expect(Self.read(out + "/careplans.ndjson") == first)
        // DESIGN: changes are against the last completed night with an earlier date, so a rerun
        // of one night gives that night's changes again.
        #expect(Self.read(out + "/changes.ndjson") == firstChanges)
        #expect(second.evaluated == 0)
        // A new evaluation date re-evaluates everyone.
        let third = try run([export], out: out, asOf: Instant(year: 2026, month: 11, day: 28))
        #expect(third.evaluated == third.patients)
    }

    @Test func changesNameAddedAndWithdrawnRecommendations() throws {
        let export = try Self.temp("export-changes")
        let out = try Self.temp("out-changes")
        try Self.copy("Fixtures/scenarios/03-cabazitaxel-prior-docetaxel-administration/input.json", to: export, as: "a.json")
        _ = try run([export], out: out)
        // The docetaxel administration turns out to be entered in error: docetaxel now applies instead of cabazitaxel.
        var bundle = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: export + "/a.json"))) as? [String: Any])
        var entries = try #require(bundle["entry"] as? [[String: Any]])
        var edits = 0
        for i in entries.indices {
            guard var r = entries[i]["resource"] as? [String: Any], r["resourceType"] as? String == "MedicationAdministration" else { continue }
            r["status"] = "entered-in-error"
            entries[i]["resource"] = r
            edits += 1
        }
        #expect(edits > 0)
        bundle["entry"] = entries
        try JSONSerialization.data(withJSONObject: bundle, options: [.sortedKeys]).write(to: URL(fileURLWithPath: export + "/a.json"))
        _ = try run([export], out: out, asOf: nextNight)
        let changes = Self.read(out + "/changes.ndjson")
        #expect(changes.contains("\"status\":\"changed\""))
        #expect(changes.contains("\"added\":[\"docetaxel\""))
        #expect(changes.contains("\"removed\":[\"cabazitaxel\""))
        // The patient disappears from a partial export: "not seen", he keeps his CarePlan.
        try FileManager.default.removeItem(atPath: export + "/a.json")
        try Data("{\"resourceType\": \"Patient\", \"id\": \"other\"}".utf8).write(to: URL(fileURLWithPath: export + "/b.json"))
        let kept = Self.read(out + "/careplans.ndjson")
        let notSeen = try run([export], out: out, asOf: nightAfterNext)
        #expect(notSeen.notSeen == 1)
        #expect(Self.read(out + "/changes.ndjson") == "")
        #expect(Self.read(out + "/careplans.ndjson") == kept)
        // With --full-export his absence withdraws everything, and his CarePlan is revoked.
        let full = try run([export], out: out, asOf: nightAfterNext, fullExport: true)
        #expect(full.notSeen == 0 && full.revoked == 1)
        #expect(Self.read(out + "/changes.ndjson").contains("\"status\":\"withdrawn\""))
        let revoked = Self.read(out + "/careplans.ndjson")
        #expect(revoked.contains("\"status\":\"revoked\"") && !revoked.contains("\"status\":\"draft\""))
        TestSupport.sinkCarePlans(revoked, name: "batch-revoked")
    }

    @Test func shardsAddUpToTheUnshardedOutputAndJobsDoNotChangeIt() throws {
        let export = try Self.mixedExport()
        let whole = try Self.temp("out-whole")
        _ = try run([export], out: whole, jobs: 1)
        var lines: [Substring] = []
        for i in 1...3 {
            let out = try Self.temp("out-shard\(i)")
            _ = try run([export], out: out, jobs: 2, shard: ShardSpec(index: i, count: 3))
            lines += Self.read(out + "/careplans.ndjson").split(separator: "\n")
        }
        let unsharded = Self.read(whole + "/careplans.ndjson").split(separator: "\n")
        #expect(lines.sorted() == unsharded.sorted())
        let parallel = try Self.temp("out-jobs4")
        _ = try run([export], out: parallel, jobs: 4)
        #expect(Self.read(parallel + "/careplans.ndjson") == Self.read(whole + "/careplans.ndjson"))
    }

    @Test func onePatientInTwoSourcesIsMergedByIdentifier() throws {
        let export = try Self.temp("export-merge")
        let out = try Self.temp("out-merge")
        // Source 1: the patient with conditions and testosterone, identified by an MRN.
        let a = #"""
        {"resourceType": "Bundle", "type": "collection", "entry": [
         {"fullUrl": "urn:uuid:a1", "resource": {"resourceType": "Patient", "id": "a1", "identifier": [{"system": "urn:oid:1.2.3.4", "value": "M1"}]}},
         {"resource": {"resourceType": "Condition", "subject": {"reference": "urn:uuid:a1"}, "code": {"coding": [{"system": "http://snomed.info/sct", "code": "427492003"}]}}},
         {"resource": {"resourceType": "Condition", "subject": {"reference": "urn:uuid:a1"}, "code": {"coding": [{"system": "http://snomed.info/sct", "code": "94222008"}]}}}
        ]}
        """#
        // Source 2, another system's export: the same MRN, the enzalutamide history.
        let b = #"{"resourceType": "Patient", "id": "b7", "identifier": [{"system": "urn:oid:1.2.3.4", "value": "M1"}]}"# + "\n"
            + #"{"resourceType": "MedicationStatement", "status": "stopped", "subject": {"reference": "Patient/b7"}, "medicationCodeableConcept": {"text": "Xtandi"}, "effectivePeriod": {"start": "2025-01-01", "end": "2026-03-01"}, "statusReason": [{"text": "disease progression"}]}"# + "\n"
        try Data(a.utf8).write(to: URL(fileURLWithPath: export + "/a.json"))
        try Data(b.utf8).write(to: URL(fileURLWithPath: export + "/b.ndjson"))
        let report = try run([export], out: out)
        #expect(report.patients == 1)
        let plan = Self.read(out + "/careplans.ndjson")
        #expect(plan.split(separator: "\n").count == 1)
        #expect(plan.contains("/ActivityDefinition/docetaxel\""))
        // Evidence from both sources; file paths (often patient names) stay out of the CarePlan.
        #expect(plan.contains("\"display\":\"FHIR JSON") && plan.contains("\"display\":\"FHIR NDJSON line 2"))
        #expect(!plan.contains("a.json") && !plan.contains("b.ndjson"))
        TestSupport.sinkCarePlans(plan, name: "batch-merge")
    }

    @Test func aFHIRBundleAndACDADocumentOfOnePatientAreMerged() throws {
        let export = try Self.temp("export-cross")
        let out = try Self.temp("out-cross")
        // The C-CDA twin of scenario 01 identifies the patient as urn:oid:2.16.840.1.113883.19.5 / p01;
        // a FHIR bundle from another system carries the same identifier and the docetaxel history.
        try Self.copy("Fixtures/twins/01-mcrpc-docetaxel-stop-reason/input.xml", to: export, as: "summary.xml")
        let fhir = #"""
        {"resourceType": "Bundle", "type": "collection", "entry": [
         {"fullUrl": "urn:uuid:x1", "resource": {"resourceType": "Patient", "id": "x1", "identifier": [{"system": "urn:oid:2.16.840.1.113883.19.5", "value": "p01"}]}},
         {"resource": {"resourceType": "MedicationAdministration", "status": "completed", "subject": {"reference": "urn:uuid:x1"},
           "medicationCodeableConcept": {"coding": [{"system": "http://www.nlm.nih.gov/research/umls/rxnorm", "code": "72962"}]},
           "effectiveDateTime": "2024-02-01"}}
        ]}
        """#
        try Data(fhir.utf8).write(to: URL(fileURLWithPath: export + "/other-system.json"))
        let report = try run([export], out: out)
        #expect(report.patients == 1)
        let plan = Self.read(out + "/careplans.ndjson")
        // With the FHIR docetaxel merged in, cabazitaxel replaces docetaxel.
        #expect(plan.contains("/ActivityDefinition/cabazitaxel\""))
        #expect(!plan.contains("/ActivityDefinition/docetaxel\""))
        #expect(plan.contains("\"display\":\"C-CDA XML entry at line") && plan.contains("\"display\":\"FHIR JSON"))
        #expect(!plan.contains("summary.xml") && !plan.contains("other-system.json"))
        #expect(plan.contains("\"subject\":{\"reference\":\"Patient/x1\"}"))
        TestSupport.sinkCarePlans(plan, name: "batch-cross-format")
    }

    @Test func largeNDJSONFilesAreReadInChunksWithTheSameResult() throws {
        let export = try Self.mixedExport()
        let whole = try Self.temp("out-whole-read")
        let chunked = try Self.temp("out-chunked")
        let a = try run([export], out: whole)
        var options = BatchOptions(inputs: [export], outDir: chunked, evaluation: EvaluationOptions(asOf: asOf), jobs: 2, quiet: true)
        options.largeFileBytes = 1_000  // every NDJSON file here is "large"
        options.chunkBytes = 4_096      // many chunks, lines cut across chunk borders
        let b = try BatchRunner(options: options).run()
        #expect(Self.read(chunked + "/careplans.ndjson") == Self.read(whole + "/careplans.ndjson"))
        #expect(a.records == b.records && a.patients == b.patients && a.quarantinedRecords == b.quarantinedRecords)
        #expect(Self.read(QuarantineFiles.path(chunked, stem: "lines", ext: ".ndjson", suffix: ".reasons.ndjson")).contains("\"line\":2"))
    }

    @Test func batchOutputEqualsPipeModeForTheSamePatients() throws {
        let export = try Self.temp("export-pipe")
        let out = try Self.temp("out-pipe")
        try Self.copy("Fixtures/scenarios/32-three-patients/input.json", to: export, as: "three.json")
        _ = try run([export], out: out)
        let pipe = try TestSupport.runIngest(["--as-of", "2026-11-27", export + "/three.json"])
        #expect(Self.read(out + "/careplans.ndjson") == pipe.stdout)
    }
}

extension BatchRunnerTests {
    @Test func aLedgerBelongsToOneShard() throws {
        let export = try Self.temp("export-shard-ledger")
        try Self.copy("Fixtures/scenarios/01-mcrpc-docetaxel-stop-reason/input.json", to: export, as: "a.json")
        let out = try Self.temp("out-shard-ledger")
        _ = try run([export], out: out, shard: ShardSpec(index: 1, count: 2))
        #expect(throws: IngestError.self) { _ = try run([export], out: out, shard: ShardSpec(index: 2, count: 2)) }
    }
}

extension BatchRunnerTests {
    /// DESIGN "Who is evaluated": the batch counts deceased patients ("deceased, not evaluated")
    /// and withdraws an earlier CarePlan of theirs; a section whose entries none could be read is
    /// counted per source.
    @Test func aPatientWhoDiedIsCountedAndHisCarePlanWithdrawn() throws {
        let export = try Self.temp("export-deceased")
        let out = try Self.temp("out-deceased")
        let bundle = Self.read(TestSupport.path("Fixtures/scenarios/01-mcrpc-docetaxel-stop-reason/input.json"))
        try Data(bundle.utf8).write(to: URL(fileURLWithPath: export + "/p01.json"))
        try Self.copy("Fixtures/scenarios/69-cda-problems-unknown-template-unread/input.xml", to: export, as: "unread.xml")
        let first = try run([export], out: out)
        #expect(first.deceased == 0)
        #expect(Self.read(out + "/careplans.ndjson").contains("Patient/p01"))
        let report = Self.read(out + "/report.json")
        #expect(report.contains("\"sectionsWithUnreadEntriesBySource\": {\n    \"\(export)/unread.xml\": 1"), "\(report)")
        #expect(Self.read(out + "/report.html").contains("sections with unreadable entries"))

        // The next night's export says he died the day before.
        let died = bundle.replacingOccurrences(of: "\"birthDate\": \"1952-04-11\"",
                                               with: "\"birthDate\": \"1952-04-11\",\n        \"deceasedDateTime\": \"2026-11-27T23:10:00-05:00\"")
        #expect(died != bundle)
        try Data(died.utf8).write(to: URL(fileURLWithPath: export + "/p01.json"))
        let second = try run([export], out: out, asOf: Instant(year: 2026, month: 11, day: 28))
        #expect(second.deceased == 1)
        // His CarePlan is written once more, revoked, so the server withdraws it.
        let plans = Self.read(out + "/careplans.ndjson").split(separator: "\n")
        #expect(plans.count == 1 && plans[0].contains("\"status\":\"revoked\"") && plans[0].contains("Patient/p01"))
        let changes = Self.read(out + "/changes.ndjson")
        #expect(changes.contains("\"status\":\"withdrawn\"") && changes.contains("\"reason\":\"deceased\""), "\(changes)")
        #expect(Self.read(out + "/report.json").contains("\"deceasedNotEvaluated\": 1"))
        #expect(Self.read(out + "/report.html").contains("deceased, not evaluated"))
    }
}
