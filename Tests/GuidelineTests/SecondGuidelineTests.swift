import ClinicalModel
import DefaultMappings
import Foundation
import Guideline
import Mapping
import Testing
import TestSupport

/// Issue 10, "proof by data alone": the test-only mHSPC guideline of
/// `Fixtures/mappings-second-guideline` (a guideline and facts of existing kinds) runs beside the
/// mCRPC guideline without a line of Swift, and changes nothing of the mCRPC guideline's output.
@Suite struct SecondGuidelineTests {
    static let fixture = TestSupport.path("Fixtures/mappings-second-guideline")

    /// `Mappings/` with the fixture laid over it (its `guidelines/` and `facts/`), in a temp folder.
    static let mappingsDir: String = {
        let fm = FileManager.default
        let dir = fm.temporaryDirectory.path + "/second-guideline-\(getpid())"
        try? fm.removeItem(atPath: dir)
        try? fm.copyItem(atPath: TestSupport.path("Mappings"), toPath: dir)
        for sub in ["guidelines", "facts"] {
            try? fm.createDirectory(atPath: dir + "/" + sub, withIntermediateDirectories: true)
            for name in (try? fm.contentsOfDirectory(atPath: fixture + "/" + sub)) ?? [] {
                try? fm.copyItem(atPath: "\(fixture)/\(sub)/\(name)", toPath: "\(dir)/\(sub)/\(name)")
            }
        }
        return dir
    }()

    static let scenarios: [String] = ((try? FileManager.default.contentsOfDirectory(atPath: fixture + "/scenarios")) ?? []).sorted()

    /// guideline id → the recommendation ids of its CarePlan.
    static func fired(_ ndjson: String) throws -> [String: [String]] {
        var result: [String: [String]] = [:]
        for line in ndjson.split(separator: "\n") {
            let plan = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            let canonical = try #require((plan["instantiatesCanonical"] as? [String])?.first)
            let guideline = String(canonical.split(separator: "/").last!.split(separator: "|")[0])
            let activities = plan["activity"] as? [[String: Any]] ?? []
            result[guideline] = activities.compactMap {
                (($0["detail"] as? [String: Any])?["instantiatesCanonical"] as? [String])?.first.map { String($0.split(separator: "/").last!) }
            }
        }
        return result
    }

