import ClinicalModel

/// Kind `metastatic-disease`: whether the disease is metastatic, read open-world from lesions
/// (code or bodySite), disease summaries and AJCC M staging (Derivation+Metastasis), with the
/// site table every `metastatic-site` fact of it reads: bone (AJCC M1b), visceral (M1c), distant
/// nodal (M1a), and the regional-nodal, nodal-of-unstated-region and skin lesions that decide
/// them. The sites are decided here, together, because "no visceral metastasis" needs every
/// lesion's site; each site fact picks its own (`parts`).
struct MetastaticDiseaseFact: FactKind {
    /// One metastatic site and how it is recorded.
    struct Site: Sendable {
        /// `bone`, `visceral`, `distant-nodal`: the key a site fact names.
        let key: String
        /// How notes name it ("distant nodal").
        let name: String
        let conditions: ValueSet
        let bodySites: ValueSet
        /// The AJCC M category that records this site (M1b for bone).
        let stagingPresent: ValueSet
        /// AJCC M categories that, as the most advanced category, say the site is free (M0, M1a …).
        let stagingAbsent: [ValueSet]
        /// Lesions of this site not stated to be metastases ("liver lesions"): they keep the site open.
        let suspected: ValueSet?
        /// The id of its part in the outcome: a site fact re-identifies it as itself.
        let partID: FactID

        init(_ key: String, of disease: FactID, _ p: FactParameters) throws(MappingError) {
            self.key = key
            name = try p.string("name")
            conditions = try p.valueSet("conditions")
            bodySites = try p.valueSet("bodySites")
            stagingPresent = try p.valueSet("stagingPresent")
            stagingAbsent = try p.valueSets("stagingAbsent")
            suspected = p.has("suspectedConditions") ? try p.valueSet("suspectedConditions") : nil
            partID = FactID("\(disease.rawValue)#\(key)")
        }
    }

    let id: FactID
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
    /// The value sets of conditions naming a site, with the site each names, in the order
    /// `Derivation.lesions` tries them; made once here, not for every concept it reads.
    let conditionSites: [(ValueSet, Derivation.SiteClass)]
    /// The staging values and the M category each records, in the order
    /// `Derivation.stagingCategory` tries them (most specific first).
    let stagingValues: [(ValueSet, Derivation.Staging.Category)]
    var dependencies: [FactID] { [] }

    /// The site keys a `metastatic-site` fact may name.
    static let siteKeys = ["bone", "visceral", "distant-nodal"]

    init(_ p: FactParameters) throws(MappingError) {
        id = p.id
        let sites = try p.nested("sites")
        bone = try Site("bone", of: p.id, try sites.nested("bone"))
        visceral = try Site("visceral", of: p.id, try sites.nested("visceral"))
        distantNodal = try Site("distant-nodal", of: p.id, try sites.nested("distant-nodal"))
        let regional = try p.nested("regionalNodes")
        regionalConditions = try regional.valueSet("conditions")
        regionalSites = try regional.valueSet("bodySites")
        let unstated = try p.nested("nodesOfUnstatedRegion")
        nodalUnstatedConditions = try unstated.valueSet("conditions")
        nodalUnstatedSites = try unstated.valueSet("bodySites")
        let skin = try p.nested("skin")
        skinConditions = try skin.valueSet("conditions")
        skinSites = try skin.valueSet("bodySites")
        siteNotStated = try p.valueSet("siteNotStated")
        summary = try p.valueSet("diseaseSummary")
        m0 = try p.valueSet("m0Values")
        m1 = try p.valueSet("m1Values")
        stagingObservations = try p.valueSet("stagingObservations")
        stagingCurrentDays = try p.int("stagingCurrentDays")
        recurrence = try p.valueSets("recurrenceConditions")
        progressionStatusObservations = try p.valueSet("diseaseStatusObservations")
        progressionStatusValues = try p.valueSet("progressionValues")
        conditionSites = [
            (bone.conditions, .bone), (visceral.conditions, .visceral), (regionalConditions, .regionalNodal),
            (distantNodal.conditions, .distantNodal), (nodalUnstatedConditions, .nodalUnstated), (skinConditions, .skin),
        ]
        stagingValues = [
            (visceral.stagingPresent, .m1c), (bone.stagingPresent, .m1b), (distantNodal.stagingPresent, .m1a), (m1, .m1), (m0, .m0),
        ]
    }

    func derive(_ d: Derivation, _ known: FactSet) -> FactOutcome {
        let s = d.metastaticSites(self)
        return FactOutcome(s.metastatic, parts: [bone.key: s.bone, visceral.key: s.visceral, distantNodal.key: s.distantNodal])
    }
}

/// Kind `metastatic-site`: one site of a `metastatic-disease` fact (`of`), decided with it.
struct MetastaticSiteFact: FactKind {
    let id: FactID
    let disease: FactID
    let site: String
    var dependencies: [FactID] { [disease] }

    init(_ p: FactParameters) throws(MappingError) {
        id = p.id
        disease = try p.factID("of")
        guard p.mappings.facts[disease.rawValue]?.kind == "metastatic-disease" else {
            throw MappingError(file: p.file, path: p.path("of"), message: "\"\(disease)\" is not a fact of kind metastatic-disease")
        }
        site = try p.string("site")
        guard MetastaticDiseaseFact.siteKeys.contains(site) else {
            throw MappingError(file: p.file, path: p.path("site"),
                               message: "unknown site \"\(site)\" (known: \(MetastaticDiseaseFact.siteKeys.joined(separator: ", ")))")
        }
    }

    func derive(_ d: Derivation, _ known: FactSet) -> FactOutcome {
        guard let part = known.part(site, of: disease) else {
            return FactOutcome(Fact(id: id, truth: .unknown, note: "\(disease) was not derived."))
        }
        return FactOutcome(Fact(id: id, value: part.value, evidence: part.evidence, note: part.note, assumptions: part.assumptions))
    }
}
