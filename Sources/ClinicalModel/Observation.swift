/// A value an observation (or one of its components) reports.
public enum ObservationValue: Codable, Hashable, Sendable {
    case quantity(Quantity)
    case concept(Concept)
    case text(String)
    case boolean(Bool)
    case integer(Int)
    /// A value type the mapping does not read (Range, Ratio, SampledData …), by name.
    case other(String)
}

/// One component of an observation (genomics: gene studied, clinical significance …).
public struct ObservationComponent: Codable, Hashable, Sendable {
    public var code: Concept
    public var value: ObservationValue?
    public var interpretation: [Concept]

    public init(code: Concept, value: ObservationValue?, interpretation: [Concept] = []) {
        self.code = code
        self.value = value
        self.interpretation = interpretation
    }
}

/// A result, measurement, finding or report (FHIR Observation / DiagnosticReport, CDA Result
/// and Vital Sign observations).
public struct Observation: Codable, Hashable, Sendable {
    public enum Kind: String, Codable, Hashable, Sendable {
        case observation = "Observation"
        case report = "DiagnosticReport"
    }

    public var kind: Kind
    public var code: Concept
    public var status: String?
    public var categories: [Concept]
    public var value: ObservationValue?
    public var interpretation: [Concept]
    public var components: [ObservationComponent]
    /// DiagnosticReport.conclusionCode.
    public var conclusions: [Concept]
    /// DiagnosticReport.conclusion, or an observation's note.
    public var conclusionText: String?
    public var effective: Period?
    public var bodySites: [Concept]
    public var usability: Usability
    public var source: SourceRef
    /// Other inputs that held the same statement (same code, time, value and status); it counts once.
    public var otherSources: [SourceRef] = []

    public init(
        kind: Kind = .observation, code: Concept, status: String? = nil, categories: [Concept] = [],
        value: ObservationValue? = nil, interpretation: [Concept] = [], components: [ObservationComponent] = [],
        conclusions: [Concept] = [], conclusionText: String? = nil, effective: Period? = nil, bodySites: [Concept] = [],
        usability: Usability = .usable, source: SourceRef
    ) {
        self.kind = kind
        self.code = code
        self.status = status
        self.categories = categories
        self.value = value
        self.interpretation = interpretation
        self.components = components
        self.conclusions = conclusions
        self.conclusionText = conclusionText
        self.effective = effective
        self.bodySites = bodySites
        self.usability = usability
        self.source = source
    }

    /// The time the result applies to.
    public var time: Instant? { effective?.latest ?? effective?.earliest }
}
