/// A coded concept: every coding the record gave (translations included) plus its text.
public struct Concept: Codable, Hashable, Sendable {
    public var codings: [Coding]
    /// Free text: FHIR `CodeableConcept.text`, CDA `originalText` (references resolved).
    public var text: String?

    public init(codings: [Coding] = [], text: String? = nil) {
        self.codings = codings
        self.text = text
    }

    public var isEmpty: Bool { codings.isEmpty && (text?.isEmpty ?? true) }

    /// Text worth matching against synonym lists: the text, then each display.
    public var texts: [String] {
        var all: [String] = []
        if let text, !text.isEmpty { all.append(text) }
        for c in codings { if let d = c.display, !d.isEmpty { all.append(d) } }
        return all
    }

    /// A short human label: text, else the first display, else the first code.
    public var label: String {
        if let text, !text.isEmpty { return text }
        for c in codings { if let d = c.display, !d.isEmpty { return d } }
        return codings.first.map { $0.code } ?? "(no code)"
    }
}
