public import ClinicalModel
public import JSONKit
import Mapping

/// Builds the FHIR R4 CarePlan of DESIGN.md's output contract from an evaluation.
///
/// Deterministic, and stable across nights: the id hashes only the guideline id and the
/// patient's identity; `created` is the night the current recommendations first appeared (the
/// caller's history, else the evaluation date); nothing else in it depends on the evaluation
/// date, so an unchanged CarePlan is the same bytes night after night. Evidence goes only where
/// R4 allows its type (``EvidenceRouting``) and every reference to it says its type.
public struct CarePlanBuilder: Sendable {
    public let engine: GuidelineEngine
    /// Base of canonical URLs (PlanDefinition, ActivityDefinition, the derived-fact CodeSystem).
    public let canonicalBase: String

    public init(engine: GuidelineEngine, canonicalBase: String? = nil) {
        self.engine = engine
        // GuidelineEngine checks that every guideline shares one canonical base.
        var base = canonicalBase ?? engine.guidelines.first?.canonicalBase ?? ""
        while base.hasSuffix("/") { base.removeLast() }
        self.canonicalBase = base
    }

    static let dataAbsentSystem = "http://terminology.hl7.org/CodeSystem/data-absent-reason"
    /// The contained Device that is the agent of every evidence Provenance.
    static let deviceID = "clinicalingest"

    /// What the id rests on: the patient's smallest real identifier (`system|value`, a
    /// placeholder never), else his smallest reference key (the record key).
    public func identityKey(_ record: PatientRecord) -> String {
        let rules = engine.mappings.identityRules
        if let id = record.identity.identifiers.filter(rules.links).min() { return "identifier|\(id.system ?? "")|\(id.value)" }
        return record.key
    }

    /// The CarePlan id for a patient: `cp-` + 32 hex digits of (guideline id, identity key) —
    /// never the version, the evaluation date, the content or a counter (DESIGN), so a FHIR server
    /// updates one CarePlan per patient and guideline.
    public func carePlanID(for record: PatientRecord, guideline: GuidelineDefinition) -> String {
        "cp-" + StableHash.hex128(of: guideline.id, identityKey(record))
    }

    public func planDefinitionCanonical(_ guideline: GuidelineDefinition) -> String {
        "\(canonicalBase)/PlanDefinition/\(guideline.id)|\(guideline.version)"
    }
    public var factSystem: String { "\(canonicalBase)/CodeSystem/derived-fact" }
    public func activityDefinitionCanonical(_ id: String) -> String { "\(canonicalBase)/ActivityDefinition/\(id)" }

    /// The CarePlan, or nil when no recommendation fired (such a patient gets no CarePlan).
    /// `created`: the night the current recommendations first appeared (default: the evaluation date).
    public func carePlan(_ evaluation: Evaluation, created: Instant? = nil) -> JSONValue? {
        let guideline = evaluation.guideline
        let fired = evaluation.fired
        guard !fired.isEmpty else { return nil }
        let created = created ?? evaluation.asOf
        let subject = Self.reference(evaluation.record.identity.subject)
        // The facts this guideline uses, in facts.json order.
        let facts = evaluation.facts.ordered.filter { guideline.facts.contains($0.id) }
        var contained: [JSONValue] = facts.map { observation($0, subject: subject) }
        var supporting: [JSONValue] = facts.map { ["reference": .string("#fact-\($0.id.rawValue)")] }
        var needsDevice = false
        for fact in facts {
            let other = fact.evidence.filter { !EvidenceRouting.allowedInDerivedFrom($0.resourceType) }
            guard !other.isEmpty else { continue }
            contained.append(provenance(fact, other, recorded: created))
            supporting.append(["reference": .string("#evidence-\(fact.id.rawValue)")])
            needsDevice = true
        }
        if needsDevice { contained.append(Self.device) }
        let members: [JSONObject.Member] = [
            .init(key: "resourceType", value: "CarePlan"),
            .init(key: "id", value: .string(carePlanID(for: evaluation.record, guideline: guideline))),
            .init(key: "text", value: narrative(fired, facts: evaluation.facts, status: "draft", title: guideline.title)),
            .init(key: "contained", value: .array(contained)),
            .init(key: "instantiatesCanonical", value: [.string(planDefinitionCanonical(guideline))]),
            .init(key: "status", value: "draft"),
            .init(key: "intent", value: "proposal"),
            .init(key: "title", value: .string(guideline.title)),
            .init(key: "description", value: .string(
                "Proposed by ClinicalIngest from the guideline \"\(guideline.title)\" (\(guideline.version)) for review by the treating oncologist. \(fired.count) of \(evaluation.results.count) recommendations apply.")),
            .init(key: "subject", value: subject),
            .init(key: "created", value: .string(created.dateString)),
            .init(key: "supportingInfo", value: .array(supporting)),
            .init(key: "activity", value: .array(fired.map { activity($0, guideline) })),
        ]
        return .object(JSONObject(members: members))
    }

