import ClinicalModel
import JSONKit

/// The parameters of every fact, resolved from `facts.json` (and the therapy table of
/// `therapies.json`) and checked once at start-up. Value sets decide what counts; numbers set
/// windows and thresholds.
///
/// A class: it holds a hundred value sets, is immutable once built, and is shared by every
/// derivation and thread instead of being copied into each.
final class FactRules: Sendable {
    /// One metastatic site fact: the lesions that show it and the staging that rules on it.
    struct Site: Sendable {
        let fact: FactID
        /// "bone", "visceral", "distant nodal": how notes name it.
        let name: String
        let conditions: ValueSet
        let bodySites: ValueSet
        /// The AJCC M category that records this site (M1b for bone).
        let stagingPresent: ValueSet
        /// AJCC M categories that, as the most advanced category, say the site is free (M0, M1a …).
        let stagingAbsent: [ValueSet]
        /// Lesions of this site not stated to be metastases ("liver lesions"): they keep the site open.
        let suspected: ValueSet?
    }

    struct Metastasis: Sendable {
        let bone: Site
        let visceral: Site
        let distantNodal: Site
        let regionalConditions: ValueSet
        let regionalSites: ValueSet
        let nodalUnstatedConditions: ValueSet
        let nodalUnstatedSites: ValueSet
        let skinConditions: ValueSet
        let skinSites: ValueSet
        /// Lesions whose code gives no site (128462008, C79.9): the site comes from bodySite.
        let siteNotStated: ValueSet
        /// "Metastatic prostate cancer": metastatic, but not a lesion.
        let summary: ValueSet
        let m0: ValueSet
        let m1: ValueSet
        /// The code of an M-staging observation: one whose value cannot be read keeps sites open.
        let stagingObservations: ValueSet
        let stagingCurrentDays: Int
        let recurrence: [ValueSet]
        let progressionStatusObservations: ValueSet
        let progressionStatusValues: ValueSet
        let symptoms: ValueSet
        let symptomPositive: ValueSet
        let symptomNegative: ValueSet
    }

    struct ProstateCancer: Sendable {
        let conditions: ValueSet
        let unspecified: ValueSet
        let onlyTreatments: [ValueSet]
        let withBackbone: [ValueSet]
        let backbone: ValueSet
    }

    struct Testosterone: Sendable {
        let observations: ValueSet
        let lookbackDays: Int
        let thresholdNgPerDl: Double
        let units: UnitTable
    }

    struct Progression: Sendable {
        let drug: ValueSet
        let graceDays: Int
        let courseGapDays: Int
        let progressionFindings: ValueSet
        let diseaseStatusCodes: ValueSet
        let progressionValues: ValueSet
        let stopReasons: ValueSet
        let psa: PSARule
    }

    struct CurrentExposure: Sendable {
        let fact: FactID
        let drug: ValueSet
        let graceDays: Int
        let courseGapDays: Int
    }

    struct Exposure: Sendable {
        let fact: FactID
        let medications: ValueSet
        /// Done procedures that are the therapy (radium-223 or 177Lu-PSMA recorded as a procedure).
        let procedures: ValueSet?
    }

    struct Gene: Sendable {
        let name: String
        let gene: ValueSet
        let tests: ValueSet
        let positiveFindings: ValueSet
    }

    /// Where a genomic result comes from: genomics-reporting component 48002-0, or the test.
    struct Origin: Sendable {
        let components: ValueSet
        let somatic: ValueSet
        let germline: ValueSet
        let germlineTests: ValueSet
    }

    struct SomaticTesting: Sendable {
        let results: ValueSet
        let geneStudied: ValueSet
        let geneTests: [ValueSet]
        let origin: Origin
    }

    struct Genomics: Sendable {
        let geneStudied: ValueSet
        let significance: ValueSet
        let pathogenic: ValueSet
        let notPathogenic: ValueSet
        let variantAbsent: ValueSet
        let positiveResults: ValueSet
        let negativeResults: ValueSet
        let genes: [Gene]
        let origin: Origin
    }

    struct PSMA: Sendable {
        let studies: ValueSet
        let positive: ValueSet
        let negative: ValueSet
    }

    struct PelvicPlan: Sendable {
        let radiotherapy: ValueSet
        let pelvicSites: ValueSet
        let palliativeIntent: ValueSet
        let boneMetastasisReasons: ValueSet
    }

