import Foundation
import IngestKit

/// One input file of a batch, with its position in the deterministic input order.
struct InputFile: Sendable {
    let index: Int
    /// The path as found: what messages, reports and the quarantine name.
    let path: InputPath
    /// What is opened: `path` itself, or the resolved target of a symbolic link inside the input folder.
    let target: InputPath
    /// Named on the command line: a symbolic link there is the user's choice and is followed.
    /// Inside folders nothing is opened through a link (`target` is already resolved).
    let followSymlinks: Bool
    let size: Int
}

/// An entry of the inputs that is not read, with the reason: the report counts it and the
/// quarantine holds its reason (but no copy: there is nothing safe to copy).
struct RejectedEntry: Sendable {
    let path: InputPath
    /// `not-a-regular-file`, `symlink-outside-input`, `dangling-symlink`, `symlink-loop`, `unreadable`.
    let kind: String
    /// A whole sentence following the path.
    let message: String
}

/// Expands INPUT arguments (files and folders, recursively) into a sorted, de-duplicated list.
///
/// Inside folders only data files are taken (`.json`, `.ndjson`, `.jsonl`, `.xml`, `.ccd`, `.cda`,
/// and any of these `.gz`); other files (READMEs, PDFs …) are listed as ignored, with their
/// count in the report. A file named explicitly is always read, whatever its name.
///
/// Folders are walked with `lstat` and names handled as bytes, so that no entry can stop the
/// night: only regular files are read; a FIFO, device or socket named like data is rejected
/// unopened (opening a FIFO blocks, `/dev/zero` never ends); a symbolic link named like data is
/// followed only to a regular file inside the same input folder (never out of it: a link to
/// `/etc/passwd` is not read, let alone copied into the quarantine), a dangling link or a loop is
/// rejected with its reason, and a link to a folder is never followed (so no walk can loop). A
/// file reached both directly and through a link is read once.
enum InputDiscovery {
    static let dataExtensions: Set<String> = ["json", "ndjson", "jsonl", "xml", "ccd", "cda"]

    static func isDataFile(_ name: some Collection<UInt8>) -> Bool {
        var lower = name.map { $0 >= 0x41 && $0 <= 0x5A ? $0 + 0x20 : $0 }[...]
        if lower.count > 3, lower.suffix(3).elementsEqual(".gz".utf8) { lower = lower.dropLast(3) }
        guard let dot = lower.lastIndex(of: UInt8(ascii: ".")) else { return false }
        return dataExtensions.contains(String(decoding: lower[(dot + 1)...], as: UTF8.self))
    }

    struct Found {
        var files: [InputFile] = []
        var ignored: [InputPath] = []
        var rejected: [RejectedEntry] = []
    }

    /// A missing INPUT argument is a failure of the command (exit 66): the export did not arrive,
    /// and a run without it must not pass for a night's run. Everything below an argument is
    /// read, ignored or rejected, never a failure.
    static func discover(_ inputs: [String], excluding outDir: String) throws(IngestError) -> Found {
        var walker = Walker(outDir: outDir)
        for input in inputs { try walker.input(input) }
        return walker.finish()
    }

    struct FileID: Hashable {
        let device: UInt64
        let inode: UInt64
        init(_ st: stat) {
            device = UInt64(st.st_dev)
            inode = UInt64(st.st_ino)
        }
    }

    private struct Candidate {
        let path: InputPath
        let target: InputPath
        let follow: Bool
        let size: Int
        let id: FileID
        /// Found as itself, not through a link.
        let direct: Bool
    }

    private struct Walker {
        let out: FileID?
        let outResolved: InputPath?
        var candidates: [Candidate] = []
        var found = Found()
        var visited = Set<FileID>()

        init(outDir: String) {
            var st = stat()
            out = stat(outDir, &st) == 0 ? FileID(st) : nil
            outResolved = Self.resolve(InputPath(outDir)).path
        }

        mutating func input(_ argument: String) throws(IngestError) {
            let path = InputPath(argument)
            var st = stat()
            guard path.withCString({ stat($0, &st) }) == 0 else {
                throw IngestError(.noInput, "\(path.display): cannot open: \(FileIO.describe(errno))")
            }
            switch st.st_mode & S_IFMT {
            case S_IFDIR:
                guard let root = Self.resolve(path).path else {
                    throw IngestError(.noInput, "\(path.display): cannot resolve: \(FileIO.describe(errno))")
                }
                walk(path, root: root, status: st)
            case S_IFREG:
                if let outResolved, let resolved = Self.resolve(path).path, resolved.isInside(outResolved) { return }
                candidates.append(Candidate(path: path, target: path, follow: true, size: Int(st.st_size), id: FileID(st), direct: true))
            default:
                reject(path, "not-a-regular-file", "is \(FileIO.describeType(UInt32(st.st_mode))), not a regular file: it was not opened.")
            }
        }

