import CDAReader
import ClinicalModel
import Foundation
import Testing

/// Every document of the shared C-CDA corpus reads without an error, and its per-kind counts
/// equal those computed independently by `tools/ccda_counts.py` (Python lxml XPath) and stored
/// in `Fixtures/corpus/ccda-counts.json`.
@Suite("C-CDA corpus")
struct CDACorpusTests {
    /// `CLINICALINGEST_CORPUS` (the corpus root, or its `ccda` folder), else `../shared/corpus`
    /// next to the package.
    static var corpusDirectory: URL {
        let root = ProcessInfo.processInfo.environment["CLINICALINGEST_CORPUS"].map { URL(fileURLWithPath: $0) }
            ?? CDATest.packageRoot.deletingLastPathComponent().appendingPathComponent("shared/corpus")
        let ccda = root.appendingPathComponent("ccda")
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: ccda.path, isDirectory: &isDirectory), isDirectory.boolValue {
            return ccda
        }
        return root
    }

    static func documents(in directory: URL) -> [String] {
        guard let walker = FileManager.default.enumerator(atPath: directory.path) else { return [] }
        var paths: [String] = []
        while let p = walker.nextObject() as? String {
            if p.hasSuffix(".xml") { paths.append(p) }
        }
        return paths.sorted()
    }

    /// Oracle key → `ReadCounts.resourcesByType` key.
    static let keys = [
        "problems": "Problem", "medications": "Medication", "results": "Result", "vitalSigns": "VitalSign",
        "procedures": "Procedure", "plannedProcedures": "PlannedProcedure", "plannedMedications": "PlannedMedication",
    ]

    @Test func everyDocumentReadsAndMatchesTheOracle() throws {
        let directory = Self.corpusDirectory
        let paths = Self.documents(in: directory)
        guard !paths.isEmpty else {
            print("C-CDA corpus not found at \(directory.path) (set CLINICALINGEST_CORPUS); corpus test skipped.")
            return
        }
        let oracleURL = CDATest.packageRoot.appendingPathComponent("Fixtures/corpus/ccda-counts.json")
        let oracleData = try Data(contentsOf: oracleURL)
        let oracle = try #require(try JSONSerialization.jsonObject(with: oracleData) as? [String: [String: Int]])
        #expect(Set(oracle.keys) == Set(paths), "Fixtures/corpus/ccda-counts.json is stale: rerun tools/ccda_counts.py")

        var totalBytes = 0
        var total = ReadCounts()
        let clock = ContinuousClock()
        var elapsed = Duration.zero
        for path in paths {
            let bytes = [UInt8](try Data(contentsOf: directory.appendingPathComponent(path)))
            totalBytes += bytes.count
            var e = SourceExtract(file: path)
            elapsed += clock.measure { e = CDATest.reader.read(bytes, file: path) }
            #expect(!e.hasErrors, "\(path): \(e.diagnostics.filter { $0.severity == .error })")
            #expect(e.patients.count == 1, "\(path)")
            total.add(e.counts)
            guard let expected = oracle[path] else { continue }
            for (oracleKey, countKey) in Self.keys {
                #expect(e.counts.resourcesByType[countKey, default: 0] == expected[oracleKey, default: 0],
                        "\(path): \(countKey) count differs from the lxml oracle")
            }
            #expect(e.statements.count == e.counts.resourcesByType.filter { $0.key != "Patient" }.values.reduce(0, +))
        }
        print("C-CDA corpus: \(paths.count) documents, \(totalBytes) bytes in \(elapsed) "
              + "(\(elapsed / paths.count) per document); counts \(total.resourcesByType.sorted { $0.key < $1.key })")
    }
}
