import ClinicalModel
import Mapping
import Testing
import TestSupport
@testable import FHIRReader

/// Codings read through the reader's cache of resolved systems are the codings the table makes
/// from the same text, whichever spellings come and go.
@Suite struct SystemResolutionsTests {
    let table = TestSupport.mappings.codeSystems

    /// Spellings of known and unknown systems: aliases, OIDs, case, blanks, a trailing slash,
    /// escapes (decoded before resolving), non-ASCII, and more distinct ones than the cache holds.
    static let spellings: [(json: String, text: String)] = {
        var s: [(String, String)] = [
            ("http://loinc.org", "http://loinc.org"), ("urn:oid:2.16.840.1.113883.6.1", "urn:oid:2.16.840.1.113883.6.1"),
            ("HTTP://LOINC.ORG/", "HTTP://LOINC.ORG/"), (" http://snomed.info/sct", " http://snomed.info/sct"),
            ("http://snomed.info/sct", "http://snomed.info/sct"), ("urn:oid:2.16.840.1.113883.6.90", "urn:oid:2.16.840.1.113883.6.90"),
            ("http://hl7.org/fhir/sid/icd-10-cm", "http://hl7.org/fhir/sid/icd-10-cm"), (#"http:\/\/loinc.org"#, "http://loinc.org"),
            (#"http://loinc.or\u0067"#, "http://loinc.org"), ("http://exa\u{301}mple.org", "http://exa\u{301}mple.org"),
            ("http://ex\u{E1}mple.org", "http://ex\u{E1}mple.org"), ("", ""), ("http://www.genenames.org", "http://www.genenames.org"),
        ]
        for k in 0..<20 { s.append(("http://example.org/cs/\(k)", "http://example.org/cs/\(k)")) }
        return s
    }()

    @Test func codingsAreTheTablesWhateverTheCacheHolds() {
        var rng = SplitMix64(seed: 5)
        var entries: [String] = []
        var expected: [Coding] = []
        let codes = ["c787", "C61", "1100", "HGNC:1100", " 8480-6 ", "x"]
        for i in 0..<600 {
            let (json, text) = Self.spellings[Int(rng.next() % UInt64(Self.spellings.count))]
            let code = codes[Int(rng.next() % UInt64(codes.count))]
            entries.append(#"{"resource": {"resourceType": "Condition", "id": "c\#(i)", "subject": {"reference": "Patient/p"}, "code": {"coding": [{"system": "\#(json)", "code": "\#(code)", "display": "d"}]}}}"#)
            expected.append(table.coding(system: text, code: code, display: "d"))
        }
        let text = #"{"resourceType": "Bundle", "type": "collection", "entry": ["# + entries.joined(separator: ",") + "]}"
        let e = FHIRReader(codeSystems: table, statuses: TestSupport.mappings.statuses).read(Array(text.utf8), file: "t.json")
        let read = e.statements.compactMap { _, s -> Coding? in
            if case .condition(let c) = s { return c.code.codings.first }
            return nil
        }
        #expect(read.count == expected.count)
        for (i, (r, x)) in zip(read, expected).enumerated() {
            #expect(r == x, "coding \(i)")
            // Equal as Codings is not enough where Swift's String equality folds spellings: the
            // system must be written as the table writes it, byte for byte.
            #expect(Array((r.system?.rawValue ?? "").utf8) == Array((x.system?.rawValue ?? "").utf8), "coding \(i)")
        }
    }

    /// A system that is not a string is warned about before the display, as when both were read
    /// as Strings first; null and absent say nothing. Whichever way it is written, the code stays.
    @Test func aSystemOfAnotherTypeIsWarnedAboutInOrder() {
        func read(_ coding: String) -> SourceExtract {
            let text = #"{"resourceType": "Condition", "id": "c", "subject": {"reference": "Patient/p"}, "code": {"coding": [\#(coding)]}}"#
            return FHIRReader(codeSystems: table, statuses: TestSupport.mappings.statuses).read(Array(text.utf8), file: "t.json")
        }
        let both = read(#"{"system": 5, "code": "x", "display": 7}"#)
        #expect(both.diagnostics.map(\.path) == ["$.code.coding[0].system", "$.code.coding[0].display"])
        #expect(both.diagnostics.allSatisfy { $0.kind == "invalid-element" })
        for quiet in [#"{"system": null, "code": "x"}"#, #"{"code": "x"}"#] {
            let e = read(quiet)
            #expect(e.diagnostics.isEmpty, "\(quiet)")
            guard case .condition(let c)? = e.statements.first?.statement else {
                Issue.record("no condition read from \(quiet)")
                continue
            }
            #expect(c.code.codings == [Coding(system: nil, code: "x")])
        }
    }
}
