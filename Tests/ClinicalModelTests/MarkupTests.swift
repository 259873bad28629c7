@testable import ClinicalModel
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
    /// escape works on UTF-8 bytes; escapeScalars is its definition, scalar by scalar. They agree
    /// on every scalar class that matters (markup, controls, U+FFFE/U+FFFF and their
    /// neighbours, multi-byte text) and on mixtures of them.
    @Test func bytesAndScalarsEscapeAlike() {
        let pieces = ["a", "&", "<", ">", "\"", "'", "\n", "\t", "\r", "\u{0}", "\u{1F}", "\u{7F}", "é", "—",
                      "\u{FFFE}", "\u{FFFF}", "\u{FFFD}", "\u{FEFF}", "\u{EFBF}", "\u{338}", "😀", "Lebermetastasen", "e\u{301}", "\u{E9}"]
        // Compared as bytes: String's == would take canonically equivalent text for equal.
        for p in pieces {
            #expect(Array(Markup.escape(p).utf8) == Array(Markup.escapeScalars(p).utf8), "\(p.unicodeScalars.map { $0.value })")
        }
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        for _ in 0..<500 {
            var text = ""
            for _ in 0..<8 {
                state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                text += pieces[Int(state >> 33) % pieces.count]
            }
            #expect(Array(Markup.escape(text).utf8) == Array(Markup.escapeScalars(text).utf8))
        }
        #expect(Markup.escape("x\u{FFFE}y\u{FFFF}") == "x y ")
    }
}
