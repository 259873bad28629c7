import ClinicalModel
import JSONKit

/// Where a genomic result comes from: the genomics-reporting component 48002-0 (`components`,
/// valued `somaticOrigin` or `germlineOrigin`), or a germline test (`germlineTests`).
struct GenomicOrigin: Sendable {
    let components: ValueSet
    let somatic: ValueSet
    let germline: ValueSet
    let germlineTests: ValueSet

    init(_ p: FactParameters) throws(MappingError) {
        components = try p.valueSet("originComponents")
        somatic = try p.valueSet("somaticOrigin")
        germline = try p.valueSet("germlineOrigin")
        germlineTests = try p.valueSet("germlineTests")
    }
}

/// Kind `genomic-testing-done`: a tumour (tissue or ctDNA) genomic result is on record: a
/// result of `results`, a variant with a gene studied (`geneStudiedComponents`), or a test of
/// `geneTests`; germline-only testing does not count; an unstated origin reads as somatic (and
/// says so).
struct GenomicTestingFact: FactKind {
    let id: FactID
    let results: ValueSet
    let geneStudied: ValueSet
    let geneTests: [ValueSet]
    let origin: GenomicOrigin
    var dependencies: [FactID] { [] }

    init(_ p: FactParameters) throws(MappingError) {
        id = p.id
        results = try p.valueSet("results")
        geneStudied = try p.valueSet("geneStudiedComponents")
        geneTests = try p.valueSets("geneTests")
        origin = try GenomicOrigin(p)
    }

    func derive(_ d: Derivation, _ known: FactSet) -> FactOutcome { FactOutcome(d.genomicTestingDone(self)) }
}

/// Kind `gene-alteration`: a pathogenic or likely pathogenic variant of one of `genes`,
/// germline or somatic, from variant observations (gene studied + clinical significance), older
/// single-gene tests, or a coded finding; false only when somatic testing covered every gene and
/// found none.
struct GeneAlterationFact: FactKind {
    struct Gene: Sendable {
        let name: String
        let gene: ValueSet
        let tests: ValueSet
        let positiveFindings: ValueSet
    }

    let id: FactID
    let geneStudied: ValueSet
    let significance: ValueSet
    let pathogenic: ValueSet
    let notPathogenic: ValueSet
    let variantAbsent: ValueSet
    let positiveResults: ValueSet
    let negativeResults: ValueSet
    let genes: [Gene]
    let origin: GenomicOrigin
    var dependencies: [FactID] { [] }

    init(_ p: FactParameters) throws(MappingError) {
        id = p.id
        var genes: [Gene] = []
        for (o, path) in try p.objects("genes") {
            func vs(_ key: String) throws(MappingError) -> ValueSet {
                guard let id = o[key]?.stringValue else {
                    throw MappingError(file: p.file, path: "\(path).\(key)", message: "expected a value set id")
                }
                return try p.mappings.valueSet(id, requiredBy: p.file, at: "\(path).\(key)")
            }
            guard let name = o["name"]?.stringValue else {
                throw MappingError(file: p.file, path: "\(path).name", message: "expected a gene name")
            }
            genes.append(Gene(name: name, gene: try vs("gene"), tests: try vs("tests"), positiveFindings: try vs("positiveFindings")))
        }
        if genes.isEmpty { throw MappingError(file: p.file, path: p.path("genes"), message: "expected at least one gene") }
        self.genes = genes
        geneStudied = try p.valueSet("geneStudiedComponents")
        significance = try p.valueSet("significanceComponents")
        pathogenic = try p.valueSet("pathogenic")
        notPathogenic = try p.valueSet("notPathogenic")
        variantAbsent = try p.valueSet("variantAbsent")
        positiveResults = try p.valueSet("positiveResults")
        negativeResults = try p.valueSet("negativeResults")
        origin = try GenomicOrigin(p)
    }

    func derive(_ d: Derivation, _ known: FactSet) -> FactOutcome { FactOutcome(d.geneAlteration(self)) }
}
