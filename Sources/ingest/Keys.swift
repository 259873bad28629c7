import ArgumentParser
import ClinicalModel
import IngestKit

/// `ingest keys`: every input record with the link keys `ingest` groups patients by.
struct Keys: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write every input record with its patient link keys, one record a line: how an engine (Spark) groups records as ingest would.",
        discussion: """
            One line per record (an NDJSON line, a bundle or resource file, a C-CDA document):

              <JSON array of link keys> TAB <the record as one JSON string> TAB {"file": …, "line": n}

            The keys are exactly those ingest links patients by: "k:" + a reference key (fullUrl, \
            Type/id, urn:uuid:, a C-CDA document), "i:" + identifier system|value (placeholders \
            of Mappings/identity.json excluded), for the patients the record describes and names; \
            and "m:" + the key of a Medication it defines or references (not a patient link: a \
            group needs the Medications its records reference). Records sharing a k: or i: key \
            belong in one group; `ingest --grouped` links each group again with the full linker.

            A record that cannot be read still gets its line (with the keys of the patient it \
            names, so that patient is incomplete downstream, as in a batch), and its located \
            diagnostic goes to standard error; the exit status is then 65.

            With --lines, standard input (or FILE) holds record lines without keys — \
            "record" TAB {origin}, or lines of a previous `ingest keys` — and each gets its keys.

            Examples:
              ingest keys export/Patient.ndjson export/Condition.ndjson summary.xml
              ingest keys --lines < records.tsv
            """
    )

    @OptionGroup var inputs: InputArguments
    @OptionGroup var guideline: GuidelineOptionGroup
    @OptionGroup(title: "Limits") var readLimits: ReadLimitsOptionGroup

    @Flag(help: "The input is record lines (\"record\" TAB {origin}), one record a line, instead of files of records.")
    var lines = false

    func run() throws {
        let files = try inputs.resolved()
        var failed = false
        do throws(IngestError) {
            var options = guideline.evaluationOptions(asOf: EvaluationOptionGroup.today())
            options.limits = readLimits.limits
            let mappings = try options.mappings.load()
            let keys = RecordKeys(mappings: mappings, limits: options.limits)
            for input in files {
                let bytes = try FileIO.read(input)
                let name = input == "-" ? "-" : input
                var result: (lines: [RecordLine], diagnostics: [Diagnostic])
                if lines {
                    let grouped = GroupedInput(bytes, name: name)
                    result = keys.keyed(grouped.groups.flatMap { $0.records.map(\.record) })
                    result.diagnostics = grouped.diagnostics + result.diagnostics
                } else {
                    result = keys.lines(bytes, file: name)
                }
                var out: [UInt8] = []
                for line in result.lines { out += line.encoded(); out.append(0x0A) }
                try FileIO.write(fd: 1, out)
                Diagnostics.emit(result.diagnostics)
                if result.diagnostics.contains(where: { $0.severity == .error }) { failed = true }
            }
        } catch {
            Diagnostics.line("ingest keys: error: \(error.message)")
            throw ExitCode(error.exitCode)
        }
        if failed { throw ExitCode(65) }
    }
}
