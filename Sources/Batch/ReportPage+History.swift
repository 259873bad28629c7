/// The last 30 nights as small line charts (inline SVG, no script): patients in scope,
/// CarePlans, recommendations added and withdrawn, records quarantined.
extension ReportPage {
    static func history(_ points: [Ledger.HistoryPoint]) -> String {
        let charts: [(String, [(String, [Int], String)])] = [
            ("Patients in scope", [("patients", points.map(\.patients), "l1")]),
            ("CarePlans", [("CarePlans", points.map(\.carePlans), "l1")]),
            ("Recommendations added / withdrawn", [("added", points.map(\.added), "l1"), ("withdrawn", points.map(\.withdrawn), "l2")]),
            ("Records quarantined", [("quarantined", points.map(\.quarantined), "l3")]),
        ]
        let first = points.first?.asOf ?? ""
        let last = points.last?.asOf ?? ""
        var out = "<section id=\"history\"><h2>The last \(points.count == 1 ? "night" : "\(points.count) nights")</h2>\n<div class=\"charts\">\n"
        for (title, series) in charts {
            out += "<figure class=\"chart\"><figcaption>\(escape(title))</figcaption>\n"
            out += sparkline(series, label: title)
            out += "<div class=\"axis\"><span>\(escape(first))</span><span>\(escape(last))</span></div>"
            out += "<div class=\"now\">tonight: " + series.map { "<span class=\"\($0.2)\">\(escape($0.0)) \($0.1.last ?? 0)</span>" }.joined(separator: " · ") + "</div>"
            out += "</figure>\n"
        }
        out += "</div>\n"
        if points.count < 2 { out += "<p class=\"legend\">One night so far: the lines grow as the ledger keeps each night (a rerun of a night replaces its point).</p>\n" }
        out += "</section>\n"
        return out
    }

    /// One small chart: a polyline per series over a shared scale, a dot on each night.
    static func sparkline(_ series: [(String, [Int], String)], label: String) -> String {
        let w = 280, h = 64, pad = 6
        let maxValue = max(1, series.flatMap(\.1).max() ?? 1)
        let count = series.first?.1.count ?? 0
        func x(_ i: Int) -> Int { count <= 1 ? w / 2 : pad + i * (w - 2 * pad) / (count - 1) }
        func y(_ v: Int) -> Int { h - pad - v * (h - 2 * pad) / maxValue }
        var svg = "<svg viewBox=\"0 0 \(w) \(h)\" preserveAspectRatio=\"none\" role=\"img\" aria-label=\"\(escape(label)) over the last nights\">"
        svg += "<line x1=\"0\" y1=\"\(h - pad)\" x2=\"\(w)\" y2=\"\(h - pad)\" class=\"base\"/>"
        for (_, values, cls) in series {
            let pts = values.enumerated().map { "\(x($0.offset)),\(y($0.element))" }.joined(separator: " ")
            if values.count > 1 { svg += "<polyline points=\"\(pts)\" class=\"\(cls)\"/>" }
            for (i, v) in values.enumerated() { svg += "<circle cx=\"\(x(i))\" cy=\"\(y(v))\" r=\"2.5\" class=\"\(cls)\"><title>\(v)</title></circle>" }
        }
        return svg + "</svg>\n"
    }
}
