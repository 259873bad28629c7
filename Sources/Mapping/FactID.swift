/// The id of a derived fact: an open string, defined by a `facts.json` entry (lower-case
/// letters, digits and '-', since it is a FHIR code and part of an Observation id). No list of
/// facts lives in Swift: `FactDeriver.catalog` is the order the mappings give.
public struct FactID: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible, ExpressibleByStringLiteral {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(_ raw: String) { self.rawValue = raw }
    public init(stringLiteral value: String) { self.rawValue = value }
    public var description: String { rawValue }
    public static func < (a: FactID, b: FactID) -> Bool { a.rawValue < b.rawValue }
}
