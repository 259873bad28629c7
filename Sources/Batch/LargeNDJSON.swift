import ClinicalModel
import FHIRReader
import Foundation
import IngestKit

/// Reads an input too large to read in one piece (over `BatchOptions.largeFileBytes`, or over
/// `InputLimits.maxInputBytes`, or a `.gz` that inflates past either), one input at a time.
///
/// NDJSON — plain or inside a `.gz` — is read chunk by chunk: each chunk holds whole lines, is
/// read, staged and accounted, then dropped, so memory stays bounded by the chunk whatever the
/// file's size. Rejected lines keep their absolute line numbers and go to one quarantine file
/// pair per input, however many chunks it took. A single line longer than `maxInputBytes` is
/// rejected alone, without being held. A `.gz` NDJSON is first inflated once to nothing, to check
/// it against the decompression limits before anything of it is staged (a bomb found half-way
/// would otherwise leave half a file staged). Anything else is read whole up to `maxInputBytes`,
/// and quarantined unread (the original file, compressed if it was) when it is larger.
enum LargeNDJSON {
    /// Stages `file` under its `contentHash` (nil: it could not be hashed, and no later run
    /// reuses it), taken when the file had `signature`. Its rows count as staged only once it was
    /// read to its end, and a later run may use them only if the file had the same signature then.
    static func stage(_ file: InputFile, contentHash: String?, signature: FileSignature?, options: BatchOptions,
                      readers: Readers, staging: StagingStore, report: inout BatchReport, quarantine: inout Quarantine) throws {
        let id = try staging.begin(contentHash: contentHash ?? BatchRunner.unhashed(file), position: file.index)
        var accounted = Accounted(report: report)
        defer { report = accounted.report }
        try read(file, id: id, options: options, readers: readers, staging: staging, into: &accounted, quarantine: &quarantine)
        let unchanged = signature != nil && accounted.signature == signature
        try staging.finish(id, summaries: accounted.summaries,
                           reusable: contentHash != nil && unchanged && !accounted.summaries.contains(where: \.hasErrors))
    }

    /// The report, what was accounted in it for this input (kept for a later run), and the input's
    /// signature once it was read.
    struct Accounted {
        var report: BatchReport
        var summaries: [ReadSummary] = []
        var signature: FileSignature?

        mutating func account(_ r: BatchRunner.ReadResult, quarantine: inout Quarantine) throws {
            summaries.append(ReadSummary(r))
            try report.account(r, quarantine: &quarantine)
        }
    }

    private static func read(_ file: InputFile, id: Int64, options: BatchOptions, readers: Readers, staging: StagingStore,
                             into report: inout Accounted, quarantine: inout Quarantine) throws {
        let name = file.path.display
        let limits = options.limits
        let chunkSize = max(options.chunkBytes, 1)
        let opened: FileIO.OpenFile
        do {
            opened = try FileIO.openRegular(file.target.bytes, name: name, followSymlinks: file.followSymlinks)
        } catch {
            try report.account(BatchRunner.rejected(name, kind: "unreadable", BatchRunner.located(error.message, name)),
                               quarantine: &quarantine)
            return
        }
        defer {
            report.signature = FileSignature(fd: opened.fd)
            close(opened.fd)
        }
        let gzip = Gzip.isGzip(fd: opened.fd)
        let original = BatchRunner.Original(path: file.target, followSymlinks: file.followSymlinks)
        func reject(_ failure: InputFailure) throws {
            var r = BatchRunner.rejected(name, kind: failure.kind, failure.message, size: opened.size)
            r.original = original
            try report.account(r, quarantine: &quarantine)
        }
        do {
            let source: any ByteSource = gzip
                ? try GzipReader(fd: opened.fd, compressedSize: opened.size, limits: limits, name: name)
                : FileSource(fd: opened.fd)
            // The head: one chunk, and more until its first line is whole and something follows it
            // (what tells NDJSON from a document), or the line is longer than any input may be.
            var buffer: [UInt8] = []
            // Room for the most it may have to hold, reserved once: growing by doubling would
            // touch (and keep resident) up to twice that. Pages never written are never resident.
            let most = gzip ? limits.maxInputBytes : min(opened.size, limits.maxInputBytes)
            buffer.reserveCapacity(min(most, Int.max - 2 * chunkSize) + 2 * chunkSize)
            var eof = try source.read(into: &buffer, count: chunkSize) < chunkSize
            var scanned = 0
            while !eof, buffer.count <= limits.maxInputBytes {
                if let newline = Newlines.first(in: buffer, from: scanned), newline + 1 < buffer.count { break }
                scanned = buffer.count
                eof = try source.read(into: &buffer, count: chunkSize) < chunkSize
            }
            let ndjson = buffer.withUnsafeBufferPointer { readers.fhir.looksLikeNDJSON($0) }
            if !ndjson || (eof && buffer.count <= limits.maxInputBytes) {
                // Read whole: what is left must fit the limit (a plain file's size says so unread).
                while !eof, buffer.count <= limits.maxInputBytes, gzip || opened.size <= limits.maxInputBytes {
                    eof = try source.read(into: &buffer, count: chunkSize) < chunkSize
                }
                guard buffer.count <= limits.maxInputBytes, gzip || opened.size <= limits.maxInputBytes else {
                    throw InputFailure(kind: "too-large", message: """
                        is larger than \(InputLimits.format(limits.maxInputBytes))\(gzip ? " once decompressed" : ""), \
                        the limit for an input read whole (--max-input-bytes): it was not read.
                        """)
                }
                let result = BatchRunner.whole(buffer, file: file, size: opened.size, gzip: gzip, readers: readers)
                try staging.stage(result.extract, file: id, ordBase: 0)
                try report.account(result, quarantine: &quarantine)
                return
            }
            if gzip, !eof {
                try GzipReader(fd: opened.fd, compressedSize: opened.size, limits: limits, name: name).drain()
            }
            try streamLines(file, id: id, source: source, buffer: &buffer, eof: eof, size: opened.size, options: options,
                            readers: readers, staging: staging, report: &report, quarantine: &quarantine)
        } catch let failure as InputFailure {
            // The input's own failure rejects it; errors of the staging database or the quarantine stop the run.
            try reject(failure)
        }
    }

