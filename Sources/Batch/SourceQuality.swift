import ClinicalModel

/// One input's data quality, for the report: everything it held, read, skipped or rejected, with
/// the reasons — so every count of report.json shows up per source, and a reader sees which
/// export sends records without a patient.
struct SourceQuality: Sendable {
    let file: String
    var records = 0
    /// Resources seen (Bundles not counted: they are containers).
    var resources = 0
    /// Resources that became a patient, a statement or a medication definition.
    var read = 0
    var counts = ReadCounts()
    /// Records quarantined (whole inputs, or lines of one).
    var quarantined = 0
    var errors = 0
    var warnings = 0
    var unreadSections = 0
    /// Diagnostics by kind (errors and warnings), for the reasons column.
    var problems: [String: Int] = [:]
    var firstMessage: String?

    init(file: String) { self.file = file }

    mutating func add(_ summary: ReadSummary, quarantined q: Int, unread: Int) {
        records += summary.counts.records
        resources += summary.counts.resourcesByType.filter { $0.key != "Bundle" }.values.reduce(0, +)
        read += summary.read
        counts.add(summary.counts)
        quarantined += q
        for d in summary.diagnostics {
            if d.severity == .error { errors += 1 } else { warnings += 1 }
            problems[d.kind, default: 0] += 1
        }
        unreadSections += unread
        if firstMessage == nil {
            firstMessage = (summary.diagnostics.first { $0.severity == .error } ?? summary.diagnostics.first)?.description
        }
    }

    var skipped: Int { counts.skippedByType.values.reduce(0, +) + counts.skippedNonResources.values.reduce(0, +) }
    var rejected: Int { counts.rejectedByReason.values.reduce(0, +) + counts.rejectedRecords.values.reduce(0, +) }

    /// Worth a row: anything not simply read.
    var hasFindings: Bool { skipped > 0 || rejected > 0 || quarantined > 0 || errors > 0 || warnings > 0 }
}
