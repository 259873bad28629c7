import Foundation
import Testing
import TestSupport

/// Issue 8, through the built binary with a deadline (so that a regression hangs nothing):
/// the entries of `Fixtures/bad/` and the special files a test must make (a FIFO, a link to
/// `/dev/zero`, a name that is not UTF-8) each get the outcome `Fixtures/bad/README.md` states,
/// in one night that completes; a gzip bomb is quarantined in bounded memory.
@Suite(.serialized) struct HostileInputTests {
    /// One row of the table in `Fixtures/bad/README.md`.
    struct Row: Sendable, CustomTestStringConvertible {
        /// The entry's path relative to its folder, as the report shows it.
        let input: String
        /// The error kind, nil for an entry read (or ignored) without error.
        let kind: String?
        /// "yes", "no", "lines" or nil.
        let copy: String?
        var testDescription: String { input }
    }

    static let badFolder = TestSupport.path("Fixtures/bad")

    static let rows: [Row] = {
        let text = (try? String(contentsOfFile: badFolder + "/README.md", encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap { line -> Row? in
            let cells = line.split(separator: "|", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            guard cells.count >= 5, cells[1].hasPrefix("`") else { return nil }
            var input = String(cells[1].split(separator: "`")[0])
            if input.hasPrefix("bbb") { input = String(repeating: "b", count: 245) + ".json" }
            return Row(input: input, kind: cells[2] == "—" ? nil : cells[2], copy: cells[3] == "—" ? nil : cells[3])
        }
    }()

    /// The entries git cannot hold, made in a folder of their own.
    static func specialEntries() throws -> String {
        let dir = FileManager.default.temporaryDirectory.path + "/hostile-special-\(getpid())"
        try? FileManager.default.removeItem(atPath: dir)
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        #expect(mkfifo(dir + "/fifo.ndjson", 0o644) == 0)
        try FileManager.default.createSymbolicLink(atPath: dir + "/zero.ndjson", withDestinationPath: "/dev/zero")
        // "café.json" in Latin-1: the byte E9 alone is not UTF-8.
        let name: [UInt8] = Array((dir + "/caf").utf8) + [0xE9] + Array(".json".utf8) + [0]
        let fd = name.withUnsafeBufferPointer { p in
            p.withMemoryRebound(to: CChar.self) { open($0.baseAddress!, O_WRONLY | O_CREAT | O_TRUNC, 0o644) }
        }
        #expect(fd >= 0)
        let patient = Array(#"{"resourceType": "Patient", "id": "latin1-name", "gender": "male"}"#.utf8)
        _ = patient.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        close(fd)
        return dir
    }

    /// One night over `Fixtures/bad` and the special entries.
    struct Night: Sendable {
        let status: Int32
        let timedOut: Bool
        let stderr: String
        let out: String
        let special: String
        let reasons: [String: [(kind: String, copy: String?)]]
    }

    static let night: Result<Night, any Error> = Result(catching: {
        let special = try specialEntries()
        let out = FileManager.default.temporaryDirectory.path + "/hostile-out-\(getpid())"
        try? FileManager.default.removeItem(atPath: out)
        let r = try Spawn.run(["batch", badFolder, special, "--out", out, "--as-of", "2026-11-27", "--quiet"], timeout: 120)
        var reasons: [String: [(kind: String, copy: String?)]] = [:]
        for name in QuarantineFiles.all(out) where name.hasSuffix(".reason.json") || name.hasSuffix(".reasons.ndjson") {
            let text = (try? String(contentsOfFile: out + "/quarantine/" + name, encoding: .utf8)) ?? ""
            let documents = name.hasSuffix(".reason.json") ? [Substring(text)] : text.split(separator: "\n")
            for d in documents {
                guard let o = try JSONSerialization.jsonObject(with: Data(d.utf8)) as? [String: Any], let file = o["file"] as? String else { continue }
                let relative = file.hasPrefix(badFolder + "/") ? String(file.dropFirst(badFolder.count + 1))
                    : file.hasPrefix(special + "/") ? String(file.dropFirst(special.count + 1)) : file
                reasons[relative, default: []].append((o["kind"] as? String ?? "?", name.hasSuffix(".reasons.ndjson") ? "lines" : o["copy"] as? String))
            }
        }
        return Night(status: r.status, timedOut: r.timedOut, stderr: r.stderr, out: out, special: special, reasons: reasons)
    })

    @Test func theREADMETableCoversTheFixtures() {
        #expect(Self.rows.count >= 17)
        let listed = Set(Self.rows.map(\.input))
        let present = ((try? FileManager.default.contentsOfDirectory(atPath: Self.badFolder)) ?? [])
            .filter { $0 != "README.md" && $0 != "x" && $0 != "y" && $0 != "linked" }
        for name in present { #expect(listed.contains(name), "Fixtures/bad/\(name) has no row in its README") }
    }

    @Test func theNightCompletesWithEveryBadEntryAccountedFor() throws {
        let night = try Self.night.get()
        #expect(!night.timedOut, "the batch hung")
        #expect(night.status == 2, "\(night.stderr)")
        let report = (try? String(contentsOfFile: night.out + "/report.json", encoding: .utf8)) ?? ""
        #expect(report.contains("\"reconciles\": true"))
        // Read: nd1 and nd2 of lines.ndjson, the patient behind alias.json (once), the Latin-1-named one;
        // not the bomb's.
        #expect(report.contains("\"total\": 4"), "\(report)")
        // Nothing outside the input folders reached the quarantine.
        for name in QuarantineFiles.all(night.out) {
            let text = (try? String(contentsOfFile: night.out + "/quarantine/" + name, encoding: .isoLatin1)) ?? ""
            #expect(!text.contains("root:"), "\(name) holds /etc/passwd")
        }
    }

    @Test(arguments: rows) func everyBadInputHasTheOutcomeTheFixturesREADMESays(_ row: Row) throws {
        let night = try Self.night.get()
        let found = night.reasons[row.input] ?? []
        guard let kind = row.kind else {
            #expect(found.isEmpty, "\(row.input) should be read or ignored without error: \(found)")
            return
        }
        #expect(!found.isEmpty && found.allSatisfy { $0.kind == kind }, "\(row.input): \(found)")
        switch row.copy {
        case "yes":
            let copy = try #require(found.first?.copy)
            let held = try TestSupport.bytes(night.out + "/quarantine/" + copy)
            #expect(held == (try TestSupport.bytes(Self.badFolder + "/" + row.input)), "\(row.input): the quarantine must hold the input as it was")
            #expect(copy.hasSuffix(row.input.hasSuffix(".gz") ? ".gz" : ".json"), "\(copy)")
        case "lines":
            #expect(found.allSatisfy { $0.copy == "lines" })
        default:
            #expect(found.allSatisfy { $0.copy == nil }, "\(row.input) must not be copied: \(found)")
        }
    }

    @Test func theNameThatIsNotUTF8IsReadAndShownEscaped() throws {
        let night = try Self.night.get()
        let report = (try? String(contentsOfFile: night.out + "/report.json", encoding: .utf8)) ?? ""
        #expect(report.contains("\"file-name-escaped\": 1"), "\(report)")
        let html = (try? String(contentsOfFile: night.out + "/report.html", encoding: .utf8)) ?? ""
        #expect(html.contains(night.special + "/caf\\xE9.json"))
    }

    /// A 9 MB .gz of zeros that inflates to 9 GiB: quarantined as it was, in bounded memory (the
    /// process used to abort trying to allocate 7 GB).
    @Test func aDecompressionBombIsQuarantinedInBoundedMemory() throws {
        let dir = FileManager.default.temporaryDirectory.path + "/hostile-bomb-\(getpid())"
        try? FileManager.default.removeItem(atPath: dir)
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        // One gzip member of 64 MiB of zeros (≈ 65 KB), repeated: concatenated members are one .gz.
        let make = Process()
        make.executableURL = URL(fileURLWithPath: "/bin/sh")
        make.arguments = ["-c", "head -c 67108864 /dev/zero | gzip -9 -n > '\(dir)/member.gz'"]
        try make.run()
        make.waitUntilExit()
        let member = try TestSupport.bytes(dir + "/member.gz")
        var bomb: [UInt8] = []
        while bomb.count < 9_000_000 { bomb += member }
        try Data(bomb).write(to: URL(fileURLWithPath: dir + "/export.json.gz"))
        try FileManager.default.removeItem(atPath: dir + "/member.gz")
        let out = dir + "-out"
        try? FileManager.default.removeItem(atPath: out)
        defer {
            try? FileManager.default.removeItem(atPath: dir)
            try? FileManager.default.removeItem(atPath: out)
        }
        let r = try Spawn.run(["batch", dir, "--out", out, "--as-of", "2026-11-27", "--quiet"], timeout: 120)
        #expect(!r.timedOut)
        #expect(r.status == 2, "\(r.stderr)")
        #expect(try TestSupport.bytes(QuarantineFiles.path(out, stem: "export", ext: ".json.gz")) == bomb)
        let reason = (try? String(contentsOfFile: QuarantineFiles.path(out, stem: "export", ext: ".json.gz", suffix: ".reason.json"), encoding: .utf8)) ?? ""
        #expect(reason.contains("once decompressed") || reason.contains("decompression bomb"), "\(reason)")
        // Bounded by the limit of what is read whole (128 MiB), not by the 9 GiB.
        #expect(r.maxRSSKiB < 400 << 10, "peak RSS \(r.maxRSSKiB) KiB")
    }

    @Test func namedFIFOsAndDevicesAreRejectedNotOpened() throws {
        let dir = FileManager.default.temporaryDirectory.path + "/hostile-named-\(getpid())"
        try? FileManager.default.removeItem(atPath: dir)
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        #expect(mkfifo(dir + "/named.ndjson", 0o644) == 0)
        let bundle = TestSupport.path("Fixtures/scenarios/01-mcrpc-docetaxel-stop-reason/input.json")
        let out = dir + "/out"
        let r = try Spawn.run(["batch", dir + "/named.ndjson", "/dev/zero", bundle, "--out", out, "--as-of", "2026-11-27", "--quiet"],
                              timeout: 60)
        #expect(!r.timedOut)
        #expect(r.status == 2, "\(r.stderr)")
        let kinds = QuarantineFiles.all(out).filter { $0.hasSuffix(".reason.json") }.map {
            (try? String(contentsOfFile: out + "/quarantine/" + $0, encoding: .utf8)) ?? ""
        }
        #expect(kinds.count == 2 && kinds.allSatisfy { $0.contains("\"kind\": \"not-a-regular-file\"") && $0.contains("\"copy\": null") }, "\(kinds)")
        #expect(((try? String(contentsOfFile: out + "/careplans.ndjson", encoding: .utf8)) ?? "").contains("CarePlan"))
    }
}
