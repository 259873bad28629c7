import Foundation

extension Spawn {
    /// The child's own peak resident set size so far, in KiB (`VmHWM` of /proc/<pid>/status), or
    /// nil once it has exited. Not `ru_maxrss`: posix_spawn runs the child in the parent's memory
    /// until exec (vfork), and Linux's exec records that memory's high-water mark in the child's
    /// `maxrss`, so `wait4` reports at least the test process's own peak (hundreds of MB while
    /// 190 tests run in it), whatever the child used. VmHWM is the high-water mark of the memory
    /// the child got at exec: only its own, and never decreasing, so polling it until the child
    /// exits misses at most the growth of its last poll interval.
    static func peakResidentKiB(_ pid: pid_t) -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
            return Int(line.dropFirst("VmHWM:".count).trimmingCharacters(in: .whitespaces).split(separator: " ").first ?? "")
        }
        return nil
    }
}
