public import ClinicalModel
internal import CLibXML2

/// Reads C-CDA documents into the normalized model (issue 3; under construction).
public struct CDAReader: Sendable {
    public let codeSystems: CodeSystemTable

    public init(codeSystems: CodeSystemTable) {
        self.codeSystems = codeSystems
    }
}
