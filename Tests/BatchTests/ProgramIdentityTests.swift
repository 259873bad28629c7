@testable import Batch
import Foundation
import TestSupport
import XCTest

/// The program's build identity in the staging key: the GNU build ID read from the ELF notes,
/// the same one binutils' `readelf -n` prints; nothing for files that are not ELF or carry none.
final class ProgramIdentityTests: XCTestCase {
    func buildID(_ path: String) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        return ProgramIdentity.buildID(fd: fd)
    }

    /// What `readelf -n` says the file's build ID is (nil when readelf is not installed).
    func readelfBuildID(_ path: String) throws -> String?? {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/readelf") else { return nil }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/readelf")
        p.arguments = ["-n", path]
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        guard let line = text.split(separator: "\n").first(where: { $0.contains("Build ID:") }) else { return .some(nil) }
        return .some(String(line.split(separator: " ").last!))
    }

    func testTheBuildIDIsTheOneReadelfReads() throws {
        // This test's own executable, by its path (readelf's /proc/self/exe would be readelf).
        let me = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
        let binaries = [TestSupport.ingestBinary.path, me, "/bin/ls"]
        var compared = 0
        for path in binaries where FileManager.default.fileExists(atPath: path) {
            guard let expected = try readelfBuildID(path) else { throw XCTSkip("readelf is not installed") }
            XCTAssertEqual(buildID(path), expected, path)
            if expected != nil { compared += 1 }
        }
        // The ingest binary is linked with a build ID (the toolchain's default).
        XCTAssertNotNil(buildID(TestSupport.ingestBinary.path))
        XCTAssertGreaterThan(compared, 0)
        XCTAssertEqual(ProgramIdentity.current, "build-id " + (buildID(me) ?? "?"))
    }

    func testNotELFTruncatedOrWithoutNotesIsNone() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ingest-program-identity-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let elf = try Data(contentsOf: TestSupport.ingestBinary)
        var cases: [(String, Data)] = [("empty", Data()), ("text", Data("#!/bin/sh\necho hi\n".utf8)),
                                       ("header only", elf.prefix(64)), ("cut in the notes", elf.prefix(700))]
        // The same header with its program header table said to be elsewhere.
        var moved = Data(elf.prefix(4096))
        moved.replaceSubrange(32..<40, with: Data(repeating: 0xFF, count: 8))
        cases.append(("table past the end", moved))
        for (name, bytes) in cases {
            let path = dir.appendingPathComponent(name).path
            try bytes.write(to: URL(fileURLWithPath: path))
            XCTAssertNil(buildID(path), name)
        }
        // A whole copy is the same build.
        let copy = dir.appendingPathComponent("copy").path
        try elf.write(to: URL(fileURLWithPath: copy))
        XCTAssertEqual(buildID(copy), buildID(TestSupport.ingestBinary.path))
    }
}
