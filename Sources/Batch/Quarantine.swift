import ClinicalModel
import Foundation
import IngestKit
import JSONKit

/// `quarantine/`: every rejected input or record, with its reason and location, enough to fix
/// and replay it.
///
/// A rejected file is copied whole as `<stem>-<hash><ext>` beside `<stem>-<hash><ext>.reason.json`
/// (a `.gz` input is copied as it was, compressed; an entry that is not a regular file, or a link
/// that leaves the input folder, gets the reason only). Rejected NDJSON lines are collected per
/// input — one pair of files whatever the chunks it was read in — as `<stem>-<hash><ext>.rejected.ndjson`,
/// each reason in the matching line of `<stem>-<hash><ext>.reasons.ndjson`.
///
/// The names cannot collide: `<hash>` is a short stable hash of the input's whole path (two
/// `a.json` in different folders differ), and it stands right before the extension, where no
/// suffix of the quarantine's own (`.reason.json` …) can end (so inputs `a.json` and
/// `a.json.reason.json` cannot overwrite each other's files). `<stem>` keeps only `A-Z a-z 0-9 . _ -`
/// of the file name and at most 200 bytes of it, so a 250-byte name still fits the file system.
struct Quarantine {
    let dir: String
    private(set) var entries = 0
    /// Each input's quarantine name, so the chunks of one input share it.
    private var names: [String: String] = [:]
    private var used = Set<String>()

    static let maxStemBytes = 200

    /// What to keep of an input rejected whole.
    enum Copy {
        /// Nothing can be copied safely (a FIFO, a device, a link out of the input folder, an unreadable file).
        case none
        /// The bytes as they were read.
        case bytes([UInt8])
        /// The file on disk, copied as it is (a `.gz` stays compressed; a file too large to read whole is never held in memory).
        case file(InputPath, followSymlinks: Bool)
    }

    init(dir: String) throws {
        self.dir = dir
        try? FileManager.default.removeItem(atPath: dir)
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    }

    /// The quarantine name of an input (shown as `file`).
    mutating func name(for file: String) -> String {
        if let known = names[file] { return known }
        let (stem, ext) = Self.stemAndExtension(file)
        var h = StableHash()
        h.combine(file)
        let short = String(String(h.value ^ (h.value >> 32), radix: 16).suffix(8))
        let hash = String(repeating: "0", count: 8 - short.count) + short
        var candidate = "\(stem)-\(hash)\(ext)"
        var n = 2
        // Two paths with one hash and one stem: vanishingly rare, but never an overwrite.
        while used.contains(candidate) {
            candidate = "\(stem)-\(hash)-\(n)\(ext)"
            n += 1
        }
        used.insert(candidate)
        names[file] = candidate
        return candidate
    }

    /// The safe stem of the file name and its data extension (`.json`, `.ndjson.gz` …, kept so the
    /// copy opens like the original).
    static func stemAndExtension(_ file: String) -> (stem: String, ext: String) {
        let name = Array(file.utf8.split(separator: UInt8(ascii: "/")).last ?? [])
        var extLength = 0
        let lower = name.map { $0 >= 0x41 && $0 <= 0x5A ? $0 + 0x20 : $0 }
        if lower.count > 3, lower.suffix(3).elementsEqual(".gz".utf8) { extLength = 3 }
        let body = lower.dropLast(extLength)
        if let dot = body.lastIndex(of: UInt8(ascii: ".")), dot > 0,
           InputDiscovery.dataExtensions.contains(String(decoding: body[(dot + 1)...], as: UTF8.self))
        {
            extLength += body.count - dot
        }
        func safe(_ bytes: ArraySlice<UInt8>) -> String {
            let kept = bytes.map { b -> UInt8 in
                let ok = (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A)
                    || b == UInt8(ascii: ".") || b == UInt8(ascii: "_") || b == UInt8(ascii: "-")
                return ok ? b : UInt8(ascii: "_")
            }
            return String(decoding: kept, as: UTF8.self)
        }
        var stem = Array(safe(name.dropLast(extLength)).utf8.prefix(maxStemBytes))
        // A leading '-' reads as an option to shell tools, a leading '.' hides the file.
        if let first = stem.first, first == UInt8(ascii: "-") || first == UInt8(ascii: ".") { stem[0] = UInt8(ascii: "_") }
        if stem.isEmpty { stem = Array("input".utf8) }
        return (String(decoding: stem, as: UTF8.self), safe(name.suffix(extLength)[...]))
    }

