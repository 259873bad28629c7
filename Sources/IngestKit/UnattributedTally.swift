import ClinicalModel

/// Statements that belong to no one patient, counted per input and reason: one warning each, so
/// that a long NDJSON does not print a line per statement. Counted across every assembly of a
/// run (one, or one per group or line), warned of once at the end.
struct UnattributedTally {
    private var counts: [String: Int] = [:]

    mutating func add(_ unattributed: [(source: SourceRef, reason: String)]) {
        for (source, reason) in unattributed { counts[source.file + "\u{0}" + reason, default: 0] += 1 }
    }

    /// The warnings, by input then reason.
    var diagnostics: [Diagnostic] {
        counts.keys.sorted().map { key in
            let parts = key.split(separator: "\u{0}", maxSplits: 1).map(String.init)
            let n = counts[key]!
            return Diagnostic(kind: "unattributed", severity: .warning, file: parts[0],
                              message: "\(n) statement\(n == 1 ? "" : "s") not used: \(parts[1]).")
        }
    }
}