    private static func streamLines(_ file: InputFile, id: Int64, source: any ByteSource, buffer: inout [UInt8], eof: Bool, size: Int,
                                    options: BatchOptions, readers: Readers, staging: StagingStore,
                                    report: inout Accounted, quarantine: inout Quarantine) throws {
        let name = file.path.display
        let maxLine = options.limits.maxInputBytes
        let chunkSize = max(options.chunkBytes, 1)
        var eof = eof
        var firstLine = 1
        var ord = 0
        var sizeToReport = size  // the file's size, counted once
        var warnName = !file.path.isPlain
        /// Inside a line too long to hold: its bytes are dropped up to its end.
        var skipping = false
        func account(_ result: BatchRunner.ReadResult) throws {
            try staging.stage(result.extract, file: id, ordBase: ord)
            try report.account(result, quarantine: &quarantine)
        }
        func tooLong(_ line: Int) throws {
            var e = SourceExtract(file: name)
            e.counts.records = 1
            e.counts.rejectedRecords["too-large", default: 0] += 1
            e.diagnostics.append(Diagnostic(kind: "too-large", severity: .error, file: name, line: line, message: """
                the line is longer than \(InputLimits.format(maxLine)), the limit (--max-input-bytes): it was not read.
                """))
            try account(BatchRunner.ReadResult(file: name, bytes: 0, extract: e, firstLine: line, chunk: true))
        }
        while true {
            if skipping {
                if let newline = Newlines.first(in: buffer, from: 0) {
                    buffer.removeFirst(newline + 1)
                    skipping = false
                    try tooLong(firstLine)
                    firstLine += 1
                } else {
                    buffer.removeAll(keepingCapacity: true)
                }
            }
            if !skipping {
                let cut = eof ? buffer.count : Newlines.last(in: buffer).map { $0 + 1 } ?? 0
                if cut > 0 {
                    let lines = Array(buffer[0..<cut])
                    buffer.removeFirst(cut)
                    var extract = lines.withUnsafeBufferPointer { readers.fhir.readLines($0, file: name, firstLine: firstLine) }
                    if warnName {
                        warnName = false
                        extract.diagnostics.append(BatchRunner.nameWarning(name))
                    }
                    try account(BatchRunner.ReadResult(file: name, bytes: sizeToReport, extract: extract,
                                                       kept: extract.hasErrors ? lines : nil, firstLine: firstLine, chunk: true))
                    sizeToReport = 0
                    // Past every row of the chunk, of every kind: rows keep their order chunk after chunk.
                    ord += extract.patients.count + extract.statements.count + extract.medications.count + extract.rejectedLinks.count
                    firstLine += Newlines.count(in: lines)
                } else if buffer.count > maxLine {
                    skipping = true
                    buffer.removeAll(keepingCapacity: true)
                }
            }
            if eof {
                if skipping { try tooLong(firstLine) }
                return
            }
            eof = try source.read(into: &buffer, count: chunkSize) < chunkSize
        }
    }
}

/// Newline search with `memchr`: vectorized, and fast in debug builds too, where a
/// generic element loop over a chunk of hundreds of MiB takes seconds.
enum Newlines {
    static func first(in bytes: [UInt8], from start: Int) -> Int? {
        guard start < bytes.count else { return nil }
        return bytes.withUnsafeBufferPointer { p in
            memchr(p.baseAddress! + start, 0x0A, p.count - start).map { p.baseAddress!.distance(to: $0.assumingMemoryBound(to: UInt8.self)) }
        }
    }

    /// Jumps from newline to newline (memrchr is a GNU extension Swift does not see): one call a line.
    static func last(in bytes: [UInt8]) -> Int? {
        var found: Int?
        while let next = first(in: bytes, from: found.map { $0 + 1 } ?? 0) { found = next }
        return found
    }

    static func count(in bytes: [UInt8]) -> Int {
        var n = 0
        var i = 0
        while let next = first(in: bytes, from: i) {
            n += 1
            i = next + 1
        }
        return n
    }
}
