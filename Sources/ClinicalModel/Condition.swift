/// A problem or diagnosis (FHIR Condition, CDA Problem Observation).
public struct Condition: Codable, Hashable, Sendable {
    public var code: Concept
    /// Normalized clinical status: active, recurrence, relapse, inactive, remission, resolved.
    public var clinicalStatus: String?
    /// Normalized verification status: confirmed, provisional, differential, unconfirmed, refuted, entered-in-error.
    public var verificationStatus: String?
    public var onset: Period?
    public var abatement: Period?
    public var recorded: TimeRange?
    public var bodySites: [Concept]
    /// Stage summaries recorded on the condition (FHIR `Condition.stage.summary`).
    public var stages: [Concept]
    public var usability: Usability
    public var source: SourceRef
    /// Other inputs that held the same statement (same code, time, value and status); it counts once.
    public var otherSources: [SourceRef] = []

    public init(
        code: Concept, clinicalStatus: String? = nil, verificationStatus: String? = nil, onset: Period? = nil,
        abatement: Period? = nil, recorded: TimeRange? = nil, bodySites: [Concept] = [], stages: [Concept] = [],
        usability: Usability = .usable, source: SourceRef
    ) {
        self.code = code
        self.clinicalStatus = clinicalStatus
        self.verificationStatus = verificationStatus
        self.onset = onset
        self.abatement = abatement
        self.recorded = recorded
        self.bodySites = bodySites
        self.stages = stages
        self.usability = usability
        self.source = source
    }

    /// Best time for ordering: onset, else recorded date.
    public var time: Instant? { onset?.earliest ?? recorded?.start }
}
