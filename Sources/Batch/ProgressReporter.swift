import Foundation
import Synchronization

/// Progress on stderr: on a terminal a live line (the phase, its count out of its own total, the
/// rate, an ETA) redrawn in place; otherwise a plain line every few seconds, for cron logs. Never
/// names a patient. The mutable state lives inside its lock (`Mutex`), so the type is `Sendable`
/// by construction.
final class ProgressReporter: Sendable {
    private struct State {
        var last = Date.distantPast
    }

    private let enabled: Bool
    private let isTerminal: Bool
    private let start = Date()
    private let state = Mutex(State())

    init(enabled: Bool) {
        self.enabled = enabled
        isTerminal = isatty(2) == 1
    }

    /// "1 patient", "2 patients".
    static func count(_ n: Int, _ noun: String) -> String { "\(n) \(noun)\(n == 1 ? "" : "s")" }

    /// `done` of `total` of the phase's own unit ("reading files 2/184", "evaluating patients
    /// 156/156"), with what was read so far.
    func update(phase: String, unit: String, done: Int, total: Int, records: Int, patients: Int, force: Bool = false) {
        guard enabled else { return }
        state.withLock { s in
            let now = Date()
            let interval = isTerminal ? 0.2 : 5.0
            guard force || now.timeIntervalSince(s.last) >= interval else { return }
            s.last = now
            let elapsed = max(now.timeIntervalSince(start), 0.001)
            let rate = Double(done) / elapsed
            var eta = ""
            if done > 0, done < total {
                let remaining = elapsed / Double(done) * Double(total - done)
                eta = ", ETA \(Int(remaining.rounded()))s"
            }
            let text = "ingest batch: \(phase) \(unit)s \(done)/\(total) (\(Self.count(records, "record")), "
                + "\(Self.count(patients, "patient")), \(Int(rate)) \(unit)s/s\(eta))"
            FileHandle.standardError.write(Data((isTerminal ? "\r\u{1B}[K" + text : text + "\n").utf8))
        }
    }

    /// A warning about the run itself, printed whatever `--quiet` says: it is not progress but
    /// something the operator must act on.
    func warning(_ text: String) {
        state.withLock { _ in
            let clear = enabled && isTerminal ? "\r\u{1B}[K" : ""
            FileHandle.standardError.write(Data((clear + "ingest batch: warning: " + text + "\n").utf8))
        }
    }

    func finish() {
        guard enabled, isTerminal else { return }
        FileHandle.standardError.write(Data("\n".utf8))
    }
}