        mutating func walk(_ dir: InputPath, root: InputPath, status: stat) {
            let id = FileID(status)
            if id == out { return }  // never read the outputs back
            guard visited.insert(id).inserted else { return }
            guard let handle = dir.withCString({ opendir($0) }) else {
                reject(dir, "unreadable", "is a folder that cannot be listed: \(FileIO.describe(errno)).")
                return
            }
            var names: [[UInt8]] = []
            while let entry = readdir(handle) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                    Array(raw.prefix(while: { $0 != 0 }))
                }
                if name.first == UInt8(ascii: ".") { continue }  // ".", "..", hidden files and the run's own scratch files
                names.append(name)
            }
            closedir(handle)
            for name in names.sorted(by: { $0.lexicographicallyPrecedes($1) }) {
                let child = dir.appending(name)
                var st = stat()
                guard child.withCString({ lstat($0, &st) }) == 0 else {
                    let code = errno
                    if InputDiscovery.isDataFile(name) {
                        reject(child, "unreadable", "cannot be examined: \(FileIO.describe(code)).")
                    } else {
                        found.ignored.append(child)
                    }
                    continue
                }
                switch st.st_mode & S_IFMT {
                case S_IFDIR:
                    walk(child, root: root, status: st)
                case S_IFREG where InputDiscovery.isDataFile(name):
                    candidates.append(Candidate(path: child, target: child, follow: false, size: Int(st.st_size), id: FileID(st), direct: true))
                case S_IFLNK where InputDiscovery.isDataFile(name):
                    link(child, root: root)
                case S_IFREG, S_IFLNK:
                    found.ignored.append(child)
                default:
                    if InputDiscovery.isDataFile(name) {
                        reject(child, "not-a-regular-file", "is \(FileIO.describeType(UInt32(st.st_mode))), not a regular file: it was not opened.")
                    } else {
                        found.ignored.append(child)
                    }
                }
            }
        }

        /// A symbolic link named like data, inside an input folder.
        mutating func link(_ path: InputPath, root: InputPath) {
            let (resolved, code) = Self.resolve(path)
            guard let resolved else {
                switch code {
                case ELOOP: reject(path, "symlink-loop", "is a symbolic link loop: it was not followed.")
                case ENOENT, ENOTDIR: reject(path, "dangling-symlink", "is a symbolic link whose target does not exist.")
                default: reject(path, "unreadable", "is a symbolic link that cannot be resolved: \(FileIO.describe(code)).")
                }
                return
            }
            guard resolved.isInside(root) else {
                reject(path, "symlink-outside-input", "is a symbolic link that leads outside the input folder: it was not followed.")
                return
            }
            if let outResolved, resolved.isInside(outResolved) {
                found.ignored.append(path)
                return
            }
            var st = stat()
            guard resolved.withCString({ lstat($0, &st) }) == 0 else {
                reject(path, "unreadable", "is a symbolic link whose target cannot be examined: \(FileIO.describe(errno)).")
                return
            }
            switch st.st_mode & S_IFMT {
            case S_IFREG:
                candidates.append(Candidate(path: path, target: resolved, follow: false, size: Int(st.st_size), id: FileID(st), direct: false))
            case S_IFDIR:
                // Folders are walked where they are, never through a link: no walk can loop.
                found.ignored.append(path)
            default:
                reject(path, "not-a-regular-file",
                       "is a symbolic link to \(FileIO.describeType(UInt32(st.st_mode))), not to a regular file: it was not opened.")
            }
        }

        mutating func reject(_ path: InputPath, _ kind: String, _ message: String) {
            found.rejected.append(RejectedEntry(path: path, kind: kind, message: message))
        }

        /// Every candidate once, in walk order; a file found directly wins over a link to it.
        mutating func finish() -> Found {
            let direct = Set(candidates.filter(\.direct).map(\.id))
            var seen = Set<FileID>()
            for c in candidates where c.direct || !direct.contains(c.id) {
                guard seen.insert(c.id).inserted else { continue }
                found.files.append(InputFile(index: found.files.count, path: c.path, target: c.target,
                                             followSymlinks: c.follow, size: c.size))
            }
            return found
        }

        /// `realpath(3)`: the absolute path with every link resolved, or the errno of the failure.
        static func resolve(_ path: InputPath) -> (path: InputPath?, errno: Int32) {
            guard let resolved = path.withCString({ realpath($0, nil) }) else { return (nil, errno) }
            defer { free(resolved) }
            let bytes = UnsafeRawBufferPointer(start: resolved, count: strlen(resolved))
            return (InputPath(bytes: Array(bytes)), 0)
        }
    }
}
