public import ClinicalModel
import Mapping

/// Renders an explanation as a clinician's checklist: every fact with its value, how it was
/// decided and from which entries, then every recommendation, fired or stopped and by what.
/// Lines wrap at ``TextWrap/width`` columns, continuation lines indented under their text.
public struct ExplainRenderer: Sendable {
    public let engine: GuidelineEngine

    public init(engine: GuidelineEngine) { self.engine = engine }

    /// One patient's evaluations (one per guideline, the same facts): the facts once, then each
    /// guideline's recommendations.
    public func render(_ evaluations: [Evaluation]) -> String {
        guard let e = Explanation(evaluations, deriver: engine.deriver) else { return "" }
        return Self.text(e)
    }

    /// Under the value column: a fact's note, assumptions and sources.
    static let factIndent = String(repeating: " ", count: 11)
    /// Under the recommendation's id.
    static let recommendationIndent = String(repeating: " ", count: 13)

    public static func text(_ e: Explanation) -> String {
        func wrap(_ text: String, _ first: String, _ hanging: String) -> String {
            TextWrap.wrap(text, first: first, hanging: hanging)
        }
        var out = ""
        out += wrap(subjectText(e.subject), "Patient ", "    ")
        for reason in e.incomplete {
            out += wrap("INCOMPLETE: \(reason). No new or changed CarePlan tonight.", "  ", "    ")
        }
        if e.deceased {
            let when = e.deceasedOn.map { " (\($0))" } ?? ""
            out += wrap("DECEASED\(when): not evaluated; no CarePlan is written. The facts below are shown for reference only.",
                        "  ", "    ")
        }
        out += wrap("evaluated \(e.asOf) against "
                    + e.guidelines.map { "\($0.title) (\($0.id) \($0.version))" }.joined(separator: "; "), "  ", "    ")
        out += wrap("sources: " + e.sources.map { "\($0.file) (\($0.format.rawValue))" }.joined(separator: ", "), "  ", "    ")
        if !e.notUsed.isEmpty {
            out += wrap("not used as evidence: " + e.notUsed.map { "\($0.count) \($0.reason)" }.joined(separator: ", "), "  ", "    ")
        }
        out += "\nFacts\n"
        for fact in e.facts {
            let mark: String
            switch fact.value {
            case .truth(.true): mark = "yes    "
            case .truth(.false): mark = "no     "
            case .truth(.unknown), .unknownInteger: mark = "unknown"
            case .integer(let n): mark = pad(String(n), 7)
            }
            out += wrap(fact.label, "  \(mark)  \(pad(fact.id, 29)) ", factIndent + String(repeating: " ", count: 30))
            out += wrap(fact.note, factIndent, factIndent)
            for a in fact.assumptions { out += wrap("assumes: \(a)", factIndent, factIndent + "  ") }
            for source in fact.evidence { out += wrap("← \(source)", factIndent, factIndent + "  ") }
        }
        for g in e.guidelines {
            out += e.guidelines.count == 1 ? "\nRecommendations (priority order)\n"
                : "\n" + wrap("Recommendations of \(g.title) (\(g.id), priority order)", "", "  ")
            out += recommendations(g, e)
        }
        return out
    }

    static func recommendations(_ g: Explanation.Guideline, _ e: Explanation) -> String {
        var out = ""
        let indent = recommendationIndent
        for r in g.recommendations {
            if r.fired {
                out += TextWrap.wrap("\(r.id): \(r.title)", first: "  FIRES      ", hanging: indent)
                out += TextWrap.wrap("because \(r.reasons.joined(separator: ", "))", first: indent, hanging: indent + "  ")
                for caveat in r.caveats { out += TextWrap.wrap("note: \(caveat)", first: indent, hanging: indent + "  ") }
            } else {
                out += TextWrap.wrap("\(r.id): \(r.title)", first: "  not fired  ", hanging: indent)
                out += TextWrap.wrap("needs \(r.rule); stopped by \(r.reasons.joined(separator: ", "))", first: indent,
                                     hanging: indent + "  ")
            }
        }
        let n = g.recommendations.filter(\.fired).count
        out += e.deceased ? "\nThe patient is deceased: no CarePlan is written.\n"
            : !e.incomplete.isEmpty ? "\nThe record is incomplete tonight: no CarePlan is written (the batch keeps an earlier one).\n"
            : n == 0 ? "\nNo recommendation applies: no CarePlan is written for this patient.\n"
                      : "\n\(n == 1 ? "1 recommendation applies" : "\(n) recommendations apply"): a CarePlan is written.\n"
        return out
    }

    public static func subjectText(_ s: SubjectReference) -> String {
        switch s {
        case .reference(let r): r
        // Identifier values are patient identifiers: the explanation names the system only.
        case .identifier(let id): "identified by an identifier of \(id.system ?? "an unnamed system")"
        }
    }

    static func pad(_ s: String, _ width: Int) -> String {
        s.count >= width ? s : s + String(repeating: " ", count: width - s.count)
    }
}
