import ClinicalModel
import Foundation
import IngestKit
import JSONKit
import Mapping
import Testing
import TestSupport
@testable import FHIRReader

/// Every FHIR file of the shared corpus, and every line of the bulk export, is read with no
/// error, and the counts the reader extracts equal those the independent Python oracle
/// (tools/corpus_counts.py) computed from the raw JSON into Fixtures/corpus/fhir-counts.json.
@Suite(.enabled(if: TestSupport.corpusRoot != nil, "the shared corpus (../shared/corpus) is not present"))
struct CorpusTests {
    static var expected: [String: [String: Int]] {
        guard let bytes = try? TestSupport.bytes(TestSupport.path("Fixtures/corpus/fhir-counts.json")),
            let json = try? JSONValue.parse(bytes), let o = json.objectValue
        else { return [:] }
        var result: [String: [String: Int]] = [:]
        for m in o.members {
            var counts: [String: Int] = [:]
            for c in m.value.objectValue?.members ?? [] { counts[c.key] = c.value.numberValue?.int }
            result[m.key] = counts
        }
        return result
    }

    static var files: [String] { expected.keys.sorted() }

    @Test func theOracleCoversTheWholeCorpus() throws {
        let root = try #require(TestSupport.corpusRoot)
        let onDisk = TestSupport.files(under: root + "/fhir-r4", suffix: ".json")
            + TestSupport.files(under: root + "/bulk-ndjson", suffix: ".ndjson")
        #expect(Set(onDisk.map { String($0.dropFirst(root.count + 1)) }) == Set(Self.files))
        #expect(Self.files.count > 50)
    }

    @Test(arguments: files)
    func readsEveryCorpusFileWithPinnedCounts(_ relative: String) throws {
        let root = try #require(TestSupport.corpusRoot)
        let reader = FHIRReader(codeSystems: TestSupport.mappings.codeSystems, statuses: TestSupport.mappings.statuses)
        let extract = reader.read(try TestSupport.bytes(root + "/" + relative), file: relative)
        #expect(extract.diagnostics.filter { $0.severity == .error }.isEmpty, "\(extract.diagnostics)")
        let c = extract.counts
        let want = try #require(Self.expected[relative])
        #expect(c.patients == want["patients"])
        #expect(c.conditions == want["conditions"])
        #expect(c.medicationStatementsAndRequests == want["medications"])
        #expect(c.observations == want["observations"])
        // Every counted clinical resource became a statement or was rejected with a reason.
        let read = extract.statements.count + extract.patients.count + extract.medications.count
        let accounted = read + c.rejectedByReason.values.reduce(0, +)
        let decoded = c.resourcesByType.filter { ResourceNormalizer.readTypes.contains($0.key) }.values.reduce(0, +)
        #expect(accounted == decoded)
    }

    @Test func everyBulkExportLineGoesThroughPipeModeOnItsOwn() throws {
        let root = try #require(TestSupport.corpusRoot)
        let pipeline = try Pipeline(options: EvaluationOptions(asOf: Instant(year: 2026, month: 11, day: 27)))
        var lines = 0
        for file in TestSupport.files(under: root + "/bulk-ndjson", suffix: ".ndjson") {
            let text = String(decoding: try TestSupport.bytes(file), as: UTF8.self)
            for line in text.split(separator: "\n") {
                var collector = RecordCollector(mappings: TestSupport.mappings)
                collector.add(Array(line.utf8), file: "line")
                #expect(!collector.hasErrors)
                _ = pipeline.carePlans(collector.records())
                lines += 1
            }
        }
        #expect(lines > 8000)
    }
}
