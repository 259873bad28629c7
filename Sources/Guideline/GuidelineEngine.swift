public import ClinicalModel
public import Mapping

/// The outcome of one recommendation for one patient.
public struct RecommendationResult: Sendable {
    public let recommendation: GuidelineDefinition.Recommendation
    public let fired: Bool
    /// For a fired recommendation, the facts that made it fire; otherwise the facts that stopped it.
    public let reasons: [String]
    /// Caveats whose rule holds (e.g. "testosterone is not castrate").
    public let caveats: [GuidelineDefinition.Caveat]
}

/// One patient's evaluation: facts and every recommendation's outcome.
public struct Evaluation: Sendable {
    public let record: PatientRecord
    public let asOf: Instant
    public let facts: FactSet
    public let results: [RecommendationResult]
    /// The patient is deceased on the evaluation date: nothing is proposed (DESIGN "Who is evaluated").
    public let deceased: Bool

    public var fired: [RecommendationResult] { results.filter(\.fired) }
}

/// Applies the guideline: facts → recommendations, in priority order.
///
/// A pure function of (record, mappings, evaluation date), so it runs the same in pipe
/// mode, in a batch, in a shard on another machine or under Spark's `pipe()`.
public struct GuidelineEngine: Sendable {
    public let guideline: GuidelineDefinition
    public let deriver: FactDeriver
    public let mappings: MappingSet

    public init(mappings: MappingSet) throws(MappingError) {
        self.mappings = mappings
        self.deriver = try FactDeriver(mappings: mappings)
        self.guideline = try GuidelineDefinition(mappings: mappings)
    }

    /// A deceased patient's facts are still derived (explain shows them), but no recommendation
    /// fires, so no CarePlan is written.
    public func evaluate(_ record: PatientRecord, asOf: Instant) -> Evaluation {
        let facts = deriver.derive(record, asOf: asOf)
        let deceased = record.identity.deceased?.isDeceased(asOf: asOf) ?? false
        let results = guideline.recommendations.map { r in
            if deceased {
                return RecommendationResult(recommendation: r, fired: false, reasons: ["the patient is deceased"], caveats: [])
            }
            let fired = r.when.evaluate(facts) == .true
            let caveats = fired ? r.caveats.filter { $0.when.evaluate(facts) == .true } : []
            return RecommendationResult(recommendation: r, fired: fired, reasons: r.when.reasons(facts), caveats: caveats)
        }
        return Evaluation(record: record, asOf: asOf, facts: facts, results: results, deceased: deceased)
    }
}