    let prostateCancer: ProstateCancer
    let metastasis: Metastasis
    let testosterone: Testosterone
    let castrationResistant: ValueSet
    let hormoneSensitive: ValueSet
    let hormonalTherapy: ValueSet
    let crpcProgression: Progression
    let exposures: [Exposure]
    let progression: Progression
    let onEnzalutamide: CurrentExposure
    let onAbiraterone: CurrentExposure
    let lineDrug: ValueSet
    /// ADT (the backbone) and agents that, started with it, are flare cover rather than a line.
    let backbone: ValueSet
    let flareCover: [ValueSet]
    let somaticTesting: SomaticTesting
    let genomics: Genomics
    let psma: PSMA
    let pelvicPlan: PelvicPlan
    let recurrence: ValueSet
    let definitiveRadiotherapy: ValueSet
    let prostateSites: ValueSet
    let therapies: TherapyTable
    let labels: [FactID: String]
    let codeSystems: CodeSystemTable

    func systemName(_ system: CodeSystem) -> String { codeSystems.name(of: system) }

    /// Every value set of the mappings, to tell a code we know from one we cannot read.
    let allValueSets: [ValueSet]

    /// Whether any coding of `concept` is in some value set: the concept is then identifiable
    /// even without a text or display.
    func knowsAny(_ concept: Concept) -> Bool {
        concept.codings.contains { c in allValueSets.contains { $0.contains(c) || $0.isOpposite(c) } }
    }

    func exposure(_ id: FactID) -> Exposure { exposures.first { $0.fact == id }! }

    /// A drug's name for notes, from therapies.json (the value set's title otherwise).
    func name(of vs: ValueSet) -> String { therapies.therapy(vs)?.name ?? vs.title }

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
        therapies = m.therapies
        allValueSets = m.valueSets.keys.sorted().map { m.valueSets[$0]! }

        let pc = try FactParameters(m, .prostateCancer)
        prostateCancer = ProstateCancer(
            conditions: try pc.valueSet("conditions"), unspecified: try pc.valueSet("notStatedMalignant"),
            onlyTreatments: try pc.valueSets("prostateOnlyTreatments"), withBackbone: try pc.valueSets("prostateOnlyWithBackbone"),
            backbone: try pc.valueSet("backbone"))

        let met = try FactParameters(m, .metastatic)
        func site(_ id: FactID, _ name: String) throws(MappingError) -> Site {
            let p = try FactParameters(m, id)
            return Site(fact: id, name: name, conditions: try p.valueSet("conditions"), bodySites: try p.valueSet("bodySites"),
                        stagingPresent: try p.valueSet("stagingPresent"), stagingAbsent: try p.valueSets("stagingAbsent"),
                        suspected: p.has("suspectedConditions") ? try p.valueSet("suspectedConditions") : nil)
        }
        let nodal = try FactParameters(m, .distantNodalMetastases)
        let symptomatic = try FactParameters(m, .symptomaticBoneMetastases)
        metastasis = Metastasis(
            bone: try site(.boneMetastases, "bone"), visceral: try site(.visceralMetastases, "visceral"),
            distantNodal: try site(.distantNodalMetastases, "distant nodal"),
            regionalConditions: try nodal.valueSet("regionalConditions"), regionalSites: try nodal.valueSet("regionalBodySites"),
            nodalUnstatedConditions: try nodal.valueSet("regionNotStatedConditions"),
            nodalUnstatedSites: try nodal.valueSet("regionNotStatedBodySites"),
            skinConditions: try met.valueSet("skinConditions"), skinSites: try met.valueSet("skinBodySites"),
            siteNotStated: try met.valueSet("siteNotStated"), summary: try met.valueSet("diseaseSummary"),
            m0: try met.valueSet("m0Values"), m1: try met.valueSet("m1Values"),
            stagingObservations: try met.valueSet("stagingObservations"),
            stagingCurrentDays: try met.int("stagingCurrentDays"), recurrence: try met.valueSets("recurrenceConditions"),
            progressionStatusObservations: try met.valueSet("diseaseStatusObservations"),
            progressionStatusValues: try met.valueSet("progressionValues"),
            symptoms: try symptomatic.valueSet("symptoms"), symptomPositive: try symptomatic.valueSet("positiveResults"),
            symptomNegative: try symptomatic.valueSet("negativeResults"))

        let t = try FactParameters(m, .castrateTestosterone)
        testosterone = Testosterone(
            observations: try t.valueSet("observations"), lookbackDays: try t.int("lookbackDays"),
            thresholdNgPerDl: try t.number("thresholdNgPerDl"), units: try t.unitFactors("unitsToNgPerDl"))

