import ClinicalModel
import IngestKit

#if canImport(Glibc)
@preconcurrency import Glibc
#endif

/// Writes diagnostics and summaries to standard error, compiler style.
enum Diagnostics {
    static func emit(_ diagnostics: [Diagnostic]) {
        for d in diagnostics { line("ingest: \(d)") }
    }

    static func line(_ text: String) {
        try? FileIO.write(fd: 2, Array((text + "\n").utf8))
    }
}
