import ArgumentParser
import Batch
import Foundation
import IngestKit

/// Pipe mode: records in, CarePlans out (NDJSON).
struct Pipe: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pipe",
        abstract: "Write one FHIR R4 CarePlan (NDJSON) per patient for whom a recommendation applies (the default).",
        discussion: """
            Inputs may be any FHIR Bundle (collection, searchset, transaction, batch, document, \
            message, and response bundles), a single resource, or NDJSON with one resource or one \
            Bundle per line (Bulk FHIR export), and C-CDA documents (CCD, Referral Note, Discharge \
            Summary, Progress Note …; JSON or XML is told from the first significant byte). Everything read is grouped by patient across all \
            inputs. A patient for whom no recommendation applies gets no CarePlan. Same input and \
            --as-of always give the same bytes.
            """
    )

    @OptionGroup var inputs: InputArguments
    @OptionGroup var evaluation: EvaluationOptionGroup

    @Flag(help: "Indent the JSON for reading (one CarePlan spans several lines).")
    var pretty = false

    @Option(help: ArgumentHelp(
        "Write the CarePlans as one FHIR Bundle of this type instead of NDJSON. 'transaction': a PUT CarePlan/<id> per CarePlan, ready to POST to a FHIR server's base URL (replaying it leaves the same server state).",
        valueName: "type"))
    var bundle: BundleType?

    @Flag(help: "Print a line to standard error accounting for every record: read, skipped, rejected.")
    var summary = false

    @Flag(name: .customLong("one-patient-per-line"), help: ArgumentHelp(
        "Stream: evaluate each NDJSON line (one Bundle per patient, the usual export) and write its CarePlans as soon as it is read, in input order; memory stays bounded by the largest line.",
        discussion: "Each line must hold its patient whole, Medications included: a patient seen again on a later line is an error there (that line gets no CarePlan, exit status 65), never a second CarePlan. Without this flag every input is grouped by patient first and CarePlans are sorted by patient."))
    var onePatientPerLine = false

    @Flag(help: ArgumentHelp(
        "The input is record lines of `ingest keys`, the records of one group together, groups separated by an empty line; each group is linked (and split where the linker would) and evaluated on its own. What a Spark RDD.pipe sends."))
    var grouped = false

    @Flag(name: .customLong("allow-empty"), help: ArgumentHelp(
        "An empty standard input (or, with --grouped, an input of blanks only) is no error: no output, exit 0. For engines that pipe empty partitions."))
    var allowEmpty = false

    @Option(name: .customLong("spill-above"), help: ArgumentHelp(
        "Without --one-patient-per-line, hold what was read in memory until this much input was read (a number of bytes, or with K, M, G; default 32M), then move it to a temporary database and go on there, so that memory stays bounded by the largest patient. The output is the same bytes either way.",
        discussion: "The database is a file SQLite deletes as soon as it opens it, in SQLITE_TMPDIR or TMPDIR (else /var/tmp or /tmp): it needs room for about the size of the records read.",
        valueName: "size"))
    var spillAbove: String?

    @Option(help: ArgumentHelp(
        "Without --one-patient-per-line or --grouped, how many patients to evaluate at a time, on as many threads (default: the number of cores, 1 to 256). The output is the same bytes with any number.",
        valueName: "n"))
    var jobs: Int?

    func validate() throws {
        if let jobs, !(1...256).contains(jobs) { throw ValidationError("--jobs must be from 1 to 256.") }
        if jobs != nil && (grouped || onePatientPerLine) {
            throw ValidationError("--jobs is for grouping everything read; --grouped and --one-patient-per-line evaluate one group or line at a time.")
        }
        if let spillAbove, InputLimits.parseBytes(spillAbove) == nil {
            throw ValidationError("--spill-above must be a number of bytes, optionally with K, M or G (e.g. 32M; 0 spills from the start).")
        }
        if spillAbove != nil && (grouped || onePatientPerLine) {
            throw ValidationError("--spill-above is for grouping everything read; --grouped and --one-patient-per-line hold one group or line at a time already.")
        }
        if grouped && bundle != nil { throw ValidationError("--grouped writes NDJSON, one CarePlan a line: it cannot be combined with --bundle.") }
        if grouped && onePatientPerLine { throw ValidationError("--grouped and --one-patient-per-line are two ways of saying what a group is: give one of them.") }
        if onePatientPerLine && bundle != nil {
            throw ValidationError("--bundle writes one document once everything is read, so it cannot stream: leave out --one-patient-per-line, or --bundle.")
        }
    }

    func run() throws {
        let files = try inputs.resolved()
        do {
            var pipeline = try Pipeline(options: evaluation.evaluationOptions)
            pipeline.jobs = jobs ?? min(256, max(1, ProcessInfo.processInfo.activeProcessorCount))
            let outcome = grouped
                ? try pipeline.runGrouped(inputs: files, pretty: pretty, allowEmpty: allowEmpty)
                : onePatientPerLine
                ? try pipeline.runOnePatientPerLine(inputs: files, pretty: pretty) { Diagnostics.line("ingest: \($0)") }
                : try pipeline.runPipe(inputs: files, pretty: pretty, shape: bundle?.shape ?? .ndjson,
                                       spill: TemporarySpill.policy(above: spillAbove.flatMap(InputLimits.parseBytes) ?? SpillPolicy.defaultAbove))
            Diagnostics.emit(outcome.diagnostics)
            if summary { Diagnostics.line(Pipeline.summary(outcome)) }
            if outcome.exitCode != 0 { throw ExitCode(outcome.exitCode) }
        } catch let error as IngestError where allowEmpty && error.kind == .noInput && files == ["-"] {
            // Standard input cannot be missing: 66 on it means it was empty, which was allowed.
            return
        } catch let error as IngestError {
            Diagnostics.error("\(error.message)")
            throw ExitCode(error.exitCode)
        }
    }
}
