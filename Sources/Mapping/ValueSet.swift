public import ClinicalModel

/// A set of codes (from `Mappings/valuesets/*.json`, FHIR ValueSet JSON) plus the free-text
/// synonyms that count as members (from `Mappings/synonyms.json`).
public struct ValueSet: Sendable {
    public let id: String
    public let title: String
    let codes: Set<CodeKey>
    let text: TextMatcher

    struct CodeKey: Hashable, Sendable {
        let system: CodeSystem
        let code: String
    }

    init(id: String, title: String, codes: Set<CodeKey>, synonyms: [String]) {
        self.id = id
        self.title = title
        self.codes = codes
        self.text = TextMatcher(terms: synonyms)
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

    /// Codes first (they are exact); text only when no coding decides it.
    public func match(_ concept: Concept) -> Match? {
        for coding in concept.codings where contains(coding) { return .code(coding) }
        for t in concept.texts { if let term = text.firstMatch(in: t) { return .text(term) } }
        return nil
    }

    public func matches(_ concept: Concept) -> Bool { match(concept) != nil }

    public func matchesAny(_ concepts: [Concept]) -> Bool { concepts.contains { matches($0) } }

    /// Matches by code only: for value sets whose members must never be guessed from text.
    public func matchesCode(_ concept: Concept) -> Bool { concept.codings.contains { contains($0) } }
}
