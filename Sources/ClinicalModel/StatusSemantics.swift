/// What the status elements of a record mean for its statements (DESIGN "How real records are
/// read"): which values make a statement never evidence (entered in error, refuted, unconfirmed,
/// negated, not taken, not done, cancelled, no result yet), which make it a plan rather than
/// something that happened, and — for C-CDA — which FHIR status a `statusCode` is recorded as.
///
/// One table for both readers, built from `Mappings/statuses.json` by the Mapping module (this
/// module reads no files and parses no JSON). The readers only collect the elements' values
/// (``Values``) and ask; no status list lives in reader code.
public struct StatusSemantics: Sendable {
    /// The record format a rule set belongs to.
    public enum Format: String, Sendable, CaseIterable {
        case fhir, cda
    }

    /// A statement kind, named by its FHIR resource type; a C-CDA entry by the type it
    /// corresponds to (a Problem Observation is a `Condition`, a Medication Activity an actual
    /// `MedicationStatement` or a planned `MedicationRequest`, a planned procedure a `ServiceRequest`).
    public enum Kind: String, Sendable, CaseIterable {
        case condition = "Condition"
        case medicationStatement = "MedicationStatement"
        case medicationRequest = "MedicationRequest"
        case medicationAdministration = "MedicationAdministration"
        case medicationDispense = "MedicationDispense"
        case observation = "Observation"
        case diagnosticReport = "DiagnosticReport"
        case procedure = "Procedure"
        case serviceRequest = "ServiceRequest"
    }

    /// An element a rule tests, by its name in the record.
    public enum Element: String, Sendable, CaseIterable {
        // FHIR
        /// `status`, lowercased.
        case status
        /// `Condition.verificationStatus` (its first coding's code), lowercased.
        case verificationStatus
        /// `MedicationRequest.intent`, lowercased.
        case intent
        /// `doNotPerform: true`.
        case doNotPerform
        // C-CDA
        /// The entry's `statusCode/@code`, lowercased.
        case statusCode
        /// `@negationInd` true (`true` or `1`).
        case negationInd
        /// The `statusCode` of the Problem Concern Act around a Problem Observation, lowercased.
        case concernStatusCode

        /// Booleans hold when true; the others when their value is one of the rule's codes.
        public var isBoolean: Bool { self == .doNotPerform || self == .negationInd }
    }

    /// The elements each reader reads, per format and kind: a rule may test only these (a rule on
    /// another element would never see a value, so loading rejects it). Every kind listed here must
    /// have its rules in `statuses.json`.
    public static let readElements: [Format: [Kind: Set<Element>]] = [
        .fhir: [
            .condition: [.verificationStatus],
            .medicationStatement: [.status],
            .medicationRequest: [.status, .intent, .doNotPerform],
            .medicationAdministration: [.status],
            .medicationDispense: [.status],
            .observation: [.status],
            .diagnosticReport: [.status],
            .procedure: [.status],
            .serviceRequest: [.status, .doNotPerform],
        ],
        .cda: [
            .condition: [.statusCode, .negationInd, .concernStatusCode],
            .medicationStatement: [.statusCode, .negationInd],
            .medicationRequest: [.statusCode, .negationInd],
            .observation: [.statusCode, .negationInd],
            .procedure: [.statusCode, .negationInd],
            .serviceRequest: [.statusCode, .negationInd],
        ],
    ]

    /// What one statement wrote in the elements a rule may test.
    public struct Values: Sendable {
        public var status: String?
        public var verificationStatus: String?
        public var intent: String?
        public var doNotPerform = false
        public var statusCode: String?
        public var negationInd = false
        public var concernStatusCode: String?

        public init(status: String? = nil, verificationStatus: String? = nil, intent: String? = nil,
                    doNotPerform: Bool = false, statusCode: String? = nil, negationInd: Bool = false,
                    concernStatusCode: String? = nil) {
            self.status = status
            self.verificationStatus = verificationStatus
            self.intent = intent
            self.doNotPerform = doNotPerform
            self.statusCode = statusCode
            self.negationInd = negationInd
            self.concernStatusCode = concernStatusCode
        }

        func code(_ element: Element) -> String? {
            switch element {
            case .status: status
            case .verificationStatus: verificationStatus
            case .intent: intent
            case .statusCode: statusCode
            case .concernStatusCode: concernStatusCode
            case .doNotPerform, .negationInd: nil
            }
        }

        func flag(_ element: Element) -> Bool {
            switch element {
            case .doNotPerform: doNotPerform
            case .negationInd: negationInd
            default: false
            }
        }
    }

