import ClinicalModel
import JSONKit
import Mapping
public import Guideline

/// The guideline engine and CarePlan builder for a set of evaluation options: mappings
/// loaded and checked once, shared by pipe, explain and batch.
public struct Evaluator: Sendable {
    public let engine: GuidelineEngine
    public let builder: CarePlanBuilder

    public init(options: EvaluationOptions) throws(IngestError) {
        let mappings = try options.mappings.load()
        let known = mappings.guidelines.compactMap { $0.json["id"]?.stringValue }
        for id in options.guidelines ?? [] where !known.contains(id) {
            throw IngestError(.usage, "--guideline \(id): no such guideline (known: \(known.joined(separator: ", ")))")
        }
        do {
            engine = try GuidelineEngine(mappings: mappings, selecting: options.guidelines)
        } catch {
            throw IngestError(.data, "invalid mappings: \(error.reading(from: options.mappings.folder))", cause: error)
        }
        builder = CarePlanBuilder(engine: engine, canonicalBase: options.canonicalBase)
    }
}
