import Foundation
@testable import IngestKit
import Testing

/// Pipe mode's read-ahead (`ReadAhead`): pieces parsed on other threads, taken back in the
/// order they came, never more than `depth` under way, and a failure while taking leaves no
/// work running.
@Suite struct ReadAheadTests {
    struct Stop: Error {}

    /// How many pieces run at once, and the most there ever were.
    final class Gauge: @unchecked Sendable {
        let lock = NSLock()
        var now = 0
        var most = 0
        var finished = 0
        func enter() { lock.lock(); now += 1; most = max(most, now); lock.unlock() }
        func leave() { lock.lock(); now -= 1; finished += 1; lock.unlock() }
        var counts: (most: Int, finished: Int) { lock.lock(); defer { lock.unlock() }; return (most, finished) }
    }

    @Test(arguments: [0, 1, 2, 5])
    func piecesAreTakenInTheOrderTheyCameWhateverFinishesFirst(depth: Int) {
        let gauge = Gauge()
        var ahead = ReadAhead<Int>(depth: depth)
        var seen: [Int] = []
        for i in 0..<300 {
            ahead.add({
                gauge.enter()
                // Later pieces finish first: the early ones sleep longest.
                if i % 5 == 0 { usleep(UInt32(300 - i) * 3) }
                gauge.leave()
                return i * 3
            }, consume: { seen.append($0) })
            // Never more than `depth` waiting (none at all on the caller's thread alone).
            #expect(i + 1 - seen.count <= depth)
        }
        ahead.finish { seen.append($0) }
        #expect(seen == (0..<300).map { $0 * 3 })
        #expect(gauge.counts.finished == 300)
        // A new piece starts before the oldest is taken: one more than `depth` may run.
        #expect(gauge.counts.most <= (depth == 0 ? 1 : depth + 1))
    }

    @Test(arguments: [0, 2, 4])
    func aFailureWhileTakingLeavesNoWorkRunning(depth: Int) {
        let gauge = Gauge()
        var ahead = ReadAhead<Int>(depth: depth)
        var taken = 0
        var started = 0
        #expect(throws: Stop.self) {
            defer { ahead.abandon() }
            for i in 0..<100 {
                started += 1
                try ahead.add({ gauge.enter(); usleep(500); gauge.leave(); return i }, consume: { (r: Int) throws(Stop) in
                    taken += 1
                    if r == 10 { throw Stop() }
                })
            }
        }
        #expect(taken == 11)
        // What was started ahead finished before the failure came back: nothing runs on.
        #expect(started == 11 + depth)
        #expect(gauge.counts.finished == started)
        // A new piece starts before the oldest is taken: one more than `depth` may run.
        #expect(gauge.counts.most <= (depth == 0 ? 1 : depth + 1))
    }
}
