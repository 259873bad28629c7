import ArgumentParser
import Batch
import ClinicalModel
import IngestKit

/// `--as-of YYYY-MM-DD`, parsed once by the argument parser (a bad date is a usage error with
/// the option's name), never re-parsed.
struct EvaluationDate: ExpressibleByArgument, Sendable {
    let instant: Instant

    init?(argument: String) {
        guard let instant = EvaluationOptions.parseDate(argument) else { return nil }
        self.instant = instant
    }

    static var defaultCompletionKind: CompletionKind { .default }
}

/// `--shard i/N` (1 ≤ i ≤ N), parsed once by the argument parser.
struct ShardArgument: ExpressibleByArgument, Sendable {
    let spec: ShardSpec

    init?(argument: String) {
        guard let spec = ShardSpec(parsing: argument) else { return nil }
        self.spec = spec
    }
}
