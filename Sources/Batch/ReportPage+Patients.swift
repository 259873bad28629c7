import ClinicalModel
import Guideline
import JSONKit
import Mapping

/// The patient table: one row per CarePlan of tonight, each followed by the patient's
/// explanation (a closed `<details>`), sortable and filterable by the page's script. Each
/// patient is a `<tbody>` of two rows, so sorting moves a row with its explanation.
extension ReportPage {
    static func patients(_ r: BatchReport, info: [String: RecommendationInfo]) -> String {
        // What changed tonight, by (subject, guideline): changes.ndjson's lines.
        var changeBy: [String: JSONValue] = [:]
        for c in r.changes {
            changeBy[JSONWriter.string(c["subject"] ?? .null) + "\u{0}" + (c["guideline"]?.stringValue ?? "")] = c
        }
        var options = ""
        for g in r.guidelines {
            for rec in g.recommendations where r.perRecommendation[rec.id, default: 0] > 0 {
                options += "<option value=\"\(escape(rec.id))\">\(escape(dnpPrefix(rec.activity.doNotPerform, rec.title) + rec.title))</option>"
            }
        }
        var body = ""
        for (n, row) in r.rows.enumerated() {
            let subject = subjectText(row.subject)
            let change = changeBy[JSONWriter.string(row.subject) + "\u{0}" + row.guideline]
            let status = !row.seen ? "not seen" : change?["status"]?.stringValue ?? "unchanged"
            var tonight = "<span class=\"status \(status == "not seen" ? "notseen" : status)\">\(escape(status))</span>"
            for (k, sign) in [("added", "+"), ("removed", "−"), ("changed", "~")] {
                for id in change?[k]?.arrayValue.compactMap(\.stringValue) ?? [] {
                    tonight += " <span class=\"delta\" title=\"\(escape(k))\">\(sign)\(escape(info[id]?.title ?? id))</span>"
                }
            }
            let e = r.explanations[row.key]
            let recs = row.fired.map { recLabel($0, info: info) }.joined(separator: " ")
            let keyFacts = e?.keyFacts.map(factChip).joined(separator: " ") ?? ""
            let blocking = e?.blockingUnknowns.map { b in
                let titles = b.recommendations.map { info[$0]?.title ?? $0 }.joined(separator: "; ")
                return "<span class=\"chip unknown\" title=\"unknown: keeps from firing: \(escape(titles))\">\(escape(b.fact))?</span>"
            }.joined(separator: " ") ?? ""
            let search = ([subject, status] + row.fired + row.fired.map { info[$0]?.title ?? "" }).joined(separator: " ").lowercased()
            let explanation = e.map(explanationHTML)
                ?? "<p>Not in tonight's inputs: the CarePlan of an earlier night is kept unchanged (a partial export never withdraws it).</p>"
            body += """
                <tbody class="patient" data-search="\(escape(search))" data-recs=" \(escape(row.fired.joined(separator: " "))) " data-status="\(escape(status))" data-k0="\(escape(subject))" data-k1="\(row.fired.count)" data-k2="\(escape(status))" data-k3="\(e?.keyFacts.count ?? 0)" data-k4="\(e?.blockingUnknowns.count ?? 0)">
                <tr class="row"><td data-label="patient"><b>\(escape(subject))</b>\(row.carePlanID.map { "<br><small>CarePlan/\(escape($0))</small>" } ?? "")</td><td data-label="recommendations">\(recs)</td><td data-label="tonight">\(tonight)</td><td data-label="key facts">\(keyFacts)</td><td data-label="unknown, blocking">\(blocking)</td></tr>
                <tr class="explain"><td colspan=5><details id="p\(n)"><summary>Explanation of \(escape(subject))</summary>
                \(explanation)</details></td></tr>
                </tbody>

                """
        }
        if r.rows.isEmpty { body = "<tbody><tr><td colspan=5>No patient has a CarePlan tonight.</td></tr></tbody>\n" }
        func th(_ i: Int, _ name: String) -> String {
            "<th aria-sort=\"none\"><button type=\"button\" data-sort=\"\(i)\">\(name)</button></th>"
        }
        return """
            <section id="patients"><h2>Patients with a CarePlan (\(r.rows.count))</h2>
            <div class="filters"><label>Filter <input type="search" id="q" placeholder="patient, recommendation, status"></label>
            <label>Recommendation <select id="rec"><option value="">any</option>\(options)</select></label>
            <label><input type="checkbox" id="changed"> changed tonight only</label> <span id="shown"></span></div>
            <div class="scroll"><table class="patients"><thead><tr>\(th(0, "patient"))\(th(1, "recommendations"))\(th(2, "tonight"))\(th(3, "key facts"))\(th(4, "unknown, blocking"))</tr></thead>
            \(body)</table></div>
            <p class="legend">Chips: <span class="chip yes">fact</span> true · <span class="chip no">fact: no</span> false · <span class="chip">fact: 2</span> a number · <span class="chip unknown">fact?</span> unknown, and keeps a recommendation from firing (an unknown never enables a therapy). Click a row for the patient's explanation.</p>
            </section>

            """
    }

