/// Where a statement came from, precise enough to find it again in the input.
public struct SourceRef: Codable, Hashable, Comparable, Sendable, CustomStringConvertible {
    public enum Format: String, Codable, Sendable, Comparable {
        case fhirJSON = "FHIR JSON"
        case ndjson = "FHIR NDJSON"
        case cda = "C-CDA XML"
        public static func < (a: Format, b: Format) -> Bool { a.rawValue < b.rawValue }
    }

    /// The file as the user named it; `-` for standard input.
    public var file: String
    public var format: Format
    /// FHIR: the entry's fullUrl, else `Type/id`. CDA: the entry's `id` as `root^extension`.
    public var reference: String?
    /// 1-based line in the file (an NDJSON line, or the line of the XML element).
    public var line: Int?
    /// JSON path of the resource within its document (`$.entry[3].resource`).
    public var path: String?
    /// The FHIR resource type of the statement (a C-CDA entry: the type it corresponds to), so a
    /// reference to it can say its type and go where R4 allows that type.
    public var resourceType: String?

    public init(file: String, format: Format, reference: String? = nil, line: Int? = nil, path: String? = nil,
                resourceType: String? = nil) {
        self.file = file
        self.format = format
        self.reference = reference
        self.line = line
        self.path = path
        self.resourceType = resourceType
    }

    /// "bundle.json Condition/123", "doc.xml line 212".
    public var description: String {
        var s = file
        if let line { s += ":\(line)" }
        if let reference {
            s += " " + reference
        } else if let path {
            s += " " + path
        }
        return s
    }

    public static func < (a: SourceRef, b: SourceRef) -> Bool {
        (a.file, a.line ?? 0, a.reference ?? "", a.path ?? "") < (b.file, b.line ?? 0, b.reference ?? "", b.path ?? "")
    }
}
