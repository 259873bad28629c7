/// The fact kinds: the one place a `kind` named in `facts.json` meets its Swift code. Adding a
/// fact of an existing kind is one `facts.json` entry; a new kind is one Swift file and a line
/// here (Mappings/README.md documents each kind's parameters).
enum FactKinds {
    typealias Make = (FactParameters) throws(MappingError) -> any FactKind

    static func make(_ kind: String, _ p: FactParameters) throws(MappingError) -> any FactKind {
        switch kind {
        case "condition-present": return try ConditionPresentFact(p)
        case "diagnosis": return try DiagnosisFact(p)
        case "metastatic-disease": return try MetastaticDiseaseFact(p)
        case "metastatic-site": return try MetastaticSiteFact(p)
        case "symptom-present": return try SymptomFact(p)
        case "condition-unless": return try ConditionUnlessFact(p)
        case "latest-quantity-below": return try LatestQuantityFact(p)
        case "documented-or-established": return try DocumentedOrEstablishedFact(p)
        case "exposure": return try ExposureFact(p)
        case "current-exposure": return try CurrentExposureFact(p)
        case "progression-on": return try ProgressionFact(p)
        case "therapy-line": return try TherapyLineFact(p)
        case "genomic-testing-done": return try GenomicTestingFact(p)
        case "gene-alteration": return try GeneAlterationFact(p)
        case "latest-study-polarity": return try StudyPolarityFact(p)
        case "procedure-planned": return try ProcedurePlannedFact(p)
        case "procedure-done": return try ProcedureDoneFact(p)
        case "rule": return try RuleFact(p)
        default:
            throw MappingError(file: p.file, path: "$.facts[id=\(p.definition.id)].kind",
                               message: "unknown kind \"\(kind)\" (known: \(names.joined(separator: ", ")))")
        }
    }

    static let names = [
        "condition-present", "diagnosis", "metastatic-disease", "metastatic-site", "symptom-present", "condition-unless",
        "latest-quantity-below", "documented-or-established", "exposure", "current-exposure", "progression-on",
        "therapy-line", "genomic-testing-done", "gene-alteration", "latest-study-polarity", "procedure-planned",
        "procedure-done", "rule",
    ]
}
