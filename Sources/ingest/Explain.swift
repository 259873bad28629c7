import ArgumentParser
import Batch
import ClinicalModel
import IngestKit

/// Explain mode: the facts and recommendations behind the CarePlans, for people (text) and for
/// programs (`--format json`).
struct Explain: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Explain, per patient, every fact (yes / no / unknown, and from which entries) and why each recommendation fired or not.",
        discussion: """
            Reads the same inputs as pipe mode, and folders as the batch does (data files, \
            recursively; .gz inflated). For each patient it lists the facts of the guideline \
            with their values, how each was decided and the source entries (file and fullUrl \
            or Type/id) behind it; then every recommendation in priority order: fired, or the \
            facts that stopped it. Text wraps at 100 columns.

            --patient REF explains one patient: REF is a reference key (Patient/123, or a \
            fullUrl) or an identifier system|value. --state explains from the ledger of a batch \
            run (its records as last staged) instead of reading the export; --as-of defaults to \
            the night they were staged. --format json writes one JSON object per patient and \
            line, the shape of docs/explain.schema.json.

            Examples:
              ingest explain --as-of 2026-11-27 bundle.json
              ingest explain --patient Patient/p01 /exports/2026-11-27
              ingest explain --state out/state.sqlite --patient Patient/p01 --format json

            Exit status:
              0   every input was read
              64  the command line is wrong, or --patient names several patients
              65  an input (or a Mappings file, or the ledger) is not valid
              66  an input or the --state ledger does not exist, or standard input is empty
              67  --patient names no patient of the input (or of the ledger)
              74  reading or writing failed
            """
    )

    @OptionGroup var inputs: InputArguments
    @OptionGroup var evaluation: EvaluationOptionGroup

    @Option(help: ArgumentHelp(
        "Explain only this patient: a reference key (Patient/123) or an identifier system|value.", valueName: "ref"))
    var patient: String?

    @Option(help: ArgumentHelp(
        "Explain from this batch ledger (e.g. out/state.sqlite): the records its last run staged, without the export.",
        valueName: "path"))
    var state: String?

    @Option(help: ArgumentHelp("text (for people, 100 columns) or json (one object per patient and line).", valueName: "format"))
    var format: ExplainFormatArgument = .text

    func validate() throws {
        if let patient, PatientSelector(patient) == nil {
            throw ValidationError("--patient must be a reference key (Patient/123) or an identifier system|value, not empty.")
        }
        if state != nil, !inputs.files.isEmpty {
            throw ValidationError("--state explains from the ledger: name no input files with it.")
        }
    }

    func run() throws {
        do {
            let selector = patient.flatMap(PatientSelector.init)
            var records: [PatientRecord]
            var diagnostics: [Diagnostic] = []
            var options = evaluation.evaluationOptions
            if let state {
                let loaded = try LedgerRecords.load(statePath: state) { selector?.matches($0) ?? true }
                records = loaded.records
                // The night the records are of, unless another is asked for.
                if evaluation.asOf == nil, let night = loaded.night.flatMap(EvaluationOptions.parseDate) { options.asOf = night }
            } else {
                let pipeline = try Pipeline(options: options)
                let expanded = try ExplainInputs.expand(try inputs.resolved())
                for w in expanded.warnings { Diagnostics.line("ingest: warning: \(w)") }
                let collected = try pipeline.collect(expanded.files) { path throws(IngestError) in try ExplainInputs.read(path) }
                records = collected.records
                diagnostics = collected.collector.diagnostics + collected.assemblyDiagnostics
            }
            records = try Pipeline.select(records, selector, described: patient ?? "")
            if selector != nil, records.isEmpty {
                Diagnostics.emit(diagnostics)
                Diagnostics.error("--patient \(patient ?? ""): no such patient in \(state ?? "the input") "
                    + "(a reference key such as Patient/123, or an identifier system|value).")
                throw ExitCode(Pipeline.noSuchPatientExitCode)
            }
            let pipeline = try Pipeline(options: options)
            let outcome = try pipeline.explain(records, format: format.format)
            Diagnostics.emit(diagnostics)
            if diagnostics.contains(where: { $0.severity == .error }) || outcome.incomplete > 0 { throw ExitCode(65) }
        } catch let error as IngestError {
            Diagnostics.error(error.message)
            throw ExitCode(error.exitCode)
        }
    }
}

/// `--format text|json`.
struct ExplainFormatArgument: ExpressibleByArgument, Sendable {
    let format: ExplainFormat

    init?(argument: String) {
        guard let f = ExplainFormat(rawValue: argument) else { return nil }
        format = f
    }

    static let text = ExplainFormatArgument(format: .text)
    init(format: ExplainFormat) { self.format = format }
    static var allValueStrings: [String] { ExplainFormat.allCases.map(\.rawValue) }
    var defaultValueDescription: String { format.rawValue }
}