    @Test func theFixtureHasScenarios() { #expect(Self.scenarios.count >= 2) }

    @Test(arguments: scenarios) func eachScenarioFiresWhatItsRulesSay(_ name: String) throws {
        let dir = "\(Self.fixture)/scenarios/\(name)"
        let expect = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/expect.json"))) as? [String: Any])
        let fires = try #require(expect["fires"] as? [String: [String]])
        let r = try TestSupport.runIngest(["--mappings", Self.mappingsDir, "--as-of", expect["asOf"] as? String ?? "2026-11-27", dir + "/input.json"])
        #expect(r.status == 0, "\(name): \(r.stderr)")
        let got = try Self.fired(r.stdout)
        for (guideline, ids) in fires { #expect((got[guideline] ?? []) == ids, "\(name) \(guideline)") }
        #expect(Set(got.keys).isSubset(of: Set(fires.keys)), "\(name): \(got.keys)")
        TestSupport.sinkCarePlans(r.stdout, name: "second-guideline-\(name)")
        // --guideline selects: the mCRPC guideline alone gives nothing for an mHSPC patient.
        let only = try TestSupport.runIngest(["--mappings", Self.mappingsDir, "--guideline", "mcrpc-after-enzalutamide",
                                              "--as-of", "2026-11-27", dir + "/input.json"])
        #expect(try Self.fired(only.stdout).keys.allSatisfy { $0 == "mcrpc-after-enzalutamide" })
    }

    /// Beside the second guideline, an mCRPC patient's CarePlan is byte for byte the golden one.
    @Test func theMCRPCGuidelinesOutputIsUnchangedBesideIt() throws {
        for scenario in ["01-mcrpc-docetaxel-stop-reason", "05-radium-not-with-liver-mets", "68-cda-cabazitaxel-after-docetaxel"] {
            let dir = TestSupport.path("Fixtures/scenarios/\(scenario)")
            guard let input = try? FileManager.default.contentsOfDirectory(atPath: dir).first(where: { $0.hasPrefix("input.") }) else { continue }
            let asOf = (try? String(contentsOfFile: dir + "/as-of", encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "2026-11-27"
            let r = try TestSupport.runIngest(["--mappings", Self.mappingsDir, "--as-of", asOf, "\(dir)/\(input)"])
            let golden = (try? String(contentsOfFile: dir + "/careplans.ndjson", encoding: .utf8)) ?? "<missing>"
            #expect(r.stdout == golden, "\(scenario)")
        }
    }

    /// The definitions Bundle publishes both guidelines, and each CarePlan's canonicals resolve.
    @Test func definitionsPublishBothGuidelines() throws {
        let r = try TestSupport.runIngest(["definitions", "--mappings", Self.mappingsDir])
        #expect(r.status == 0, "\(r.stderr)")
        let bundle = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let resources = (bundle["entry"] as? [[String: Any]] ?? []).compactMap { $0["resource"] as? [String: Any] }
        let plans = resources.filter { $0["resourceType"] as? String == "PlanDefinition" }.compactMap { $0["id"] as? String }
        #expect(Set(plans) == ["mcrpc-after-enzalutamide", "mhspc-intensification"])
        let concepts = (resources.first { $0["resourceType"] as? String == "CodeSystem" }?["concept"] as? [[String: Any]] ?? []).compactMap { $0["code"] as? String }
        #expect(concepts.contains("mhspc") && concepts.contains("on-adt") && concepts.contains("mcrpc"))
        TestSupport.sinkJSON(r.stdout, name: "second-guideline-definitions")
    }

    /// The batch keeps one CarePlan per patient and guideline, and says which guideline changed.
    @Test func theBatchKeysEverythingByGuideline() throws {
        let fm = FileManager.default
        let export = fm.temporaryDirectory.path + "/second-guideline-export-\(getpid())"
        let out = export + "-out"
        try? fm.removeItem(atPath: export)
        try? fm.removeItem(atPath: out)
        try fm.createDirectory(atPath: export, withIntermediateDirectories: true)
        for name in Self.scenarios { try fm.copyItem(atPath: "\(Self.fixture)/scenarios/\(name)/input.json", toPath: "\(export)/\(name).json") }
        try fm.copyItem(atPath: TestSupport.path("Fixtures/scenarios/01-mcrpc-docetaxel-stop-reason/input.json"), toPath: export + "/mcrpc.json")
        let r = try TestSupport.runIngest(["batch", export, "--out", out, "--mappings", Self.mappingsDir, "--as-of", "2026-11-27", "--quiet"])
        #expect(r.status == 0, "\(r.stderr)")
        let plans = (try? String(contentsOfFile: out + "/careplans.ndjson", encoding: .utf8)) ?? ""
        let fired = try Self.fired(plans)
        #expect(Set(fired.keys) == ["mcrpc-after-enzalutamide", "mhspc-intensification"])
        #expect(plans.split(separator: "\n").count == 3)
        let changes = (try? String(contentsOfFile: out + "/changes.ndjson", encoding: .utf8)) ?? ""
        #expect(changes.contains("\"guideline\":\"mhspc-intensification\"") && changes.contains("\"guideline\":\"mcrpc-after-enzalutamide\""))
        let report = (try? String(contentsOfFile: out + "/report.json", encoding: .utf8)) ?? ""
        #expect(report.contains("\"mhspc-intensification\": {") && report.contains("\"mhspc-continue-adt\": 2"), "\(report)")
        TestSupport.sinkCarePlans(plans, name: "second-guideline-batch")
    }
}

/// Facts are data: loading checks kinds, dependencies and cycles, with the place in facts.json.
@Suite struct FactCatalogueTests {
    static func mappings(editing edit: (inout [[String: Any]]) -> Void) throws -> MappingSet {
        var files = DefaultMappings.files
        var doc = try #require(try JSONSerialization.jsonObject(with: Data(files["facts.json"]!.utf8)) as? [String: Any])
        var facts = try #require(doc["facts"] as? [[String: Any]])
        edit(&facts)
        doc["facts"] = facts
        files["facts.json"] = String(decoding: try JSONSerialization.data(withJSONObject: doc), as: UTF8.self)
        return try MappingSet(files: files)
    }

    static func loadError(_ edit: (inout [[String: Any]]) -> Void) -> String {
        do {
            _ = try GuidelineEngine(mappings: try mappings(editing: edit))
            return "<loaded>"
        } catch {
            return "\(error)"
        }
    }

    @Test func anUnknownKindIsALoadErrorNamingThePlace() {
        let e = Self.loadError { $0[0]["kind"] = "telepathy" }
        #expect(e.contains("facts.json") && e.contains("$.facts[id=prostate-cancer].kind") && e.contains("unknown kind \"telepathy\""), "\(e)")
    }

    @Test func aCycleIsALoadError() {
        let e = Self.loadError { facts in
            let i = facts.firstIndex { $0["id"] as? String == "prostate-cancer" }!
            facts[i] = ["id": "prostate-cancer", "label": "x", "definition": "x", "kind": "rule", "parameters": ["rule": "mcrpc"]]
        }
        #expect(e.contains("cycle") && e.contains("mcrpc") && e.contains("prostate-cancer"), "\(e)")
    }

    @Test func aMissingParameterIsALoadErrorWithItsPath() {
        let e = Self.loadError { facts in
            let i = facts.firstIndex { $0["id"] as? String == "on-abiraterone" }!
            var p = facts[i]["parameters"] as! [String: Any]
            p.removeValue(forKey: "graceDaysAfterEnd")
            facts[i]["parameters"] = p
        }
        #expect(e.contains("parameters.graceDaysAfterEnd") && e.contains("missing"), "\(e)")
    }

    /// A fresh fact is one facts.json entry of an existing kind: it is derived, in order, and a
    /// guideline may use it.
    @Test func aFreshFactIsOneEntry() throws {
        let m = try Self.mappings { facts in
            facts.append(["id": "on-adt", "label": "On ADT", "definition": "An ADT course is current.", "kind": "current-exposure",
                          "parameters": ["medications": "adt", "graceDaysAfterEnd": 0, "courseGapDays": 90]])
            facts.append(["id": "mcrpc-on-adt", "label": "mCRPC on ADT", "definition": "mCRPC and on ADT.", "kind": "rule",
                          "parameters": ["rule": ["all": ["mcrpc", "on-adt"]]]])
        }
        let deriver = try FactDeriver(mappings: m)
        #expect(deriver.catalog.suffix(2) == [FactID("on-adt"), FactID("mcrpc-on-adt")])
        let record = PatientRecord(key: "Patient/x", identity: PatientIdentity(subject: .reference("Patient/x")))
        let facts = deriver.derive(record, asOf: Instant(year: 2026, month: 11, day: 27))
        #expect(facts[FactID("mcrpc-on-adt")]?.value.truth == .unknown)
    }
}
