/// One code from one code system, as recorded.
public struct Coding: Codable, Hashable, Sendable, CustomStringConvertible {
    /// Canonical system URI; nil when the record gave none.
    public var system: CodeSystem?
    public var code: String
    /// The display the record gave. Used for people, never for matching.
    public var display: String?

    public init(system: CodeSystem?, code: String, display: String? = nil) {
        self.system = system
        self.code = code
        self.display = display
    }

    public var description: String { "\(system?.rawValue ?? "?")|\(code)" }
}
