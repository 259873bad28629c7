/// Everything the readers found about one patient, normalized.
public struct PatientRecord: Codable, Hashable, Sendable {
    /// Stable grouping key; also the basis of the CarePlan id.
    public var key: String
    public var identity: PatientIdentity
    public var conditions: [Condition]
    public var medications: [MedicationUse]
    public var observations: [Observation]
    public var procedures: [Procedure]
    /// Every source that contributed (files, with their formats).
    public var sources: [SourceRef]
    /// Why the record is not whole tonight (DESIGN "Incomplete patients"): a record naming him
    /// was rejected, or his identity conflicts with another patient's. Facts decided by absence
    /// cannot be trusted, so he gets no new or changed CarePlan. Worded without patient data.
    public var incomplete: [String] = []

    public init(key: String, identity: PatientIdentity, conditions: [Condition] = [], medications: [MedicationUse] = [],
                observations: [Observation] = [], procedures: [Procedure] = [], sources: [SourceRef] = []) {
        self.key = key
        self.identity = identity
        self.conditions = conditions
        self.medications = medications
        self.observations = observations
        self.procedures = procedures
        self.sources = sources
    }

    public var statementCount: Int { conditions.count + medications.count + observations.count + procedures.count }
}
