import Foundation
import Testing
import TestSupport

/// Every corpus input through the real binary in pipe mode: exit 0, no error on stderr.
@Suite(.enabled(if: TestSupport.corpusRoot != nil, "the shared corpus (../shared/corpus) is not present"))
struct CorpusCommandLineTests {
    static var inputs: [String] {
        guard let root = TestSupport.corpusRoot else { return [] }
        return (TestSupport.files(under: root + "/fhir-r4", suffix: ".json")
            + TestSupport.files(under: root + "/bulk-ndjson", suffix: ".ndjson")
            + TestSupport.files(under: root + "/ccda", suffix: ".xml")).map { String($0.dropFirst(root.count + 1)) }
    }

    @Test func theCorpusHasEveryKindOfInput() {
        #expect(Self.inputs.filter { $0.hasSuffix(".xml") }.count == 61)
        #expect(Self.inputs.count > 110)
    }

    @Test(arguments: inputs)
    func pipeModeReadsEveryCorpusInput(_ relative: String) throws {
        let root = try #require(TestSupport.corpusRoot)
        let r = try TestSupport.runIngest(["--as-of", "2026-11-27", root + "/" + relative])
        #expect(r.status == 0, "\(relative): \(r.stderr)")
        #expect(!r.stderr.contains("error:"), "\(relative): \(r.stderr)")
        TestSupport.sinkCarePlans(r.stdout, name: "corpus-" + relative)
    }

    @Test func explainNamesACDAPatientWithoutItsIdentifierValue() throws {
        let root = try #require(TestSupport.corpusRoot)
        let file = root + "/ccda/chb-sample_ccdas/emerge_patient-4.xml"
        let r = try TestSupport.runIngest(["explain", "--as-of", "2026-11-27", file])
        #expect(r.status == 0)
        #expect(r.stdout.contains("identified by an identifier of urn:oid:"))
        #expect(r.stdout.contains("prostate-cancer"))
        #expect(r.stdout.contains("(C-CDA XML)"))
    }
}
