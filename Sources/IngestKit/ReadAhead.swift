import Dispatch

/// Work started on other threads as its input arrives, its results taken back on the caller's
/// thread in the order the work was started: pipe mode parses the next pieces of its input
/// while it reads on and adds what was parsed before, in input order, so the records, the
/// diagnostics and the output are those of parsing one piece after another.
///
/// At most `depth` pieces wait to be taken, and `depth + 1` are under way at a time: a new piece
/// starts before the oldest is taken (memory stays bounded by a few pieces); with
/// a depth of 0 each piece is worked on the caller's thread as it comes, as before there were
/// threads. Unlike ``OrderedWork``, the number of items is not known ahead: they come from a
/// stream.
struct ReadAhead<T: Sendable> {
    /// One piece under way: its result, once `done` was signalled.
    private final class Pending: Sendable {
        let done = DispatchSemaphore(value: 0)
        let result = Locked<T?>(nil)
    }

    let depth: Int
    private var pending: [Pending] = []
    private var head = 0

    /// Up to `depth` pieces waiting on other threads; 0 works each one on the caller's thread.
    init(depth: Int) {
        self.depth = max(0, depth)
    }

    /// Starts `work`, then consumes (in order) what has to be taken so that at most `depth`
    /// pieces stay under way.
    mutating func add<E: Error>(_ work: @escaping @Sendable () -> T, consume: (T) throws(E) -> Void) throws(E) {
        guard depth > 0 else {
            try consume(work())
            return
        }
        let piece = Pending()
        DispatchQueue.global().async {
            let result = work()
            piece.result.withLock { $0 = result }
            piece.done.signal()
        }
        pending.append(piece)
        while pending.count - head > depth { try consume(takeFirst()) }
    }

    /// Consumes, in order, everything still under way.
    mutating func finish<E: Error>(consume: (T) throws(E) -> Void) throws(E) {
        while head < pending.count { try consume(takeFirst()) }
    }

    /// Waits for whatever is still under way and drops it: after a failure, no work outlives
    /// the reading that started it.
    mutating func abandon() {
        while head < pending.count { _ = takeFirst() }
    }

    private mutating func takeFirst() -> T {
        let piece = pending[head]
        head += 1
        if head == pending.count {
            pending.removeAll(keepingCapacity: true)
            head = 0
        } else if head >= 64 {
            pending.removeFirst(head)
            head = 0
        }
        piece.done.wait()
        return piece.result.withLock { r in
            defer { r = nil }
            return r!
        }
    }
}
