import ArgumentParser
import Batch
import IngestKit

/// `ingest merge`: the outputs of the N shards of one night as one run's.
struct MergeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Merge the --out folders of shard runs (--shard i/N, --shard-index K) into the outputs of one unsharded run.",
        discussion: """
            Writes to --out: careplans.ndjson and changes.ndjson (exactly the bytes one unsharded \
            run writes: sorted by patient, then the revoked CarePlans), report.json (the per-patient \
            counts added up; the input counts, which every shard computes over every input, once; \
            timings: the slowest shard's), report.html and quarantine/.

            The shards are checked first, and nothing is written unless every shard 1..N of one \
            run is there exactly once, with the same inputs (report.json's inputsFingerprint and \
            input counts), Mappings (mappingsFingerprint; give merge the shards' --mappings) and \
            --as-of. Each shard's ledger (state.sqlite) must be in its folder: it holds the \
            patient order.

            Exit status: 0 merged; 64 usage; 65 the folders are not the shards of one run; 66 a \
            folder or one of its outputs is missing; 74 writing failed.

            Example:
              ingest merge out/shard-0 out/shard-1 out/shard-2 --out out/night
            """
    )

    @Argument(help: ArgumentHelp("The --out folders of the shard runs.", valueName: "shard-out"))
    var shards: [String]

    @Option(help: ArgumentHelp("Folder for the merged outputs (created if missing).", valueName: "dir"))
    var out: String

    @Option(name: .customLong("as-of"), help: ArgumentHelp("The shards' evaluation date, checked. Default: the shards'.", valueName: "date"))
    var asOf: EvaluationDate?

    @OptionGroup var guideline: GuidelineOptionGroup

    func validate() throws {
        if shards.isEmpty { throw ValidationError("Name the --out folders of the shard runs.") }
        if shards.contains(out) { throw ValidationError("--out must not be one of the shards' folders.") }
    }

    func run() throws {
        do {
            let date = try asOf?.instant ?? ShardMerge.asOf(ofShard: shards[0])
            let merged = try ShardMerge(shards: shards, outDir: out, evaluation: guideline.evaluationOptions(asOf: date)).run()
            Diagnostics.line("ingest merge: \(shards.count) shards, \(merged.patients) patients, \(merged.carePlans) CarePlans; report: \(out)/report.html")
        } catch let error as IngestError {
            Diagnostics.line("ingest merge: error: \(error.message)")
            throw ExitCode(error.exitCode)
        } catch let error as BatchError {
            Diagnostics.line("ingest merge: error: \(error.message)")
            throw ExitCode(74)
        } catch {
            Diagnostics.line("ingest merge: error: \(error)")
            throw ExitCode(74)
        }
    }
}
