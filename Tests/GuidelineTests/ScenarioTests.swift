import ClinicalModel
import Foundation
import Guideline
import IngestKit
import JSONKit
import Mapping
import Testing
import TestSupport

/// Fixtures/scenarios/<name>/: `input.json` or `input.ndjson`, `as-of`, `expect.json` (the facts and
/// recommendations the scenario is about, written from DESIGN.md and Mappings/README.md) and
/// `careplans.ndjson` (the golden output, reviewed; regenerate with `make golden`).
@Suite struct ScenarioTests {
    static var scenarios: [String] {
        let root = TestSupport.path("Fixtures/scenarios")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []
        return names.filter { FileManager.default.fileExists(atPath: "\(root)/\($0)/expect.json") }.sorted()
    }

    struct Loaded {
        /// As the golden files name it: relative to the package root, like `make golden` runs it.
        let input: String
        let asOf: Instant
        let expect: JSONValue
        let dir: String
    }

    static func load(_ name: String) throws -> Loaded {
        let dir = TestSupport.path("Fixtures/scenarios/\(name)")
        let file = ["input.ndjson", "input.xml"].first { FileManager.default.fileExists(atPath: dir + "/" + $0) } ?? "input.json"
        let input = "Fixtures/scenarios/\(name)/\(file)"
        let asOfText = (try? String(contentsOfFile: dir + "/as-of", encoding: .utf8))?
            .trimmingCharacters(in: .whitespacesAndNewlines) ?? "2026-11-27"
        let asOf = try #require(EvaluationOptions.parseDate(asOfText))
        let expect = try JSONValue.parse(try TestSupport.bytes(dir + "/expect.json"))
        return Loaded(input: input, asOf: asOf, expect: expect, dir: dir)
    }

    /// How expect.json names a patient: `Patient/<id>` (FHIR), or `<system>|<value>` of the
    /// identifier a C-CDA patient is referred to by.
    static func subjectText(_ s: SubjectReference) -> String {
        switch s {
        case .reference(let r): r
        case .identifier(let id): "\(id.system ?? "")|\(id.value)"
        }
    }

    @Test func thereAreScenariosForEveryRecommendation() throws {
        #expect(Self.scenarios.count >= 20)
        var fires: [String: Int] = [:]
        var misses: [String: Int] = [:]
        for name in Self.scenarios {
            for p in try Self.load(name).expect["patients"]?.arrayValue ?? [] {
                for f in p["fired"]?.arrayValue ?? [] { fires[f.stringValue ?? "", default: 0] += 1 }
                for f in p["notFired"]?.arrayValue ?? [] { misses[f.stringValue ?? "", default: 0] += 1 }
            }
        }
        let engine = try GuidelineEngine(mappings: TestSupport.mappings)
        for r in engine.guidelines[0].recommendations {
            #expect(fires[r.id, default: 0] >= 1, "no scenario where \(r.id) fires")
            #expect(misses[r.id, default: 0] >= 1, "no scenario where \(r.id) must not fire")
        }
    }

    @Test(arguments: scenarios)
    func scenarioMeetsItsSpecAndItsGoldenOutput(_ name: String) throws {
        let s = try Self.load(name)
        let pipeline = try Pipeline(options: EvaluationOptions(asOf: s.asOf))
        let engine = try GuidelineEngine(mappings: TestSupport.mappings)
        func collect() throws -> (records: [PatientRecord], collector: RecordCollector) {
            var collector = RecordCollector(mappings: TestSupport.mappings, identity: TestSupport.mappings.identityRules)
            collector.add(try TestSupport.bytes(TestSupport.path(s.input)), file: s.input)
            return (collector.records(), collector)
        }
        let (records, collector) = try collect()
        #expect(!collector.hasErrors, "\(collector.diagnostics)")
        // Warnings the scenario is about (e.g. a C-CDA section whose entries none could be read).
        let warned = Set(collector.diagnostics.map(\.kind))
        for kind in s.expect["warnings"]?.arrayValue.compactMap(\.stringValue) ?? [] {
            #expect(warned.contains(kind), "\(name): expected a \(kind) warning, got \(warned.sorted())")
        }

        for p in s.expect["patients"]?.arrayValue ?? [] {
            let subject = try #require(p["subject"]?.stringValue)
            let record = try #require(records.first { Self.subjectText($0.identity.subject) == subject }, "no patient \(subject)")
            let evaluation = engine.evaluate(record, asOf: s.asOf)[0]
            if let deceased = p["deceased"]?.boolValue {
                #expect(evaluation.deceased == deceased, "\(name) \(subject): deceased is \(evaluation.deceased)")
            }
            for m in p["facts"]?.objectValue?.members ?? [] {
                let got = evaluation.facts[FactID(m.key)]?.value.description ?? "missing"
                let want: String
                switch m.value {
                case .bool(let b): want = b ? "true" : "false"
                case .string(let t): want = t
                case .number(let n): want = n.text
                default: want = "?"
                }
                #expect(got == want, "\(name) \(subject): \(m.key) is \(got), spec says \(want) — \(evaluation.facts[FactID(m.key)]?.note ?? "")")
            }
            let fired = evaluation.fired.map(\.recommendation.id)
            if let want = p["fired"]?.arrayValue.compactMap(\.stringValue) {
                #expect(fired == want, "\(name) \(subject)")
            }
            for id in p["notFired"]?.arrayValue.compactMap(\.stringValue) ?? [] {
                #expect(!fired.contains(id), "\(name) \(subject): \(id) fired")
            }
        }

        // A patient who is deceased or for whom nothing fires gets no CarePlan.
        let bytes = Pipeline.ndjson(pipeline.carePlans(records).plans)
        let output = String(decoding: bytes, as: UTF8.self)
        TestSupport.sinkCarePlans(output, name: "scenario-\(name)")
        // Deterministic: a second evaluation gives the same bytes.
        #expect(Bool(Pipeline.ndjson(pipeline.carePlans(try collect().records).plans) == bytes), "\(name): not deterministic")
        let goldenPath = s.dir + "/careplans.ndjson"
        let golden = try #require(try? String(contentsOfFile: goldenPath, encoding: .utf8), "missing golden \(goldenPath): run make golden and review it")
        // Bool(...) keeps the failure message short: the CarePlans are long.
        #expect(Bool(output == golden), "\(name): output differs from the golden careplans.ndjson (run make golden and review the diff)")
    }
}
