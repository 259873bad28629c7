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

    /// The CarePlan's bytes, or nil when no recommendation fired (such a patient gets no
    /// CarePlan), written in `style` nested `indent` levels deep.
    /// `created`: the night the current recommendations first appeared (default: the evaluation date).
    public func carePlan(_ evaluation: Evaluation, created: Instant? = nil, style: JSONWriter.Style = .compact,
                         indent: Int = 0) -> [UInt8]? {
        guard !evaluation.fired.isEmpty else { return nil }
        var e = JSONEmitter(style: style, indent: indent, capacity: 16384)
        write(evaluation, id: carePlanID(for: evaluation.record, guideline: evaluation.guideline), created: created, into: &e)
        return e.bytes()
    }

    /// The CarePlan as an entry of a transaction Bundle that PUTs it (``TransactionBundle``), or
    /// nil when no recommendation fired.
    public func transactionEntry(_ evaluation: Evaluation, created: Instant? = nil,
                                 writer: TransactionBundle.Writer) -> [UInt8]? {
        guard !evaluation.fired.isEmpty else { return nil }
        let id = carePlanID(for: evaluation.record, guideline: evaluation.guideline)
        return writer.entryBytes(type: "CarePlan", id: id) { write(evaluation, id: id, created: created, into: &$0) }
    }

    /// The CarePlan of an evaluation whose recommendations fired, with its id, as a value of `e`.
    /// Written as it is made, without a ``JSONValue`` tree: a CarePlan is thousands of short
    /// strings, and the tree cost more than the writing.
    func write(_ evaluation: Evaluation, id: String, created: Instant?, into e: inout JSONEmitter) {
        let guideline = evaluation.guideline
        let fired = evaluation.fired
        let created = created ?? evaluation.asOf
        let subject = Self.reference(evaluation.record.identity.subject)
        // The facts this guideline uses, in facts.json order.
        let facts = evaluation.facts.ordered.filter { guideline.facts.contains($0.id) }
        // Evidence a fact's Observation cannot reference goes to a Provenance of its own.
        let routed = facts.map { fact in (fact, fact.evidence.filter { !EvidenceRouting.allowedInDerivedFrom($0.resourceType) }) }
            .filter { !$0.1.isEmpty }
        e.beginObject()
        e.name("resourceType"); e.literal("CarePlan")
        e.name("id"); e.string(id)
        e.name("text"); e.value(narrative(fired, facts: evaluation.facts, status: "draft", title: guideline.title))
        e.name("contained")
        e.beginArray()
        for fact in facts { observation(fact, subject: subject, into: &e) }
        let recorded = created.dateString + "T00:00:00Z"
        for (fact, evidence) in routed { provenance(fact, evidence, recorded: recorded, into: &e) }
        if !routed.isEmpty { e.value(Self.device) }
        e.endArray()
        e.name("instantiatesCanonical")
        e.beginArray(); e.string(planDefinitionCanonical(guideline)); e.endArray()
        e.name("status"); e.literal("draft")
        e.name("intent"); e.literal("proposal")
        e.name("title"); e.string(guideline.title)
        e.name("description")
        e.string("Proposed by ClinicalIngest from the guideline \"\(guideline.title)\" (\(guideline.version)) for review by the treating oncologist. \(fired.count) of \(evaluation.results.count) recommendations apply.")
        e.name("subject"); e.value(subject)
        e.name("created"); e.string(created.dateString)
        e.name("supportingInfo")
        e.beginArray()
        for fact in facts { Self.localReference(to: "#fact-", fact.id, into: &e) }
        for (fact, _) in routed { Self.localReference(to: "#evidence-", fact.id, into: &e) }
        e.endArray()
        e.name("activity")
        e.beginArray()
        for result in fired { activity(result, guideline, into: &e) }
        e.endArray()
        e.endObject()
    }

    /// `{"reference":"#fact-<id>"}` and its kind, written from the parts.
    static func localReference(to prefix: StaticString, _ fact: FactID, into e: inout JSONEmitter) {
        e.beginObject()
        e.name("reference")
        e.beginString(); e.append(prefix); e.append(escaping: fact.rawValue); e.endString()
        e.endObject()
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
    func observation(_ fact: Fact, subject: JSONValue, into e: inout JSONEmitter) {
        let label = engine.deriver.label(fact.id)
        e.beginObject()
        e.name("resourceType"); e.literal("Observation")
        e.name("id"); e.beginString(); e.append("fact-"); e.append(escaping: fact.id.rawValue); e.endString()
        e.name("status"); e.literal("final")
        e.name("code")
        e.beginObject()
        e.name("coding")
        e.beginArray()
        e.beginObject()
        e.name("system"); e.string(factSystem)
        e.name("code"); e.string(fact.id.rawValue)
        e.name("display"); e.string(label)
        e.endObject()
        e.endArray()
        e.name("text"); e.string(label)
        e.endObject()
        e.name("subject"); e.value(subject)
        switch fact.value {
        case .truth(.true): e.name("valueBoolean"); e.bool(true)
        case .truth(.false): e.name("valueBoolean"); e.bool(false)
        case .integer(let n): e.name("valueInteger"); e.integer(n)
        case .truth(.unknown), .unknownInteger:
            e.name("dataAbsentReason")
            e.beginObject()
            e.name("coding")
            e.beginArray()
            e.beginObject()
            e.name("system"); e.string(Self.dataAbsentSystem)
            e.name("code"); e.literal("unknown")
            e.name("display"); e.literal("Unknown")
            e.endObject()
            e.endArray()
            e.endObject()
        }
        let derived = fact.evidence.filter { EvidenceRouting.allowedInDerivedFrom($0.resourceType) }
        if !derived.isEmpty {
            e.name("derivedFrom")
            e.beginArray()
            for source in derived { Self.evidenceReference(source, into: &e) }
            e.endArray()
        }
        e.name("note")
        e.beginArray()
        e.beginObject(); e.name("text"); e.string(fact.fullNote); e.endObject()
        e.endArray()
        e.endObject()
    }

    /// The entries behind a fact whose type `derivedFrom` does not allow (a Condition, a
    /// MedicationStatement …), as `entity.what` (Reference(Any)) of a Provenance targeting the fact.
    /// `recorded`: the CarePlan's `created` as an instant (every Provenance of one CarePlan has it).
    func provenance(_ fact: Fact, _ evidence: [SourceRef], recorded: String, into e: inout JSONEmitter) {
        e.beginObject()
        e.name("resourceType"); e.literal("Provenance")
        e.name("id"); e.beginString(); e.append("evidence-"); e.append(escaping: fact.id.rawValue); e.endString()
        e.name("target")
        e.beginArray(); Self.localReference(to: "#fact-", fact.id, into: &e); e.endArray()
        e.name("recorded"); e.string(recorded)
        e.name("agent")
        e.beginArray()
        e.beginObject()
        e.name("who")
        e.beginObject()
        e.name("reference"); e.beginString(); e.append("#"); e.append(escaping: Self.deviceID); e.endString()
        e.name("type"); e.literal("Device")
        e.endObject()
        e.endObject()
        e.endArray()
        e.name("entity")
        e.beginArray()
        for source in evidence {
            e.beginObject()
            e.name("role"); e.literal("source")
            e.name("what"); Self.evidenceReference(source, into: &e)
            e.endObject()
        }
        e.endArray()
        e.endObject()
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
    static func evidenceReference(_ source: SourceRef, into e: inout JSONEmitter) {
        e.beginObject()
        if let r = source.reference {
            if source.format == .cda {
                // `root^extension`: the root is an OID, the extension (when there is one) the value.
                let caret = r.firstIndex(of: "^")
                e.name("identifier")
                e.beginObject()
                e.name("system"); e.beginString(); e.append("urn:oid:"); e.append(escaping: String(r[..<(caret ?? r.endIndex)])); e.endString()
                if let caret, r.index(after: caret) < r.endIndex {
                    e.name("value"); e.string(String(r[r.index(after: caret)...]))
                }
                e.endObject()
            } else {
                e.name("reference"); e.string(r)
            }
        }
        if let t = source.resourceType { e.name("type"); e.string(t) }
        e.name("display"); place(source, into: &e)
        e.endObject()
    }

    /// The facts a recommendation rests on: its rule's, then those of the caveats that apply.
    func reasonFacts(_ result: RecommendationResult) -> [FactID] {
        var ids = result.recommendation.when.facts
        for caveat in result.caveats { for id in caveat.when.facts where !ids.contains(id) { ids.append(id) } }
        return ids
    }

    /// "FHIR JSON Condition/123", "C-CDA XML entry at line 212", "FHIR NDJSON line 4 $.entry[0].resource".
    static func place(_ s: SourceRef, into e: inout JSONEmitter) {
        e.beginString()
        e.append(escaping: s.format.rawValue)
        if s.format == .cda {
            e.append(" entry")
            if let line = s.line { e.append(" at line "); e.appendDecimal(line) }
        } else {
            if let line = s.line { e.append(" line "); e.appendDecimal(line) }
            if let r = s.reference { e.append(" "); e.append(escaping: r) } else if let p = s.path { e.append(" "); e.append(escaping: p) }
        }
        e.endString()
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

    func activity(_ result: RecommendationResult, _ guideline: GuidelineDefinition, into e: inout JSONEmitter) {
        let r = result.recommendation
        var description = r.description
        for caveat in result.caveats { description += " " + caveat.text }
        let cited = r.citations.compactMap { guideline.citations[$0] }
        if !cited.isEmpty { description += " Sources: " + cited.joined(separator: " ") }
        e.beginObject()
        e.name("detail")
        e.beginObject()
        e.name("kind"); e.string(r.activity.kind)
        e.name("instantiatesCanonical")
        e.beginArray(); e.string(activityDefinitionCanonical(r.id)); e.endArray()
        e.name("code"); e.value(.object(JSONObject(members: Self.codeMembers(r.activity))))
        e.name("reasonReference")
        e.beginArray()
        for id in reasonFacts(result) { Self.localReference(to: "#fact-", id, into: &e) }
        e.endArray()
        e.name("status"); e.literal("not-started")
        e.name("doNotPerform"); e.bool(r.activity.doNotPerform)
        e.name("description"); e.string(description)
        e.endObject()
        e.endObject()
    }
}
