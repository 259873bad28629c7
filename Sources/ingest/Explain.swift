import ArgumentParser
import IngestKit

/// Explain mode: the facts and recommendations behind the CarePlans, for people.
struct Explain: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Explain, per patient, every fact (yes / no / unknown, and from which entries) and why each recommendation fired or not.",
        discussion: """
            Reads the same inputs as pipe mode. For each patient it lists the facts of the \
            guideline with their values, how each was decided and the source entries (file and \
            fullUrl or Type/id) behind it; then every recommendation in priority order: fired, \
            or the facts that stopped it.

            Example:
              ingest explain --as-of 2026-11-27 bundle.json
            """
    )

    @OptionGroup var inputs: InputArguments
    @OptionGroup var evaluation: EvaluationOptionGroup

    func run() throws {
        do {
            let pipeline = try Pipeline(options: evaluation.evaluationOptions)
            let outcome = try pipeline.runExplain(inputs: try inputs.resolved())
            Diagnostics.emit(outcome.diagnostics)
            if outcome.exitCode != 0 { throw ExitCode(outcome.exitCode) }
        } catch let error as IngestError {
            Diagnostics.line("ingest: error: \(error.message)")
            throw ExitCode(error.exitCode)
        }
    }
}
