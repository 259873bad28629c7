import ClinicalModel
import JSONKit

/// What one decoded resource contributes.
enum NormalizedResource {
    case patient(PatientEntry)
    case statement(PatientLink, Statement)
    case medication(MedicationDefinition)
    /// Read but unusable, with the reason it was left out (e.g. no patient reference).
    case rejected(reason: String)
    /// Unusable, and naming a patient key: that patient is incomplete tonight.
    case rejectedNaming(String, reason: String)
}

/// Maps one decoded FHIR R4 resource onto the normalized model.
///
/// What its statuses mean — "never evidence" (entered-in-error, refuted, not-taken, cancelled,
/// not-done …) or "planned, not an exposure" (intended, draft, proposal/plan intents,
/// preparation, every ServiceRequest) — is data shared with the C-CDA reader
/// (``StatusSemantics``, `Mappings/statuses.json`): this type only reads the elements the
/// table tests, each where the resource type has it, and asks.
struct ResourceNormalizer {
    /// Resource types decoded; every other type is skipped without decoding.
    static let readTypes: Set<String> = [
        "Patient", "Condition", "MedicationStatement", "MedicationRequest", "MedicationAdministration",
        "MedicationDispense", "Medication", "Observation", "DiagnosticReport", "Procedure", "ServiceRequest",
    ]

    var elements: ElementReader
    let context: ResourceContext
    let statuses: StatusSemantics
    /// Base of the entry's RESTful fullUrl, worked out once for all of the resource's references.
    let restBase: String?

    init(codeSystems: CodeSystemTable, systems: SystemResolutions, statuses: StatusSemantics, context: ResourceContext) {
        self.context = context
        self.statuses = statuses
        self.restBase = ReferenceKeys.restBase(ofFullUrl: context.fullUrl)
        self.elements = ElementReader(codeSystems: codeSystems, systems: systems, file: context.file, line: context.line,
                                      resourcePath: context.path)
    }

    mutating func normalize(type: String, _ r: JSONNode) -> NormalizedResource {
        switch type {
        case "Patient": return patient(r)
        case "Condition": return condition(r)
        case "MedicationStatement", "MedicationRequest", "MedicationAdministration", "MedicationDispense":
            return medicationUse(type: type, r)
        case "Medication": return medication(r)
        case "Observation": return observation(r)
        case "DiagnosticReport": return report(r)
        case "Procedure", "ServiceRequest": return procedure(type: type, r)
        default: return .rejected(reason: "resource type \(type) is not read")
        }
    }

    // MARK: Shared pieces

    /// The resource's id. One that breaks R4's syntax is warned about and still used to link
    /// (references repeat it as it is), but never copied into an output (``ResourceContext/source(type:id:)``).
    mutating func id(_ r: JSONNode) -> String? {
        guard let id = elements.string(r["id"], "id") else { return nil }
        if !FHIRSyntax.isID(id) {
            elements.warn("id", kind: "invalid-id",
                          "id is not a valid R4 id ([A-Za-z0-9-.], at most 64); it is not copied into any output.")
        }
        return id
    }

    /// Resolves `subject` (or `patient`) to a patient link; nil with a reason when there is none.
    mutating func patientLink(_ r: JSONNode, element: String = "subject") -> Result<PatientLink, LinkFailure> {
        guard let target = elements.reference(r[element], element) ?? elements.reference(r["patient"], "patient") else {
            return .failure(.missing)
        }
        switch target {
        case .identifier(let id): return .success(.identifier(id))
        case .literal(let literal):
            guard FHIRSyntax.isReference(literal) else {
                elements.warn(element + ".reference", kind: "invalid-id",
                              "\(element).reference is not a valid R4 reference (Type/id, an absolute URL or a urn); the resource is not used.")
                return .failure(.malformed(literal))
            }
            if let type = ReferenceKeys.type(of: literal), type != "Patient" { return .failure(.notPatient) }
            guard let key = ReferenceKeys.key(for: literal, base: restBase) else { return .failure(.notPatient) }
            return .success(.key(key))
        }
    }