        func progressionRule(_ p: FactParameters, drug: String) throws(MappingError) -> Progression {
            Progression(
                drug: try p.valueSet(drug), graceDays: try p.int("graceDaysAfterStop"),
                courseGapDays: try p.int("courseGapDays"), progressionFindings: try p.valueSet("progressionFindings"),
                diseaseStatusCodes: try p.valueSet("diseaseStatusObservations"),
                progressionValues: try p.valueSet("progressionValues"), stopReasons: try p.valueSet("stopReasons"),
                psa: PSARule(
                    observations: try p.valueSet("psaObservations"), units: try p.unitFactors("psaUnitsToNgPerMl"),
                    flareDays: try p.int("psaIgnoreRisesFirstDays"), risePercent: try p.number("psaRisePercent"),
                    riseAbsolute: try p.number("psaRiseAbsoluteNgPerMl"), confirmDays: try p.int("psaConfirmAfterDays"),
                    baselineMaxDays: try p.int("psaBaselineMaxDaysBeforeStart")))
        }

        let crpc = try FactParameters(m, .castrationResistant)
        castrationResistant = try crpc.valueSet("conditions")
        hormoneSensitive = try crpc.valueSet("hormoneSensitiveConditions")
        hormonalTherapy = try crpc.valueSet("hormonalTherapy")
        crpcProgression = try progressionRule(crpc, drug: "hormonalTherapy")

        var exposures: [Exposure] = []
        for id in [FactID.priorARPI, .priorDocetaxel, .priorCabazitaxel, .priorRadium223, .priorLu177PSMA, .priorPARPInhibitor] {
            let p = try FactParameters(m, id)
            exposures.append(Exposure(fact: id, medications: try p.valueSet("medications"),
                                      procedures: p.has("procedures") ? try p.valueSet("procedures") : nil))
        }
        self.exposures = exposures

        progression = try progressionRule(try FactParameters(m, .progressedOnEnzalutamide), drug: "medications")
        func current(_ id: FactID) throws(MappingError) -> CurrentExposure {
            let p = try FactParameters(m, id)
            return CurrentExposure(fact: id, drug: try p.valueSet("medications"), graceDays: try p.int("graceDaysAfterEnd"),
                                   courseGapDays: try p.int("courseGapDays"))
        }
        onEnzalutamide = try current(.onEnzalutamide)
        onAbiraterone = try current(.onAbiraterone)

        let line = try FactParameters(m, .enzalutamideLine)
        let lineDrug = try line.valueSet("medications")
        guard m.therapies.lineAgents.contains(where: { $0.valueSet.id == lineDrug.id }) else {
            throw MappingError(file: "facts.json", path: "$.facts[id=enzalutamide-line].parameters.medications",
                               message: "\"\(lineDrug.id)\" is not a line agent in therapies.json")
        }
        self.lineDrug = lineDrug
        backbone = try line.valueSet("backbone")
        flareCover = try line.valueSets("flareCoverWithBackbone")

        func origin(_ p: FactParameters) throws(MappingError) -> Origin {
            Origin(components: try p.valueSet("originComponents"), somatic: try p.valueSet("somaticOrigin"),
                   germline: try p.valueSet("germlineOrigin"), germlineTests: try p.valueSet("germlineTests"))
        }
        let st = try FactParameters(m, .somaticTestingDone)
        somaticTesting = SomaticTesting(
            results: try st.valueSet("results"), geneStudied: try st.valueSet("geneStudiedComponents"),
            geneTests: try st.valueSets("geneTests"), origin: try origin(st))

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
                              positiveFindings: try vs("positiveFindings")))
        }
        genomics = Genomics(
            geneStudied: try brca.valueSet("geneStudiedComponents"),
            significance: try brca.valueSet("significanceComponents"), pathogenic: try brca.valueSet("pathogenic"),
            notPathogenic: try brca.valueSet("notPathogenic"), variantAbsent: try brca.valueSet("variantAbsent"),
            positiveResults: try brca.valueSet("positiveResults"), negativeResults: try brca.valueSet("negativeResults"),
            genes: genes, origin: try origin(brca))

        let ps = try FactParameters(m, .psmaPositive)
        psma = PSMA(studies: try ps.valueSet("studies"), positive: try ps.valueSet("positiveResults"),
                    negative: try ps.valueSet("negativeResults"))

        let rt = try FactParameters(m, .pelvicRadiationPlanned)
        pelvicPlan = PelvicPlan(
            radiotherapy: try rt.valueSet("radiotherapy"), pelvicSites: try rt.valueSet("pelvicSites"),
            palliativeIntent: try rt.valueSet("palliativeIntent"), boneMetastasisReasons: try rt.valueSet("boneMetastasisReasons"))
        recurrence = try FactParameters(m, .localRecurrence).valueSet("conditions")
        let def = try FactParameters(m, .priorDefinitiveRadiotherapy)
        definitiveRadiotherapy = try def.valueSet("radiotherapy")
        prostateSites = try def.valueSet("prostateSites")
    }
}
