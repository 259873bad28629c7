/// The id of a derived fact: an open string, defined by a `facts.json` entry (lower-case
/// letters, digits and '-', since it is a FHIR code and part of an Observation id). No list of
/// facts lives in Swift: `FactDeriver.catalog` is the order the mappings give.
///
/// Its string's hash is computed once, when the id is made: rules and the CarePlan builder look
/// facts up by id (``FactSet``) tens of thousands of times a CarePlan-heavy night, and hashing
/// the string afresh on each lookup was most of their cost. The hash is only ever this
/// process's (`String.hashValue`, seeded per run), never stored or written.
public struct FactID: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible, ExpressibleByStringLiteral {
    public let rawValue: String
    private let stringHash: Int

    public init(rawValue: String) {
        self.rawValue = rawValue
        stringHash = rawValue.hashValue
    }

    public init(_ raw: String) { self.init(rawValue: raw) }
    public init(stringLiteral value: String) { self.init(rawValue: value) }
    public var description: String { rawValue }
    public static func < (a: FactID, b: FactID) -> Bool { a.rawValue < b.rawValue }

    /// Equal strings (Swift's `==`, canonical equivalence) have equal hashes, so differing
    /// hashes answer "not equal" without comparing the strings.
    public static func == (a: FactID, b: FactID) -> Bool { a.stringHash == b.stringHash && a.rawValue == b.rawValue }

    public func hash(into hasher: inout Hasher) { hasher.combine(stringHash) }
}
