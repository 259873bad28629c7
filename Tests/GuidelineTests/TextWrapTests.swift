import Guideline
import Testing

/// explain's text wraps at 100 columns (issue 12): no line wider, no word lost or reordered,
/// continuation lines indented, and a word longer than a line cut rather than left wide.
@Suite struct TextWrapTests {
    @Test func linesStayWithinTheWidthAndKeepEveryWord() {
        let text = (0..<60).map { "word\($0)" }.joined(separator: " ")
        let out = TextWrap.wrap(text, first: "  FIRES      ", hanging: String(repeating: " ", count: 13))
        let lines = out.split(separator: "\n")
        #expect(lines.count > 1)
        #expect(lines.allSatisfy { $0.count <= 100 })
        #expect(lines.dropFirst().allSatisfy { $0.hasPrefix(String(repeating: " ", count: 13)) })
        #expect(out.split(whereSeparator: { $0 == " " || $0 == "\n" }).filter { $0 != "FIRES" } == text.split(separator: " "))
    }

    @Test func aWordLongerThanALineIsCut() {
        let path = String(repeating: "a", count: 250)
        let out = TextWrap.wrap("← " + path, first: "    ", hanging: "      ")
        #expect(out.split(separator: "\n").allSatisfy { $0.count <= 100 })
        #expect(out.filter { $0 == "a" }.count == 250)
    }

    @Test func shortTextIsOneLine() {
        #expect(TextWrap.wrap("yes", first: "  ", hanging: "    ") == "  yes\n")
        #expect(TextWrap.wrap("", first: "  x", hanging: "") == "  x\n")
    }
}
