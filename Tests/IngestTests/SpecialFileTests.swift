import Foundation
import Testing
import TestSupport

/// Pipe mode refuses a device named as a file at once, with a located message (`/dev/zero` would
/// be read until memory runs out); a FIFO is read without ever blocking on a missing writer.
/// Standard input (`-`, or `/dev/stdin`) is still read.
@Suite(.serialized) struct SpecialFileTests {
    /// Runs `ingest`, killing it after `timeout` seconds: a regression must fail the test, not hang it.
    func run(_ arguments: [String], stdin: String? = nil, timeout: Double = 20) throws -> (status: Int32, stdout: String, stderr: String, timedOut: Bool) {
        let dir = FileManager.default.temporaryDirectory.path
        let outPath = dir + "/special-\(getpid())-out"
        let errPath = dir + "/special-\(getpid())-err"
        _ = FileManager.default.createFile(atPath: outPath, contents: nil)
        _ = FileManager.default.createFile(atPath: errPath, contents: nil)
        let p = Process()
        p.executableURL = TestSupport.ingestBinary
        p.arguments = arguments
        p.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: outPath))
        p.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
        let input = Pipe()
        p.standardInput = stdin == nil ? FileHandle.nullDevice : input
        try p.run()
        if let stdin {
            input.fileHandleForWriting.write(Data(stdin.utf8))
            try input.fileHandleForWriting.close()
        }
        let deadline = Date().addingTimeInterval(timeout)
        var timedOut = false
        while p.isRunning {
            if Date() > deadline {
                timedOut = true
                kill(p.processIdentifier, SIGKILL)
                break
            }
            usleep(10_000)
        }
        p.waitUntilExit()
        let text = { (path: String) in (try? String(contentsOfFile: path, encoding: .utf8)) ?? "" }
        return (p.terminationStatus, text(outPath), text(errPath), timedOut)
    }

    /// A named pipe is what process substitution gives (`ingest <(zcat a.json.gz)`): read like
    /// standard input. Nobody writing to it must not hang pipe mode: it reads as empty at once.
    @Test func aFIFOIsReadWhenWrittenAndNeverHangsWhenNot() throws {
        let dir = FileManager.default.temporaryDirectory.path + "/special-fifo-\(getpid())"
        try? FileManager.default.removeItem(atPath: dir)
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let fifo = dir + "/Observation.ndjson"
        #expect(mkfifo(fifo, 0o644) == 0)
        let idle = try run([fifo])
        #expect(!idle.timedOut, "pipe mode blocked on a FIFO nobody writes to")
        #expect(idle.status == 65 || idle.status == 66, "\(idle.stderr)")
        #expect(idle.stderr.contains("empty"), "\(idle.stderr)")

        let bundle = try Data(contentsOf: URL(fileURLWithPath: TestSupport.path("Fixtures/scenarios/01-mcrpc-docetaxel-stop-reason/input.json")))
        let writer = Thread {
            // Opening for writing blocks until the reader opens: the usual order of a pipe.
            if let h = FileHandle(forWritingAtPath: fifo) {
                h.write(bundle)
                try? h.close()
            }
        }
        writer.start()
        let r = try run(["--as-of", "2026-11-27", fifo])
        #expect(!r.timedOut)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("\"resourceType\":\"CarePlan\""))
    }

    @Test func aDeviceNamedOrLinkedIsRefusedAtOnce() throws {
        let dir = FileManager.default.temporaryDirectory.path + "/special-dev-\(getpid())"
        try? FileManager.default.removeItem(atPath: dir)
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: dir + "/zero.json", withDestinationPath: "/dev/zero")
        for path in ["/dev/zero", dir + "/zero.json"] {
            let r = try run([path])
            #expect(!r.timedOut, "pipe mode read \(path) endlessly")
            #expect(r.status == 66)
            #expect(r.stderr.contains("\(path): is a character device, not a regular file"), "\(r.stderr)")
        }
    }

    @Test func standardInputIsStillReadByDashOrByName() throws {
        let bundle = try String(contentsOfFile: TestSupport.path("Fixtures/scenarios/01-mcrpc-docetaxel-stop-reason/input.json"), encoding: .utf8)
        for name in ["-", "/dev/stdin"] {
            let r = try run(["--as-of", "2026-11-27", name], stdin: bundle)
            #expect(r.status == 0, "\(name): \(r.stderr)")
            #expect(r.stdout.contains("\"resourceType\":\"CarePlan\""), "\(name)")
        }
    }
}
