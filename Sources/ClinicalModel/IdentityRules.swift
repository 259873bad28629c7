/// What may link two records as one patient (`Mappings/identity.json`): identifier values that
/// name nobody in particular ("UNKNOWN", "000-00-0000") never merge patients.
public struct IdentityRules: Sendable {
    /// Placeholder values, folded (lowercase, no spaces or punctuation).
    let placeholders: Set<String>
    /// A value of one character repeated ("999999999", "XXXX") is a placeholder too.
    let repeatedCharacter: Bool

    public init(placeholderValues: [String], repeatedCharacterIsPlaceholder: Bool) {
        placeholders = Set(placeholderValues.map(Self.fold))
        repeatedCharacter = repeatedCharacterIsPlaceholder
    }

    /// No placeholders: every identifier with a system may link (tests of linking alone).
    public static let none = IdentityRules(placeholderValues: [], repeatedCharacterIsPlaceholder: false)

    /// Whether the identifier can link records: it has a system and a value that is not a placeholder.
    public func links(_ id: Identifier) -> Bool {
        guard let system = id.system, !system.isEmpty else { return false }
        return !isPlaceholder(id.value)
    }

    public func isPlaceholder(_ value: String) -> Bool {
        let folded = Self.fold(value)
        if folded.isEmpty { return true }
        // Punctuation-only values fold to nothing; a value of one repeated character names nobody.
        let raw = value.lowercased().filter { !$0.isWhitespace }
        if placeholders.contains(raw) || placeholders.contains(folded) { return true }
        if repeatedCharacter, let first = folded.first, folded.allSatisfy({ $0 == first }) { return true }
        return false
    }

    /// Lowercase letters and digits only.
    static func fold(_ s: String) -> String {
        String(s.lowercased().unicodeScalars.filter { ($0 >= "a" && $0 <= "z") || ($0 >= "0" && $0 <= "9") }.map(Character.init))
    }
}
