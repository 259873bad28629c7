import ClinicalModel
import IngestKit

#if canImport(Glibc)
@preconcurrency import Glibc
#endif

/// Writes diagnostics and summaries to standard error, compiler style. Every error of every
/// command starts `ingest: error:` (``error(_:)``), the argument parser's included
/// (``Ingest/main()``), so a log can be searched for one prefix.
enum Diagnostics {
    static let errorPrefix = "ingest: error: "

    static func emit(_ diagnostics: [Diagnostic]) {
        for d in diagnostics { line("ingest: \(d)") }
    }

    static func error(_ message: String) {
        line(errorPrefix + message)
    }

    static func line(_ text: String) {
        try? FileIO.write(fd: 2, Array((text + "\n").utf8))
    }
}