    enum LinkFailure: Error {
        case missing, notPatient
        /// A reference R4 does not allow, as written (kept only to mark the patient it may name).
        case malformed(String)
        var reason: String {
            switch self {
            case .missing: "no patient reference"
            case .notPatient: "subject is not a Patient"
            case .malformed: "patient reference is not valid R4"
            }
        }
    }

    mutating func linked(_ r: JSONNode, _ statement: Statement) -> NormalizedResource {
        switch patientLink(r) {
        case .success(let link): return .statement(link, statement)
        case .failure(.malformed(let literal)):
            // Whoever it names (a Patient whose id is as malformed) lacks this entry tonight.
            return .rejectedNaming(ReferenceKeys.key(for: literal, base: restBase) ?? literal, reason: LinkFailure.malformed(literal).reason)
        case .failure(let f): return .rejected(reason: f.reason)
        }
    }

    func source(_ type: String, _ id: String?) -> SourceRef { context.source(type: type, id: id) }

    // MARK: Patient

    mutating func patient(_ r: JSONNode) -> NormalizedResource {
        let id = id(r)
        var identifiers: [Identifier] = []
        for (i, v) in elements.array(r["identifier"], "identifier").enumerated() {
            guard let o = elements.object(v, "identifier[\(i)]"),
                let value = elements.string(o["value"], "identifier[\(i)].value"), !value.isEmpty
            else { continue }
            let system = elements.string(o["system"], "identifier[\(i)].system")
            identifiers.append(Identifier(system: system.map { elements.codeSystems.canonical($0).rawValue }, value: value))
        }
        let keys = ReferenceKeys.keys(type: "Patient", id: id, fullUrl: context.fullUrl)
        // The CarePlan names him by a valid id, else a valid fullUrl, else an identifier; with
        // none of them valid the record is incomplete (RecordAssembler) and gets no CarePlan.
        let subject: SubjectReference
        if let id, FHIRSyntax.isID(id) {
            subject = .reference("Patient/" + id)
        } else if let url = context.fullUrl, FHIRSyntax.isAbsoluteURI(url) {
            subject = .reference(ReferenceKeys.withoutHistory(url))
        } else if let firstID = identifiers.first {
            subject = .identifier(firstID)
        } else if let id, !id.isEmpty {
            subject = .reference("Patient/" + id)
        } else if let first = keys.first {
            subject = .reference(first)
        } else {
            return .rejected(reason: "Patient has no id, fullUrl or identifier")
        }
        let identity = PatientIdentity(
            subject: subject, identifiers: identifiers.sorted(), gender: elements.string(r["gender"], "gender"),
            birthDate: elements.dateTime(r["birthDate"], "birthDate"), deceased: deceased(r), isDescribed: true)
        return .patient(PatientEntry(keys: keys, identity: identity, source: source("Patient", id)))
    }

    /// `deceasedBoolean` / `deceasedDateTime`. A death date that cannot be read still says the
    /// patient died: deceased without a date, never "alive". R4 allows one of the two; when a
    /// record carries both, any that says he died wins.
    mutating func deceased(_ r: JSONNode) -> Deceased? {
        var result: Deceased? = nil
        if let b = r["deceasedBoolean"] {
            if let value = b.boolValue {
                result = value ? .yes : .no
            } else if !b.isNull {
                elements.warn("deceasedBoolean", "deceasedBoolean should be a boolean but is \(b.typeName); the patient is taken as deceased.")
                result = .yes
            }
        }
        if let written = r["deceasedDateTime"], !written.isNull {
            if let text = written.stringValue, let t = TimeRange.parseFHIR(text) {
                result = Deceased.merge(result, .on(t))
            } else {
                elements.warn("deceasedDateTime", "deceasedDateTime is not a valid FHIR dateTime; the patient is taken as deceased, date unknown.")
                result = Deceased.merge(result, .yes)
            }
        }
        return result
    }

    // MARK: Condition

