import Dispatch

/// Work done `jobs` items at a time on other threads, its results consumed on the caller's thread
/// in item order: the batch parses the next inputs while it stages the last one (and pipe mode
/// evaluates spilled patient groups in parallel), instead of
/// waiting for a whole round of inputs before staging any. At most `window` results wait to be
/// consumed, so memory stays bounded by a few inputs whatever their number.
public enum OrderedWork {
    /// Runs `work(i)` for every `i` in `0..<count` on up to `jobs` threads and `consume(i, result)`
    /// on the calling thread, in order of `i`. When `consume` throws, no new item is started, the
    /// items under way finish, and the error is rethrown: no thread is left behind.
    public static func forEach<T: Sendable, E: Error>(count: Int, jobs: Int, window: Int, work: @escaping @Sendable (Int) -> T,
                                                    consume: (Int, T) throws(E) -> Void) throws(E) {
        guard count > 0 else { return }
        let jobs = max(1, min(jobs, count))
        let state = Locked(State<T>())
        let finished = DispatchSemaphore(value: 0)
        // Created at 0 and signalled up to the window: libdispatch traps when a semaphore is freed
        // with a value below the one it was created with, which an early throw would leave.
        let slots = DispatchSemaphore(value: 0)
        for _ in 0..<max(window, jobs) { slots.signal() }
        let group = DispatchGroup()
        for _ in 0..<jobs {
            DispatchQueue.global().async(group: group) {
                while true {
                    slots.wait()
                    let next: Int? = state.withLock { s in
                        guard !s.cancelled, s.next < count else { return nil }
                        defer { s.next += 1 }
                        return s.next
                    }
                    guard let i = next else {
                        slots.signal()  // for the next worker to see the end too
                        return
                    }
                    let result = work(i)
                    state.withLock { $0.done[i] = result }
                    finished.signal()
                }
            }
        }
        defer {
            state.withLock { $0.cancelled = true }
            for _ in 0..<jobs { slots.signal() }
            group.wait()
        }
        for i in 0..<count {
            var result: T?
            while true {
                result = state.withLock { $0.done.removeValue(forKey: i) }
                if result != nil { break }
                finished.wait()
            }
            slots.signal()
            try consume(i, result!)
        }
    }

    /// `work(i)` for every `i` in `0..<count` on up to `jobs` threads (the caller's among them),
    /// each taking the next item when done with its last; the results in order of `i`.
    public static func map<T: Sendable>(count: Int, jobs: Int, _ work: @Sendable (Int) -> T) -> [T] {
        let state = Locked(Progress<T>())
        DispatchQueue.concurrentPerform(iterations: max(1, min(jobs, count))) { _ in
            while true {
                let i: Int? = state.withLock { s in
                    guard s.next < count else { return nil }
                    defer { s.next += 1 }
                    return s.next
                }
                guard let i else { return }
                let result = work(i)
                state.withLock { $0.done[i] = result }
            }
        }
        return state.withLock { s in (0..<count).map { s.done[$0]! } }
    }

    private struct Progress<T: Sendable>: Sendable {
        var next = 0
        var done: [Int: T] = [:]
    }

    private struct State<T: Sendable>: Sendable {
        var next = 0
        var done: [Int: T] = [:]
        var cancelled = false
    }
}
