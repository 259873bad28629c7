import Foundation
public import IngestKit

/// The inputs of `ingest explain`, read as the batch reads them: a folder is walked like the
/// batch walks it (data files only, regular files only, links kept inside the folder), and a
/// `.gz` is inflated under the batch's limits. A file named on the command line is read as pipe
/// mode reads it (a named pipe too).
public enum ExplainInputs {
    /// The files to read, in order: each argument that is a folder replaced by its data files
    /// (sorted, as the batch orders them), every other argument as given. Entries of a folder
    /// that are not read (a FIFO, a link out of it …) are returned as warnings, one sentence each.
    public static func expand(_ inputs: [String]) throws(IngestError) -> (files: [String], warnings: [String]) {
        var files: [String] = []
        var warnings: [String] = []
        for input in inputs {
            var st = stat()
            guard input != "-", stat(input, &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR else {
                files.append(input)
                continue
            }
            // No --out to keep out of the walk: explain writes nothing into the folder.
            let found = try InputDiscovery.discover([input], excluding: "/nonexistent/ingest-explain-out")
            for f in found.files {
                guard f.path.isPlain else {
                    warnings.append("\(f.path.display): the name is not valid UTF-8; explain reads such files only with ingest batch.")
                    continue
                }
                files.append(f.path.display)
            }
            for r in found.rejected { warnings.append("\(r.path.display): not read: \(r.message)") }
        }
        return (files, warnings)
    }

    /// The bytes of one input; a `.gz` inflated (at most `limits`).
    public static func read(_ path: String, limits: InputLimits = .defaults) throws(IngestError) -> [UInt8] {
        guard path != "-", path.hasSuffix(".gz") || path.hasSuffix(".GZ") else { return try FileIO.read(path) }
        let opened = try FileIO.openRegular(Array(path.utf8), name: path)
        defer { close(opened.fd) }
        guard Gzip.isGzip(fd: opened.fd) else { return try FileIO.read(path) }
        do throws(InputFailure) {
            let reader = try GzipReader(fd: opened.fd, compressedSize: opened.size, limits: limits, name: path)
            var bytes: [UInt8] = []
            while try reader.read(into: &bytes, count: 1 << 20) > 0 {
                if bytes.count > limits.maxInputBytes {
                    throw InputFailure(kind: "too-large", message: "it inflates to more than \(limits.maxInputBytes) bytes (--max-input-bytes of ingest batch).")
                }
            }
            return bytes
        } catch {
            throw IngestError(.data, "\(path): \(error.message)")
        }
    }
}
