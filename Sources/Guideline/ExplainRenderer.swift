import ClinicalModel
import Mapping

/// Renders an evaluation as a clinician's checklist: every fact with its value, how it was
/// decided and from which entries, then every recommendation, fired or stopped and by what.
public struct ExplainRenderer: Sendable {
    public let engine: GuidelineEngine

    public init(engine: GuidelineEngine) { self.engine = engine }

    /// One patient's evaluations (one per guideline, the same facts): the facts once, then each
    /// guideline's recommendations.
    public func render(_ evaluations: [Evaluation]) -> String {
        guard let e = evaluations.first else { return "" }
        var out = ""
        out += "Patient \(Self.subjectText(e.record.identity.subject))\n"
        for reason in e.record.incomplete {
            out += "  INCOMPLETE: \(reason). No new or changed CarePlan tonight.\n"
        }
        if e.deceased {
            var when = ""
            if case .on(let t)? = e.record.identity.deceased { when = " (\(t))" }
            out += "  DECEASED\(when): not evaluated; no CarePlan is written. The facts below are shown for reference only.\n"
        }
        out += "  evaluated \(e.asOf.dateString) against "
            + evaluations.map { "\($0.guideline.title) (\($0.guideline.id) \($0.guideline.version))" }.joined(separator: "; ") + "\n"
        out += "  sources: " + e.record.sources.map { "\($0.file) (\($0.format.rawValue))" }.joined(separator: ", ") + "\n"
        let excluded = Self.excludedCounts(e.record)
        if !excluded.isEmpty {
            out += "  not used as evidence: " + excluded.map { "\($0.count) \($0.reason.rawValue)" }.joined(separator: ", ") + "\n"
        }
        out += "\nFacts\n"
        for fact in e.facts.ordered {
            let mark: String
            switch fact.value {
            case .truth(.true): mark = "yes    "
            case .truth(.false): mark = "no     "
            case .truth(.unknown), .unknownInteger: mark = "unknown"
            case .integer(let n): mark = Self.pad(String(n), 7)
            }
            out += "  \(mark)  \(Self.pad(fact.id.rawValue, 29)) \(engine.deriver.label(fact.id))\n"
            out += "           \(fact.note)\n"
            for a in fact.assumptions { out += "           assumes: \(a)\n" }
            for source in fact.evidence { out += "           ← \(source)\n" }
        }
        for g in evaluations {
            out += evaluations.count == 1 ? "\nRecommendations (priority order)\n"
                : "\nRecommendations of \(g.guideline.title) (\(g.guideline.id), priority order)\n"
            out += recommendations(g)
        }
        return out
    }

    func recommendations(_ e: Evaluation) -> String {
        var out = ""
        for r in e.results {
            let rec = r.recommendation
            if r.fired {
                out += "  FIRES      \(rec.id): \(rec.title)\n"
                out += "             because \(r.reasons.joined(separator: ", "))\n"
                for caveat in r.caveats { out += "             note: \(caveat.text)\n" }
            } else {
                out += "  not fired  \(rec.id): \(rec.title)\n"
                out += "             needs \(rec.when.text); stopped by \(r.reasons.joined(separator: ", "))\n"
            }
        }
        let n = e.fired.count
        out += e.deceased ? "\nThe patient is deceased: no CarePlan is written.\n"
            : !e.record.incomplete.isEmpty ? "\nThe record is incomplete tonight: no CarePlan is written (the batch keeps an earlier one).\n"
            : n == 0 ? "\nNo recommendation applies: no CarePlan is written for this patient.\n"
                      : "\n\(n) recommendation\(n == 1 ? "" : "s") apply: a CarePlan is written.\n"
        return out
    }

    static func subjectText(_ s: SubjectReference) -> String {
        switch s {
        case .reference(let r): r
        // Identifier values are patient identifiers: the explanation names the system only.
        case .identifier(let id): "identified by an identifier of \(id.system ?? "an unnamed system")"
        }
    }

    static func excludedCounts(_ r: PatientRecord) -> [(reason: ExclusionReason, count: Int)] {
        var counts: [ExclusionReason: Int] = [:]
        let all: [Usability] = r.conditions.map(\.usability) + r.medications.map(\.usability)
            + r.observations.map(\.usability) + r.procedures.map(\.usability)
        for u in all { if case .excluded(let reason) = u { counts[reason, default: 0] += 1 } }
        return ExclusionReason.allCases.compactMap { reason in counts[reason].map { (reason, $0) } }
    }

    static func pad(_ s: String, _ width: Int) -> String {
        s.count >= width ? s : s + String(repeating: " ", count: width - s.count)
    }
}
