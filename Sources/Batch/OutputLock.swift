import Foundation

/// An exclusive lock on the output folder — and on the ledger when `--state` puts it elsewhere —
/// held for the whole run.
///
/// Two runs on one folder would delete each other's staged files, and their ledger commits would
/// interleave (patients lost from the ledger, spurious "new" patients the next night). The lock is
/// `flock(2)` on a lock file that is never removed (removing it would let a third run lock a new
/// file while the first still holds the old one); the kernel releases it when the process ends,
/// however it ends, so a killed run never leaves a stale lock. The ledger gets a lock file of its
/// own beside it: SQLite's own POSIX locks on the database file are released by any `close` of it
/// in the process, so it must not be opened for locking.
final class OutputLock {
    /// The lock file in the output folder.
    static let fileName = ".ingest-batch.lock"

    private var descriptors: [Int32] = []

    /// Takes the locks, or fails at once if another run holds one (`BatchError.Code.busy`).
    init(outDir: String, statePath: String?) throws(BatchError) {
        do throws(BatchError) {
            try lock(outDir + "/" + Self.fileName, guarding: "the output folder \(outDir)")
            if let statePath {
                try lock(statePath + ".lock", guarding: "the ledger \(statePath)")
            }
        } catch {
            release()
            throw error
        }
    }

    private func lock(_ path: String, guarding what: String) throws(BatchError) {
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o644)
        guard fd >= 0 else {
            throw BatchError.io("\(path): cannot open the lock file: \(String(cString: strerror(errno)))")
        }
        while flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let code = errno
            if code == EINTR { continue }
            let holder = Self.holder(fd)
            close(fd)
            guard code == EWOULDBLOCK else {
                throw BatchError.io("\(path): cannot lock: \(String(cString: strerror(code)))")
            }
            throw BatchError(.busy, """
                \(path): another ingest batch run\(holder.map { " (process \($0))" } ?? "") is using \(what); \
                this run stopped before changing anything. Run it again once the other has finished, \
                or give it another --out (and --state).
                """)
        }
        // Who holds it, for the message of a run that finds it taken.
        let text = Array("\(getpid())\n".utf8)
        if ftruncate(fd, 0) == 0 { _ = text.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) } }
        descriptors.append(fd)
    }

    /// The process id the holder wrote into the lock file, if it reads as one.
    private static func holder(_ fd: Int32) -> Int32? {
        var buffer = [UInt8](repeating: 0, count: 32)
        let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) }
        guard n > 0 else { return nil }
        return Int32(String(decoding: buffer[0..<n], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// Releases the locks (closing the descriptors releases them).
    func release() {
        for fd in descriptors { close(fd) }
        descriptors = []
    }

    deinit { release() }
}
