import ArgumentParser
import Batch
import ClinicalModel

/// The reading limits every command that reads inputs shares (``ReadLimits``): each has a
/// default that no real record comes near, and an input or patient over one is rejected with the
/// reason, never read in part.
struct ReadLimitsOptionGroup: ParsableArguments {
    @Option(name: .customLong("max-patient-statements"), help: ArgumentHelp(
        "Most statements (problems, medications, results, procedures) one patient may have; a patient over it gets no CarePlan and is listed as incomplete. Default: 250000.",
        valueName: "n"))
    var maxPatientStatements: Int?

    @Option(name: .customLong("max-xml-nodes"), help: ArgumentHelp(
        "Work budget of one C-CDA document: elements plus attributes; over it the document is rejected unparsed. Default: 10000000.",
        valueName: "n"))
    var maxXMLNodes: Int?

    @Option(name: .customLong("max-json-string-bytes"), help: ArgumentHelp(
        "Longest JSON string decoded; a record holding a longer one is rejected. A number of bytes, or with K, M, G. Default: 64M.",
        valueName: "size"))
    var maxJSONStringBytes: String?

    func validate() throws {
        if let maxPatientStatements, maxPatientStatements < 1 { throw ValidationError("--max-patient-statements must be at least 1.") }
        if let maxXMLNodes, maxXMLNodes < 1 { throw ValidationError("--max-xml-nodes must be at least 1.") }
        if let maxJSONStringBytes, (InputLimits.parseBytes(maxJSONStringBytes) ?? 0) < 1 {
            throw ValidationError("--max-json-string-bytes must be a positive number of bytes, optionally with K, M or G (e.g. 16M).")
        }
    }

    var limits: ReadLimits {
        var l = ReadLimits.defaults
        if let maxPatientStatements { l.maxStatementsPerPatient = maxPatientStatements }
        if let maxXMLNodes { l.maxXMLNodes = maxXMLNodes }
        if let v = maxJSONStringBytes.flatMap(InputLimits.parseBytes) { l.maxJSONStringBytes = v }
        return l
    }
}
