import Foundation

/// Finds an input's files in `quarantine/`, named `<stem>-<8 hex digits><ext><suffix>`
/// (e.g. `broken-1f3a9c0e.json.reason.json` for `broken.json`).
enum QuarantineFiles {
    static func all(_ out: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: out + "/quarantine")) ?? []).sorted()
    }

    /// The names in `out/quarantine` of input `stem` + `ext` with this suffix ("" for the copy,
    /// ".reason.json", ".rejected.ndjson", ".reasons.ndjson").
    static func find(_ out: String, stem: String, ext: String, suffix: String = "") -> [String] {
        all(out).filter { name in
            guard name.hasPrefix(stem + "-"), name.hasSuffix(ext + suffix) else { return false }
            let hash = name.dropFirst(stem.count + 1).dropLast(ext.count + suffix.count)
            return hash.count == 8 && hash.allSatisfy(\.isHexDigit)
        }
    }

    /// The path of the single such file, or a path that does not exist.
    static func path(_ out: String, stem: String, ext: String, suffix: String = "") -> String {
        let found = find(out, stem: stem, ext: ext, suffix: suffix)
        return out + "/quarantine/" + (found.count == 1 ? found[0] : "<\(found.count) matches for \(stem)\(ext)\(suffix)>")
    }
}
