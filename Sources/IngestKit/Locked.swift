#if canImport(Glibc)
@preconcurrency import Glibc
#endif

/// A value shared between threads behind a pthread mutex. ThreadSanitizer sees the mutex (it
/// does not see `Synchronization.Mutex`'s futex calls, tools/tsan-suppressions.txt); a class,
/// since escaping closures share it; the mutex allocated, so that its address never moves.
final class Locked<Value>: @unchecked Sendable {
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private var value: Value

    init(_ value: Value) {
        self.value = value
        pthread_mutex_init(mutex, nil)
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    func withLock<R>(_ body: (inout Value) throws -> R) rethrows -> R {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body(&value)
    }
}
