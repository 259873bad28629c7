import ClinicalModel
import FHIRReader
import Foundation
import IngestKit

/// Reads an NDJSON file too large to hold in memory chunk by chunk: each chunk holds whole
/// lines (a line longer than a chunk grows it), is read and staged, then dropped. Memory stays
/// bounded by the chunk, not by the file.
enum LargeNDJSON {
    static func isLarge(_ path: String, threshold: Int) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && Int(st.st_size) > threshold && !path.hasSuffix(".gz")
    }

    /// Streams the file if it is NDJSON; false (nothing read) when it is not, so the caller reads it whole.
    static func stage(_ path: String, fileIndex: Int, chunkSize: Int, readers: Readers, staging: StagingStore,
                      report: inout BatchReport, quarantine: inout Quarantine) throws -> Bool {
        guard let file = fopen(path, "rb") else { return false }
        defer { fclose(file) }
        var pending: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: chunkSize)
        var firstLine = 1
        var ord = 0
        var first = true
        var eof = false
        while !eof {
            let n = buffer.withUnsafeMutableBytes { fread($0.baseAddress, 1, chunkSize, file) }
            if n < chunkSize {
                if ferror(file) != 0 { throw BatchError.io("\(path): read failed") }
                eof = true
            }
            pending.append(contentsOf: buffer[0..<n])
            // Cut after the last newline; keep the partial line for the next chunk.
            var cut = pending.count
            if !eof {
                guard let last = pending.lastIndex(of: 0x0A) else { continue }
                cut = last + 1
            }
            let lines = Array(pending[0..<cut])
            pending.removeFirst(cut)
            if first {
                first = false
                guard lines.withUnsafeBufferPointer({ readers.fhir.looksLikeNDJSON($0) }) else { return false }
            }
            let extract = lines.withUnsafeBufferPointer { readers.fhir.readLines($0, file: path, firstLine: firstLine) }
            try staging.stage(extract, fileIndex: fileIndex, ordBase: ord)
            ord += extract.patients.count + extract.statements.count
            try report.account(BatchRunner.ReadResult(file: path, bytes: lines.count, extract: extract,
                                                      quarantineBytes: extract.hasErrors ? lines : nil),
                               quarantine: &quarantine)
            firstLine += lines.reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
        }
        return true
    }
}
