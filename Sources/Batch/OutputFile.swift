import Foundation

/// A file written in pieces and published atomically: everything goes to a temporary file
/// beside the target, which is flushed to disk and renamed over the target on `commit()`.
final class OutputFile {
    let path: String
    let temp: String
    private var handle: UnsafeMutablePointer<FILE>?

    init(_ path: String) throws {
        self.path = path
        temp = path + ".tmp-\(getpid())"
        guard let h = fopen(temp, "wb") else {
            throw BatchError.io("\(temp): cannot create: \(String(cString: strerror(errno)))")
        }
        handle = h
    }

    func write(_ bytes: some Collection<UInt8>) throws {
        let array = Array(bytes)
        let n = array.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, handle) }
        guard n == array.count else { throw BatchError.io("\(temp): write failed: \(String(cString: strerror(errno)))") }
    }

    func write(_ text: String) throws { try write(Array(text.utf8)) }

    func commit() throws {
        guard let h = handle else { return }
        handle = nil
        let ok = fflush(h) == 0 && fsync(fileno(h)) == 0
        fclose(h)
        guard ok else { throw BatchError.io("\(temp): flush failed: \(String(cString: strerror(errno)))") }
        guard rename(temp, path) == 0 else {
            throw BatchError.io("\(path): rename failed: \(String(cString: strerror(errno)))")
        }
    }

    deinit {
        if let h = handle {
            fclose(h)
            unlink(temp)
        }
    }
}
