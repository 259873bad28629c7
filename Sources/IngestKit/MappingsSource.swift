import DefaultMappings
public import Mapping

/// Where the mappings come from: the defaults compiled into the binary, or a folder laid out
/// like `Mappings/` (`--mappings DIR`).
public enum MappingsSource: Sendable {
    case embedded
    case directory(String)

    /// How messages name the folder: the `--mappings` folder as given, or `Mappings` (built in).
    public var folder: String {
        switch self {
        case .embedded: "Mappings (built in)"
        case .directory(let dir): dir
        }
    }

    public func load() throws(IngestError) -> MappingSet {
        let files: [String: String]
        switch self {
        case .embedded:
            files = DefaultMappings.files
        case .directory(let dir):
            var collected: [String: String] = [:]
            let root = dir.hasSuffix("/") ? dir : dir + "/"
            for path in try FileIO.files(under: dir) where path.hasSuffix(".json") {
                let bytes = try FileIO.read(path)
                guard let text = String(validating: bytes, as: UTF8.self) else {
                    throw IngestError(.data, "\(path): not valid UTF-8")
                }
                collected[path.hasPrefix(root) ? String(path.dropFirst(root.count)) : path] = text
            }
            files = collected
        }
        do {
            return try MappingSet(files: files)
        } catch {
            throw IngestError(.data, "invalid mappings: \(error.reading(from: folder))", cause: error)
        }
    }
}
