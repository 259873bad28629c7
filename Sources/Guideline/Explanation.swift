public import ClinicalModel
public import Mapping

/// One patient's evaluations as plain values: the facts once, then each guideline's
/// recommendations, fired or stopped and by what. `explain` prints it as text or JSON and the
/// batch report shows it per patient, so the three never disagree on why.
///
/// It names the patient only by the reference his CarePlan carries (`subject`): never a name,
/// a birth date or an identifier value beyond that.
public struct Explanation: Sendable, Hashable {
    public struct Fact: Sendable, Hashable {
        public let id: String
        public let label: String
        public let value: FactValue
        public let note: String
        /// What the value rests on that the record did not say.
        public let assumptions: [String]
        public let evidence: [SourceRef]
    }

    public struct Recommendation: Sendable, Hashable {
        public let id: String
        public let title: String
        public let doNotPerform: Bool
        public let fired: Bool
        /// The rule as text (`mcrpc ∧ ¬prior-docetaxel`).
        public let rule: String
        /// Fired: the facts that made it fire; not fired: the facts that stopped it.
        public let reasons: [String]
        public let caveats: [String]
        /// Facts that are unknown and keep it from firing (an unknown never enables a therapy):
        /// the data that would decide it.
        public let blockedByUnknown: [String]
        /// The facts whose values decided the outcome (`Rule.deciding`), for the report's chips.
        public let deciding: [String]
    }

    public struct NotUsed: Sendable, Hashable {
        public let reason: String
        public let count: Int
    }

    public struct Guideline: Sendable, Hashable {
        public let id: String
        public let version: String
        public let title: String
        public let recommendations: [Recommendation]
        /// Whether a CarePlan is written for this guideline (something fired, the patient is
        /// alive and his record whole).
        public let carePlan: Bool
    }

    /// The subject as the CarePlan states it (a reference, or an identifier).
    public let subject: SubjectReference
    public let asOf: String
    public let incomplete: [String]
    public let deceased: Bool
    /// The recorded date of death, as explain's text has always shown it.
    public let deceasedOn: String?
    public let sources: [SourceRef]
    /// Statements kept out of the evidence, by reason (entered in error, refuted …).
    public let notUsed: [NotUsed]
    public let facts: [Fact]
    public let guidelines: [Guideline]

    /// One patient's evaluations (one per guideline, the same facts), as `GuidelineEngine` gives them.
    public init?(_ evaluations: [Evaluation], deriver: FactDeriver) {
        guard let e = evaluations.first else { return nil }
        subject = e.record.identity.subject
        asOf = e.asOf.dateString
        incomplete = e.record.incomplete
        deceased = e.deceased
        if e.deceased, case .on(let t)? = e.record.identity.deceased { deceasedOn = "\(t)" } else { deceasedOn = nil }
        sources = e.record.sources
        notUsed = Self.excludedCounts(e.record).map { NotUsed(reason: $0.reason.rawValue, count: $0.count) }
        facts = e.facts.ordered.map {
            Fact(id: $0.id.rawValue, label: deriver.label($0.id), value: $0.value, note: $0.note, assumptions: $0.assumptions,
                 evidence: $0.evidence)
        }
        let factSet = e.facts
        guidelines = evaluations.map { g in
            let recs = g.results.map { r in
                let rule = r.recommendation.when
                let unknown = r.fired || g.deceased ? [] : rule.deciding(factSet).filter { factSet[$0]?.value.isUnknown ?? true }
                return Recommendation(id: r.recommendation.id, title: r.recommendation.title,
                                      doNotPerform: r.recommendation.activity.doNotPerform, fired: r.fired, rule: rule.text,
                                      reasons: r.reasons, caveats: r.caveats.map(\.text), blockedByUnknown: unknown.map(\.rawValue),
                                      deciding: g.deceased ? [] : rule.deciding(factSet).map(\.rawValue))
            }
            return Guideline(id: g.guideline.id, version: g.guideline.version, title: g.guideline.title, recommendations: recs,
                             carePlan: !g.fired.isEmpty && !g.deceased && g.record.incomplete.isEmpty)
        }
    }

    /// The facts that decided the recommendations that fired, in fact order: what a reader of
    /// the report needs to see at a glance.
    public var keyFacts: [Fact] {
        var ids = Set<String>()
        for g in guidelines { for r in g.recommendations where r.fired { ids.formUnion(r.deciding) } }
        return facts.filter { ids.contains($0.id) }
    }

    /// Unknown facts and the recommendations each keeps from firing, in fact order.
    public var blockingUnknowns: [(fact: String, recommendations: [String])] {
        var by: [String: [String]] = [:]
        for g in guidelines {
            for r in g.recommendations { for f in r.blockedByUnknown { by[f, default: []].append(r.id) } }
        }
        return facts.compactMap { f in by[f.id].map { (f.id, $0) } }
    }

    static func excludedCounts(_ r: PatientRecord) -> [(reason: ExclusionReason, count: Int)] {
        var counts: [ExclusionReason: Int] = [:]
        let all: [Usability] = r.conditions.map(\.usability) + r.medications.map(\.usability)
            + r.observations.map(\.usability) + r.procedures.map(\.usability)
        for u in all { if case .excluded(let reason) = u { counts[reason, default: 0] += 1 } }
        return ExclusionReason.allCases.compactMap { reason in counts[reason].map { (reason, $0) } }
    }
}
