public import ClinicalModel
public import JSONKit
import Mapping

/// Builds the FHIR R4 CarePlan of DESIGN.md's output contract from an evaluation.
///
/// Deterministic: member order is fixed, the id is a stable hash of (patient, guideline,
/// version, evaluation date), evidence keeps source order.
public struct CarePlanBuilder: Sendable {
    public let engine: GuidelineEngine
    /// Base of canonical URLs (PlanDefinition, ActivityDefinition, the derived-fact CodeSystem).
    public let canonicalBase: String

    public init(engine: GuidelineEngine, canonicalBase: String? = nil) {
        self.engine = engine
        var base = canonicalBase ?? engine.guideline.canonicalBase
        while base.hasSuffix("/") { base.removeLast() }
        self.canonicalBase = base
    }

    static let dataAbsentSystem = "http://terminology.hl7.org/CodeSystem/data-absent-reason"

    var guideline: GuidelineDefinition { engine.guideline }

    /// The CarePlan id for a patient: `cp-` + 16 hex digits.
    public func carePlanID(for record: PatientRecord, asOf: Instant) -> String {
        "cp-" + StableHash.hex(of: record.key, guideline.id, guideline.version, asOf.dateString, canonicalBase)
    }

    /// The CarePlan, or nil when no recommendation fired (such a patient gets no CarePlan).
    public func carePlan(_ evaluation: Evaluation) -> JSONValue? {
        let fired = evaluation.fired
        guard !fired.isEmpty else { return nil }
        let subject = Self.reference(evaluation.record.identity.subject)
        let facts = evaluation.facts.ordered
        let members: [JSONObject.Member] = [
            .init(key: "resourceType", value: "CarePlan"),
            .init(key: "id", value: .string(carePlanID(for: evaluation.record, asOf: evaluation.asOf))),
            .init(key: "contained", value: .array(facts.map { observation($0, subject: subject, asOf: evaluation.asOf) })),
            .init(key: "instantiatesCanonical", value: [.string("\(canonicalBase)/PlanDefinition/\(guideline.id)|\(guideline.version)")]),
            .init(key: "status", value: "draft"),
            .init(key: "intent", value: "proposal"),
            .init(key: "title", value: .string(guideline.title)),
            .init(key: "description", value: .string(
                "Proposed by ClinicalIngest from the guideline \"\(guideline.title)\" (\(guideline.version)) for review by the treating oncologist. \(fired.count) of \(evaluation.results.count) recommendations apply.")),
            .init(key: "subject", value: subject),
            .init(key: "created", value: .string(evaluation.asOf.dateString)),
            .init(key: "supportingInfo", value: .array(facts.map { ["reference": .string("#fact-\($0.id.rawValue)")] })),
            .init(key: "activity", value: .array(fired.map { activity($0) })),
        ]
        return .object(JSONObject(members: members))
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

    /// A contained Observation stating one fact, with the evidence that decided it.
    func observation(_ fact: Fact, subject: JSONValue, asOf: Instant) -> JSONValue {
        let label = engine.deriver.label(fact.id)
        var members: [JSONObject.Member] = [
            .init(key: "resourceType", value: "Observation"),
            .init(key: "id", value: .string("fact-\(fact.id.rawValue)")),
            .init(key: "status", value: "final"),
            .init(key: "code", value: [
                "coding": [[
                    "system": .string("\(canonicalBase)/CodeSystem/derived-fact"),
                    "code": .string(fact.id.rawValue),
                    "display": .string(label),
                ]],
                "text": .string(label),
            ]),
            .init(key: "subject", value: subject),
            .init(key: "effectiveDateTime", value: .string(asOf.dateString)),
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
        if !fact.evidence.isEmpty {
            members.append(.init(key: "derivedFrom", value: .array(fact.evidence.map(Self.evidenceReference))))
        }
        members.append(.init(key: "note", value: [["text": .string(fact.fullNote)]]))
        return .object(JSONObject(members: members))
    }

    /// A reference to a source statement: its FHIR reference when it has one, an identifier for
    /// CDA entries, and a display naming the place in its input. File paths stay out of the
    /// CarePlan (exports are often named after the patient); `ingest explain` shows them.
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

    func activity(_ result: RecommendationResult) -> JSONValue {
        let r = result.recommendation
        var code: [JSONObject.Member] = []
        if !r.activity.codings.isEmpty {
            code.append(.init(key: "coding", value: .array(r.activity.codings.map { c in
                var m: [JSONObject.Member] = []
                if let s = c.system { m.append(.init(key: "system", value: .string(s.rawValue))) }
                m.append(.init(key: "code", value: .string(c.code)))
                if let d = c.display { m.append(.init(key: "display", value: .string(d))) }
                return .object(JSONObject(members: m))
            })))
        }
        code.append(.init(key: "text", value: .string(r.activity.text)))
        var description = r.description
        for caveat in result.caveats { description += " " + caveat.text }
        let cited = r.citations.compactMap { guideline.citations[$0] }
        if !cited.isEmpty { description += " Sources: " + cited.joined(separator: " ") }
        let detail: JSONValue = [
            "kind": .string(r.activity.kind),
            "instantiatesCanonical": [.string("\(canonicalBase)/ActivityDefinition/\(r.id)")],
            "code": .object(JSONObject(members: code)),
            "reasonReference": .array(reasonFacts(result).map { ["reference": .string("#fact-\($0.rawValue)")] }),
            "status": "not-started",
            "doNotPerform": .bool(r.activity.doNotPerform),
            "description": .string(description),
        ]
        return ["detail": detail]
    }
}
