/// What a reader extracted from one input: patients, statements linked to them, medication
/// definitions, counts and diagnostics. Records are assembled from many extracts.
public struct SourceExtract: Sendable {
    public var file: String
    public var patients: [PatientEntry] = []
    public var statements: [(link: PatientLink, statement: Statement)] = []
    public var medications: [MedicationDefinition] = []
    public var counts = ReadCounts()
    public var diagnostics: [Diagnostic] = []
    /// Records rejected in this input that name a patient (well-formed enough to find a subject
    /// reference): that patient is incomplete tonight.
    public var rejectedLinks: [RejectedLink] = []

    public init(file: String) { self.file = file }

    /// True when some record of this input was rejected (an error, not a warning).
    public var hasErrors: Bool { diagnostics.contains { $0.severity == .error } }
}
