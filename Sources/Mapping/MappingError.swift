/// A Mappings/ file that cannot be used, with the file and JSON path of the problem.
public struct MappingError: Error, Sendable, CustomStringConvertible {
    public var file: String
    public var path: String
    public var message: String

    public init(file: String, path: String, message: String) {
        self.file = file
        self.path = path
        self.message = message
    }

    public var description: String { "Mappings/\(file): \(message) (at \(path))" }
}
