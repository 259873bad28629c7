import DefaultMappings
public import Foundation
public import Mapping

/// Paths and helpers shared by the test targets.
public enum TestSupport {
    /// The package root, found from this file's path (Tests/TestSupport/TestSupport.swift).
    public static let packageRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    public static func path(_ relative: String) -> String { packageRoot.appendingPathComponent(relative).path }

    /// The shared public corpus: $CLINICALINGEST_CORPUS, else ../shared/corpus beside the package.
    public static var corpusRoot: String? {
        let candidate = ProcessInfo.processInfo.environment["CLINICALINGEST_CORPUS"]
            ?? packageRoot.deletingLastPathComponent().appendingPathComponent("shared/corpus").path
        return FileManager.default.fileExists(atPath: candidate) ? candidate : nil
    }

    public static let mappings: MappingSet = {
        do { return try MappingSet(files: DefaultMappings.files) } catch { fatalError("default mappings: \(error)") }
    }()

    public static func bytes(_ path: String) throws -> [UInt8] { Array(try Data(contentsOf: URL(fileURLWithPath: path))) }

    public static func files(under dir: String, suffix: String) -> [String] {
        guard let e = FileManager.default.enumerator(atPath: dir) else { return [] }
        return e.compactMap { $0 as? String }.filter { $0.hasSuffix(suffix) }.sorted().map { dir + "/" + $0 }
    }

    /// Saves CarePlans a test produced, so `make test` can validate every one of them with the
    /// independent Python R4 validator. A no-op when CLINICALINGEST_CAREPLAN_SINK is unset.
    public static func sinkCarePlans(_ ndjson: String, name: String) {
        guard let dir = ProcessInfo.processInfo.environment["CLINICALINGEST_CAREPLAN_SINK"], !ndjson.isEmpty else { return }
        let safe = String(name.map { $0.isLetter || $0.isNumber || $0 == "-" ? $0 : "_" })
        let url = URL(fileURLWithPath: dir).appendingPathComponent(safe + ".ndjson")
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try? Data(ndjson.utf8).write(to: url)
    }

    /// Saves one JSON document a test produced (a resource or a Bundle: definitions, a
    /// transaction) as `<name>.json` beside the sunk CarePlans, which the validator reads too.
    /// A no-op when CLINICALINGEST_CAREPLAN_SINK is unset.
    public static func sinkJSON(_ text: String, name: String) {
        guard let dir = ProcessInfo.processInfo.environment["CLINICALINGEST_CAREPLAN_SINK"], !text.isEmpty else { return }
        let safe = String(name.map { $0.isLetter || $0.isNumber || $0 == "-" ? $0 : "_" })
        let url = URL(fileURLWithPath: dir).appendingPathComponent(safe + ".json")
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try? Data(text.utf8).write(to: url)
    }

    /// The built `ingest` executable beside the test bundle.
    public static var ingestBinary: URL {
        var dir = Bundle.main.bundleURL
        for _ in 0..<4 {
            let candidate = dir.appendingPathComponent("ingest")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            dir.deleteLastPathComponent()
        }
        return packageRoot.appendingPathComponent(".build/debug/ingest")
    }

    public struct RunResult: Sendable {
        public let status: Int32
        public let stdout: String
        public let stderr: String
    }

    /// Runs `ingest` with arguments and optional standard input.
    public static func runIngest(_ arguments: [String], stdin: [UInt8]? = nil) throws -> RunResult {
        let process = Process()
        process.executableURL = ingestBinary
        process.arguments = arguments
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        let input = Pipe()
        process.standardInput = input
        try process.run()
        let writer = Thread {
            if let stdin { input.fileHandleForWriting.write(Data(stdin)) }
            try? input.fileHandleForWriting.close()
        }
        writer.start()
        let errData = ErrorCollector(err.fileHandleForReading)
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return RunResult(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                         stderr: String(decoding: errData.wait(), as: UTF8.self))
    }

    /// Drains a pipe on its own thread so a chatty stderr cannot block the child.
    final class ErrorCollector: @unchecked Sendable {
        private var data = Data()
        private let done = DispatchSemaphore(value: 0)
        init(_ handle: FileHandle) {
            Thread {
                self.data = handle.readDataToEndOfFile()
                self.done.signal()
            }.start()
        }
        func wait() -> Data {
            done.wait()
            return data
        }
    }
}
