import Testing
import TestSupport
@testable import Mapping

/// Free text as DESIGN reads it: a fallback, never evidence when negated, hypothetical, uncertain
/// or about the family, within its clause. The rules are the real `Mappings/text.json`.
@Suite struct TextMatcherTests {
    let rules = TestSupport.mappings.textRules
    var progression: TextMatcher { TextMatcher(terms: ["progression", "disease progression", "no response"], rules: rules) }

    /// Folding, character by character, as TextMatcher's documentation lists it: ASCII letters
    /// lowercased, Unicode spaces, dashes, quotes and full-width punctuation as their ASCII forms,
    /// invisible characters dropped, anything else kept: é, and other characters that begin
    /// with the lead bytes folding looks at (C2, E2, E3, EF).
    @Test func foldingMapsEachListedCharacter() {
        let cases: [(String, String)] = [
            ("AbC-Z09", "abc-z09"), ("a\u{00A0}b", "a b"), ("a\u{00AD}b", "ab"), ("a\u{2002}b\u{200B}c\u{2028}d\u{202F}e", "a b c d e"),
            ("a\u{200C}b\u{200D}c\u{2060}d\u{FEFF}e", "abcde"), ("a\u{2010}b\u{2011}c", "a-b-c"),
            ("a\u{2012}b\u{2013}c\u{2014}d\u{2015}e", "a - b - c - d - e"), ("\u{2018}a\u{2019}", "'a'"),
            ("\u{201C}a\u{201D}", "\"a\""), ("a\u{2026}", "a."), ("a\u{3000}b", "a b"),
            ("\u{FF01}\u{FF0C}\u{FF1A}\u{FF1B}\u{FF1F}\u{FF08}\u{FF09}", "!,:;?()"),
            ("Écho é ü \u{FF21}", "Écho é ü \u{FF21}"),
            ("\u{00A1}\u{00A9}\u{2030}\u{2081}\u{3001}\u{FB01}\u{FEFE}\u{FFFD}", "\u{00A1}\u{00A9}\u{2030}\u{2081}\u{3001}\u{FB01}\u{FEFE}\u{FFFD}"),
            ("", ""),
        ]
        for (text, folded) in cases {
            #expect(TextMatcher.foldedBytes(text) == Array(folded.utf8), "\(text.unicodeScalars.map { String($0.value, radix: 16) })")
        }
    }

    @Test func findsWholeWordsCaseInsensitively() {
        #expect(progression.firstMatch(in: "Stopped: Disease Progression") != nil)
        #expect(TextMatcher(terms: ["xtandi"], rules: rules).firstMatch(in: "XTANDI 40 mg capsule") == "xtandi")
        #expect(TextMatcher(terms: ["psma"], rules: rules).firstMatch(in: "Ga-68 PSMA-11 PET/CT") == "psma")
        #expect(TextMatcher(terms: ["pet"], rules: rules).firstMatch(in: "competition") == nil)
    }

    /// Every pre-trigger DESIGN lists, however far back in the clause.
    @Test(arguments: ["no", "no evidence of", "without", "negative for", "denies", "free of", "ruled out", "rule out",
                      "r/o", "not", "absence of"])
    func preTriggersNegateTheirClause(_ trigger: String) {
        #expect(progression.firstMatch(in: "\(trigger) progression") == nil, "\(trigger)")
        #expect(progression.firstMatch(in: "\(trigger) clear signs of radiographic or biochemical progression") == nil, "\(trigger)")
    }

    @Test(arguments: ["ruled out", "excluded", "not seen", "unlikely", "was negative"])
    func postTriggersNegateTheirClause(_ trigger: String) {
        #expect(progression.firstMatch(in: "progression \(trigger)") == nil, "\(trigger)")
        #expect(progression.firstMatch(in: "Progression on the last scan \(trigger)") == nil, "\(trigger)")
    }

    /// The examples: "no evidence of disease progression" (the negator four words back)
    /// and friends.
    @Test func theReportedNegationsDoNotCount() {
        for text in ["no evidence of disease progression", "Progression was ruled out", "rule out progression",
                     "progression not seen", "progression-free survival 9 months"] {
            #expect(progression.firstMatch(in: text) == nil, "\(text)")
        }
    }

    @Test func aClauseBoundaryEndsTheScope() {
        #expect(progression.firstMatch(in: "no nausea; disease progression") != nil)
        #expect(progression.firstMatch(in: "not tolerated, disease progression") != nil)
        #expect(progression.firstMatch(in: "No response in pain scores but disease progression on CT") != nil)
        #expect(progression.firstMatch(in: "no fever; however progression on imaging") != nil)
        #expect(progression.firstMatch(in: "progression. Metastases ruled out") != nil)
    }

    @Test func pseudoTriggersNegateNothing() {
        #expect(progression.firstMatch(in: "no increase in dose despite progression") != nil)
        #expect(progression.firstMatch(in: "not only progression in bone") != nil)
    }

    @Test func uncertainHypotheticalAndFamilyWordingDoesNotCount() {
        let cancer = TextMatcher(terms: ["prostate cancer"], rules: rules)
        #expect(cancer.firstMatch(in: "family history of prostate cancer") == nil)
        #expect(cancer.firstMatch(in: "father had prostate cancer") == nil)
        #expect(cancer.firstMatch(in: "suspected prostate cancer") == nil)
        #expect(cancer.firstMatch(in: "history of prostate cancer") != nil)
    }

    @Test func aTermThatStartsWithATriggerWordStillMatches() {
        #expect(progression.firstMatch(in: "Stopped: no response to treatment") == "no response")
    }

    @Test func withoutRulesEveryOccurrenceCounts() {
        #expect(TextMatcher(terms: ["progression"], rules: .none).firstMatch(in: "no progression") != nil)
    }
}
