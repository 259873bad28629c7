/// A Mappings/ file that cannot be used, with the file and JSON path of the problem, and the
/// folder it was read from (the one given with `--mappings`, or the built-in `Mappings/`).
public struct MappingError: Error, Sendable, CustomStringConvertible {
    public var file: String
    public var path: String
    public var message: String
    /// The folder the mappings were read from, as the user named it.
    public var folder: String = "Mappings"

    public init(file: String, path: String, message: String) {
        self.file = file
        self.path = path
        self.message = message
    }

    /// The same error, naming the folder it was read from.
    public func reading(from folder: String) -> MappingError {
        var e = self
        e.folder = folder.hasSuffix("/") ? String(folder.dropLast()) : folder
        return e
    }

    public var description: String { "\(folder)/\(file): \(message) (at \(path))" }
}
