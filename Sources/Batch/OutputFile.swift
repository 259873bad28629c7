import Foundation

/// An output file written in pieces: everything goes to its staged file beside the target
/// (`AtomicFile.stagedPath`), which `commit()` flushes to disk. The target itself is replaced
/// only when the run publishes its outputs, after the ledger commit (`StagedOutputs.publish`).
final class OutputFile {
    let path: String
    let temp: String
    private var handle: UnsafeMutablePointer<FILE>?

    init(_ path: String) throws(BatchError) {
        self.path = path
        temp = AtomicFile.stagedPath(for: path)
        guard let h = fopen(temp, "wb") else {
            throw BatchError.io("\(temp): cannot create: \(String(cString: strerror(errno)))")
        }
        handle = h
    }

    func write(_ bytes: some Collection<UInt8>) throws(BatchError) {
        let array = Array(bytes)
        let n = array.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, handle) }
        guard n == array.count else { throw BatchError.io("\(temp): write failed: \(String(cString: strerror(errno)))") }
    }

    func write(_ text: String) throws(BatchError) { try write(Array(text.utf8)) }

    /// Makes the content durable in the staged file (flush, `fsync`, close); the rename over the
    /// target is the run's publishing step, after the ledger commit.
    func commit() throws(BatchError) {
        guard let h = handle else { return }
        handle = nil
        let ok = fflush(h) == 0 && fsync(fileno(h)) == 0
        let code = errno
        fclose(h)
        guard ok else {
            unlink(temp)
            throw BatchError.io("\(temp): flush failed: \(String(cString: strerror(code)))")
        }
    }

    deinit {
        if let h = handle {
            fclose(h)
            unlink(temp)
        }
    }
}
