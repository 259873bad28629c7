import ClinicalModel

/// The CarePlan's human-readable narrative (`text.div`): XHTML in the XHTML namespace, every
/// string escaped per Unicode scalar (a combining mark after `<` must not hide it).
enum Narrative {
    static func escape(_ s: String) -> String { Markup.escape(s) }

    /// `<div xmlns="http://www.w3.org/1999/xhtml">`: the title, the recommendations in priority
    /// order (do-not-perform marked), and the facts they rest on with their values.
    static func div(title: String, status: String, recommendations: [(title: String, text: String, doNotPerform: Bool)],
                    facts: [(label: String, value: String)]) -> String {
        var h = "<div xmlns=\"http://www.w3.org/1999/xhtml\">"
        h += "<p><b>\(escape(title))</b> — proposal (\(escape(status))) for review by the treating oncologist.</p>"
        if recommendations.isEmpty {
            h += "<p>No recommendation applies any more.</p>"
        } else {
            h += "<p>Recommendations, in priority order:</p><ol>"
            for r in recommendations {
                h += "<li>" + (r.doNotPerform ? "<b>Do not</b>: " : "") + escape(r.title) + ": " + escape(r.text) + "</li>"
            }
            h += "</ol>"
        }
        if !facts.isEmpty {
            h += "<p>Key facts:</p><ul>"
            for f in facts { h += "<li>\(escape(f.label)): \(escape(f.value))</li>" }
            h += "</ul>"
        }
        return h + "</div>"
    }
}
