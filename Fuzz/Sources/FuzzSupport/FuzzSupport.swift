// What the fuzz targets share: the driver that hands control to libFuzzer, and the readers and
// engine built once from the embedded mappings.
import CLibFuzzer
public import IngestKit

#if canImport(Glibc)
import Glibc
#endif

public enum FuzzSupport {
    /// The evaluation date every fuzz target uses (the Makefile's AS_OF).
    public static let options = EvaluationOptions(asOf: EvaluationOptions.parseDate("2026-11-27")!)

    /// The evaluator (engine and CarePlan builder) for the embedded mappings, built on first use.
    public static let evaluator: Evaluator = {
        do { return try Evaluator(options: options) } catch { fatalError("the embedded mappings do not load: \(error)") }
    }()

    /// The pipeline for the embedded mappings, built on first use.
    public static let pipeline: Pipeline = {
        do { return try Pipeline(options: options) } catch { fatalError("the embedded mappings do not load: \(error)") }
    }()

    /// The FHIR and C-CDA readers of the embedded mappings, with `ingest`'s default limits, built on
    /// first use.
    public static let readers = Readers(mappings: evaluator.engine.mappings, limits: options.limits)

    /// Runs libFuzzer with this process's arguments and exits with its status.
    ///
    /// The fuzz targets' `main` is this call, not libFuzzer's own `main`: SwiftPM links every
    /// executable target with its `main` renamed to `<Module>_main`, so a target without one does
    /// not link, and a target with one that forgot libFuzzer would run nothing. `make fuzz` proves
    /// that inputs ran by reading libFuzzer's final `stat::number_of_executed_units`.
    public static func runLibFuzzer(_ testOneInput: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> Never {
        var argc = CommandLine.argc
        var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
        exit(LLVMFuzzerRunDriver(&argc, &argv, testOneInput))
    }
}
