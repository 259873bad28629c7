public import ClinicalModel
import FHIRReader

#if canImport(Glibc)
@preconcurrency import Glibc
#endif

/// One input of pipe mode read in bounded pieces, so that no input is ever held whole.
///
/// NDJSON (told from its head as the reader tells it: a first line that is one whole JSON value,
/// and more after it) comes as runs of whole lines, each run at most about `chunkBytes` (a line
/// longer than that is one run of its own); memory is bounded by the chunk and the longest line.
/// A line longer than the JSON document limit is rejected without being held, as the reader
/// would reject it. Anything else — a Bundle, a resource, a C-CDA document — is one piece, read
/// whole as before (a document has to be parsed whole anyway).
public struct InputPieces {
    /// A piece of an input.
    public enum Piece {
        /// The whole input: not NDJSON.
        case whole([UInt8])
        /// Whole NDJSON lines, the first of them numbered `firstLine` in the input.
        case lines(ArraySlice<UInt8>, firstLine: Int)
        /// A line over the JSON document limit, already accounted as rejected.
        case rejected(SourceExtract)
    }

    /// 8 MiB: a few Synthea bundles; large enough that the per-piece cost vanishes.
    public static let defaultChunkBytes = 8 << 20

    /// Reads `path` (`-` is standard input) and hands its pieces, in order, to `body`.
    public static func read(_ path: String, file: String, chunkBytes: Int = defaultChunkBytes, readers: Readers,
                            _ body: (Piece) throws(IngestError) -> Void) throws(IngestError) {
        let limits = readers.fhir.limits
        guard let opened = try FileIO.openStream(path) else {
            // A named pipe: FileIO reads it whole, to its limit, as it always has.
            try body(.whole(FileIO.read(path)))
            return
        }
        defer { if opened.owned { close(opened.fd) } }
        var reader = Reader(fd: opened.fd, name: opened.name, chunkBytes: max(chunkBytes, 1))
        // The head: more until its first line is whole and something follows it.
        try reader.fill()
        var scanned = 0
        while !reader.eof {
            if let nl = reader.newline(from: scanned), nl + 1 < reader.buffer.count { break }
            scanned = reader.buffer.count
            if scanned > limits.maxJSONDocumentBytes { break }
            try reader.fill()
        }
        let ndjson = reader.buffer.withUnsafeBufferPointer { readers.fhir.looksLikeNDJSON($0) }
        if !ndjson {
            while !reader.eof { try reader.fill() }
            try body(.whole(reader.buffer))
            return
        }
        var firstLine = 1
        // Bytes at the start of the buffer known to hold no newline: what was left after the
        // last run was cut at its last newline. Only what was read since is searched.
        var searched = 0
        while true {
            // Whole lines up to the last newline; the rest waits for more.
            let end = reader.eof ? reader.buffer.count : (reader.lastNewline(from: searched).map { $0 + 1 } ?? 0)
            if end > 0 {
                let run = reader.buffer[0..<end]
                let lines = Self.count(run) + (reader.eof && run.last != 0x0A ? 1 : 0)
                try body(.lines(run, firstLine: firstLine))
                firstLine += lines
                reader.buffer.removeFirst(end)
            }
            if reader.eof { return }
            searched = reader.buffer.count
            if end == 0 && reader.buffer.count > limits.maxJSONDocumentBytes {
                // One line over the limit: dropped up to its end, never held.
                let dropped = try reader.skipLine()
                var e = SourceExtract(file: file)
                e.counts.records = 1
                e.counts.rejectedRecords["too large", default: 0] += 1
                e.diagnostics.append(FHIRReader.tooLarge(file, line: firstLine, count: dropped,
                                                         limit: limits.maxJSONDocumentBytes))
                try body(.rejected(e))
                firstLine += 1
                searched = 0
                continue
            }
            try reader.fill()
        }
    }

    /// Newlines in `bytes` (memchr: vectorized).
    static func count(_ bytes: ArraySlice<UInt8>) -> Int {
        bytes.withUnsafeBufferPointer { b in
            guard var p = b.baseAddress else { return 0 }
            let end = p + b.count
            var n = 0
            while p < end, let hit = memchr(p, 0x0A, end - p) {
                n += 1
                p = UnsafePointer(hit.assumingMemoryBound(to: UInt8.self)) + 1
            }
            return n
        }
    }

    /// A read buffer over a descriptor.
    struct Reader {
        let fd: Int32
        let name: String
        let chunkBytes: Int
        var buffer: [UInt8] = []
        var eof = false

        init(fd: Int32, name: String, chunkBytes: Int) {
            self.fd = fd
            self.name = name
            self.chunkBytes = chunkBytes
        }

        /// Appends up to `chunkBytes`; sets `eof` at the end of the input. Reads through a scratch
        /// buffer of at most 1 MiB: the chunk is never zero-filled ahead of the read.
        mutating func fill() throws(IngestError) {
            let scratchBytes = min(chunkBytes, 1 << 20)
            var got = 0
            var failure: Int32 = 0
            withUnsafeTemporaryAllocation(of: UInt8.self, capacity: scratchBytes) { scratch in
                while got < chunkBytes {
                    let n = Glibc.read(fd, scratch.baseAddress!, min(scratchBytes, chunkBytes - got))
                    if n < 0 {
                        if errno == EINTR { continue }
                        failure = errno
                        return
                    }
                    if n == 0 { eof = true; return }
                    buffer.append(contentsOf: UnsafeBufferPointer(rebasing: scratch[0..<n]))
                    got += n
                }
            }
            if failure != 0 { throw IngestError(.io, "\(name): read failed: \(FileIO.describe(failure))") }
        }

        func newline(from start: Int) -> Int? {
            buffer.withUnsafeBufferPointer { b in
                guard start < b.count, let hit = memchr(b.baseAddress! + start, 0x0A, b.count - start) else { return nil }
                return b.baseAddress!.distance(to: hit.assumingMemoryBound(to: UInt8.self))
            }
        }

        func lastNewline(from start: Int) -> Int? { buffer[start...].lastIndex(of: 0x0A) }

        /// Drops the current line to its end (reading as much as it takes); returns its length.
        mutating func skipLine() throws(IngestError) -> Int {
            var dropped = 0
            while true {
                if let nl = newline(from: 0) {
                    dropped += nl
                    buffer.removeFirst(nl + 1)
                    return dropped
                }
                dropped += buffer.count
                buffer.removeAll(keepingCapacity: true)
                if eof { return dropped }
                try fill()
            }
        }
    }
}
