import JSONKit

/// When a synonym found in free text does not count: the trigger lists and clause boundaries of
/// `Mappings/text.json` (DESIGN "Free text is weaker than codes"), folded to lowercase bytes once.
///
/// A synonym is negated when a pre-trigger precedes it, or a post-trigger follows it, within its
/// clause; pseudo-triggers ("no increase", "not only") are phrases that contain a trigger word but
/// negate nothing, so a trigger inside one is ignored.
public struct TextRules: Sendable {
    let pre: [[UInt8]]
    let post: [[UInt8]]
    let pseudo: [[UInt8]]
    let boundaryWords: [[UInt8]]
    /// Bytes that end a clause.
    let boundaryBytes: Set<UInt8>

    public init(pre: [String], post: [String], pseudo: [String], boundaryWords: [String], boundaryPunctuation: [String]) {
        func fold(_ list: [String]) -> [[UInt8]] { list.map { Array(TextMatcher.fold($0).utf8) }.filter { !$0.isEmpty } }
        self.pre = fold(pre)
        self.post = fold(post)
        self.pseudo = fold(pseudo)
        self.boundaryWords = fold(boundaryWords)
        self.boundaryBytes = Set(boundaryPunctuation.flatMap { Array($0.utf8) })
    }

    /// No triggers at all: every synonym found counts (for tests of matching alone).
    public static let none = TextRules(pre: [], post: [], pseudo: [], boundaryWords: [], boundaryPunctuation: [])

    /// Reads `text.json`; every list must be an array of strings.
    static func load(_ json: JSONValue) throws(MappingError) -> TextRules {
        func list(_ key: String) throws(MappingError) -> [String] {
            guard let value = json[key], value.isArray else {
                throw MappingError(file: "text.json", path: "$.\(key)", message: "expected an array of strings")
            }
            var result: [String] = []
            for (i, item) in value.arrayValue.enumerated() {
                guard let s = item.stringValue, !s.isEmpty else {
                    throw MappingError(file: "text.json", path: "$.\(key)[\(i)]", message: "expected a non-empty string")
                }
                result.append(s)
            }
            return result
        }
        let punctuation = try list("clauseBoundaryPunctuation")
        for (i, p) in punctuation.enumerated() where p.utf8.count != 1 || TextMatcher.isWordByte(p.utf8.first!) {
            throw MappingError(file: "text.json", path: "$.clauseBoundaryPunctuation[\(i)]",
                               message: "expected one punctuation character")
        }
        return TextRules(pre: try list("preTriggers"), post: try list("postTriggers"), pseudo: try list("pseudoTriggers"),
                         boundaryWords: try list("clauseBoundaryWords"), boundaryPunctuation: punctuation)
    }

    /// The clause around `[start, end)`: from just after the previous boundary to the next one.
    func clause(of start: Int, _ end: Int, in text: [UInt8]) -> Range<Int> {
        var lo = start
        while lo > 0 {
            if boundaryBytes.contains(text[lo - 1]) { break }
            if let w = boundaryWord(endingAt: lo, in: text) { lo = w.upperBound; break }
            lo -= 1
        }
        var hi = end
        while hi < text.count {
            if boundaryBytes.contains(text[hi]) { break }
            if boundaryWord(startingAt: hi, in: text) != nil { break }
            hi += 1
        }
        return max(lo, 0)..<hi
    }

    /// True when a trigger negates the synonym at `[start, end)`.
    func negates(_ start: Int, _ end: Int, in text: [UInt8]) -> Bool {
        let scope = clause(of: start, end, in: text)
        return contains(pre, in: text, scope.lowerBound..<start) || contains(post, in: text, end..<scope.upperBound)
    }

    /// A phrase of `phrases` as whole words inside `range`, not part of a pseudo-trigger.
    func contains(_ phrases: [[UInt8]], in text: [UInt8], _ range: Range<Int>) -> Bool {
        guard !range.isEmpty else { return false }
        for phrase in phrases {
            var from = range.lowerBound
            while let at = TextMatcher.wholeWord(phrase, in: text, from: from, before: range.upperBound) {
                if !insidePseudo(at, at + phrase.count, in: text) { return true }
                from = at + 1
            }
        }
        return false
    }

    /// Whether `[start, end)` lies inside an occurrence of a pseudo-trigger.
    func insidePseudo(_ start: Int, _ end: Int, in text: [UInt8]) -> Bool {
        for p in pseudo {
            let lo = max(0, end - p.count)
            var from = lo
            while let at = TextMatcher.wholeWord(p, in: text, from: from, before: min(text.count, start + p.count)) {
                if at <= start && at + p.count >= end { return true }
                from = at + 1
            }
        }
        return false
    }

    func boundaryWord(startingAt i: Int, in text: [UInt8]) -> Range<Int>? {
        guard i == 0 || !TextMatcher.isWordByte(text[i - 1]) else { return nil }
        for w in boundaryWords where TextMatcher.wholeWord(w, in: text, from: i, before: i + w.count) == i {
            return i..<(i + w.count)
        }
        return nil
    }

    func boundaryWord(endingAt i: Int, in text: [UInt8]) -> Range<Int>? {
        guard i == text.count || !TextMatcher.isWordByte(text[i]) else { return nil }
        for w in boundaryWords where i >= w.count && TextMatcher.wholeWord(w, in: text, from: i - w.count, before: i) == i - w.count {
            return (i - w.count)..<i
        }
        return nil
    }
}
