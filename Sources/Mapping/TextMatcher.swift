/// Finds synonym terms in free text ("Xtandi 40 mg capsule", "stopped: disease progression").
///
/// Matching is case-insensitive on whole words, and a term does not count when the words
/// just before it negate it ("no progression", "without metastases") or when it is part of
/// a "-free" phrase ("progression-free survival").
public struct TextMatcher: Sendable {
    /// Terms, lowercased.
    public let terms: [String]

    public init(terms: [String]) {
        self.terms = terms.map { Self.fold($0) }.filter { !$0.isEmpty }
        self.termBytes = self.terms.map { Array($0.utf8) }
    }

    /// The terms as bytes, folded once.
    private let termBytes: [[UInt8]]

    static let negators: Set<String> = [
        "no", "not", "without", "denies", "denied", "negative", "never", "absent", "ruled", "non",
        "suspected", "possible", "probable", "questionable", "declined", "refused",
    ]

    /// The first term found in `text`, or nil.
    public func firstMatch(in text: String) -> String? {
        guard !termBytes.isEmpty else { return nil }
        var folded = Array(text.utf8)
        for i in folded.indices where folded[i] >= 0x41 && folded[i] <= 0x5A { folded[i] += 0x20 }
        for (i, term) in termBytes.enumerated() where Self.find(term, in: folded) {
            return terms[i]
        }
        return nil
    }

    static func fold(_ s: String) -> String {
        String(decoding: s.utf8.map { $0 >= 0x41 && $0 <= 0x5A ? $0 + 0x20 : $0 }, as: UTF8.self)
    }

    @inline(__always)
    static func isWordByte(_ b: UInt8) -> Bool {
        (b >= 0x30 && b <= 0x39) || (b >= 0x61 && b <= 0x7A) || b >= 0x80
    }

    static func find(_ term: [UInt8], in text: [UInt8]) -> Bool {
        guard term.count <= text.count, let first = term.first else { return false }
        var i = 0
        while i + term.count <= text.count {
            if text[i] == first, text[i..<(i + term.count)].elementsEqual(term) {
                let end = i + term.count
                let boundaryBefore = i == 0 || !isWordByte(text[i - 1])
                let boundaryAfter = end == text.count || !isWordByte(text[end])
                if boundaryBefore && boundaryAfter && !negated(text, before: i) && !freePhrase(text, after: end) {
                    return true
                }
            }
            i += 1
        }
        return false
    }

    /// True when one of the three words before `index` (same clause) is a negator.
    static func negated(_ text: [UInt8], before index: Int) -> Bool {
        var words: [String] = []
        var j = index - 1
        while j >= 0, words.count < 3 {
            let b = text[j]
            if b == UInt8(ascii: ".") || b == UInt8(ascii: ";") || b == UInt8(ascii: ",") || b == UInt8(ascii: ":") { break }
            if isWordByte(b) {
                var k = j
                while k >= 0, isWordByte(text[k]) { k -= 1 }
                words.append(String(decoding: text[(k + 1)...j], as: UTF8.self))
                j = k
            } else {
                j -= 1
            }
        }
        return words.contains { negators.contains($0) }
    }

    static func freePhrase(_ text: [UInt8], after end: Int) -> Bool {
        let tail = text[end...].drop { $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: " ") }
        return tail.starts(with: Array("free".utf8))
    }
}
