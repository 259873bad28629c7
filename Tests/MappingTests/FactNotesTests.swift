import Testing
@testable import Mapping

/// A fact's note templates: `{name}` filled in one pass. ASCII templates are filled on bytes;
/// these hold them to the Character-level definition (`FactNotes.fill`) and pin what a note reads.
@Suite struct FactNotesTests {
    static let values = ["drug": "enzalutamide", "date": "2025-03-01", "text": "a {date} in braces", "": "empty", "é": "accent"]

    @Test(arguments: [
        "Progressed on {drug} on {date}.", "{drug}", "no placeholders", "", "{", "}", "{}", "{unknown} stays", "tail {drug",
        "{{drug}}", "{dr{ug}", "a}b{drug}c", "{text}", "x\r\n{drug}\r\n", "{drug}{date}{drug}",
    ])
    func bytesAgreeWithTheDefinition(_ template: String) {
        let notes = FactNotes(templates: ["k": template])
        // Compared as bytes: String's == would take canonically equivalent text for equal.
        #expect(Array(notes.text("k", "unused", Self.values).utf8) == Array(FactNotes.fill(template, Self.values).utf8))
    }

    @Test func filledAsWritten() {
        let notes = FactNotes(templates: ["k": "Progressed on {drug}; {missing}; {text}", "u": "Médicament {drug} {é}"])
        // A value's own braces are never read as placeholders.
        #expect(notes.text("k", "", Self.values) == "Progressed on enzalutamide; {missing}; a {date} in braces")
        #expect(notes.text("absent", "Fallback {drug}", Self.values) == "Fallback enzalutamide")
        #expect(notes.text("u", "", Self.values) == "Médicament enzalutamide accent")
        // `{` followed by a combining mark is one Character that opens nothing.
        #expect(FactNotes(templates: ["c": "{\u{301}drug}"]).text("c", "", Self.values) == "{\u{301}drug}")
    }
}
