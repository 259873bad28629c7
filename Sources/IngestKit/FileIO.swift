#if canImport(Glibc)
@preconcurrency import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Whole-file reads and unbuffered writes over POSIX calls: no Foundation on the data path.
public enum FileIO {
    /// Reads a regular file completely; `-` reads standard input.
    ///
    /// A FIFO, a device or a socket named as a file is refused before a byte is read: opening a
    /// FIFO without a writer blocks forever and `/dev/zero` never ends. Standard input (`-`, or a
    /// name of it such as `/dev/stdin`) is the one stream pipe mode reads.
    public static func read(_ path: String) throws(IngestError) -> [UInt8] {
        if path == "-" { return try readAll(fd: 0, name: "standard input") }
        if isStandardInput(path) { return try readAll(fd: 0, name: path) }
        let file = try openRegular(Array(path.utf8), name: path, allowFIFO: true)
        defer { close(file.fd) }
        guard file.isFIFO else { return try readAll(fd: file.fd, name: path, sizeHint: file.size) }
        // A pipe an analyst names (`ingest <(zcat export.json.gz)`): read like standard input,
        // to a limit, since it has no size. Opened without blocking, so a FIFO nobody writes to
        // reads as empty at once instead of hanging.
        let bytes = try readAll(fd: file.fd, name: path, limit: pipeLimit)
        if bytes.count > pipeLimit {
            throw IngestError(.data, "\(path): a pipe delivered more than \(pipeLimit) bytes; save it to a file, or use ingest batch, which streams NDJSON.")
        }
        return bytes
    }

    /// A descriptor to read `path` from as a stream: standard input (`-`, or a name of it), or a
    /// regular file (`owned`: the caller closes it); nil for a named pipe, which ``read(_:)``
    /// reads whole to its limit. Special files are refused as ``read(_:)`` refuses them.
    public static func openStream(_ path: String) throws(IngestError) -> (fd: Int32, name: String, owned: Bool)? {
        if path == "-" { return (0, "standard input", false) }
        if isStandardInput(path) { return (0, path, false) }
        // A FIFO is told before it is opened: opening one and closing it again could break its writer.
        var st = stat()
        if stat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFIFO { return nil }
        let file = try openRegular(Array(path.utf8), name: path)
        // Blocking reads from here on: a regular file never blocks, and O_NONBLOCK was only there
        // so that opening a FIFO could not hang.
        let flags = fcntl(file.fd, F_GETFL)
        if flags >= 0 { _ = fcntl(file.fd, F_SETFL, flags & ~O_NONBLOCK) }
        return (file.fd, path, true)
    }

    /// Most bytes read from a named pipe (1 GiB, the JSON document limit).
    static let pipeLimit = 1 << 30

    /// A regular file open for reading.
    public struct OpenFile: Sendable {
        public let fd: Int32
        public let size: Int
        public let device: UInt64
        public let inode: UInt64
        /// A FIFO (named pipe), opened only when the caller allows it.
        public var isFIFO = false
    }

    /// Opens `path` (its bytes, without the terminating NUL) for reading if it is a regular file.
    ///
    /// The open never blocks (`O_NONBLOCK`, so a FIFO without a writer cannot hang it) and the type
    /// is checked on the open descriptor (`fstat`), so a file swapped for a FIFO or a device after it
    /// was listed is refused too. With `followSymlinks` false a symbolic link in the last component
    /// is refused (`O_NOFOLLOW`). `name` is how messages show the path.
    public static func openRegular(_ path: [UInt8], name: String, followSymlinks: Bool = true,
                                   allowFIFO: Bool = false) throws(IngestError) -> OpenFile {
        var flags = O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY
        if !followSymlinks { flags |= O_NOFOLLOW }
        let fd = (path + [0]).withUnsafeBufferPointer { p in
            p.withMemoryRebound(to: CChar.self) { open($0.baseAddress!, flags) }
        }
        guard fd >= 0 else {
            let code = errno
            if code == ELOOP && !followSymlinks {
                throw IngestError(.noInput, "\(name): is a symbolic link, which is not followed here.")
            }
            let kind: IngestError.Kind = code == ENOENT || code == EACCES || code == ENOTDIR || code == ENXIO ? .noInput : .io
            throw IngestError(kind, "\(name): cannot open: \(describe(code))")
        }
        var st = stat()
        guard fstat(fd, &st) == 0 else {
            let code = errno
            close(fd)
            throw IngestError(.io, "\(name): cannot examine: \(describe(code))")
        }
        let type = st.st_mode & S_IFMT
        if allowFIFO && type == S_IFIFO {
            // Blocking again once open: a writer that is there is waited for; none means EOF.
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK)
            var file = OpenFile(fd: fd, size: 0, device: UInt64(st.st_dev), inode: UInt64(st.st_ino))
            file.isFIFO = true
            return file
        }
        guard type == S_IFREG else {
            close(fd)
            if type == S_IFDIR {
                throw IngestError(.noInput, "\(name): is a directory (pipe mode reads files; use `ingest batch` for folders)")
            }
            throw IngestError(.noInput, "\(name): is \(describeType(UInt32(st.st_mode))), not a regular file: it was not read (pipe a stream in on standard input, '-', instead).")
        }
        // Regular files ignore O_NONBLOCK; clear it so the descriptor behaves as an ordinary one.
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK)
        return OpenFile(fd: fd, size: Int(st.st_size), device: UInt64(st.st_dev), inode: UInt64(st.st_ino))
    }

    /// True when `path` names this process's standard input and that is not a regular file
    /// (`/dev/stdin` on a pipe): the same stream as `-`. `stat` never blocks, even on a FIFO.
    static func isStandardInput(_ path: String) -> Bool {
        var named = stat()
        var input = stat()
        guard stat(path, &named) == 0, fstat(0, &input) == 0, (named.st_mode & S_IFMT) != S_IFREG else { return false }
        return named.st_dev == input.st_dev && named.st_ino == input.st_ino
    }

    /// "a FIFO", "a character device" …: what a file of this mode is, for messages.
    public static func describeType(_ mode: UInt32) -> String {
        switch mode_t(mode) & S_IFMT {
        case S_IFREG: "a regular file"
        case S_IFDIR: "a directory"
        case S_IFIFO: "a FIFO (named pipe)"
        case S_IFCHR: "a character device"
        case S_IFBLK: "a block device"
        case S_IFSOCK: "a socket"
        case S_IFLNK: "a symbolic link"
        default: "a special file"
        }
    }

    /// Reads `fd` to its end, or until more than `limit` bytes were read (then `limit + 1` bytes
    /// are returned, so the caller can tell the input was over it without it being read whole).
    public static func readAll(fd: Int32, name: String, sizeHint: Int = 0, limit: Int = .max) throws(IngestError) -> [UInt8] {
        let ceiling = limit == .max ? Int.max : limit + 1
        var capacity = min(max(sizeHint + 1, 1 << 16), ceiling)
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
            if chunk.count < capacity || result.count >= ceiling { break }
            capacity = min(max(result.count, 1 << 16), ceiling - result.count)
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
    /// (For a Mappings folder; the batch walks its inputs with `lstat`, see Batch's InputDiscovery.)
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
