/// A business identifier (FHIR Identifier, CDA II).
public struct Identifier: Codable, Hashable, Comparable, Sendable {
    /// Canonical system: a URI, or `urn:oid:<root>` for CDA.
    public var system: String?
    public var value: String

    public init(system: String?, value: String) {
        self.system = system
        self.value = value
    }

    public static func < (a: Identifier, b: Identifier) -> Bool { (a.system ?? "", a.value) < (b.system ?? "", b.value) }
}