    /// A withdrawn CarePlan written again so a server learns of it: the same CarePlan with
    /// `status: "revoked"` and a narrative that says so (DESIGN: "A withdrawn CarePlan is written
    /// again with status revoked").
    public func revoked(_ previous: JSONValue) -> JSONValue {
        guard case .object(var o) = previous else { return previous }
        for i in o.members.indices {
            switch o.members[i].key {
            case "status": o.members[i].value = "revoked"
            case "text":
                o.members[i].value = [
                    "status": "generated",
                    "div": .string(Narrative.div(title: o["title"]?.stringValue ?? "ClinicalIngest", status: "revoked",
                                                 recommendations: [], facts: [])),
                ]
            default: break
            }
        }
        return .object(o)
    }

    func narrative(_ fired: [RecommendationResult], facts: FactSet, status: String, title: String) -> JSONValue {
        var keyFacts: [FactID] = []
        for r in fired { for id in reasonFacts(r) where !keyFacts.contains(id) { keyFacts.append(id) } }
        let catalog = engine.deriver.catalog
        let ordered = catalog.filter(keyFacts.contains) + keyFacts.filter { !catalog.contains($0) }
        let rows = ordered.compactMap { id -> (label: String, value: String)? in
            guard let f = facts[id] else { return nil }
            let value: String
            switch f.value {
            case .truth(.true): value = "yes"
            case .truth(.false): value = "no"
            case .integer(let n): value = String(n)
            case .truth(.unknown), .unknownInteger: value = "unknown"
            }
            return (engine.deriver.label(id), value)
        }
        let recs = fired.map { (title: $0.recommendation.title, text: $0.recommendation.activity.text,
                                doNotPerform: $0.recommendation.activity.doNotPerform) }
        return [
            "status": "generated",
            "div": .string(Narrative.div(title: title, status: status, recommendations: recs, facts: rows)),
        ]
    }

    public static func reference(_ subject: SubjectReference) -> JSONValue {
        switch subject {
        case .reference(let r): return ["reference": .string(r)]
        case .identifier(let id):
            var identifier: [JSONObject.Member] = []
            if let system = id.system { identifier.append(.init(key: "system", value: .string(system))) }
            identifier.append(.init(key: "value", value: .string(id.value)))
            return ["type": "Patient", "identifier": .object(JSONObject(members: identifier))]
        }
    }

    /// A contained Observation stating one fact. Evidence of a type `derivedFrom` allows is
    /// referenced there; the rest by the fact's evidence Provenance.
    func observation(_ fact: Fact, subject: JSONValue) -> JSONValue {
        let label = engine.deriver.label(fact.id)
        var members: [JSONObject.Member] = [
            .init(key: "resourceType", value: "Observation"),
            .init(key: "id", value: .string("fact-\(fact.id.rawValue)")),
            .init(key: "status", value: "final"),
            .init(key: "code", value: [
                "coding": [[
                    "system": .string(factSystem),
                    "code": .string(fact.id.rawValue),
                    "display": .string(label),
                ]],
                "text": .string(label),
            ]),
            .init(key: "subject", value: subject),
        ]
        switch fact.value {
        case .truth(.true): members.append(.init(key: "valueBoolean", value: true))
        case .truth(.false): members.append(.init(key: "valueBoolean", value: false))
        case .integer(let n): members.append(.init(key: "valueInteger", value: .number(JSONNumber(text: String(n)))))
        case .truth(.unknown), .unknownInteger:
            members.append(.init(key: "dataAbsentReason", value: [
                "coding": [["system": .string(Self.dataAbsentSystem), "code": "unknown", "display": "Unknown"]],
            ]))
        }
        let derived = fact.evidence.filter { EvidenceRouting.allowedInDerivedFrom($0.resourceType) }
        if !derived.isEmpty {
            members.append(.init(key: "derivedFrom", value: .array(derived.map(Self.evidenceReference))))
        }
        members.append(.init(key: "note", value: [["text": .string(fact.fullNote)]]))
        return .object(JSONObject(members: members))
    }

