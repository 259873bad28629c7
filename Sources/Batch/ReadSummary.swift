import ClinicalModel

/// What reading one input (or one chunk of a large one) told the report: everything of its
/// `SourceExtract` but the staged rows themselves. Kept with the input in the staging database,
/// so that an input not read again tonight (unchanged since last run) is accounted for exactly as
/// if it had been.
struct ReadSummary: Codable, Sendable, Equatable {
    let file: String
    let bytes: Int
    let counts: ReadCounts
    let diagnostics: [Diagnostic]
    /// Patients, statements and medication definitions read from it.
    let read: Int

    init(_ r: BatchRunner.ReadResult) {
        file = r.file
        bytes = r.bytes
        counts = r.extract.counts
        diagnostics = r.extract.diagnostics
        read = r.read ?? r.extract.patients.count + r.extract.statements.count + r.extract.medications.count
    }

    var hasErrors: Bool { diagnostics.contains { $0.severity == .error } }
}
