import ClinicalModel
import JSONKit

/// The parameters of every fact, resolved from `facts.json` and checked once at start-up.
/// Value sets decide what counts; numbers set windows and thresholds. No clinical constant
/// lives in Swift.
struct FactRules: Sendable {
    struct Metastasis: Sendable {
        let anySite: ValueSet
        let bone: ValueSet
        let visceral: ValueSet
        let distantNodal: ValueSet
        let regionalNodal: ValueSet
        let unspecifiedNodal: ValueSet
        let m1Values: ValueSet
        let m0Values: ValueSet
        let symptoms: ValueSet
    }

    struct Testosterone: Sendable {
        let observations: ValueSet
        let lookbackDays: Int
        let thresholdNgPerDl: Double
        let units: UnitTable
    }

    struct Progression: Sendable {
        let enzalutamide: ValueSet
        let graceDays: Int
        let courseGapDays: Int
        let progressionFindings: ValueSet
        let diseaseStatusCodes: ValueSet
        let progressionValues: ValueSet
        let stopReasons: ValueSet
        let psa: PSARule
    }

    struct Gene: Sendable {
        let name: String
        let gene: ValueSet
        let tests: ValueSet
        let positiveFindings: ValueSet
        let negativeFindings: ValueSet
    }

    struct Genomics: Sendable {
        let results: ValueSet
        let geneStudied: ValueSet
        let significance: ValueSet
        let pathogenic: ValueSet
        let notPathogenic: ValueSet
        let variantAbsent: ValueSet
        let positiveResults: ValueSet
        let negativeResults: ValueSet
        let genes: [Gene]
    }

    let prostateCancer: ValueSet
    let metastasis: Metastasis
    let testosterone: Testosterone
    let castrationResistant: ValueSet
    let hormoneSensitive: ValueSet
    let hormonalTherapy: ValueSet
    let arpi: ValueSet
    let docetaxel: ValueSet
    let cabazitaxel: ValueSet
    let progression: Progression
    let lineAgents: [ValueSet]
    /// ADT (the backbone) and agents that, started with it, are flare cover rather than a line.
    let backbone: ValueSet
    let flareCover: [ValueSet]
    let sameRegimenDays: Int
    let genomics: Genomics
    let psmaPET: ValueSet
    let positiveResults: ValueSet
    let negativeResults: ValueSet
    let radiotherapy: ValueSet
    let pelvicSites: ValueSet
    let palliativeIntent: ValueSet
    let recurrence: ValueSet
    let definitiveRadiotherapy: ValueSet
    let prostateSites: ValueSet
    let labels: [FactID: String]
    let codeSystems: CodeSystemTable

    func systemName(_ system: CodeSystem) -> String { codeSystems.name(of: system) }

