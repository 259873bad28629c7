import Testing
@testable import Mapping

@Suite struct TextMatcherTests {
    let progression = TextMatcher(terms: ["progression", "disease progression", "no response"])

    @Test func findsWholeWordsCaseInsensitively() {
        #expect(progression.firstMatch(in: "Stopped: Disease Progression") != nil)
        #expect(TextMatcher(terms: ["xtandi"]).firstMatch(in: "XTANDI 40 mg capsule") == "xtandi")
        #expect(TextMatcher(terms: ["psma"]).firstMatch(in: "Ga-68 PSMA-11 PET/CT") == "psma")
        #expect(TextMatcher(terms: ["pet"]).firstMatch(in: "competition") == nil)
    }

    @Test func negatedAndFreePhrasesDoNotCount() {
        #expect(progression.firstMatch(in: "no evidence of progression") == nil)
        #expect(progression.firstMatch(in: "without progression") == nil)
        #expect(progression.firstMatch(in: "progression-free survival 9 months") == nil)
        #expect(progression.firstMatch(in: "not tolerated; disease progression") != nil)
    }
}
