public import ClinicalModel

/// What every evaluating command shares: the date, the mappings and the canonical base.
public struct EvaluationOptions: Sendable {
    /// Start of the evaluation day (a calendar date; records are compared by the dates they recorded).
    public var asOf: Instant
    public var mappings: MappingsSource
    /// Overrides the guideline's canonical base URL.
    public var canonicalBase: String?
    /// What reading an input and assembling a patient may cost.
    public var limits: ReadLimits
    /// The guidelines to apply (`--guideline`, by id); nil applies every guideline of the mappings.
    public var guidelines: [String]? = nil

    public init(asOf: Instant, mappings: MappingsSource = .embedded, canonicalBase: String? = nil,
                limits: ReadLimits = .defaults) {
        self.asOf = asOf
        self.mappings = mappings
        self.canonicalBase = canonicalBase
        self.limits = limits
    }

    /// Parses `YYYY-MM-DD`.
    public static func parseDate(_ text: String) -> Instant? {
        guard text.utf8.count == 10, let range = TimeRange.parseFHIR(text) else { return nil }
        return range.start
    }
}
