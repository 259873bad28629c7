import JSONKit

/// When a synonym found in free text does not count: the trigger lists, labels, answers and
/// clause boundaries of `Mappings/text.json` (DESIGN "Free text is weaker than codes"), folded
/// to lowercase bytes once.
///
/// A mention is *negated* by a negation trigger in its clause (before it: "no evidence of"; after
/// it: "ruled out"), by a negation label ending the clause before it ("Family hx: …"), or by a
/// negative answer right after it ("Progression: none"); it is *uncertain* under the uncertainty
/// triggers and labels ("suspected", "not excluded", "Screening: …"). Pseudo-triggers ("no
/// increase", "not only") contain a trigger word but are none, so a trigger inside one is ignored.
public struct TextRules: Sendable {
    /// One kind of trigger (negation or uncertainty).
    struct Triggers: Sendable {
        let pre: [[UInt8]]
        let post: [[UInt8]]
        /// A clause ending with one of these and ':' governs the clause after it.
        let labels: [[UInt8]]
    }

    let negation: Triggers
    let uncertainty: Triggers
    /// A clause that is only one of these, right after `term:` / `term?` / `term =`, negates the term.
    let answers: [[UInt8]]
    let pseudo: [[UInt8]]
    let boundaryWords: [[UInt8]]
    /// Bytes that end a clause.
    let boundaryBytes: Set<UInt8>

    public init(negationPre: [String], negationPost: [String], negationLabels: [String] = [], answers: [String] = [],
                uncertaintyPre: [String] = [], uncertaintyPost: [String] = [], uncertaintyLabels: [String] = [],
                pseudo: [String] = [], boundaryWords: [String] = [], boundaryPunctuation: [String] = []) {
        func fold(_ list: [String]) -> [[UInt8]] { list.map { TextMatcher.foldedBytes($0) }.filter { !$0.isEmpty } }
        negation = Triggers(pre: fold(negationPre), post: fold(negationPost), labels: fold(negationLabels))
        uncertainty = Triggers(pre: fold(uncertaintyPre), post: fold(uncertaintyPost), labels: fold(uncertaintyLabels))
        self.answers = fold(answers)
        self.pseudo = fold(pseudo)
        self.boundaryWords = fold(boundaryWords)
        self.boundaryBytes = Set(boundaryPunctuation.flatMap { Array($0.utf8) })
    }

    /// No triggers at all: every synonym found counts (drug and procedure names).
    public static let none = TextRules(negationPre: [], negationPost: [])

    /// Reads `text.json`; every list must be an array of non-empty strings.
    static func load(_ json: JSONValue) throws(MappingError) -> TextRules {
        func list(_ path: [String]) throws(MappingError) -> [String] {
            var v: JSONValue? = json
            for key in path { v = v?[key] }
            let where_ = "$." + path.joined(separator: ".")
            guard let value = v, value.isArray else {
                throw MappingError(file: "text.json", path: where_, message: "expected an array of strings")
            }
            var result: [String] = []
            for (i, item) in value.arrayValue.enumerated() {
                guard let s = item.stringValue, !s.isEmpty else {
                    throw MappingError(file: "text.json", path: "\(where_)[\(i)]", message: "expected a non-empty string")
                }
                result.append(s)
            }
            return result
        }
        let punctuation = try list(["clauseBoundaryPunctuation"])
        for (i, p) in punctuation.enumerated() where p.utf8.count != 1 || TextMatcher.isWordByte(p.utf8.first!) {
            throw MappingError(file: "text.json", path: "$.clauseBoundaryPunctuation[\(i)]",
                               message: "expected one punctuation character")
        }
        return TextRules(
            negationPre: try list(["negation", "pre"]), negationPost: try list(["negation", "post"]),
            negationLabels: try list(["negation", "labels"]), answers: try list(["negation", "answers"]),
            uncertaintyPre: try list(["uncertainty", "pre"]), uncertaintyPost: try list(["uncertainty", "post"]),
            uncertaintyLabels: try list(["uncertainty", "labels"]), pseudo: try list(["pseudoTriggers"]),
            boundaryWords: try list(["clauseBoundaryWords"]), boundaryPunctuation: punctuation)
    }

    /// How a mention found in text reads.
    public enum Reading: Sendable, Equatable {
        case affirmed, negated, uncertain
    }

    /// The reading of the mention at `[start, end)` of folded `text`.
    func reading(_ start: Int, _ end: Int, in text: [UInt8]) -> Reading {
        let scope = clause(of: start, end, in: text)
        let before = scope.lowerBound..<start
        let after = end..<scope.upperBound
        if contains(negation.pre, in: text, before) || contains(negation.post, in: text, after)
            || labelled(negation.labels, clauseStart: scope.lowerBound, in: text) || answeredNo(after: end, in: text)
        {
            return .negated
        }
        if contains(uncertainty.pre, in: text, before) || contains(uncertainty.post, in: text, after)
            || labelled(uncertainty.labels, clauseStart: scope.lowerBound, in: text)
        {
            return .uncertain
        }
        return .affirmed
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

    /// "Family hx: prostate cancer": the clause before ours ends with `:` and with a label.
    func labelled(_ labels: [[UInt8]], clauseStart: Int, in text: [UInt8]) -> Bool {
        guard !labels.isEmpty, clauseStart > 0, text[clauseStart - 1] == UInt8(ascii: ":") else { return false }
        let colon = clauseStart - 1
        let previous = clause(of: colon, colon, in: text)
        let words = trimmed(text, previous)
        for label in labels where words.count >= label.count {
            let at = words.upperBound - label.count
            if text[at..<words.upperBound].elementsEqual(label), at == words.lowerBound || !TextMatcher.isWordByte(text[at - 1]) {
                return true
            }
        }
        return false
    }

    /// "Progression: none", "Rising PSA? no", "Mets - neg": right after the term comes `:`, `?`,
    /// `=` or `-`, and what follows, to the end of that clause, is nothing but a negative answer.
    func answeredNo(after end: Int, in text: [UInt8]) -> Bool {
        guard !answers.isEmpty else { return false }
        var p = end
        while p < text.count, text[p] == 0x20 { p += 1 }
        guard p < text.count else { return false }
        let mark = text[p]
        let answer: Range<Int>
        if mark == UInt8(ascii: ":") || mark == UInt8(ascii: "?") || mark == UInt8(ascii: "=") {
            answer = trimmed(text, clause(of: p + 1, p + 1, in: text))
        } else if mark == UInt8(ascii: "-") {
            answer = trimmed(text, (p + 1)..<clause(of: p + 1, p + 1, in: text).upperBound)
        } else {
            return false
        }
        return answers.contains { text[answer].elementsEqual($0) }
    }

    /// `range` without spaces and dashes at either end.
    func trimmed(_ text: [UInt8], _ range: Range<Int>) -> Range<Int> {
        var lo = range.lowerBound
        var hi = range.upperBound
        func blank(_ b: UInt8) -> Bool { b == 0x20 || b == UInt8(ascii: "-") }
        while lo < hi, blank(text[lo]) { lo += 1 }
        while hi > lo, blank(text[hi - 1]) { hi -= 1 }
        return lo..<hi
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
            var from = max(0, end - p.count)
            while let at = TextMatcher.wholeWord(p, in: text, from: from, before: min(text.count, start + p.count)) {
                // Only a longer phrase hides a trigger: "not excluded" itself is a trigger.
                if at <= start && at + p.count >= end && p.count > end - start { return true }
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