    static func reason(_ d: Diagnostic) -> JSONValue {
        var m: [JSONObject.Member] = [
            .init(key: "file", value: .string(d.file)), .init(key: "kind", value: .string(d.kind)),
            .init(key: "reason", value: .string(d.message)),
        ]
        if let l = d.line { m.append(.init(key: "line", value: .number(JSONNumber(text: String(l))))) }
        if let c = d.column { m.append(.init(key: "column", value: .number(JSONNumber(text: String(c))))) }
        if let p = d.path { m.append(.init(key: "path", value: .string(p))) }
        return .object(JSONObject(members: m))
    }

    /// Quarantines a whole input: its copy (if there is one to keep) and its reason.
    mutating func reject(file: String, copy: Copy, because diagnostic: Diagnostic) throws {
        let target = name(for: file)
        var reason = Self.reason(diagnostic)
        switch copy {
        case .none:
            reason = Self.adding("copy", .null, to: reason)
        case .bytes(let bytes):
            try Self.write(bytes, to: dir + "/" + target, append: false)
            reason = Self.adding("copy", .string(target), to: reason)
        case .file(let source, let follow):
            // A file that cannot be read back is still quarantined: its reason has no copy.
            let copied = try Self.copyFile(source, followSymlinks: follow, to: dir + "/" + target)
            reason = Self.adding("copy", copied ? .string(target) : .null, to: reason)
        }
        try Self.write(Array((JSONWriter.string(reason, style: .pretty) + "\n").utf8), to: dir + "/" + target + ".reason.json", append: false)
        entries += 1
    }

    /// Quarantines single lines of a multi-record input (NDJSON): `bytes` holds whole lines, the
    /// first of them line `firstLine` of the input (a chunk of a file read in chunks, or all of it).
    /// Each diagnostic's line is an absolute line number of the input.
    mutating func rejectLines(file: String, bytes: [UInt8], firstLine: Int, because diagnostics: [Diagnostic]) throws {
        guard !diagnostics.isEmpty else { return }
        var lines: [ArraySlice<UInt8>] = []
        var start = 0
        for i in 0...bytes.count where i == bytes.count || bytes[i] == 0x0A {
            lines.append(bytes[start..<i])
            start = i + 1
        }
        let target = name(for: file)
        var rejected: [UInt8] = []
        var reasons: [UInt8] = []
        for d in diagnostics.sorted() {
            // One line per reason, so the two files pair up line by line; a record that could not be
            // kept (a line too long to hold) leaves its line empty.
            if let l = d.line, l >= firstLine, l - firstLine < lines.count { rejected += lines[l - firstLine] }
            rejected.append(0x0A)
            reasons += JSONWriter.serialize(Self.reason(d))
            reasons.append(0x0A)
            entries += 1
        }
        try Self.write(rejected, to: dir + "/" + target + ".rejected.ndjson", append: true)
        try Self.write(reasons, to: dir + "/" + target + ".reasons.ndjson", append: true)
    }

    static func adding(_ key: String, _ value: JSONValue, to object: JSONValue) -> JSONValue {
        guard case .object(let o) = object else { return object }
        return .object(JSONObject(members: o.members + [.init(key: key, value: value)]))
    }

    static func write(_ bytes: [UInt8], to path: String, append: Bool) throws(BatchError) {
        guard let file = fopen(path, append ? "ab" : "wb") else {
            throw BatchError.io("\(path): cannot create: \(String(cString: strerror(errno)))")
        }
        let written = bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, file) }
        let ok = fclose(file) == 0
        guard written == bytes.count, ok else { throw BatchError.io("\(path): write failed: \(String(cString: strerror(errno)))") }
    }

    /// Copies a file through a small buffer (never whole in memory), opening it as the batch
    /// opens inputs: regular files only, a link followed only where the input itself was named
    /// on the command line. False, with nothing copied, when the
    /// source cannot be read; a failure to write the quarantine throws (the run cannot go on).
    static func copyFile(_ source: InputPath, followSymlinks: Bool, to path: String) throws(BatchError) -> Bool {
        guard let input = try? FileIO.openRegular(source.bytes, name: source.display, followSymlinks: followSymlinks) else { return false }
        defer { close(input.fd) }
        guard let output = fopen(path, "wb") else {
            throw BatchError.io("\(path): cannot create: \(String(cString: strerror(errno)))")
        }
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(input.fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                fclose(output)
                unlink(path)
                return false
            }
            if n == 0 { break }
            guard buffer.withUnsafeBytes({ fwrite($0.baseAddress, 1, n, output) }) == n else {
                let code = errno
                fclose(output)
                throw BatchError.io("\(path): write failed: \(String(cString: strerror(code)))")
            }
        }
        guard fclose(output) == 0 else { throw BatchError.io("\(path): write failed: \(String(cString: strerror(errno)))") }
        return true
    }
}
