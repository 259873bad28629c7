/// Finds synonym terms in free text ("Xtandi 40 mg capsule", "stopped: disease progression").
///
/// Matching is case-insensitive (ASCII folding) on whole words; Unicode spaces, dashes, quotes
/// and full-width punctuation are read as their ASCII forms, so "No\u{00A0}progression" and
/// "Stopped—no progression" are negated like their ASCII spellings. How a mention reads
/// (affirmed, negated, uncertain) is ``TextRules``' business (`Mappings/text.json`).
public struct TextMatcher: Sendable {
    /// Terms, lowercased.
    public let terms: [String]
    let rules: TextRules

    /// A term written `=term` counts only as the whole text ("Progression", not "progression of
    /// neuropathy"); others anywhere in the text, as whole words.
    public init(terms: [String], rules: TextRules) {
        var bytes: [[UInt8]] = []
        var exact: [Bool] = []
        for t in terms {
            let whole = t.hasPrefix("=")
            let folded = Self.foldedBytes(whole ? String(t.dropFirst()) : t)
            guard !folded.isEmpty else { continue }
            bytes.append(folded)
            exact.append(whole)
        }
        self.termBytes = bytes
        self.exact = exact
        self.terms = bytes.map { String(decoding: $0, as: UTF8.self) }
        self.rules = rules
        var byPair: [UInt16: [Int]] = [:]
        var always: [Int] = []
        var pairs = [UInt64](repeating: 0, count: 1024)
        for (i, t) in bytes.enumerated() {
            if exact[i] || t.count < 2 {
                always.append(i)
            } else {
                let key = UInt16(t[0]) << 8 | UInt16(t[1])
                byPair[key, default: []].append(i)
                pairs[Int(key >> 6)] |= 1 << UInt64(key & 63)
            }
        }
        self.termsByPair = byPair
        self.alwaysTried = always
        self.pairBits = pairs
    }

    /// The terms as bytes, folded once.
    private let termBytes: [[UInt8]]
    private let exact: [Bool]
    /// The terms by their first two bytes, and a bit per two-byte pair that starts some term: one
    /// pass over a text finds the few terms that can occur in it, instead of scanning it once per
    /// term (a drug value set has hundreds). Exact and one-byte terms are always tried.
    private let termsByPair: [UInt16: [Int]]
    private let alwaysTried: [Int]
    private let pairBits: [UInt64]

    /// The indexes of the terms that may occur in `folded`, in term order (the order decides
    /// which mention wins, as when every term was tried).
    private func candidates(in folded: [UInt8]) -> [Int] {
        var found = alwaysTried
        if folded.count >= 2 {
            for i in 0..<(folded.count - 1) {
                let key = UInt16(folded[i]) << 8 | UInt16(folded[i + 1])
                guard pairBits[Int(key >> 6)] & (1 << UInt64(key & 63)) != 0, let terms = termsByPair[key] else { continue }
                found += terms
            }
        }
        if found.count > 1 {
            found.sort()
            var last = -1
            found.removeAll { i in
                defer { last = i }
                return i == last
            }
        }
        return found
    }

    public var isEmpty: Bool { termBytes.isEmpty }

    /// A term found in text and how it reads.
    public struct Mention: Sendable, Equatable {
        public let term: String
        public let reading: TextRules.Reading
    }

    /// The first affirmed term found in `text`, or nil.
    public func firstMatch(in text: String) -> String? {
        mention(in: text, rules: rules).flatMap { $0.reading == .affirmed ? $0.term : nil }
    }

    /// The first term found without any trigger applied: for names (a drug, a procedure).
    public func firstName(in text: String) -> String? { mention(in: text, rules: .none)?.term }

    /// The most telling mention in `text`: an affirmed one if any, else an uncertain one, else a
    /// negated one; nil when no term occurs.
    public func mention(in text: String) -> Mention? { mention(in: text, rules: rules) }

    func mention(in text: String, rules: TextRules) -> Mention? {
        guard !termBytes.isEmpty else { return nil }
        return mention(inFolded: Self.foldedBytes(text), rules: rules)
    }

    /// The first term found in text already folded (``foldedBytes(_:)``), without any trigger:
    /// for a text matched against many value sets, folded once.
    func firstName(inFolded folded: [UInt8]) -> String? {
        guard !termBytes.isEmpty else { return nil }
        return mention(inFolded: folded, rules: .none)?.term
    }

    func mention(inFolded folded: [UInt8], rules: TextRules) -> Mention? {
        var uncertain: Mention? = nil
        var negated: Mention? = nil
        for i in candidates(in: folded) {
            let term = termBytes[i]
            if exact[i] {
                if Self.trimmedText(folded).elementsEqual(term) { return Mention(term: terms[i], reading: .affirmed) }
                continue
            }
            var from = 0
            while let at = Self.wholeWord(term, in: folded, from: from, before: folded.count) {
                switch rules.reading(at, at + term.count, in: folded) {
                case .affirmed: return Mention(term: terms[i], reading: .affirmed)
                case .uncertain: if uncertain == nil { uncertain = Mention(term: terms[i], reading: .uncertain) }
                case .negated: if negated == nil { negated = Mention(term: terms[i], reading: .negated) }
                }
                from = at + 1
            }
        }
        return uncertain ?? negated
    }

