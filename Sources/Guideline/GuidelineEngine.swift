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

/// One patient's evaluation against one guideline: the facts and every recommendation's outcome.
public struct Evaluation: Sendable {
    public let guideline: GuidelineDefinition
    public let record: PatientRecord
    public let asOf: Instant
    /// Every fact derived for the patient (a guideline's CarePlan states only `guideline.facts`).
    public let facts: FactSet
    public let results: [RecommendationResult]
    /// The patient is deceased on the evaluation date: nothing is proposed (DESIGN "Who is evaluated").
    public let deceased: Bool

    public var fired: [RecommendationResult] { results.filter(\.fired) }
}

/// Applies the guidelines: facts (derived once per patient) → each guideline's recommendations,
/// in priority order.
///
/// A pure function of (record, mappings, evaluation date), so it runs the same in pipe
/// mode, in a batch, in a shard on another machine or under Spark's `pipe()`.
public struct GuidelineEngine: Sendable {
    /// The guidelines applied, in file-name order (all of `guidelines/`, or those selected).
    public let guidelines: [GuidelineDefinition]
    public let deriver: FactDeriver
    public let mappings: MappingSet

    /// `selecting`: the ids of the guidelines to apply (`--guideline`); nil applies every one.
    public init(mappings: MappingSet, selecting: [String]? = nil) throws(MappingError) {
        self.mappings = mappings
        self.deriver = try FactDeriver(mappings: mappings)
        var all: [GuidelineDefinition] = []
        var recommendationIDs: [String: String] = [:]
        for g in mappings.guidelines {
            let definition = try GuidelineDefinition(g.json, file: g.file, mappings: mappings)
            if all.contains(where: { $0.id == definition.id }) {
                throw MappingError(file: g.file, path: "$.id", message: "guideline \"\(definition.id)\" is defined twice")
            }
            // Recommendation ids name ActivityDefinitions under one canonical base: unique across guidelines.
            for (i, r) in definition.recommendations.enumerated() {
                if let other = recommendationIDs[r.id] {
                    throw MappingError(file: g.file, path: "$.recommendations[\(i)].id",
                                       message: "recommendation \"\(r.id)\" is also a recommendation of \(other)")
                }
                recommendationIDs[r.id] = definition.id
            }
            all.append(definition)
        }
        // One canonical base: the derived-fact CodeSystem and the ActivityDefinitions live under it.
        if let first = all.first, let other = all.first(where: { $0.canonicalBase != first.canonicalBase }) {
            throw MappingError(file: other.file, path: "$.canonicalBase",
                               message: "every guideline must share one canonicalBase (\(first.file) has \(first.canonicalBase))")
        }
        if let selecting {
            for id in selecting where !all.contains(where: { $0.id == id }) {
                throw MappingError(file: "guidelines/", path: "$", message: "no guideline \"\(id)\" (known: \(all.map(\.id).joined(separator: ", ")))")
            }
            all = all.filter { selecting.contains($0.id) }
        }
        self.guidelines = all
    }

    /// Every guideline's evaluation of the patient, facts derived once.
    public func evaluate(_ record: PatientRecord, asOf: Instant) -> [Evaluation] {
        let facts = deriver.derive(record, asOf: asOf)
        return guidelines.map { evaluate(record, facts: facts, asOf: asOf, guideline: $0) }
    }

    /// A deceased patient's facts are still derived (explain shows them), but no recommendation
    /// fires, so no CarePlan is written.
    func evaluate(_ record: PatientRecord, facts: FactSet, asOf: Instant, guideline: GuidelineDefinition) -> Evaluation {
        let deceased = record.identity.deceased?.isDeceased(asOf: asOf) ?? false
        let results = guideline.recommendations.map { r in
            if deceased {
                return RecommendationResult(recommendation: r, fired: false, reasons: ["the patient is deceased"], caveats: [])
            }
            let fired = r.when.evaluate(facts) == .true
            let caveats = fired ? r.caveats.filter { $0.when.evaluate(facts) == .true } : []
            return RecommendationResult(recommendation: r, fired: fired, reasons: r.when.reasons(facts), caveats: caveats)
        }
        return Evaluation(guideline: guideline, record: record, asOf: asOf, facts: facts, results: results, deceased: deceased)
    }
}
