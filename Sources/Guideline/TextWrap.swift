/// Wraps text for a terminal: explain's lines stay within `width` columns (100: a clinician's
/// terminal or a printout, without horizontal scrolling).
///
/// Breaks at spaces; a word longer than a whole line (a long file path) is cut at the width, so
/// no line is ever wider. Counts Characters: the text is ASCII plus single-width symbols (←, ∧, ¬).
public enum TextWrap {
    public static let width = 100

    /// `first` starts the first line, `hanging` every continuation line; each line ends in "\n".
    public static func wrap(_ text: String, first: String, hanging: String, width: Int = width) -> String {
        var out = ""
        var line = first
        var lineHasWord = false
        func flush() {
            out += line + "\n"
            line = hanging
            lineHasWord = false
        }
        for word in text.split(separator: " ", omittingEmptySubsequences: true) {
            var w = Substring(word)
            let needed = (lineHasWord ? 1 : 0) + w.count
            if line.count + needed > width, lineHasWord { flush() }
            // Still too long on a line of its own: cut it.
            while line.count + (lineHasWord ? 1 : 0) + w.count > width {
                let room = max(1, width - line.count - (lineHasWord ? 1 : 0))
                if lineHasWord { line += " " }
                line += w.prefix(room)
                w = w.dropFirst(room)
                flush()
            }
            if w.isEmpty { continue }
            if lineHasWord { line += " " }
            line += w
            lineHasWord = true
        }
        if lineHasWord || out.isEmpty { out += line + "\n" }
        return out
    }
}
