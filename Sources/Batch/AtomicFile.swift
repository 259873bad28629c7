import Foundation

/// Writes a file so that readers (and a run killed at any moment) see the old content or the
/// new, never a mix: write a temporary file beside it, flush it to disk, rename it over.
enum AtomicFile {
    static func write(_ bytes: [UInt8], to path: String) throws {
        let temp = path + ".tmp-\(getpid())"
        guard let file = fopen(temp, "wb") else {
            throw BatchError.io("\(temp): cannot create: \(String(cString: strerror(errno)))")
        }
        let written = bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, file) }
        let flushed = fflush(file) == 0 && fsync(fileno(file)) == 0
        fclose(file)
        guard written == bytes.count, flushed else {
            unlink(temp)
            throw BatchError.io("\(temp): write failed: \(String(cString: strerror(errno)))")
        }
        guard rename(temp, path) == 0 else {
            unlink(temp)
            throw BatchError.io("\(path): rename failed: \(String(cString: strerror(errno)))")
        }
    }

    static func write(_ text: String, to path: String) throws { try write(Array(text.utf8), to: path) }
}

/// A batch failure: the run stopped and the previous outputs were left as they were.
public enum BatchError: Error, CustomStringConvertible {
    case io(String)
    case database(String)

    public var description: String {
        switch self {
        case .io(let m): m
        case .database(let m): "state database: \(m)"
        }
    }
}