    mutating func condition(_ r: JSONNode) -> NormalizedResource {
        let clinical = elements.statusCode(r["clinicalStatus"], "clinicalStatus")
        let verification = elements.statusCode(r["verificationStatus"], "verificationStatus")
        let usability = statuses.fhir(.condition).usability(StatusSemantics.Values(verificationStatus: verification))
        var stages: [Concept] = []
        for (i, s) in elements.array(r["stage"], "stage").enumerated() {
            if let o = elements.object(s, "stage[\(i)]"), let c = elements.concept(o["summary"], "stage[\(i)].summary") {
                stages.append(c)
            }
        }
        let condition = Condition(
            code: elements.concept(r["code"], "code") ?? Concept(), clinicalStatus: clinical,
            verificationStatus: verification, onset: elements.timeChoice(r, .onset),
            abatement: elements.timeChoice(r, .abatement), recorded: elements.dateTime(r["recordedDate"], "recordedDate"),
            bodySites: elements.concepts(r["bodySite"], "bodySite"), stages: stages, usability: usability,
            source: source("Condition", id(r)))
        return linked(r, .condition(condition))
    }

    // MARK: Medications

    mutating func medicationUse(type: String, _ r: JSONNode) -> NormalizedResource {
        var values = StatusSemantics.Values(status: elements.string(r["status"], "status")?.lowercased())
        let status = values.status
        let kind: MedicationUse.Kind
        let statusKind: StatusSemantics.Kind
        var effective: Period? = nil
        var authored: TimeRange? = nil
        var reasons: [Concept] = []
        var supply: Quantity? = nil
        switch type {
        case "MedicationStatement":
            kind = .statement
            statusKind = .medicationStatement
            effective = elements.timeChoice(r, .effective) ?? dosageBounds(r, "dosage")
            supply = boundsDuration(r, "dosage")
            authored = elements.dateTime(r["dateAsserted"], "dateAsserted")
            reasons = elements.concepts(r["statusReason"], "statusReason")
        case "MedicationRequest":
            kind = .request
            statusKind = .medicationRequest
            values.intent = elements.string(r["intent"], "intent")?.lowercased()
            values.doNotPerform = r["doNotPerform"]?.boolValue == true
            authored = elements.dateTime(r["authoredOn"], "authoredOn")
            // dispenseRequest.validityPeriod is when the order may be filled, not when the drug is taken.
            effective = dosageBounds(r, "dosageInstruction")
            supply = boundsDuration(r, "dosageInstruction") ?? expectedSupply(r)
            if let reason = elements.concept(r["statusReason"], "statusReason") { reasons = [reason] }
        case "MedicationAdministration":
            kind = .administration
            statusKind = .medicationAdministration
            effective = elements.timeChoice(r, .effective)
            reasons = elements.concepts(r["statusReason"], "statusReason")
        default:
            kind = .dispense
            statusKind = .medicationDispense
            if let t = elements.dateTime(r["whenHandedOver"], "whenHandedOver") ?? elements.dateTime(r["whenPrepared"], "whenPrepared") {
                effective = Period(start: t, end: nil)
            }
            supply = elements.quantity(r["daysSupply"], "daysSupply")
            if let reason = elements.concept(r["statusReasonCodeableConcept"], "statusReasonCodeableConcept") { reasons = [reason] }
        }
        var medication = elements.concept(r["medicationCodeableConcept"], "medicationCodeableConcept") ?? Concept()
        var reference: String? = nil
        if case .literal(let literal)? = elements.reference(r["medicationReference"], "medicationReference") {
            if literal.hasPrefix("#") {
                if let contained = containedMedication(r, id: String(literal.dropFirst())) {
                    medication.codings += contained.codings
                    medication.text = medication.text ?? contained.text
                }
            } else {
                reference = ReferenceKeys.key(for: literal, base: restBase)
            }
        }
        if let display = elements.object(r["medicationReference"], "medicationReference")?["display"]?.stringValue,
            medication.text == nil
        {
            medication.text = display
        }
        let rules = statuses.fhir(statusKind)
        let usability = rules.usability(values)
        let actuality = rules.actuality(values)
        let use = MedicationUse(
            kind: kind, medication: medication, medicationReference: reference, actuality: actuality, status: status,
            statusReasons: reasons, effective: effective, authored: authored, supply: supply, usability: usability,
            source: source(type, id(r)))
        return linked(r, .medication(use))
    }

