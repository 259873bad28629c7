/// Finds synonym terms in free text ("Xtandi 40 mg capsule", "stopped: disease progression").
///
/// Matching is case-insensitive (ASCII folding) on whole words. A term found inside a negated,
/// hypothetical, uncertain or family-history clause does not count (``TextRules``, from
/// `Mappings/text.json`).
public struct TextMatcher: Sendable {
    /// Terms, lowercased.
    public let terms: [String]
    let rules: TextRules

    public init(terms: [String], rules: TextRules) {
        self.terms = terms.map { Self.fold($0) }.filter { !$0.isEmpty }
        self.termBytes = self.terms.map { Array($0.utf8) }
        self.rules = rules
    }

    /// The terms as bytes, folded once.
    private let termBytes: [[UInt8]]

    public var isEmpty: Bool { termBytes.isEmpty }

    /// The first term found in `text` that no trigger negates, or nil.
    public func firstMatch(in text: String) -> String? {
        guard !termBytes.isEmpty else { return nil }
        let folded = Self.foldedBytes(text)
        for (i, term) in termBytes.enumerated() {
            var from = 0
            while let at = Self.wholeWord(term, in: folded, from: from, before: folded.count) {
                if !rules.negates(at, at + term.count, in: folded) { return terms[i] }
                from = at + 1
            }
        }
        return nil
    }

    static func fold(_ s: String) -> String { String(decoding: foldedBytes(s), as: UTF8.self) }

    static func foldedBytes(_ s: String) -> [UInt8] {
        var bytes = Array(s.utf8)
        for i in bytes.indices where bytes[i] >= 0x41 && bytes[i] <= 0x5A { bytes[i] += 0x20 }
        return bytes
    }

    @inline(__always)
    static func isWordByte(_ b: UInt8) -> Bool {
        (b >= 0x30 && b <= 0x39) || (b >= 0x61 && b <= 0x7A) || (b >= 0x41 && b <= 0x5A) || b >= 0x80
    }

    /// The first offset in `[from, before)` where `phrase` occurs as whole words (the phrase
    /// must end by `before`), or nil.
    static func wholeWord(_ phrase: [UInt8], in text: [UInt8], from: Int, before: Int) -> Int? {
        guard let first = phrase.first, from >= 0 else { return nil }
        let limit = min(before, text.count) - phrase.count
        guard limit >= from else { return nil }
        var i = from
        while i <= limit {
            if text[i] == first, text[i..<(i + phrase.count)].elementsEqual(phrase) {
                let end = i + phrase.count
                // A phrase ending (or starting) in punctuation, such as "r/o", bounds itself.
                let boundaryBefore = i == 0 || !isWordByte(text[i - 1]) || !isWordByte(first)
                let boundaryAfter = end == text.count || !isWordByte(text[end]) || !isWordByte(phrase[phrase.count - 1])
                if boundaryBefore && boundaryAfter { return i }
            }
            i += 1
        }
        return nil
    }
}
