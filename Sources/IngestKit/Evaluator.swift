import ClinicalModel
public import Guideline

/// The guideline engine and CarePlan builder for a set of evaluation options: mappings
/// loaded and checked once, shared by pipe, explain and batch.
public struct Evaluator: Sendable {
    public let engine: GuidelineEngine
    public let builder: CarePlanBuilder

    public init(options: EvaluationOptions) throws(IngestError) {
        let mappings = try options.mappings.load()
        do {
            engine = try GuidelineEngine(mappings: mappings)
        } catch {
            throw IngestError(.data, "invalid mappings: \(error)")
        }
        builder = CarePlanBuilder(engine: engine, canonicalBase: options.canonicalBase)
    }
}
