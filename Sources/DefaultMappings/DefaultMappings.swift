/// The default `Mappings/` folder, embedded at build time; see `embeddedMappingFiles`.
public enum DefaultMappings {
    /// Files by path relative to `Mappings/`.
    public static var files: [String: String] {
        var all: [String: String] = [:]
        for (path, text) in embeddedMappingFiles { all[path] = text }
        return all
    }
}
