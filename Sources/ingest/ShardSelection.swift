import ArgumentParser
import Batch

/// Which shard a batch runs, from either spelling: `--shard i/N` (1-based, as people count) or
/// `--shard-index K --shard-count N` (0-based, as schedulers count). Both name the same split,
/// so `--shard-index K` is exactly `--shard K+1/N`.
struct ShardSelection {
    let shard: ShardSpec?
    let index: Int?
    let count: Int?

    /// The shard to run; a usage error (exit 64) when the options contradict each other.
    var spec: ShardSpec {
        get throws {
            switch (shard, index, count) {
            case (nil, nil, nil):
                return .all
            case (let spec?, nil, nil):
                return spec
            case (_?, _, _):
                throw ValidationError("--shard and --shard-index/--shard-count name the same thing: give one or the other.")
            case (nil, _?, nil):
                throw ValidationError("--shard-index needs --shard-count (the number of shards).")
            case (nil, nil, _?):
                throw ValidationError("--shard-count needs --shard-index (this run's shard, 0-based).")
            case (nil, let k?, let n?):
                guard n >= 1 else { throw ValidationError("--shard-count must be at least 1.") }
                guard k >= 0, k < n else {
                    throw ValidationError("--shard-index must be between 0 and --shard-count − 1 (0-based): got \(k) with --shard-count \(n).")
                }
                return ShardSpec(index: k + 1, count: n)
            }
        }
    }
}
