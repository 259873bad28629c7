import ClinicalModel
import Testing
import TestSupport
@testable import Mapping

/// A value set holds codes of a system: the same code in another system, or no system, is not
/// in it (the key is hashed by its code alone, so codes shared by two systems meet in one bucket).
@Suite struct ValueSetCodeTests {
    static let snomed = CodeSystem("http://snomed.info/sct")
    static let loinc = CodeSystem("http://loinc.org")

    static func set(_ codes: [(CodeSystem, String)], opposites: [(CodeSystem, String)] = []) -> ValueSet {
        ValueSet(id: "t", title: "t", codes: Set(codes.map { ValueSet.CodeKey(system: $0.0, code: $0.1) }),
                 opposites: Set(opposites.map { ValueSet.CodeKey(system: $0.0, code: $0.1) }), synonyms: [],
                 rules: TestSupport.mappings.textRules)
    }

    @Test func aCodeCountsOnlyInItsSystem() {
        let v = Self.set([(Self.snomed, "94222008"), (Self.loinc, "1234-5")])
        #expect(v.contains(Coding(system: Self.snomed, code: "94222008")))
        #expect(!v.contains(Coding(system: Self.loinc, code: "94222008")))
        #expect(!v.contains(Coding(system: nil, code: "94222008")))
        #expect(v.contains(Coding(system: Self.loinc, code: "1234-5")))
        #expect(!v.contains(Coding(system: Self.snomed, code: "1234-5")))
        #expect(!v.contains(Coding(system: Self.snomed, code: "94222009")))
    }

    @Test func oneCodeInTwoSystemsIsTwoMembers() {
        let both = Self.set([(Self.snomed, "100"), (Self.loinc, "100")])
        #expect(both.codes.count == 2)
        #expect(both.contains(Coding(system: Self.snomed, code: "100")))
        #expect(both.contains(Coding(system: Self.loinc, code: "100")))
        #expect(!both.contains(Coding(system: CodeSystem("http://www.nlm.nih.gov/research/umls/rxnorm"), code: "100")))
        // An opposite in one system says nothing about the same code in another.
        let opposed = Self.set([], opposites: [(Self.snomed, "200")])
        #expect(opposed.isOpposite(Coding(system: Self.snomed, code: "200")))
        #expect(!opposed.isOpposite(Coding(system: Self.loinc, code: "200")))
    }
}