    /// The entries behind a fact whose type `derivedFrom` does not allow (a Condition, a
    /// MedicationStatement …), as `entity.what` (Reference(Any)) of a Provenance targeting the fact.
    func provenance(_ fact: Fact, _ evidence: [SourceRef], recorded: Instant) -> JSONValue {
        [
            "resourceType": "Provenance",
            "id": .string("evidence-\(fact.id.rawValue)"),
            "target": [["reference": .string("#fact-\(fact.id.rawValue)")]],
            "recorded": .string(recorded.dateString + "T00:00:00Z"),
            "agent": [["who": ["reference": .string("#\(Self.deviceID)"), "type": "Device"]]],
            "entity": .array(evidence.map { ["role": "source", "what": Self.evidenceReference($0)] }),
        ]
    }

    /// The software that derived the facts: the agent of the evidence Provenances.
    static let device: JSONValue = [
        "resourceType": "Device",
        "id": .string(deviceID),
        "deviceName": [["name": "ClinicalIngest", "type": "model-name"]],
    ]

    /// A reference to a source statement: its FHIR reference when it has one, an identifier for
    /// C-CDA entries; always with its `type`, so a `urn:uuid:` or absolute reference, or a logical
    /// one, still says what it points at; and a display naming the place in its input. File paths
    /// stay out of the CarePlan (exports are often named after the patient); `ingest explain`
    /// shows them.
    static func evidenceReference(_ source: SourceRef) -> JSONValue {
        var members: [JSONObject.Member] = []
        if let r = source.reference {
            if source.format == .cda {
                let parts = r.split(separator: "^", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
                var identifier: [JSONObject.Member] = [.init(key: "system", value: .string("urn:oid:" + (parts.first ?? "")))]
                if parts.count > 1, !parts[1].isEmpty { identifier.append(.init(key: "value", value: .string(parts[1]))) }
                members.append(.init(key: "identifier", value: .object(JSONObject(members: identifier))))
            } else {
                members.append(.init(key: "reference", value: .string(r)))
            }
        }
        if let t = source.resourceType { members.append(.init(key: "type", value: .string(t))) }
        members.append(.init(key: "display", value: .string(Self.place(source))))
        return .object(JSONObject(members: members))
    }

    /// The facts a recommendation rests on: its rule's, then those of the caveats that apply.
    func reasonFacts(_ result: RecommendationResult) -> [FactID] {
        var ids = result.recommendation.when.facts
        for caveat in result.caveats { for id in caveat.when.facts where !ids.contains(id) { ids.append(id) } }
        return ids
    }

    /// "FHIR JSON Condition/123", "C-CDA XML entry at line 212", "FHIR NDJSON line 4 $.entry[0].resource".
    static func place(_ s: SourceRef) -> String {
        var text = s.format.rawValue
        if s.format == .cda {
            text += " entry"
            if let line = s.line { text += " at line \(line)" }
            return text
        }
        if let line = s.line { text += " line \(line)" }
        if let r = s.reference { text += " " + r } else if let p = s.path { text += " " + p }
        return text
    }

    /// A recommendation's activity as a CodeableConcept's members (its codings, then its text):
    /// the same in the CarePlan's activity and in the published ActivityDefinition.
    static func codeMembers(_ activity: GuidelineDefinition.Activity) -> [JSONObject.Member] {
        var code: [JSONObject.Member] = []
        if !activity.codings.isEmpty {
            code.append(.init(key: "coding", value: .array(activity.codings.map { c in
                var m: [JSONObject.Member] = []
                if let s = c.system { m.append(.init(key: "system", value: .string(s.rawValue))) }
                m.append(.init(key: "code", value: .string(c.code)))
                if let d = c.display { m.append(.init(key: "display", value: .string(d))) }
                return .object(JSONObject(members: m))
            })))
        }
        code.append(.init(key: "text", value: .string(activity.text)))
        return code
    }

    func activity(_ result: RecommendationResult, _ guideline: GuidelineDefinition) -> JSONValue {
        let r = result.recommendation
        let code = Self.codeMembers(r.activity)
        var description = r.description
        for caveat in result.caveats { description += " " + caveat.text }
        let cited = r.citations.compactMap { guideline.citations[$0] }
        if !cited.isEmpty { description += " Sources: " + cited.joined(separator: " ") }
        let detail: JSONValue = [
            "kind": .string(r.activity.kind),
            "instantiatesCanonical": [.string(activityDefinitionCanonical(r.id))],
            "code": .object(JSONObject(members: code)),
            "reasonReference": .array(reasonFacts(result).map { ["reference": .string("#fact-\($0.rawValue)")] }),
            "status": "not-started",
            "doNotPerform": .bool(r.activity.doNotPerform),
            "description": .string(description),
        ]
        return ["detail": detail]
    }
}
