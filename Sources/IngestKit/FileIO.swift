#if canImport(Glibc)
@preconcurrency import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Whole-file reads and unbuffered writes over POSIX calls: no Foundation on the data path.
public enum FileIO {
    /// Reads a file completely; `-` reads standard input.
    public static func read(_ path: String) throws(IngestError) -> [UInt8] {
        if path == "-" { return try readAll(fd: 0, name: "standard input") }
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            let code = errno
            let kind: IngestError.Kind = code == ENOENT || code == EACCES || code == ENOTDIR ? .noInput : .io
            throw IngestError(kind, "\(path): cannot open: \(describe(code))")
        }
        defer { close(fd) }
        var st = stat()
        if fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR {
            throw IngestError(.noInput, "\(path): is a directory (pipe mode reads files; use `ingest batch` for folders)")
        }
        return try readAll(fd: fd, name: path, sizeHint: Int(st.st_size))
    }

    static func readAll(fd: Int32, name: String, sizeHint: Int = 0) throws(IngestError) -> [UInt8] {
        var capacity = max(sizeHint + 1, 1 << 16)
        var result: [UInt8] = []
        var failure: Int32 = 0
        while true {
            // Read into uninitialized memory: zero-filling first would touch every page twice.
            let chunk = [UInt8](unsafeUninitializedCapacity: capacity) { buffer, initialized in
                var count = 0
                while count < buffer.count {
                    let n = Glibc.read(fd, buffer.baseAddress! + count, buffer.count - count)
                    if n < 0 {
                        if errno == EINTR { continue }
                        failure = errno
                        break
                    }
                    if n == 0 { break }
                    count += n
                }
                initialized = count
            }
            if failure != 0 { throw IngestError(.io, "\(name): read failed: \(describe(failure))") }
            if result.isEmpty { result = chunk } else { result += chunk }
            if chunk.count < capacity { break }
            capacity = max(result.count, 1 << 16)
        }
        return result
    }

    /// Writes all bytes to a file descriptor.
    public static func write(fd: Int32, _ bytes: [UInt8]) throws(IngestError) {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { raw in Glibc.write(fd, raw.baseAddress! + offset, raw.count - offset) }
            if n < 0 {
                if errno == EINTR { continue }
                throw IngestError(.io, "write to \(fd == 1 ? "standard output" : "descriptor \(fd)") failed: \(describe(errno))")
            }
            offset += n
        }
    }

    public static func describe(_ code: Int32) -> String {
        guard let s = strerror(code) else { return "error \(code)" }
        return String(cString: s)
    }

    /// Regular files under `path`, recursively, sorted; `path` itself if it is a file.
    public static func files(under path: String) throws(IngestError) -> [String] {
        var st = stat()
        guard stat(path, &st) == 0 else {
            throw IngestError(.noInput, "\(path): cannot open: \(describe(errno))")
        }
        guard (st.st_mode & S_IFMT) == S_IFDIR else { return [path] }
        guard let dir = opendir(path) else { throw IngestError(.noInput, "\(path): cannot list: \(describe(errno))") }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(cString: raw.bindMemory(to: CChar.self).baseAddress!)
            }
            if name.hasPrefix(".") { continue }
            names.append(name)
        }
        closedir(dir)
        var result: [String] = []
        for name in names.sorted() {
            let child = path.hasSuffix("/") ? path + name : path + "/" + name
            result += try files(under: child)
        }
        return result
    }
}
