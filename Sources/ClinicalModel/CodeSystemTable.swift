/// Folds code-system aliases (non-preferred URIs, `urn:oid:` forms, bare CDA OIDs) into
/// canonical URIs, and normalizes codes where a system writes them two ways
/// (HGNC `1100` vs `HGNC:1100`). Built from `Mappings/codesystems.json`.
public struct CodeSystemTable: Sendable {
    public struct Entry: Sendable {
        public var canonical: CodeSystem
        /// A prefix every code of this system carries, added when missing (`HGNC:`).
        public var codePrefix: String?
        /// Short name for human-readable text ("SNOMED CT").
        public var name: String
        /// How codes of this system may be written in several ways that mean the same code.
        public var codeFormat: CodeFormat?
        public init(canonical: CodeSystem, codePrefix: String? = nil, name: String, codeFormat: CodeFormat? = nil) {
            self.canonical = canonical
            self.codePrefix = codePrefix
            self.name = name
            self.codeFormat = codeFormat
        }
    }

    public enum CodeFormat: String, Sendable {
        /// ICD-10 / ICD-10-CM: `c787`, `C787` and `C78.7` are one code (uppercase, a dot after
        /// the three-character category).
        case icd
    }

    private var byAlias: [String: Int] = [:]
    private var entries: [Entry] = []

    public init() {}

    /// Registers a system with every spelling it may arrive in; OIDs may be given bare.
    public mutating func add(_ entry: Entry, aliases: [String], oids: [String]) {
        let index = entries.count
        entries.append(entry)
        byAlias[Self.key(entry.canonical.rawValue)] = index
        for alias in aliases { byAlias[Self.key(alias)] = index }
        for oid in oids {
            byAlias[Self.key(oid)] = index
            byAlias[Self.key("urn:oid:" + oid)] = index
        }
    }

    /// The canonical system for a URI or OID as written in a record; unknown systems pass
    /// through trimmed (trailing `/` removed), so they still compare equal to themselves.
    public func canonical(_ written: String) -> CodeSystem {
        if let i = byAlias[Self.key(written)] { return entries[i].canonical }
        return CodeSystem(Self.trimmed(written))
    }

    /// The code as the canonical system writes it.
    public func normalizedCode(_ code: String, system: CodeSystem) -> String {
        normalizedCode(code, entry: byAlias[Self.key(system.rawValue)])
    }

    /// The code as the entry (the canonical system's) writes it.
    func normalizedCode(_ code: String, entry: Int?) -> String {
        let trimmed = Self.trimmed(code)
        guard let i = entry else { return trimmed }
        if entries[i].codeFormat == .icd { return Self.icd(trimmed) }
        guard let prefix = entries[i].codePrefix, !trimmed.hasPrefix(prefix) else { return trimmed }
        return prefix + trimmed
    }

    /// `c787` → `C78.7`; codes of three characters, or already dotted, only change case.
    static func icd(_ code: String) -> String {
        var bytes = Array(code.utf8).filter { $0 != 0x20 }
        for k in bytes.indices where bytes[k] >= 0x61 && bytes[k] <= 0x7A { bytes[k] -= 0x20 }
        if bytes.count > 3, !bytes.contains(UInt8(ascii: ".")),
            bytes[0] >= 0x41 && bytes[0] <= 0x5A, bytes[1...2].allSatisfy({ $0 >= 0x30 && $0 <= 0x39 })
        {
            bytes.insert(UInt8(ascii: "."), at: 3)
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// A short display name for a system ("LOINC"), or the URI itself.
    public func name(of system: CodeSystem) -> String {
        if let i = byAlias[Self.key(system.rawValue)] { return entries[i].name }
        return system.rawValue
    }

    /// Builds a coding with system and code folded to their canonical forms.
    public func coding(system: String?, code: String, display: String?) -> Coding {
        coding(system.map { resolve($0) }, code: code, display: display)
    }

    /// What a system as written stands for: its canonical system, and the entry whose way of
    /// writing codes applies to it. Worked out once, it serves every coding that writes the
    /// system the same way.
    public struct Resolution: Sendable {
        public let system: CodeSystem
        let entry: Int?
    }

    public func resolve(_ written: String) -> Resolution {
        let system = canonical(written)
        return Resolution(system: system, entry: byAlias[Self.key(system.rawValue)])
    }

    /// ``coding(system:code:display:)`` with the system already resolved (nil: none written).
    public func coding(_ system: Resolution?, code: String, display: String?) -> Coding {
        guard let system else { return Coding(system: nil, code: Self.trimmed(code), display: display) }
        return Coding(system: system.system, code: normalizedCode(code, entry: system.entry), display: display)
    }

    static func key(_ s: String) -> String {
        // Nearly every system arrives already in its key's form (ASCII, lowercase, no blanks
        // around it, no trailing `/`): returned as is, without lowercasing a copy. Anything else
        // takes the Unicode-aware path below, which defines the key.
        if isASCIIKey(s) { return s }
        var t = trimmed(s)
        while t.hasSuffix("/") { t.removeLast() }
        return t.lowercased()
    }

    /// Whether `key(s)` is `s`: ASCII with no uppercase letter, neither starting nor ending with
    /// a blank, not ending with `/`.
    private static func isASCIIKey(_ s: String) -> Bool {
        var s = s
        return s.withUTF8 { b in
            guard let first = b.first, let last = b.last, !isBlank(first), !isBlank(last), last != UInt8(ascii: "/")
            else { return false }
            for c in b where c >= 0x80 || (c >= 0x41 && c <= 0x5A) { return false }
            return true
        }
    }

    private static func isBlank(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D }

    static func trimmed(_ s: String) -> String {
        // No blank byte at either end: no blank Character there either (a Character starts and
        // ends with the bytes of its first and last scalar), so nothing to trim.
        var u = s
        let untouched = u.withUTF8 { b in b.first.map { !isBlank($0) } == true && !isBlank(b[b.count - 1]) }
        if untouched { return s }
        var scalars = Substring(s)
        while let f = scalars.first, f == " " || f == "\t" || f == "\n" || f == "\r" { scalars.removeFirst() }
        while let l = scalars.last, l == " " || l == "\t" || l == "\n" || l == "\r" { scalars.removeLast() }
        return String(scalars)
    }
}
