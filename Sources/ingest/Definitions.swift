import ArgumentParser
import IngestKit

/// `ingest definitions`: the FHIR definitions every CarePlan names, so a server can resolve them.
struct Definitions: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write the guideline as FHIR R4 definitions: one Bundle that resolves every canonical a CarePlan names.",
        discussion: """
            Writes one FHIR R4 `collection` Bundle on standard output: the guideline as a \
            PlanDefinition (its version, its actions in priority order, each with its rule as text \
            and its ActivityDefinition), one ActivityDefinition per recommendation (kind, code, \
            description, citations), the derived-fact CodeSystem (one concept per fact, with its \
            definition) and every ValueSet of the mappings. Load it into the FHIR server once per \
            guideline version, before the CarePlans; publish it again whenever --mappings or \
            --canonical-base changes. Use the same --canonical-base as the runs whose CarePlans it \
            resolves.

            Examples:
              ingest definitions > definitions.json
              ingest definitions --canonical-base https://fhir.example.org/clinicalingest --pretty
            """
    )

    @OptionGroup var guideline: GuidelineOptionGroup

    @Flag(help: "Indent the JSON for reading.")
    var pretty = false

    func run() throws {
        do throws(IngestError) {
            let pipeline = try Pipeline(options: guideline.evaluationOptions(asOf: EvaluationOptionGroup.today()))
            try pipeline.writeDefinitions(pretty: pretty)
        } catch {
            Diagnostics.error("\(error.message)")
            throw ExitCode(error.exitCode)
        }
    }
}
