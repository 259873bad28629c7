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
                <tr><td class="file">\(escape(s.file))</td><td class=num>\(s.records)</td><td class=num>\(s.resources)</td><td class=num>\(s.read)</td><td class=num>\(s.skipped)</td><td class="why">\(reasons(skipped))</td><td class=num>\(s.rejected)</td><td class="why">\(reasons(rejected))</td><td class=num>\(s.quarantined)</td><td class="why">\(reasons(s.problems))\(s.firstMessage.map { "<br><small>first: \(escape($0))</small>" } ?? "")</td></tr>

                """
        }
        if sources.count > 1000 { rows += "<tr><td colspan=10>… and \(sources.count - 1000) more sources: see report.json and quarantine/.</td></tr>\n" }
        if rows.isEmpty { rows = "<tr><td colspan=10>Every record of every input was read: nothing skipped, rejected or quarantined.</td></tr>\n" }
        let c = r.counts
        let skippedTotal = c.skippedByType.values.reduce(0, +)
        let rejectedTotal = c.rejectedByReason.values.reduce(0, +)
        let clean = r.sources.count - sources.count
        return """
            <section id="quality"><h2>Data quality by source</h2>
            <p class="legend">All inputs: \(r.records) records; \(skippedTotal) resources skipped (types the guideline does not use); \(rejectedTotal) resources rejected; \(r.quarantinedRecords) records quarantined (quarantine/ holds each with its reason); \(r.ignoredFiles) files in input folders ignored (not data files). \(clean) of \(r.sources.count) sources read without any finding are not listed.</p>
            <div class="scroll"><table class="quality"><thead><tr><th>source</th><th class=num>records</th><th class=num>resources</th><th class=num>read</th><th class=num>skipped</th><th>skipped, why</th><th class=num>rejected</th><th>rejected, why</th><th class=num>quarantined</th><th>problems by kind</th></tr></thead><tbody>
            \(rows)</tbody></table></div></section>

            """
    }
}
