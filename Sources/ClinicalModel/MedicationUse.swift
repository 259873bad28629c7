/// A medication taken, given, dispensed, prescribed or planned.
public struct MedicationUse: Codable, Hashable, Sendable {
    public enum Kind: String, Codable, Hashable, Sendable {
        case statement = "MedicationStatement"
        case request = "MedicationRequest"
        case administration = "MedicationAdministration"
        case dispense = "MedicationDispense"
        case cdaActivity = "Medication Activity"
    }

    public var kind: Kind
    /// The drug: the inline code, or the referenced Medication's code (and its ingredients).
    public var medication: Concept
    /// A `medicationReference` not yet resolved to a Medication; filled in when records are assembled.
    public var medicationReference: String?
    public var actuality: Actuality
    /// Normalized status as recorded (active, completed, stopped, on-hold, …).
    public var status: String?
    /// Why it stopped or was not given: codes and text.
    public var statusReasons: [Concept]
    /// When it was taken / is to be taken.
    public var effective: Period?
    /// When it was ordered or recorded (MedicationRequest.authoredOn, MedicationStatement.dateAsserted).
    public var authored: TimeRange?
    /// How long the supply lasts from the start, as recorded (MedicationDispense.daysSupply,
    /// dispenseRequest.expectedSupplyDuration × (1 + numberOfRepeatsAllowed), timing boundsDuration);
    /// the unit is converted to days by the mapping.
    public var supply: Quantity?
    public var usability: Usability
    public var source: SourceRef
    /// Other inputs that held the same statement (same code, time, value and status); it counts once.
    public var otherSources: [SourceRef] = []

    public init(
        kind: Kind, medication: Concept, medicationReference: String? = nil, actuality: Actuality,
        status: String? = nil, statusReasons: [Concept] = [], effective: Period? = nil, authored: TimeRange? = nil,
        supply: Quantity? = nil, usability: Usability = .usable, source: SourceRef
    ) {
        self.kind = kind
        self.medication = medication
        self.medicationReference = medicationReference
        self.actuality = actuality
        self.status = status
        self.statusReasons = statusReasons
        self.effective = effective
        self.authored = authored
        self.supply = supply
        self.usability = usability
        self.source = source
    }

    /// When exposure began: the effective start, else the order date.
    public var start: Instant? { effective?.start?.start ?? effective?.end?.start ?? authored?.start }
}