    /// One test: a boolean element is true, or a coded element has one of `codes`.
    public struct Test: Sendable {
        public let element: Element
        /// Lowercased; empty for a boolean element.
        public let codes: Set<String>

        public init(element: Element, codes: Set<String> = []) {
            self.element = element
            self.codes = Set(codes.map { $0.lowercased() })
        }

        public func holds(_ v: Values) -> Bool {
            if element.isBoolean { return v.flag(element) }
            guard let code = v.code(element) else { return false }
            return codes.contains(code)
        }
    }

    /// The rules of one statement kind.
    public struct Rules: Sendable {
        /// Tried in order; the first whose test holds makes the statement never evidence, for its reason.
        public var excluded: [(test: Test, reason: ExclusionReason)]
        /// Any that holds makes the statement a plan, not something that happened (FHIR).
        public var planned: [Test]
        /// Every statement of the kind is a plan (FHIR ServiceRequest).
        public var alwaysPlanned: Bool
        /// C-CDA: `statusCode` → the FHIR status recorded on the statement (what the facts compare
        /// with); a code not listed is recorded as written.
        public var fhirStatus: [String: String]

        public init(excluded: [(test: Test, reason: ExclusionReason)] = [], planned: [Test] = [], alwaysPlanned: Bool = false,
                    fhirStatus: [String: String] = [:]) {
            self.excluded = excluded
            self.planned = planned
            self.alwaysPlanned = alwaysPlanned
            self.fhirStatus = fhirStatus
        }

        public func usability(_ v: Values) -> Usability {
            for rule in excluded where rule.test.holds(v) { return .excluded(rule.reason) }
            return .usable
        }

        public func actuality(_ v: Values) -> Actuality {
            alwaysPlanned || planned.contains(where: { $0.holds(v) }) ? .planned : .actual
        }

        /// The FHIR status a C-CDA `statusCode` is recorded as.
        public func status(_ statusCode: String?) -> String? {
            guard let statusCode else { return nil }
            return fhirStatus[statusCode] ?? statusCode
        }
    }

    /// How a C-CDA Problem Observation's clinical status is worked out.
    public struct ProblemStatus: Sendable {
        /// A nested Problem Status observation's value code (any system) → clinical status; the
        /// first coding that is listed decides.
        public var values: [String: String]
        /// Without one: this status when the observation's `effectiveTime/high` is recorded …
        public var withEffectiveTimeHigh: String
        /// … else the Problem Concern Act's `statusCode` → clinical status; nil when not listed.
        public var concernStatusCodes: [String: String]

        public init(values: [String: String], withEffectiveTimeHigh: String, concernStatusCodes: [String: String]) {
            self.values = values
            self.withEffectiveTimeHigh = withEffectiveTimeHigh
            self.concernStatusCodes = concernStatusCodes
        }

        public func value(_ concept: Concept?) -> String? {
            guard let concept else { return nil }
            for c in concept.codings { if let s = values[c.code] { return s } }
            return nil
        }
    }

    public var rules: [Format: [Kind: Rules]]
    /// C-CDA `moodCode` values that mean the act took place (EVN) …
    public var eventMoodCodes: Set<String>
    /// … and those that mean it is intended, requested, proposed, promised or appointed. Any other
    /// mood (a goal, a criterion) is neither; an act without one is taken as an event.
    public var plannedMoodCodes: Set<String>
    public var problemStatus: ProblemStatus

    public init(rules: [Format: [Kind: Rules]], eventMoodCodes: Set<String>, plannedMoodCodes: Set<String>,
                problemStatus: ProblemStatus) {
        self.rules = rules
        self.eventMoodCodes = eventMoodCodes
        self.plannedMoodCodes = plannedMoodCodes
        self.problemStatus = problemStatus
    }

    /// The rules of a FHIR resource type.
    public func fhir(_ kind: Kind) -> Rules { rules[.fhir]?[kind] ?? Rules() }

    /// The rules of the C-CDA entries that become `kind`.
    public func cda(_ kind: Kind) -> Rules { rules[.cda]?[kind] ?? Rules() }

    /// Outcome names as `statuses.json` writes them.
    public static let exclusionNames: [String: ExclusionReason] = [
        "entered-in-error": .enteredInError, "refuted": .refuted, "unconfirmed": .unconfirmed, "negated": .negated,
        "not-taken": .notTaken, "not-done": .notDone, "cancelled": .cancelled, "no-result": .noResult,
    ]
}