    init(_ m: MappingSet) throws(MappingError) {
        var labels: [FactID: String] = [:]
        for id in FactID.catalog {
            guard let definition = m.facts[id.rawValue] else {
                throw MappingError(file: "facts.json", path: "$.facts", message: "fact \"\(id.rawValue)\" is not defined")
            }
            labels[id] = definition.label
        }
        self.labels = labels
        codeSystems = m.codeSystems

        let pc = try FactParameters(m, .prostateCancer)
        prostateCancer = try pc.valueSet("conditions")

        let met = try FactParameters(m, .metastatic)
        let bone = try FactParameters(m, .boneMetastases)
        let visceral = try FactParameters(m, .visceralMetastases)
        let nodal = try FactParameters(m, .distantNodalMetastases)
        let symptomatic = try FactParameters(m, .symptomaticBoneMetastases)
        metastasis = Metastasis(
            anySite: try met.valueSet("siteNotStated"), bone: try bone.valueSet("conditions"),
            visceral: try visceral.valueSet("conditions"), distantNodal: try nodal.valueSet("conditions"),
            regionalNodal: try nodal.valueSet("regionalConditions"), unspecifiedNodal: try nodal.valueSet("unspecifiedConditions"),
            m1Values: try met.valueSet("m1Values"),
            m0Values: try met.valueSet("m0Values"), symptoms: try symptomatic.valueSet("symptoms"))

        let t = try FactParameters(m, .castrateTestosterone)
        testosterone = Testosterone(
            observations: try t.valueSet("observations"), lookbackDays: try t.int("lookbackDays"),
            thresholdNgPerDl: try t.number("thresholdNgPerDl"), units: try t.unitFactors("unitsToNgPerDl"))

        let crpc = try FactParameters(m, .castrationResistant)
        castrationResistant = try crpc.valueSet("conditions")
        hormoneSensitive = try crpc.valueSet("hormoneSensitiveConditions")
        hormonalTherapy = try crpc.valueSet("hormonalTherapy")

        arpi = try FactParameters(m, .priorARPI).valueSet("medications")
        docetaxel = try FactParameters(m, .priorDocetaxel).valueSet("medications")
        cabazitaxel = try FactParameters(m, .priorCabazitaxel).valueSet("medications")

        let p = try FactParameters(m, .progressedOnEnzalutamide)
        progression = Progression(
            enzalutamide: try p.valueSet("medications"), graceDays: try p.int("graceDaysAfterStop"),
            courseGapDays: try p.int("courseGapDays"), progressionFindings: try p.valueSet("progressionFindings"),
            diseaseStatusCodes: try p.valueSet("diseaseStatusObservations"),
            progressionValues: try p.valueSet("progressionValues"), stopReasons: try p.valueSet("stopReasons"),
            psa: PSARule(
                observations: try p.valueSet("psaObservations"), units: try p.unitFactors("psaUnitsToNgPerMl"),
                flareDays: try p.int("psaIgnoreRisesFirstDays"), risePercent: try p.number("psaRisePercent"),
                riseAbsolute: try p.number("psaRiseAbsoluteNgPerMl"), confirmDays: try p.int("psaConfirmAfterDays"),
                baselineMaxDays: try p.int("psaBaselineMaxDaysBeforeStart")))

        let line = try FactParameters(m, .enzalutamideLine)
        lineAgents = try line.valueSets("lineAgents")
        sameRegimenDays = try line.int("sameRegimenWithinDays")
        backbone = try line.valueSet("backbone")
        flareCover = try line.valueSets("flareCoverWithBackbone")
        let enzalutamideID = progression.enzalutamide.id
        guard lineAgents.contains(where: { $0.id == enzalutamideID }) else {
            throw MappingError(file: "facts.json", path: "$.facts[id=enzalutamide-line].parameters.lineAgents",
                               message: "the line agents must include the enzalutamide value set \"\(enzalutamideID)\"")
        }

        let g = try FactParameters(m, .genomicTestingDone)
        let brca = try FactParameters(m, .brcaAlteration)
        var genes: [Gene] = []
        for (o, path) in try brca.objects("genes") {
            func vs(_ key: String) throws(MappingError) -> ValueSet {
                guard let id = o[key]?.stringValue else {
                    throw MappingError(file: "facts.json", path: "\(path).\(key)", message: "expected a value set id")
                }
                return try m.valueSet(id, requiredBy: "facts.json", at: "\(path).\(key)")
            }
            guard let name = o["name"]?.stringValue else {
                throw MappingError(file: "facts.json", path: "\(path).name", message: "expected a gene name")
            }
            genes.append(Gene(name: name, gene: try vs("gene"), tests: try vs("tests"),
                              positiveFindings: try vs("positiveFindings"), negativeFindings: try vs("negativeFindings")))
        }
        positiveResults = try brca.valueSet("positiveResults")
        negativeResults = try brca.valueSet("negativeResults")
        genomics = Genomics(
            results: try g.valueSet("results"), geneStudied: try brca.valueSet("geneStudiedComponents"),
            significance: try brca.valueSet("significanceComponents"), pathogenic: try brca.valueSet("pathogenic"),
            notPathogenic: try brca.valueSet("notPathogenic"), variantAbsent: try brca.valueSet("variantAbsent"),
            positiveResults: positiveResults, negativeResults: negativeResults, genes: genes)

        psmaPET = try FactParameters(m, .psmaPositive).valueSet("studies")

        let rt = try FactParameters(m, .pelvicRadiationPlanned)
        radiotherapy = try rt.valueSet("radiotherapy")
        pelvicSites = try rt.valueSet("pelvicSites")
        palliativeIntent = try rt.valueSet("palliativeIntent")
        recurrence = try FactParameters(m, .localRecurrence).valueSet("conditions")
        let def = try FactParameters(m, .priorDefinitiveRadiotherapy)
        definitiveRadiotherapy = try def.valueSet("radiotherapy")
        prostateSites = try def.valueSet("prostateSites")
    }
}
