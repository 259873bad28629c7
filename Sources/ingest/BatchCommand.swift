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
              careplans.ndjson   every CarePlan, one a line, sorted by patient
              changes.ndjson     per patient, recommendations added / removed / changed since the last run
              quarantine/        every rejected input or record, with its reason and location
              report.json        counts that reconcile, per recommendation, per error kind, timings
              report.html        the same as one self-contained page
              state.sqlite       the ledger: patients whose inputs did not change are not re-evaluated

            Outputs are replaced atomically and the ledger is committed last: a run killed at any \
            moment and started again ends with exactly the output of a clean run.

            Exit status: 0 every input was processed; 2 the run completed but something was \
            quarantined (see quarantine/ and report.json); 64 usage; 65 invalid mappings; \
            74 the run itself failed (outputs and ledger left as they were).

            Example:
              ingest batch /exports/2026-11-27 --out /var/lib/clinicalingest/nightly --as-of 2026-11-27
              ingest batch /exports --out run-3 --shard 3/8      # one of 8 machines
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
    var shard: String?

    @Option(help: ArgumentHelp("The state ledger. Default: <out>/state.sqlite.", valueName: "path"))
    var state: String?

    @Flag(help: "No progress line on standard error.")
    var quiet = false

    func validate() throws {
        if jobs < 1 { throw ValidationError("--jobs must be at least 1.") }
        if let shard, ShardSpec(parsing: shard) == nil {
            throw ValidationError("--shard must be i/N with 1 ≤ i ≤ N, e.g. 2/8.")
        }
    }

    func run() throws {
        let options = BatchOptions(
            inputs: inputs, outDir: out, evaluation: evaluation.evaluationOptions, jobs: jobs,
            shard: shard.flatMap(ShardSpec.init(parsing:)) ?? .all, statePath: state, quiet: quiet)
        do {
            let report = try BatchRunner(options: options).run()
            if !quiet {
                Diagnostics.line("ingest batch: \(report.records) records from \(report.inputFiles) files, \(report.patients) patients, \(report.carePlans) CarePlans, \(report.quarantinedRecords) quarantined; report: \(out)/report.html")
            }
            if report.quarantined { throw ExitCode(BatchRunner.quarantinedExitCode) }
        } catch let error as IngestError {
            Diagnostics.line("ingest batch: error: \(error.message)")
            throw ExitCode(error.exitCode)
        } catch let error as ExitCode {
            throw error
        } catch {
            Diagnostics.line("ingest batch: error: the run failed, outputs were left as they were: \(error)")
            throw ExitCode(74)
        }
    }
}
