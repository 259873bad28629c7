import ClinicalModel
import Testing

/// The report and the narratives escape per Unicode scalar (issue 8): `<` or `"` followed by a
/// combining mark is one Character, which a per-Character escaper let through unescaped.
@Suite struct MarkupTests {
    @Test(arguments: ["<\u{338}script>", "\"\u{338} onload=x", "&\u{338}amp;", "'\u{301}"])
    func aCombiningMarkDoesNotHideMarkup(_ text: String) {
        let escaped = Markup.escape(text)
        #expect(!escaped.unicodeScalars.contains { $0 == "<" || $0 == ">" || $0 == "\"" || $0 == "'" })
        #expect(escaped.unicodeScalars.filter { $0 == "&" }.count == text.unicodeScalars.filter { "<>\"'&".unicodeScalars.contains($0) }.count)
    }

    @Test func controlCharactersBecomeSpacesAndTextStays() {
        #expect(Markup.escape("a\u{0}b\u{1B}c\nd") == "a b c\nd")
        #expect(Markup.escape("Lebermetastasen — 5 < 7 & ok") == "Lebermetastasen — 5 &lt; 7 &amp; ok")
    }
}
