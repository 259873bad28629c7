/// A clinical statement of any kind, as a reader hands it over.
public enum Statement: Codable, Hashable, Sendable {
    case condition(Condition)
    case medication(MedicationUse)
    case observation(Observation)
    case procedure(Procedure)
}