    /// The span the dosage gives (`timing.repeat.boundsPeriod` of the first dosage that has one).
    mutating func dosageBounds(_ r: JSONNode, _ element: String) -> Period? {
        for (i, d) in elements.array(r[element], element).enumerated() {
            guard let rep = d.objectValue?["timing"]?.objectValue?["repeat"]?.objectValue,
                let p = elements.period(rep["boundsPeriod"], "\(element)[\(i)].timing.repeat.boundsPeriod")
            else { continue }
            return p
        }
        return nil
    }

    /// `timing.repeat.boundsDuration` of the first dosage that has one.
    mutating func boundsDuration(_ r: JSONNode, _ element: String) -> Quantity? {
        for (i, d) in elements.array(r[element], element).enumerated() {
            guard let rep = d.objectValue?["timing"]?.objectValue?["repeat"]?.objectValue,
                let q = elements.quantity(rep["boundsDuration"], "\(element)[\(i)].timing.repeat.boundsDuration")
            else { continue }
            return q
        }
        return nil
    }

    /// `dispenseRequest.expectedSupplyDuration` × (1 + `numberOfRepeatsAllowed`): the OMOP days-supply
    /// of an order with refills.
    mutating func expectedSupply(_ r: JSONNode) -> Quantity? {
        guard let request = elements.object(r["dispenseRequest"], "dispenseRequest"),
            var q = elements.quantity(request["expectedSupplyDuration"], "dispenseRequest.expectedSupplyDuration")
        else { return nil }
        if let repeats = request["numberOfRepeatsAllowed"]?.numberValue?.int, repeats > 0, repeats < 1000 {
            q.value *= Double(1 + repeats)
            q.text = "\(q.text) × \(1 + repeats)"
        }
        return q
    }

    mutating func containedMedication(_ r: JSONNode, id: String) -> Concept? {
        for c in elements.array(r["contained"], "contained") {
            guard let o = c.objectValue, o["resourceType"]?.stringValue == "Medication", o["id"]?.stringValue == id else {
                continue
            }
            return medicationConcept(o)
        }
        return nil
    }

    /// A Medication's code plus its ingredients' codes: a product code rolls up to its ingredient.
    mutating func medicationConcept(_ o: JSONNode) -> Concept {
        var concept = elements.concept(o["code"], "code") ?? Concept()
        for (i, ing) in elements.array(o["ingredient"], "ingredient").enumerated() {
            guard let io = ing.objectValue,
                let item = elements.concept(io["itemCodeableConcept"], "ingredient[\(i)].itemCodeableConcept")
            else { continue }
            concept.codings += item.codings
            if concept.text == nil { concept.text = item.text }
        }
        return concept
    }

    mutating func medication(_ r: JSONNode) -> NormalizedResource {
        let keys = ReferenceKeys.keys(type: "Medication", id: id(r), fullUrl: context.fullUrl)
        guard !keys.isEmpty else { return .rejected(reason: "Medication has no id or fullUrl to be referenced by") }
        return .medication(MedicationDefinition(keys: keys, concept: medicationConcept(r)))
    }

    // MARK: Observations and reports

    func observationUsability(_ kind: StatusSemantics.Kind, _ status: String?) -> Usability {
        statuses.fhir(kind).usability(StatusSemantics.Values(status: status))
    }

