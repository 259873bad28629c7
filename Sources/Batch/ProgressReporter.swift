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

    /// "file" → "files"; the units of the phases are regular nouns.
    static func plural(_ noun: String) -> String { noun + "s" }

    /// `done` of `total` in the phase's own unit, its only denominator ("reading files 2/184",
    /// "evaluating patient groups 156/156"), then `detail` — a count, never a second fraction —,
    /// the rate and an ETA.
    func update(phase: String, unit: String, done: Int, total: Int, detail: String, force: Bool = false) {
        guard enabled else { return }
        state.withLock { s in
            let now = Date()
            let interval = isTerminal ? 0.2 : 5.0
            guard force || now.timeIntervalSince(s.last) >= interval else { return }
            s.last = now
            let elapsed = max(now.timeIntervalSince(start), 0.001)
            let rate = Int(Double(done) / elapsed)
            var eta = ""
            if done > 0, done < total {
                let remaining = elapsed / Double(done) * Double(total - done)
                eta = ", ETA \(Int(remaining.rounded())) s"
            }
            let text = "ingest batch: \(phase) \(Self.plural(unit)) \(done)/\(total) (\(detail), "
                + "\(rate) \(rate == 1 ? unit : Self.plural(unit))/s\(eta))"
            FileHandle.standardError.write(Data((isTerminal ? "\r\u{1B}[K" + text : text + "\n").utf8))
        }
    }

    /// The last line: what the run did, with the time it took.
    func done(_ summary: String) {
        guard enabled else { return }
        state.withLock { _ in
            let seconds = (max(Date().timeIntervalSince(start), 0) * 10).rounded() / 10
            let clear = isTerminal ? "\r\u{1B}[K" : ""
            FileHandle.standardError.write(Data((clear + "ingest batch: done: \(summary) in \(seconds) s\n").utf8))
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

    /// Nothing left to do: `done` ended the live line with its newline.
    func finish() {}
}
