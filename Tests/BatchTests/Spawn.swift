import Foundation
import TestSupport

/// Runs the built `ingest` binary as a child process with a deadline (a test of hostile input
/// must fail, not hang, if the binary hangs) and reads the child's own peak memory (VmHWM, see
/// ``peakResidentKiB(_:)``), which `Process` does not expose: peak memory is part of what is tested.
struct Spawn {
    let pid: pid_t
    let stdoutPath: String
    let stderrPath: String

    struct Result {
        let status: Int32
        let timedOut: Bool
        let stdout: String
        let stderr: String
        /// Peak resident set size of the child itself, in KiB (the last VmHWM read before it
        /// exited; `ru_maxrss`, which over-counts, only if it exited before the first read).
        let maxRSSKiB: Int
    }

    static func start(_ arguments: [String]) throws -> Spawn {
        let dir = FileManager.default.temporaryDirectory.path
        let tag = "spawn-\(getpid())-\(UInt64.random(in: 0...UInt64.max))"
        let out = dir + "/" + tag + ".out"
        let err = dir + "/" + tag + ".err"
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, out, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, err, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        let binary = TestSupport.ingestBinary.path
        let argv: [UnsafeMutablePointer<CChar>?] = ([binary] + arguments).map { strdup($0) } + [nil]
        defer { for p in argv { free(p) } }
        var pid: pid_t = 0
        let code = argv.withUnsafeBufferPointer { p in
            posix_spawn(&pid, binary, &actions, nil, p.baseAddress!, environ)
        }
        guard code == 0 else { throw POSIXError(POSIXErrorCode(rawValue: code) ?? .EIO) }
        return Spawn(pid: pid, stdoutPath: out, stderrPath: err)
    }

    static func run(_ arguments: [String], timeout: Double) throws -> Result {
        try start(arguments).wait(timeout: timeout)
    }

    /// True while the child has not exited (asking does not reap it: /proc shows a zombie as Z).
    var isRunning: Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return false }
        return stat[stat.index(close, offsetBy: 2)] != "Z"
    }

    /// Waits for the child; kills it (and says so) once `timeout` seconds have passed.
    func wait(timeout: Double) -> Result {
        let deadline = Date().addingTimeInterval(timeout)
        var status: Int32 = 0
        var usage = rusage()
        var timedOut = false
        var peak: Int?
        while wait4(pid, &status, WNOHANG, &usage) == 0 {
            // Read before the child is reaped: a zombie has no memory left to report.
            if let kib = Self.peakResidentKiB(pid) { peak = max(peak ?? 0, kib) }
            if Date() > deadline {
                timedOut = true
                kill(pid, SIGKILL)
                wait4(pid, &status, 0, &usage)
                break
            }
            usleep(10_000)
        }
        let exited = status & 0x7F == 0
        let text = { (path: String) in (try? String(contentsOfFile: path, encoding: .utf8)) ?? "" }
        defer {
            unlink(stdoutPath)
            unlink(stderrPath)
        }
        return Result(status: exited ? (status >> 8) & 0xFF : 128 + (status & 0x7F), timedOut: timedOut,
                      stdout: text(stdoutPath), stderr: text(stderrPath), maxRSSKiB: peak ?? Int(usage.ru_maxrss))
    }
}
