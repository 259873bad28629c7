/// What reading one input, and assembling one patient, may cost: so that no input can exhaust
/// memory or time, and every input gets the same outcome on any machine (the budgets count
/// bytes, elements and attributes, never seconds). An input over a limit is rejected whole with
/// a located reason naming the limit; a patient over his is incomplete (no CarePlan), never
/// evaluated on part of his record.
public struct ReadLimits: Sendable, Equatable {
    /// Largest JSON document, or NDJSON line, read (bytes). Default 1 GiB.
    public var maxJSONDocumentBytes: Int
    /// Longest JSON string decoded (bytes of its UTF-8). Default 64 MiB: no clinical value comes
    /// near; attachments of types not read are skipped without being decoded.
    public var maxJSONStringBytes: Int
    /// Largest C-CDA document (bytes). Default 64 MiB.
    public var maxXMLDocumentBytes: Int
    /// Most attributes on one XML element. Default 256 (C-CDA elements carry fewer than 20);
    /// libxml2's duplicate-attribute check is quadratic in them.
    public var maxXMLAttributesPerElement: Int
    /// A C-CDA document's work budget: elements plus attributes. Default 10 million (a 64 MiB
    /// document holds about 3 million).
    public var maxXMLNodes: Int
    /// Most statements (conditions, medications, observations, procedures) of one patient.
    /// Default 250,000: decades of labs and vitals stay far below.
    public var maxStatementsPerPatient: Int

    public init(maxJSONDocumentBytes: Int = 1 << 30, maxJSONStringBytes: Int = 64 << 20,
                maxXMLDocumentBytes: Int = 64 << 20, maxXMLAttributesPerElement: Int = 256,
                maxXMLNodes: Int = 10_000_000, maxStatementsPerPatient: Int = 250_000) {
        self.maxJSONDocumentBytes = maxJSONDocumentBytes
        self.maxJSONStringBytes = maxJSONStringBytes
        self.maxXMLDocumentBytes = maxXMLDocumentBytes
        self.maxXMLAttributesPerElement = maxXMLAttributesPerElement
        self.maxXMLNodes = maxXMLNodes
        self.maxStatementsPerPatient = maxStatementsPerPatient
    }

    public static let defaults = ReadLimits()
}
