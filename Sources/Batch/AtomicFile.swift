import Foundation

/// Writes a whole output file beside its target and makes it durable (flushed and `fsync`ed),
/// without touching the target: the run renames it into place (`StagedOutputs.publish`) only once
/// the ledger is committed, so readers — and a run killed at any moment — see the old content or
/// the new, never a mix, and never new outputs beside an old ledger.
enum AtomicFile {
    /// The temporary file an output is staged in: beside the target (a rename stays within one
    /// file system), named by the process (two processes never share one; leftovers of a killed
    /// run contain `.tmp` and are removed by the next run).
    static func stagedPath(for path: String) -> String { path + ".tmp-\(getpid())" }

    static func stage(_ bytes: [UInt8], for path: String) throws(BatchError) {
        let temp = stagedPath(for: path)
        guard let file = fopen(temp, "wb") else {
            throw BatchError.io("\(temp): cannot create: \(String(cString: strerror(errno)))")
        }
        let written = bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, file) }
        let flushed = fflush(file) == 0 && fsync(fileno(file)) == 0
        let code = errno
        fclose(file)
        guard written == bytes.count, flushed else {
            unlink(temp)
            throw BatchError.io("\(temp): write failed: \(String(cString: strerror(code)))")
        }
    }

    static func stage(_ text: String, for path: String) throws(BatchError) { try stage(Array(text.utf8), for: path) }

    /// Renames the staged file over `path`.
    static func publish(_ path: String) throws(BatchError) {
        guard rename(stagedPath(for: path), path) == 0 else {
            throw BatchError.io("\(path): rename failed: \(String(cString: strerror(errno)))")
        }
    }
}