    static func factChip(_ f: Explanation.Fact) -> String {
        switch f.value {
        case .truth(.true): "<span class=\"chip yes\" title=\"\(escape(f.label))\">\(escape(f.id))</span>"
        case .truth(.false): "<span class=\"chip no\" title=\"\(escape(f.label))\">\(escape(f.id)): no</span>"
        case .integer(let n): "<span class=\"chip\" title=\"\(escape(f.label))\">\(escape(f.id)): \(n)</span>"
        case .truth(.unknown), .unknownInteger: "<span class=\"chip unknown\" title=\"\(escape(f.label))\">\(escape(f.id))?</span>"
        }
    }

    /// A patient's explanation: what `ingest explain` prints, as HTML.
    static func explanationHTML(_ e: Explanation) -> String {
        var out = ""
        for reason in e.incomplete {
            out += "<p class=\"runwarn\"><b>Incomplete:</b> \(escape(reason)). No new or changed CarePlan tonight; the earlier one is kept.</p>\n"
        }
        out += "<p class=\"meta\">Evaluated \(escape(e.asOf)) · sources: \(e.sources.map { "\(escape($0.file)) (\(escape($0.format.rawValue)))" }.joined(separator: ", "))"
        if !e.notUsed.isEmpty {
            out += " · not used as evidence: " + e.notUsed.map { "\($0.count) \(escape($0.reason))" }.joined(separator: ", ")
        }
        out += "</p>\n<div class=\"scroll\"><table class=\"facts\"><thead><tr><th>value</th><th>fact</th><th>how it was decided</th></tr></thead><tbody>\n"
        for f in e.facts {
            let (mark, cls): (String, String)
            switch f.value {
            case .truth(.true): (mark, cls) = ("yes", "yes")
            case .truth(.false): (mark, cls) = ("no", "no")
            case .integer(let n): (mark, cls) = (String(n), "int")
            case .truth(.unknown), .unknownInteger: (mark, cls) = ("unknown", "unknown")
            }
            var how = escape(f.note)
            for a in f.assumptions { how += "<br><i>assumes:</i> \(escape(a))" }
            if !f.evidence.isEmpty {
                how += "<ul class=\"evidence\">" + f.evidence.map { "<li>\(escape($0.description))</li>" }.joined() + "</ul>"
            }
            out += "<tr><td><span class=\"v \(cls)\">\(mark)</span></td><td><b>\(escape(f.id))</b><br><small>\(escape(f.label))</small></td><td>\(how)</td></tr>\n"
        }
        out += "</tbody></table></div>\n"
        for g in e.guidelines {
            out += "<h4>Recommendations of \(escape(g.title)), priority order</h4>\n<ol class=\"outcomes\">\n"
            for rec in g.recommendations {
                let cls = rec.fired ? (rec.doNotPerform ? "fires dnp" : "fires") : "notfired"
                let why = rec.fired ? "because " + rec.reasons.joined(separator: ", ")
                    : "needs \(rec.rule); stopped by " + rec.reasons.joined(separator: ", ")
                var li = "<li class=\"\(cls)\"><b>\(rec.fired ? "FIRES" : "not fired")</b> \(escape(dnpPrefix(rec.doNotPerform, rec.title) + rec.title)) <small>(\(escape(rec.id)))</small><br><small>\(escape(why))</small>"
                for c in rec.caveats { li += "<br><small><i>note:</i> \(escape(c))</small>" }
                out += li + "</li>\n"
            }
            out += "</ol>\n"
        }
        return out
    }
}