    mutating func observation(_ r: JSONNode) -> NormalizedResource {
        let status = elements.string(r["status"], "status")?.lowercased()
        var components: [ObservationComponent] = []
        for (i, c) in elements.array(r["component"], "component").enumerated() {
            guard let o = elements.object(c, "component[\(i)]") else { continue }
            components.append(ObservationComponent(
                code: elements.concept(o["code"], "component[\(i)].code") ?? Concept(), value: elements.valueChoice(o),
                interpretation: elements.concepts(o["interpretation"], "component[\(i)].interpretation")))
        }
        var notes: [String] = []
        for n in elements.array(r["note"], "note") { if let t = n.objectValue?["text"]?.stringValue { notes.append(t) } }
        let observation = Observation(
            kind: .observation, code: elements.concept(r["code"], "code") ?? Concept(), status: status,
            categories: elements.concepts(r["category"], "category"), value: elements.valueChoice(r),
            interpretation: elements.concepts(r["interpretation"], "interpretation"), components: components,
            conclusionText: notes.isEmpty ? nil : notes.joined(separator: " "),
            effective: elements.timeChoice(r, .effective) ?? elements.dateTime(r["issued"], "issued").map { Period(at: $0) },
            bodySites: elements.concept(r["bodySite"], "bodySite").map { [$0] } ?? [],
            usability: observationUsability(.observation, status), source: source("Observation", id(r)))
        return linked(r, .observation(observation))
    }

    mutating func report(_ r: JSONNode) -> NormalizedResource {
        let status = elements.string(r["status"], "status")?.lowercased()
        let observation = Observation(
            kind: .report, code: elements.concept(r["code"], "code") ?? Concept(), status: status,
            categories: elements.concepts(r["category"], "category"),
            conclusions: elements.concepts(r["conclusionCode"], "conclusionCode"),
            conclusionText: elements.string(r["conclusion"], "conclusion"),
            effective: elements.timeChoice(r, .effective) ?? elements.dateTime(r["issued"], "issued").map { Period(at: $0) },
            usability: observationUsability(.diagnosticReport, status), source: source("DiagnosticReport", id(r)))
        return linked(r, .observation(observation))
    }

    // MARK: Procedures and requests

    mutating func procedure(type: String, _ r: JSONNode) -> NormalizedResource {
        var values = StatusSemantics.Values(status: elements.string(r["status"], "status")?.lowercased())
        let status = values.status
        let kind: Procedure.Kind
        let performed: Period?
        var authored: TimeRange? = nil
        if type == "Procedure" {
            kind = .procedure
            performed = elements.timeChoice(r, .performed)
        } else {
            kind = .serviceRequest
            values.doNotPerform = r["doNotPerform"]?.boolValue == true
            performed = elements.timeChoice(r, .occurrence)
            authored = elements.dateTime(r["authoredOn"], "authoredOn")
        }
        let rules = statuses.fhir(type == "Procedure" ? .procedure : .serviceRequest)
        let usability = rules.usability(values)
        let actuality = rules.actuality(values)
        var procedure = Procedure(
            kind: kind, code: elements.concept(r["code"], "code") ?? Concept(), status: status, actuality: actuality,
            performed: performed, authored: authored, bodySites: elements.concepts(r["bodySite"], "bodySite"),
            reasons: elements.concepts(r["reasonCode"], "reasonCode") + referenceDisplays(r["reasonReference"], "reasonReference"),
            usability: usability, source: source(type, id(r)))
        procedure.intents = extensionConcepts(r, urlSuffix: "procedure-intent")
        return linked(r, .procedure(procedure))
    }

    /// The `display` of each Reference, as a concept's text (what a reasonReference to a bone
    /// metastasis says when the Condition itself is not resolved).
    mutating func referenceDisplays(_ value: JSONNode?, _ element: String) -> [Concept] {
        elements.array(value, element).enumerated().compactMap { i, v in
            guard let text = elements.string(elements.object(v, "\(element)[\(i)]")?["display"], "\(element)[\(i)].display"),
                !text.isEmpty
            else { return nil }
            return Concept(text: text)
        }
    }

    /// `valueCodeableConcept` of every extension whose url ends with `urlSuffix` (mCODE writes
    /// `…/StructureDefinition/mcode-procedure-intent`; other profiles use the same tail).
    mutating func extensionConcepts(_ r: JSONNode, urlSuffix: String) -> [Concept] {
        var result: [Concept] = []
        for (i, e) in elements.array(r["extension"], "extension").enumerated() {
            guard let o = e.objectValue, let url = o["url"]?.stringValue, url.hasSuffix(urlSuffix),
                let c = elements.concept(o["valueCodeableConcept"], "extension[\(i)].valueCodeableConcept")
            else { continue }
            result.append(c)
        }
        return result
    }
}
