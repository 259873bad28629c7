/// A procedure done, or a procedure / service requested or planned.
public struct Procedure: Codable, Hashable, Sendable {
    public enum Kind: String, Codable, Hashable, Sendable {
        case procedure = "Procedure"
        case serviceRequest = "ServiceRequest"
        case cdaProcedure = "Procedure Activity"
        case cdaPlanned = "Planned Procedure"
    }

    public var kind: Kind
    public var code: Concept
    public var status: String?
    public var actuality: Actuality
    public var performed: Period?
    /// When it was requested (ServiceRequest.authoredOn).
    public var authored: TimeRange?
    public var bodySites: [Concept]
    public var reasons: [Concept]
    /// Why it is done, as an intent (mCODE procedure-intent extension: palliative, curative).
    public var intents: [Concept] = []
    public var usability: Usability
    public var source: SourceRef
    /// Other inputs that held the same statement (same code, time, value and status); it counts once.
    public var otherSources: [SourceRef] = []

    public init(
        kind: Kind, code: Concept, status: String? = nil, actuality: Actuality, performed: Period? = nil,
        authored: TimeRange? = nil, bodySites: [Concept] = [], reasons: [Concept] = [], usability: Usability = .usable,
        source: SourceRef
    ) {
        self.kind = kind
        self.code = code
        self.status = status
        self.actuality = actuality
        self.performed = performed
        self.authored = authored
        self.bodySites = bodySites
        self.reasons = reasons
        self.usability = usability
        self.source = source
    }

    public var time: Instant? { performed?.earliest ?? authored?.start }
}
