import ArgumentParser
import Batch
import Foundation
import IngestKit

/// `ingest batch`: the nightly run over a whole export.
struct BatchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "batch",
        abstract: "Run over whole exports (files and folders): CarePlans, changes, quarantine and a report in --out.",
        discussion: """
            INPUT may be files or folders (read recursively): FHIR JSON bundles or resources, NDJSON \
            (a Bulk FHIR export folder with one or more files per resource type), .gz of either. \
            Resources are staged in an SQLite database keyed by patient and evaluated patient by \
            patient, so memory stays bounded by the largest patient. Patients found in several \
            sources (same reference key, or same identifier system and value) are merged.

            Written to --out:
              careplans.ndjson   tonight's CarePlans, one a line, sorted by patient, then those
                                 withdrawn since the last night, again with status "revoked"
                                 (load it into a FHIR server with $import night after night)
              changes.ndjson     per patient, recommendations new / changed / withdrawn since the
                                 last completed night with an earlier --as-of, named in "since"
                                 (a rerun of one night gives that night's changes again)
              transaction.json   with --bundle transaction: a FHIR transaction Bundle, PUT
                                 CarePlan/<id> for each CarePlan new, changed or revoked tonight
              quarantine/        every rejected input or record, with its reason and location
              report.json        counts that reconcile, per recommendation, per error kind, timings
              report.html        one self-contained page: tiles, every patient with a CarePlan
                                 (sortable, filterable, each opening his explanation), the last
                                 30 nights as charts, data quality per source, the changes
              state.sqlite       the ledger: the last two nights, per patient; a history point
                                 per night; each patient's last record (ingest explain --state)

            Night after night: a CarePlan keeps its id (guideline + the patient's identity) and, \
            while its recommendations stay the same, its `created` date and its bytes. A patient \
            absent from tonight's inputs is "not seen" and keeps his CarePlan; give --full-export \
            when the inputs are the whole population, and absent patients are withdrawn. A patient \
            whose record is not whole tonight (a record naming him was rejected, or his identity \
            conflicts with another's) gets no new or changed CarePlan: the previous one is kept, \
            and report.json lists him with the reason.

            Every output is staged beside its target and made durable, then the ledger is \
            committed, then the outputs are renamed into place: a run that fails before that \
            publishes nothing, and a run killed at any moment and started again ends with exactly \
            the output of a clean run. One run at a time per --out (and per --state): a second one \
            exits at once with status 75, changing nothing.

            Limits: an input read whole (anything but NDJSON; a .gz once decompressed) may hold at \
            most --max-input-bytes (default 128M); a .gz may inflate to at most \
            --max-decompressed-bytes (default 4G) and --max-compression-ratio times its size \
            (default 200). An input over a limit is quarantined unread with the reason (a .gz as \
            it was, compressed); NDJSON is streamed whatever its size. Only regular files are \
            read: FIFOs, devices, dangling links, link loops and links out of the input folder \
            are quarantined with their reason (no copy) and the night goes on.

            Exit status:
              0   every input was processed
              2   completed, but something was quarantined (quarantine/, report.json)
              64  the command line is wrong, or --state holds another shard's ledger
              65  the Mappings are invalid
              66  an INPUT does not exist
              74  the run failed: before the ledger commit nothing is published
                  (outputs and ledger stay as they were); after it, the message
                  says what was published
              75  another run holds the lock on --out or --state: nothing changed

            Example:
              ingest batch /exports/2026-11-27 --out /var/lib/clinicalingest/nightly --as-of 2026-11-27
              ingest batch /exports --out run-3 --shard 3/8      # one of 8 machines
              ingest batch /exports --out run-2 --shard-index 2 --shard-count 8   # the same, 0-based
            """
    )

    @Argument(help: ArgumentHelp("Files and folders to read (recursively).", valueName: "input"))
    var inputs: [String]

    @Option(help: ArgumentHelp("Folder for the outputs (created if missing).", valueName: "dir"))
    var out: String

    @OptionGroup var evaluation: EvaluationOptionGroup

    @Option(help: ArgumentHelp("Parallel readers and evaluators. Default: the number of cores.", valueName: "n"))
    var jobs: Int = ProcessInfo.processInfo.activeProcessorCount

    @Option(help: ArgumentHelp(
        "Evaluate only shard i of N (1 ≤ i ≤ N), split deterministically by patient; the N shards together give exactly the unsharded output.",
        valueName: "i/N"))
    var shard: ShardArgument?

    // 0-based, as Kubernetes' JOB_COMPLETION_INDEX and most schedulers hand it out, so a
    // manifest can pass the index through unchanged instead of adding 1 in a shell.
    @Option(name: .customLong("shard-index"), help: ArgumentHelp(
        "With --shard-count: evaluate only shard K of N, 0-based (0 ≤ K < N), e.g. $(JOB_COMPLETION_INDEX) of a Kubernetes Indexed Job. The same split as --shard K+1/N.",
        valueName: "k"))
    var shardIndex: Int?

    @Option(name: .customLong("shard-count"), help: ArgumentHelp(
        "With --shard-index: the number of shards N (at least 1).", valueName: "n"))
    var shardCount: Int?

    @Option(help: ArgumentHelp("The state ledger. Default: <out>/state.sqlite.", valueName: "path"))
    var state: String?

    @Flag(help: "No progress line on standard error (warnings are still printed).")
    var quiet = false

    @Flag(name: .customLong("full-export"), help: ArgumentHelp(
        "The inputs are the whole population: a patient of the last night absent from them is withdrawn (his CarePlan revoked). Without it he is 'not seen' and keeps his CarePlan."))
    var fullExport = false

    @Option(help: ArgumentHelp(
        "Also write --out/transaction.json, a FHIR Bundle of this type. 'transaction': PUT CarePlan/<id> for each CarePlan new, changed or revoked tonight, ready to POST to a server's base URL.",
        valueName: "type"))
    var bundle: BundleType?

    @Option(name: .customLong("max-input-bytes"), help: ArgumentHelp(
        "Largest input read whole (anything but NDJSON; a .gz once decompressed); larger ones are quarantined unread. A number of bytes, or with K, M, G, T. Default: 128M.",
        valueName: "size"))
    var maxInputBytes: String?

    @Option(name: .customLong("max-decompressed-bytes"), help: ArgumentHelp(
        "Most a .gz input may inflate to; more, and it is quarantined as it was. Default: 4G.", valueName: "size"))
    var maxDecompressedBytes: String?

    @Option(name: .customLong("max-compression-ratio"), help: ArgumentHelp(
        "Most bytes a .gz input may inflate to per byte of the file (judged past its first MiB); more, and it is quarantined as a decompression bomb. Default: 200.",
        valueName: "n"))
    var maxCompressionRatio: Int?

    func validate() throws {
        if jobs < 1 { throw ValidationError("--jobs must be at least 1.") }
        for (name, value) in [("--max-input-bytes", maxInputBytes), ("--max-decompressed-bytes", maxDecompressedBytes)] {
            if let value, (InputLimits.parseBytes(value) ?? 0) < 1 {
                throw ValidationError("\(name) must be a positive number of bytes, optionally with K, M, G or T (e.g. 256M).")
            }
        }
        if let maxCompressionRatio, maxCompressionRatio < 1 {
            throw ValidationError("--max-compression-ratio must be at least 1.")
        }
        _ = try ShardSelection(shard: shard?.spec, index: shardIndex, count: shardCount).spec
    }

    var limits: InputLimits {
        var limits = InputLimits.defaults
        if let v = maxInputBytes.flatMap(InputLimits.parseBytes) { limits.maxInputBytes = v }
        if let v = maxDecompressedBytes.flatMap(InputLimits.parseBytes) { limits.maxDecompressedBytes = v }
        if let maxCompressionRatio { limits.maxCompressionRatio = maxCompressionRatio }
        return limits
    }

    func run() throws {
        var options = BatchOptions(
            inputs: inputs, outDir: out, evaluation: evaluation.evaluationOptions, jobs: jobs,
            shard: try ShardSelection(shard: shard?.spec, index: shardIndex, count: shardCount).spec, statePath: state, quiet: quiet)
        options.limits = limits
        options.fullExport = fullExport
        options.transactionBundle = bundle == .transaction
        do {
            let report = try BatchRunner(options: options).run()
            if !quiet {
                func n(_ count: Int, _ noun: String) -> String { "\(count) \(noun)\(count == 1 ? "" : "s")" }
                Diagnostics.line("ingest batch: \(n(report.records, "record")) from \(n(report.inputFiles, "file")), \(n(report.patients, "patient")), \(n(report.carePlans, "CarePlan")), \(report.quarantinedRecords) quarantined; report: \(out)/report.html")
            }
            if report.quarantined { throw ExitCode(BatchRunner.quarantinedExitCode) }
        } catch let error as IngestError {
            Diagnostics.error("\(error.message)")
            throw ExitCode(error.exitCode)
        } catch let error as BatchError {
            Diagnostics.error("\(error.message)")
            throw ExitCode(error.exitCode)
        } catch let error as ExitCode {
            throw error
        } catch {
            // Anything else comes before the ledger commit, and nothing is published before it.
            Diagnostics.error("the run failed before its ledger commit, so nothing was published (outputs and ledger are as the previous run left them): \(error)")
            throw ExitCode(74)
        }
    }
}
