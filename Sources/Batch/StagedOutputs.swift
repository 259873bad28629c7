import Foundation

/// The outputs of one run in `--out`, staged before the ledger commit and published after it.
///
/// Every output is first written beside its target and made durable (`AtomicFile`, `OutputFile`,
/// the quarantine in `.quarantine.tmp/`); then the ledger is committed; only then are the outputs
/// renamed into place. So a run that fails before or during the ledger commit has published
/// nothing — the previous outputs and ledger are exactly as they were — and a run killed after the
/// commit is finished by the next run, which finds every patient unchanged in the ledger and
/// writes the same CarePlans again.
struct StagedOutputs {
    let dir: String
    /// Published in this order, the quarantine folder last.
    let files: [String]
    /// Outputs of earlier runs this run does not write, removed when it publishes: a
    /// `transaction.json` left from a night run with `--bundle transaction` would, replayed later,
    /// put old CarePlans back on the server.
    let stale: [String]

    static let always = ["careplans.ndjson", "changes.ndjson", "report.json", "report.html"]
    static let transaction = "transaction.json"
    static let quarantine = "quarantine"

    init(dir: String, transaction: Bool) {
        self.dir = dir
        files = Self.always + (transaction ? [Self.transaction] : [])
        stale = transaction ? [] : [Self.transaction]
    }

    /// Where this run builds `quarantine/`.
    var quarantineStaging: String { dir + "/.quarantine.tmp" }

    func path(_ name: String) -> String { dir + "/" + name }

    /// Removes whatever this run staged: it failed before its ledger commit.
    func discard() {
        for name in files { unlink(AtomicFile.stagedPath(for: path(name))) }
        try? FileManager.default.removeItem(atPath: quarantineStaging)
    }

    /// Renames every staged output into place. On a failure the error names what was published
    /// and what was not (the ledger is already committed by then).
    func publish() throws(BatchError) {
        var published: [String] = []
        func fail(_ reason: String) -> BatchError {
            let remaining = (files + [Self.quarantine + "/"]).filter { !published.contains($0) }
            let done = published.isEmpty ? "no output was replaced yet" : "published: " + published.joined(separator: ", ")
            return BatchError(.publish, """
                \(reason). The ledger was committed; \(done); not published: \
                \(remaining.joined(separator: ", ")) (they still hold the previous run's outputs). \
                The next run writes them again.
                """)
        }
        for name in stale { unlink(path(name)) }
        for name in files {
            do throws(BatchError) {
                try AtomicFile.publish(path(name))
            } catch {
                throw fail(error.message)
            }
            published.append(name)
        }
        do {
            try Self.replaceFolder(path(Self.quarantine), with: quarantineStaging)
        } catch {
            throw fail("\(path(Self.quarantine)): could not be replaced (\(error.localizedDescription))")
        }
        published.append(Self.quarantine + "/")
        // The renames themselves must reach the disk, or a power cut could undo some of them.
        let fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if fd >= 0 {
            fsync(fd)
            close(fd)
        }
    }

    /// A folder cannot be renamed over a non-empty one: the old one is moved aside first, then
    /// removed. A run killed in between leaves `<name>.old`, which the next run removes.
    static func replaceFolder(_ final: String, with staged: String) throws {
        let fm = FileManager.default
        let old = final + ".old"
        try? fm.removeItem(atPath: old)
        if fm.fileExists(atPath: final) { try fm.moveItem(atPath: final, toPath: old) }
        try fm.moveItem(atPath: staged, toPath: final)
        try? fm.removeItem(atPath: old)
    }
}
