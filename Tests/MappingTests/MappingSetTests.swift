import ClinicalModel
import DefaultMappings
import Testing
import TestSupport
@testable import Mapping

@Suite struct MappingSetTests {
    @Test func theEmbeddedMappingsLoadAndResolveEveryFact() throws {
        let m = TestSupport.mappings
        #expect(m.valueSets.count > 40)
        let deriver = try FactDeriver(mappings: m)
        #expect(deriver.catalog.count == m.factList.count)
        for id in deriver.catalog { #expect(m.facts[id.rawValue] != nil, "\(id)") }
    }

    @Test func valueSetsInheritCodesAndSynonymsFromIncludes() throws {
        let arpi = try #require(TestSupport.mappings.valueSets["arpi"])
        #expect(arpi.contains(Coding(system: .rxnorm, code: "1307298")))
        #expect(arpi.matches(Concept(text: "XTANDI 40 mg capsule")))
        #expect(!arpi.matches(Concept(text: "docetaxel")))
    }

    @Test func codeSystemAliasesAndOIDsFoldToCanonicalURIs() {
        let t = TestSupport.mappings.codeSystems
        #expect(t.canonical("urn:oid:2.16.840.1.113883.6.96") == .snomed)
        #expect(t.canonical("2.16.840.1.113883.6.1") == .loinc)
        #expect(t.canonical("http://www.nlm.nih.gov/research/umls/hcpcs") == .hcpcs)
        #expect(t.coding(system: "http://www.genenames.org/geneId", code: "1101", display: nil).code == "HGNC:1101")
    }

    @Test func aBrokenMappingIsReportedWithFileAndPath() {
        var files = DefaultMappings.files
        files["facts.json"] = files["facts.json"]!.replacingOccurrences(of: "\"medications\": \"enzalutamide\"", with: "\"medications\": \"enzalutamid\"")
        do {
            let m = try MappingSet(files: files)
            _ = try FactDeriver(mappings: m)
            Issue.record("a dangling value set id was accepted")
        } catch {
            #expect(error.file == "facts.json")
            #expect(error.message.contains("enzalutamid"))
            #expect(error.path.contains("progressed-on-enzalutamide"))
        }
        files = DefaultMappings.files
        files["synonyms.json"] = "{\"synonyms\": {\"x\": [1]}"
        #expect(throws: MappingError.self) { try MappingSet(files: files) }
    }

    @Test func aNewCodeNeedsOnlyData() throws {
        var files = DefaultMappings.files
        files["valuesets/enzalutamide.json"] = files["valuesets/enzalutamide.json"]!
            .replacingOccurrences(of: "\"code\": \"1307298\"", with: "\"code\": \"9999999\"")
        let m = try MappingSet(files: files)
        #expect(m.valueSets["enzalutamide"]!.contains(Coding(system: .rxnorm, code: "9999999")))
        #expect(m.fingerprint != TestSupport.mappings.fingerprint)
    }
}

extension String {
    func replacingOccurrences(of a: String, with b: String) -> String {
        var result = ""
        var rest = Substring(self)
        while let r = rest.firstRange(of: a) {
            result += rest[..<r.lowerBound] + b
            rest = rest[r.upperBound...]
        }
        return result + rest
    }
}
