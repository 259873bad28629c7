import ArgumentParser
import ClinicalModel
import IngestKit

#if canImport(Glibc)
@preconcurrency import Glibc
#endif

/// Where the guideline comes from and under which canonical base it is published: shared by
/// every command that evaluates patients and by `ingest definitions`.
struct GuidelineOptionGroup: ParsableArguments {
    @Option(help: ArgumentHelp(
        "Read mappings (code systems, value sets, facts, guideline) from this folder instead of the defaults built into the binary. Same layout as Mappings/.",
        valueName: "dir"))
    var mappings: String?

    @Option(name: .customLong("canonical-base"), help: ArgumentHelp(
        "Base URL of the canonical PlanDefinition, ActivityDefinitions, derived-fact CodeSystem and ValueSets the output names (ingest definitions publishes them). Default: the guideline's canonicalBase.",
        valueName: "url"))
    var canonicalBase: String?

    @Option(name: .customLong("guideline"), help: ArgumentHelp(
        "Apply only this guideline (its id, e.g. mcrpc-after-enzalutamide); repeat for several. Default: every guideline of the mappings (guidelines/*.json), one CarePlan per patient and guideline.",
        valueName: "id"))
    var guideline: [String] = []

    func validate() throws {
        if let canonicalBase {
            let scheme = canonicalBase.hasPrefix("https://") ? "https://" : canonicalBase.hasPrefix("http://") ? "http://" : nil
            guard let scheme, canonicalBase.count > scheme.count,
                  !canonicalBase.contains(where: { $0 == " " || $0 == "|" || $0 == "#" || $0 == "?" }) else {
                throw ValidationError("--canonical-base must be an http(s) URL without spaces, '|', '#' or '?', e.g. https://fhir.example.org/clinicalingest.")
            }
        }
    }

    func evaluationOptions(asOf: Instant) -> EvaluationOptions {
        var options = EvaluationOptions(asOf: asOf, mappings: mappings.map { .directory($0) } ?? .embedded, canonicalBase: canonicalBase)
        options.guidelines = guideline.isEmpty ? nil : guideline
        return options
    }
}

/// Options shared by every command that evaluates patients.
struct EvaluationOptionGroup: ParsableArguments {
    @Option(name: .customLong("as-of"), help: ArgumentHelp(
        "Evaluation date, YYYY-MM-DD. Windows such as 'testosterone in the last 180 days' end here, counted in calendar days as the records give them; data dated later is ignored. Default: today (UTC).",
        valueName: "date"))
    var asOf: EvaluationDate?

    @OptionGroup var guideline: GuidelineOptionGroup

    @OptionGroup(title: "Limits") var readLimits: ReadLimitsOptionGroup


    var evaluationOptions: EvaluationOptions {
        var options = guideline.evaluationOptions(asOf: asOf?.instant ?? Self.today())
        options.limits = readLimits.limits
        return options
    }

    /// Today's UTC date: the one place the CLI reads the clock.
    static func today() -> Instant {
        let now = Instant(seconds: Int64(time(nil)))
        return Instant(seconds: Int64(now.day) * Instant.secondsPerDay)
    }
}

/// Input files shared by pipe and explain.
struct InputArguments: ParsableArguments {
    @Argument(help: ArgumentHelp(
        "FHIR JSON, NDJSON or C-CDA XML files; '-' or nothing reads standard input.", valueName: "file"))
    var files: [String] = []

    /// The inputs to read; stdin when none is named. Refuses to wait on an interactive terminal.
    func resolved() throws -> [String] {
        if files.isEmpty {
            if isatty(0) == 1 {
                throw ValidationError("No input: name files, or pipe a record in (cat bundle.json | ingest).")
            }
            return ["-"]
        }
        return files
    }
}
