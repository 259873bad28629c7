import ClinicalModel
import Foundation
import Guideline
import IngestKit
import JSONKit

/// `report.html`: one self-contained page (no scripts, fonts or images fetched): summary
/// tiles, a bar chart of recommendations (inline SVG), data-quality problems by source, and
/// the changes since the previous run.
enum ReportPage {
    /// Per Unicode scalar (``Markup/escape(_:)``).
    static func escape(_ s: String) -> String { Markup.escape(s) }

    static func html(_ r: BatchReport) -> String {
        let maxCount = max(1, r.perRecommendation.values.max() ?? 1)
        let barHeight = 22
        let recs = r.guidelines.flatMap(\.recommendations)
        var bars = ""
        for (i, rec) in recs.enumerated() {
            let n = r.perRecommendation[rec.id, default: 0]
            let width = Int(Double(n) / Double(maxCount) * 420)
            let y = i * (barHeight + 6)
            bars += """
                <text x="0" y="\(y + 16)" class="label">\(escape(rec.id))</text>
                <rect x="230" y="\(y)" width="\(max(width, 1))" height="\(barHeight)" class="\(rec.activity.doNotPerform ? "bar no" : "bar")"/>
                <text x="\(236 + width)" y="\(y + 16)" class="count">\(n)</text>

                """
        }
        let chartHeight = recs.count * (barHeight + 6)
        var quality = ""
        for p in r.problemsBySource.sorted(by: { $0.errors > $1.errors || ($0.errors == $1.errors && $0.file < $1.file) }).prefix(200) {
            quality += "<tr><td>\(escape(p.file))</td><td class=num>\(p.errors)</td><td class=num>\(p.warnings)</td><td class=num>\(p.unreadSections)</td><td>\(escape(p.firstMessage))</td></tr>\n"
        }
        if quality.isEmpty { quality = "<tr><td colspan=5>No problems found in any input.</td></tr>" }
        var changes = ""
        for c in r.changes.prefix(500) {
            let subject = c["subject"]?["reference"]?.stringValue ?? "identified patient"
            func list(_ k: String) -> String { (c[k]?.arrayValue.compactMap(\.stringValue) ?? []).joined(separator: ", ") }
            changes += "<tr><td>\(escape(subject))</td><td>\(escape(c["status"]?.stringValue ?? ""))</td><td>\(escape(list("added")))</td><td>\(escape(list("removed")))</td><td>\(escape(list("changed")))</td></tr>\n"
        }
        if changes.isEmpty { changes = "<tr><td colspan=5>No changes since the previous run.</td></tr>" }
        func tile(_ label: String, _ value: String, _ cls: String = "") -> String {
            "<div class=\"tile \(cls)\"><div class=value>\(escape(value))</div><div class=name>\(escape(label))</div></div>"
        }
        let total = r.timings["totalSeconds"] ?? 0
        return """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>ClinicalIngest nightly report \(escape(r.options.evaluation.asOf.dateString))</title>
            <style>
            body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px;color:#1d2733;background:#f6f8fa}
            h1{font-size:22px;margin:0 0 4px} h2{font-size:17px;margin:28px 0 8px} .sub{color:#5b6876;margin-bottom:18px}
            .tiles{display:flex;flex-wrap:wrap;gap:12px}.tile{background:#fff;border:1px solid #d8dee4;border-radius:8px;padding:12px 16px;min-width:140px}
            .tile .value{font-size:26px;font-weight:600}.tile .name{color:#5b6876;font-size:13px}.tile.warn .value{color:#b35900}
            table{border-collapse:collapse;background:#fff;width:100%;font-size:13px}td,th{border:1px solid #d8dee4;padding:5px 8px;text-align:left;vertical-align:top}
            th{background:#eef1f4}.num{text-align:right}svg{background:#fff;border:1px solid #d8dee4;border-radius:8px;padding:12px}
            .runwarn{background:#fff4e5;border:1px solid #e0a458;border-radius:8px;padding:10px 14px}
            .bar{fill:#2f6fb3}.bar.no{fill:#b33b2f}.label{font-size:13px;fill:#1d2733}.count{font-size:12px;fill:#1d2733}
            </style></head><body>
            <h1>ClinicalIngest nightly report</h1>
            <div class="sub">Evaluated as of \(escape(r.options.evaluation.asOf.dateString)) against \(r.guidelines.map { "\(escape($0.title)) (\(escape($0.id)) \(escape($0.version)))" }.joined(separator: "; ")), shard \(r.options.shard), mappings \(escape(r.fingerprint)).</div>
            \(r.runWarnings.map { "<p class=\"runwarn\"><b>Warning:</b> \(escape($0))</p>\n" }.joined())<div class="tiles">
            \(tile("input files", String(r.inputFiles)))
            \(tile("records read", String(r.records - r.quarantinedRecords)))
            \(tile("records quarantined", String(r.quarantinedRecords), r.quarantinedRecords > 0 ? "warn" : ""))
            \(tile("patients", String(r.patients)))
            \(tile("re-evaluated", String(r.evaluated)))
            \(tile("CarePlans", String(r.carePlans)))
            \(tile("deceased, not evaluated", String(r.deceased)))
            \(tile("patients with changes", String(r.changes.count)))
            \(tile("run time", String(format: "%.1f s", total)))
            </div>
            <h2>Recommendations</h2>
            <svg width="720" height="\(chartHeight + 4)" role="img" aria-label="Patients per recommendation">
            \(bars)</svg>
            <h2>Data quality by source</h2>
            <table><tr><th>input</th><th>errors</th><th>warnings</th><th>sections with unreadable entries</th><th>first problem</th></tr>
            \(quality)</table>
            <h2>Changes since the previous run</h2>
            <table><tr><th>patient</th><th>status</th><th>added</th><th>removed</th><th>changed</th></tr>
            \(changes)</table>
            </body></html>

            """
    }
}
