import ClinicalModel

/// Data quality per source: for every input with something not simply read, each count of
/// report.json — rejected (with the reason: no patient reference …), skipped (types the
/// guideline does not use, non-resources), quarantined — and its problems by kind.
extension ReportPage {
    static func quality(_ r: BatchReport) -> String {
        func reasons(_ d: [String: Int]) -> String {
            d.sorted { $0.value > $1.value || ($0.value == $1.value && $0.key < $1.key) }
                .map { "\($0.value) \(escape($0.key))" }.joined(separator: "<br>")
        }
        let sources = r.sources.filter(\.hasFindings)
            .sorted { ($0.quarantined + $0.rejected, $0.errors, $0.warnings) > ($1.quarantined + $1.rejected, $1.errors, $1.warnings) || (($0.quarantined + $0.rejected, $0.errors, $0.warnings) == ($1.quarantined + $1.rejected, $1.errors, $1.warnings) && $0.file < $1.file) }
        var rows = ""
        for s in sources.prefix(1000) {
            var skipped = s.counts.skippedByType
            for (k, v) in s.counts.skippedNonResources { skipped["not a resource: " + k, default: 0] += v }
            var rejected = s.counts.rejectedByReason
            for (k, v) in s.counts.rejectedRecords { rejected["whole record: " + k, default: 0] += v }
            rows += """
                <tr><td class="file">\(escape(s.file))</td><td class=num>\(s.records)</td><td class=num>\(s.resources)</td><td class=num>\(s.read)</td><td class=num>\(s.skipped)</td><td class="why">\(reasons(skipped))</td><td class=num>\(s.rejected)</td><td class="why">\(reasons(rejected))</td><td class=num>\(s.quarantined)</td><td class=num>\(s.unreadSections)</td><td class="why">\(reasons(s.problems))\(s.firstMessage.map { "<br><small>first: \(escape($0))</small>" } ?? "")</td></tr>

                """
        }
        if sources.count > 1000 { rows += "<tr><td colspan=11>… and \(sources.count - 1000) more sources: see report.json and quarantine/.</td></tr>\n" }
        if rows.isEmpty { rows = "<tr><td colspan=11>Every record of every input was read: nothing skipped, rejected or quarantined.</td></tr>\n" }
        let c = r.counts
        let skippedTotal = c.skippedByType.values.reduce(0, +)
        let rejectedTotal = c.rejectedByReason.values.reduce(0, +)
        let clean = r.sources.count - sources.count
        func n(_ count: Int, _ noun: String) -> String { ProgressReporter.count(count, noun) }
        return """
            <section id="quality"><h2>Data quality by source</h2>
            <p class="legend">All inputs: \(n(r.records, "record")); \(n(skippedTotal, "resource")) skipped (types the guideline does not use); \(n(rejectedTotal, "resource")) rejected; \(n(r.quarantinedRecords, "record")) quarantined (quarantine/ holds each with its reason); \(n(r.ignoredFiles, "file")) in input folders ignored (not data files). \(clean) of \(n(r.sources.count, "source")) read without any finding are not listed.</p>
            <div class="scroll"><table class="quality"><thead><tr><th>source</th><th class=num>records</th><th class=num>resources</th><th class=num>read</th><th class=num>skipped</th><th>skipped, why</th><th class=num>rejected</th><th>rejected, why</th><th class=num>quarantined</th><th class=num>sections with unreadable entries</th><th>problems by kind</th></tr></thead><tbody>
            \(rows)</tbody></table></div></section>

            """
    }
}
