public import ClinicalModel

/// Derives every fact of DESIGN.md's catalogue from one patient record.
///
/// A pure function of (record, mappings, evaluation date): no I/O, no clock. Statements
/// that are excluded (entered in error, refuted, negated, cancelled, not taken) or dated after
/// the evaluation date are never evidence. When the record cannot decide a fact, the fact is
/// unknown, and the note says what is missing.
public struct FactDeriver: Sendable {
    let rules: FactRules

    /// Resolves every parameter of `facts.json`; throws on the first missing or broken one.
    public init(mappings: MappingSet) throws(MappingError) {
        rules = try FactRules(mappings)
    }

    /// The label `facts.json` gives a fact ("Castrate testosterone").
    public func label(_ id: FactID) -> String { rules.labels[id] ?? id.rawValue }

    /// Facts for `record` as of the calendar day starting at `asOf`.
    public func derive(_ record: PatientRecord, asOf: Instant) -> FactSet {
        let d = Derivation(record: record, asOf: asOf, rules: rules)
        var facts = FactSet()

        facts.set(d.prostateCancer())
        let sites = d.metastaticSites()
        facts.set(sites.metastatic)
        facts.set(sites.bone)
        facts.set(sites.visceral)
        facts.set(sites.distantNodal)
        facts.set(d.boneOnly(bone: sites.bone, visceral: sites.visceral, nodal: sites.distantNodal))
        facts.set(d.symptomaticBone(bone: sites.bone))
        let castrate = d.castrateTestosterone()
        facts.set(castrate)
        let progressed = d.progressedOnEnzalutamide()
        facts.set(d.castrationResistant(castrate: castrate, progressedOnEnzalutamide: progressed))
        facts.set(d.mcrpc(facts))
        facts.set(d.exposure(rules.exposure(.priorARPI)))
        facts.set(progressed)
        facts.set(d.currentExposure(rules.onEnzalutamide))
        facts.set(d.enzalutamideLine())
        for id in [FactID.priorDocetaxel, .priorCabazitaxel, .priorRadium223, .priorLu177PSMA, .priorPARPInhibitor] {
            facts.set(d.exposure(rules.exposure(id)))
        }
        facts.set(d.currentExposure(rules.onAbiraterone))
        facts.set(d.somaticTestingDone())
        facts.set(d.brcaAlteration())
        facts.set(d.psmaPositive())
        facts.set(d.pelvicRadiationPlanned())
        facts.set(d.localRecurrence(metastatic: sites.metastatic))
        facts.set(d.priorDefinitiveRadiotherapy())
        return facts
    }
}

/// One derivation: the record seen as of the evaluation date, usable statements only.
struct Derivation {
    let rules: FactRules
    let asOf: Instant
    /// First instant after the evaluation day.
    let horizon: Instant
    let conditions: [Condition]
    let medications: [MedicationUse]
    let observations: [Observation]
    let procedures: [Procedure]

    init(record: PatientRecord, asOf: Instant, rules: FactRules) {
        self.rules = rules
        self.asOf = asOf
        self.horizon = asOf.adding(days: 1)
        let h = horizon
        func known(_ t: Instant?) -> Bool { t.map { $0 < h } ?? true }
        // A plan is dated by when it was made, not by when it is meant to happen: a pelvic IMRT
        // booked for next month is a plan today.
        conditions = record.conditions.filter { $0.usability.isUsable && known($0.time) }
        medications = record.medications.filter {
            $0.usability.isUsable && known($0.actuality == .planned ? $0.authored?.start : $0.start)
        }
        observations = record.observations.filter { $0.usability.isUsable && known($0.effective?.earliest) }
        procedures = record.procedures.filter {
            $0.usability.isUsable && known($0.actuality == .planned ? $0.authored?.start : $0.time)
        }
    }

    /// Real exposures (not planned) to drugs in `vs`.
    func exposures(_ vs: ValueSet) -> [MedicationUse] {
        medications.filter { $0.actuality == .actual && vs.matches($0.medication) }
    }

    var hasMedicationHistory: Bool { medications.contains { $0.actuality == .actual } }

    func conditions(in vs: ValueSet) -> [Condition] { conditions.filter { vs.matches($0.code) } }

    /// "Malignant tumor of prostate (SNOMED CT 399068003)" or "text \"xtandi\"".
    func describe(_ concept: Concept, _ vs: ValueSet) -> String {
        switch vs.match(concept) {
        case .code(let c)?:
            let system = c.system.map { rules.systemName($0) } ?? "code"
            return "\(c.display ?? concept.label) (\(system) \(c.code))"
        case .text(let t)?: return "\"\(concept.label)\" (text matches \"\(t)\")"
        case nil: return concept.label
        }
    }

    static func plural(_ n: Int, _ word: String) -> String { n == 1 ? "1 \(word)" : "\(n) \(word)s" }
}
