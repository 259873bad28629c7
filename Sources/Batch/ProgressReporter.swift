import Foundation

/// Progress on stderr: on a terminal a live line (records, patients, rate, ETA) redrawn in
/// place; otherwise a plain line every few seconds, for cron logs. Never names a patient.
final class ProgressReporter: @unchecked Sendable {
    private let enabled: Bool
    private let isTerminal: Bool
    private let start = Date()
    private var last = Date.distantPast
    private let lock = NSLock()

    init(enabled: Bool) {
        self.enabled = enabled
        isTerminal = isatty(2) == 1
    }

    /// `done` of `total` units of the current phase.
    func update(phase: String, done: Int, total: Int, records: Int, patients: Int, force: Bool = false) {
        guard enabled else { return }
        lock.lock()
        defer { lock.unlock() }
        let now = Date()
        let interval = isTerminal ? 0.2 : 5.0
        guard force || now.timeIntervalSince(last) >= interval else { return }
        last = now
        let elapsed = max(now.timeIntervalSince(start), 0.001)
        let rate = Double(records) / elapsed
        var eta = ""
        if done > 0, done < total {
            let remaining = elapsed / Double(done) * Double(total - done)
            eta = ", ETA \(Int(remaining.rounded()))s"
        }
        let text = "ingest batch: \(phase) \(done)/\(total), \(records) records, \(patients) patients, \(Int(rate)) records/s\(eta)"
        FileHandle.standardError.write(Data((isTerminal ? "\r\u{1B}[K" + text : text + "\n").utf8))
    }

    /// A warning about the run itself, printed whatever `--quiet` says: it is not progress but
    /// something the operator must act on.
    func warning(_ text: String) {
        lock.lock()
        defer { lock.unlock() }
        let clear = enabled && isTerminal ? "\r\u{1B}[K" : ""
        FileHandle.standardError.write(Data((clear + "ingest batch: warning: " + text + "\n").utf8))
    }

    func finish() {
        guard enabled, isTerminal else { return }
        FileHandle.standardError.write(Data("\n".utf8))
    }
}
