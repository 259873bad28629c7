import ClinicalModel
import Foundation
import JSONKit

/// `quarantine/`: every rejected input or record, with its reason and location, enough to fix
/// and replay it. A rejected file is copied whole; rejected NDJSON lines are collected per file
/// as `<name>.rejected.ndjson`, each reason in the matching line of `<name>.reasons.ndjson`.
struct Quarantine {
    let dir: String
    private(set) var entries = 0
    private var usedNames = Set<String>()

    init(dir: String) throws {
        self.dir = dir
        try? FileManager.default.removeItem(atPath: dir)
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    }

    private mutating func name(for file: String) -> String {
        let base = String(file.split(separator: "/").last ?? "input").replacingOccurrences(of: " ", with: "_")
        var candidate = base
        var n = 2
        while usedNames.contains(candidate) {
            candidate = "\(n)-\(base)"
            n += 1
        }
        usedNames.insert(candidate)
        return candidate
    }

    static func reason(_ d: Diagnostic) -> JSONValue {
        var m: [JSONObject.Member] = [
            .init(key: "file", value: .string(d.file)), .init(key: "kind", value: .string(d.kind)),
            .init(key: "reason", value: .string(d.message)),
        ]
        if let l = d.line { m.append(.init(key: "line", value: .number(JSONNumber(text: String(l))))) }
        if let c = d.column { m.append(.init(key: "column", value: .number(JSONNumber(text: String(c))))) }
        if let p = d.path { m.append(.init(key: "path", value: .string(p))) }
        return .object(JSONObject(members: m))
    }

    /// Quarantines a whole input.
    mutating func reject(file: String, bytes: [UInt8], because diagnostic: Diagnostic) throws {
        let target = name(for: file)
        try Data(bytes).write(to: URL(fileURLWithPath: dir + "/" + target))
        let reason = JSONWriter.string(Self.reason(diagnostic), style: .pretty) + "\n"
        try Data(reason.utf8).write(to: URL(fileURLWithPath: dir + "/" + target + ".reason.json"))
        entries += 1
    }

    /// Quarantines single lines of a multi-record input (NDJSON).
    mutating func rejectLines(file: String, bytes: [UInt8], because diagnostics: [Diagnostic]) throws {
        guard !diagnostics.isEmpty else { return }
        var lines: [ArraySlice<UInt8>] = []
        var start = 0
        for i in 0...bytes.count where i == bytes.count || bytes[i] == 0x0A {
            lines.append(bytes[start..<i])
            start = i + 1
        }
        let target = name(for: file)
        var rejected: [UInt8] = []
        var reasons: [UInt8] = []
        for d in diagnostics.sorted() {
            if let l = d.line, l >= 1, l <= lines.count { rejected += lines[l - 1] }
            rejected.append(0x0A)
            reasons += JSONWriter.serialize(Self.reason(d))
            reasons.append(0x0A)
            entries += 1
        }
        try Data(rejected).write(to: URL(fileURLWithPath: dir + "/" + target + ".rejected.ndjson"))
        try Data(reasons).write(to: URL(fileURLWithPath: dir + "/" + target + ".reasons.ndjson"))
    }
}
