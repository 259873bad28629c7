import ArgumentParser
import IngestKit

@main
struct Ingest: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract: "Read clinical records (FHIR R4 JSON, Bulk FHIR NDJSON, C-CDA XML) and propose guideline-based FHIR CarePlans.",
        discussion: """
            With no subcommand, `ingest` runs in pipe mode: it reads the named files (or standard \
            input) like `cat`, groups everything by patient, derives the clinical facts of the \
            guideline and writes one FHIR R4 CarePlan per patient for whom a recommendation \
            applies, as NDJSON on standard output. Diagnostics go to standard error.

            Examples:
              cat bundle.json | ingest --as-of 2026-11-27
              ingest summary-of-care.xml        # C-CDA: detected from the first byte
              ingest Patient.ndjson Condition.ndjson MedicationRequest.ndjson Observation.ndjson
              ingest explain bundle.json        # why each recommendation fired or not
              ingest batch /exports/tonight --out /srv/nightly   # the nightly run (see: ingest batch --help)
              ingest definitions > definitions.json   # the PlanDefinition etc. the CarePlans name

            Options of pipe mode (--as-of, --pretty, --bundle, --summary, --mappings, --canonical-base): \
            `ingest pipe --help`. Subcommands: `ingest help <subcommand>`.

            Exit status:
              0   every input was read
              64  the command line is wrong
              65  an input (or a Mappings file) is not valid: the message gives file:line:column and JSON path
              66  an input file does not exist, or standard input is empty
              74  reading or writing failed
            """,
        version: IngestVersion.current,
        subcommands: [Pipe.self, Explain.self, BatchCommand.self, Definitions.self, Keys.self, MergeCommand.self],
        defaultSubcommand: Pipe.self
    )

    /// The argument parser's own errors (an unknown option, a bad --as-of) say `Error:`; ours
    /// say `ingest: error:`. One prefix everywhere, so a cron log is searched for one string.
    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            let code = exitCode(for: error)
            let text = fullMessage(for: error)
            if code == .success {
                if !text.isEmpty { print(text) }
                exit(withError: nil)
            }
            if !text.isEmpty {
                Diagnostics.line(text.hasPrefix("Error: ") ? Diagnostics.errorPrefix + text.dropFirst(7) : text)
            }
            exit(withError: ExitCode(code.rawValue))
        }
    }
}
