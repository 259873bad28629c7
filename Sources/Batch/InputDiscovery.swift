import IngestKit

/// One input file of a batch, with its position in the deterministic input order.
struct InputFile: Sendable {
    let index: Int
    let path: String
    let size: Int
}

/// Expands INPUT arguments (files and folders, recursively) into a sorted, de-duplicated list.
///
/// Inside folders only data files are taken (`.json`, `.ndjson`, `.jsonl`, `.xml`, `.ccd`, `.cda`,
/// and any of these `.gz`); other files (READMEs, PDFs …) are listed as ignored, with their
/// count in the report. A file named explicitly is always read, whatever its name.
enum InputDiscovery {
    static let dataExtensions: Set<String> = ["json", "ndjson", "jsonl", "xml", "ccd", "cda"]

    static func isDataFile(_ path: String) -> Bool {
        var name = Substring(path.split(separator: "/").last ?? "").lowercased()[...]
        if name.hasSuffix(".gz") { name = name.dropLast(3) }
        guard let dot = name.lastIndex(of: ".") else { return false }
        return dataExtensions.contains(String(name[name.index(after: dot)...]))
    }

    static func files(_ inputs: [String], excluding outDir: String) throws -> (files: [String], ignored: [String]) {
        var seen = Set<String>()
        var result: [String] = []
        var ignored: [String] = []
        let outPrefix = outDir.hasSuffix("/") ? outDir : outDir + "/"
        for input in inputs {
            let listed = try FileIO.files(under: input)
            let explicit = listed == [input]
            for path in listed where !path.hasPrefix(outPrefix) {
                let name = path.split(separator: "/").last.map(String.init) ?? path
                if name.hasPrefix(".") { continue }
                guard seen.insert(path).inserted else { continue }
                if explicit || isDataFile(path) { result.append(path) } else { ignored.append(path) }
            }
        }
        return (result, ignored)
    }
}
