public import ClinicalModel

/// A set of codes (from `Mappings/valuesets/*.json`, FHIR ValueSet JSON) plus the free-text
/// synonyms that count as members (from `Mappings/synonyms.json`).
public struct ValueSet: Sendable {
    public var id: String { storage.id }
    public var title: String { storage.title }
    var codes: Set<CodeKey> { storage.codes }
    /// `compose.exclude`: codes that say the opposite (a stop reason "treatment completed" against
    /// progression). A concept carrying one is never matched by its text.
    var opposites: Set<CodeKey> { storage.opposites }
    var text: TextMatcher { storage.text }

    /// What a value set holds, held once: facts and their lists copy value sets wherever they
    /// name them, and a copy of a dozen reference-counted fields cost more than most lookups.
    private final class Storage: Sendable {
        let id: String
        let title: String
        let codes: Set<CodeKey>
        let opposites: Set<CodeKey>
        let text: TextMatcher

        init(id: String, title: String, codes: Set<CodeKey>, opposites: Set<CodeKey>, text: TextMatcher) {
            self.id = id
            self.title = title
            self.codes = codes
            self.opposites = opposites
            self.text = text
        }
    }

    private let storage: Storage

    struct CodeKey: Hashable, Sendable {
        let system: CodeSystem
        let code: String

        /// The code alone: a concept is tried against many value sets, and hashing its system's
        /// URI every time cost more than the code. Keys equal in code and system still hash
        /// alike; a code shared by two systems is told apart by `==`.
        func hash(into hasher: inout Hasher) { hasher.combine(code) }
    }

    init(id: String, title: String, codes: Set<CodeKey>, opposites: Set<CodeKey> = [], synonyms: [String],
         rules: TextRules) {
        storage = Storage(id: id, title: title, codes: codes, opposites: opposites,
                          text: TextMatcher(terms: synonyms, rules: rules))
    }

    /// How a concept matched: by a coding, or by a synonym found in its text.
    public enum Match: Hashable, Sendable, CustomStringConvertible {
        case code(Coding)
        case text(String)

        public var description: String {
            switch self {
            case .code(let c): "code \(c.code)"
            case .text(let t): "text \"\(t)\""
            }
        }
    }

    public func contains(_ coding: Coding) -> Bool {
        guard let system = coding.system else { return false }
        return codes.contains(CodeKey(system: system, code: coding.code))
    }

    /// Codes first (they are exact); text only when no coding decides it, and never against a
    /// coding that says the opposite (DESIGN: text never overrides a coded value).
    public func match(_ concept: Concept) -> Match? { match(concept, folded: nil) }

    /// ``match(_:)``, with the concept's texts already folded when the caller matches them
    /// against many value sets (nil: folded here, if text is read at all).
    func match(_ concept: Concept, folded: FoldedTexts?) -> Match? {
        for coding in concept.codings where contains(coding) { return .code(coding) }
        guard !text.isEmpty else { return nil }
        if !opposites.isEmpty, concept.codings.contains(where: { isOpposite($0) }) { return nil }
        for t in (folded ?? FoldedTexts(concept)).texts {
            if let m = text.mention(inFolded: t, rules: text.rules), m.reading == .affirmed { return .text(m.term) }
        }
        return nil
    }

    /// A coding the value set excludes: it says the opposite of membership.
    public func isOpposite(_ coding: Coding) -> Bool {
        guard let system = coding.system else { return false }
        return opposites.contains(CodeKey(system: system, code: coding.code))
    }

    /// Text alone (no codings): for concepts that are only words, such as a body site's text.
    public func matchesText(_ s: String) -> Bool { text.firstMatch(in: s) != nil }

    /// A name (a drug, a procedure, a study): by code, else by its text with no trigger applied —
    /// "Patient did not tolerate docetaxel" names docetaxel; whether it was given is the
    /// statement's status, not its words.
    public func matchesName(_ concept: Concept) -> Bool {
        if concept.codings.contains(where: { contains($0) }) { return true }
        guard !text.isEmpty else { return false }
        if !opposites.isEmpty, concept.codings.contains(where: { isOpposite($0) }) { return false }
        return concept.texts.contains { text.firstName(in: $0) != nil }
    }

    /// ``matchesName(_:)`` with the concept's texts already folded (``FoldedTexts``).
    func matchesName(_ concept: Concept, folded: FoldedTexts) -> Bool {
        if concept.codings.contains(where: { contains($0) }) { return true }
        guard !text.isEmpty else { return false }
        if !opposites.isEmpty, concept.codings.contains(where: { isOpposite($0) }) { return false }
        return folded.texts.contains { text.firstName(inFolded: $0) != nil }
    }

    /// How the concept mentions this value set when no code decides: affirmed, uncertain or
    /// negated text; nil when it does not mention it at all (or a coding says the opposite).
    public func textMention(_ concept: Concept) -> TextMatcher.Mention? { textMention(concept, folded: nil) }

    /// ``textMention(_:)`` with the concept's texts already folded (nil: folded here).
    func textMention(_ concept: Concept, folded: FoldedTexts?) -> TextMatcher.Mention? {
        guard !text.isEmpty else { return nil }
        if !opposites.isEmpty, concept.codings.contains(where: { isOpposite($0) }) { return nil }
        var best: TextMatcher.Mention? = nil
        for t in (folded ?? FoldedTexts(concept)).texts {
            guard let m = text.mention(inFolded: t, rules: text.rules) else { continue }
            if m.reading == .affirmed { return m }
            if best == nil || (m.reading == .uncertain && best!.reading == .negated) { best = m }
        }
        return best
    }

    public func matches(_ concept: Concept) -> Bool { match(concept) != nil }

    public func matchesAny(_ concepts: [Concept]) -> Bool { concepts.contains { matches($0) } }

    /// Matches by code only: for value sets whose members must never be guessed from text.
    public func matchesCode(_ concept: Concept) -> Bool { concept.codings.contains { contains($0) } }
}