    /// ASCII-lowercased UTF-8, with Unicode spaces, dashes, quotes and full-width punctuation
    /// replaced by their ASCII forms and invisible characters (soft hyphen, zero-width joiners)
    /// dropped: an em dash or a no-break space must separate words as its ASCII form does.
    static func foldedBytes(_ s: String) -> [UInt8] {
        var s = s
        // Written straight into the result: no replacement is longer than what it replaces
        // (" - " for a three-byte dash), so the text's length bounds the folded length.
        return s.withUTF8 { src in
            [UInt8](unsafeUninitializedCapacity: src.count) { out, count in
                var n = 0
                var i = 0
                while i < src.count {
                    let b = src[i]
                    if b < 0x80 {
                        out[n] = b >= 0x41 && b <= 0x5A ? b + 0x20 : b
                        n += 1
                        i += 1
                        continue
                    }
                    if let (replacement, length) = foldedSequence(src, at: i) {
                        for r in replacement { out[n] = r; n += 1 }
                        i += length
                        continue
                    }
                    out[n] = b
                    n += 1
                    i += 1
                }
                count = n
            }
        }
    }

    /// The ASCII form of the non-ASCII sequence starting at `i` (empty when it is dropped) and
    /// the sequence's length; nil when the byte at `i` is kept as it is.
    private static func foldedSequence(_ src: UnsafeBufferPointer<UInt8>, at i: Int) -> (ArraySlice<UInt8>, Int)? {
        let b = src[i]
        if b == 0xC2, i + 1 < src.count {
            switch src[i + 1] {
            case 0xA0: return (space, 2)                                                  // no-break space
            case 0xAD: return (dropped, 2)                                                // soft hyphen
            default: return nil
            }
        } else if b == 0xE2, i + 2 < src.count {
            let (c, d) = (src[i + 1], src[i + 2])
            if c == 0x80 {
                switch d {
                case 0x80...0x8B, 0xA8, 0xA9, 0xAF: return (space, 3)  // spaces, zero-width space, separators
                case 0x8C, 0x8D: return (dropped, 3)                     // zero-width (non-)joiner
                case 0x90, 0x91: return (hyphen, 3)                      // hyphens
                case 0x92...0x95: return (spacedHyphen, 3)               // figure, en, em dashes, bar
                case 0x98, 0x99: return (singleQuote, 3)                 // single quotes
                case 0x9C, 0x9D: return (doubleQuote, 3)                 // double quotes
                case 0xA6: return (period, 3)                            // ellipsis
                default: return nil
                }
            } else if c == 0x81, d == 0xA0 {
                return (dropped, 3)                                      // word joiner
            }
        } else if b == 0xE3, i + 2 < src.count, src[i + 1] == 0x80, src[i + 2] == 0x80 {
            return (space, 3)                                            // ideographic space
        } else if b == 0xEF, i + 2 < src.count {
            let (c, d) = (src[i + 1], src[i + 2])
            if c == 0xBB, d == 0xBF { return (dropped, 3) }              // byte order mark
            if c == 0xBC {
                // Full-width ！ ， ： ； ？ （ ）
                switch d {
                case 0x81: return ([0x21], 3)
                case 0x8C: return ([0x2C], 3)
                case 0x9A: return ([0x3A], 3)
                case 0x9B: return ([0x3B], 3)
                case 0x9F: return ([0x3F], 3)
                case 0x88: return ([0x28], 3)
                case 0x89: return ([0x29], 3)
                default: return nil
                }
            }
        }
        return nil
    }

    private static let space: ArraySlice<UInt8> = [0x20]
    private static let dropped: ArraySlice<UInt8> = []
    private static let hyphen: ArraySlice<UInt8> = [UInt8(ascii: "-")]
    private static let spacedHyphen = ArraySlice(" - ".utf8)
    private static let singleQuote: ArraySlice<UInt8> = [UInt8(ascii: "'")]
    private static let doubleQuote: ArraySlice<UInt8> = [UInt8(ascii: "\"")]
    private static let period: ArraySlice<UInt8> = [UInt8(ascii: ".")]

    /// The text without spaces and punctuation at either end.
    static func trimmedText(_ text: [UInt8]) -> ArraySlice<UInt8> {
        var lo = 0
        var hi = text.count
        while lo < hi, !isWordByte(text[lo]) { lo += 1 }
        while hi > lo, !isWordByte(text[hi - 1]) { hi -= 1 }
        return text[lo..<hi]
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
