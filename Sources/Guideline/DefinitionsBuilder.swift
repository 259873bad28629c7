public import JSONKit
import ClinicalModel
import Mapping

/// `ingest definitions`: the guideline as FHIR R4 definitions, one `collection` Bundle, so every
/// canonical a CarePlan names resolves — the PlanDefinition (with its version), one
/// ActivityDefinition per recommendation, the derived-fact CodeSystem, and the value sets of
/// `Mappings/` (DESIGN "Output contract").
public struct DefinitionsBuilder: Sendable {
    public let builder: CarePlanBuilder

    public init(builder: CarePlanBuilder) { self.builder = builder }

    var guidelines: [GuidelineDefinition] { builder.engine.guidelines }
    var base: String { builder.canonicalBase }

    /// `mcrpc-after-enzalutamide` → `McrpcAfterEnzalutamide`: a computable name (FHIR `name`).
    static func computableName(_ id: String) -> String {
        id.split(whereSeparator: { !$0.isLetter && !$0.isNumber }).map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
    }

    public func bundle() -> JSONValue {
        var entries: [JSONValue] = []
        func add(_ url: String, _ resource: JSONValue) { entries.append(["fullUrl": .string(url), "resource": resource]) }
        for g in guidelines {
            add("\(base)/PlanDefinition/\(g.id)", planDefinition(g))
            for r in g.recommendations { add(builder.activityDefinitionCanonical(r.id), activityDefinition(r, g)) }
        }
        add(builder.factSystem, codeSystem())
        for (id, doc) in builder.engine.mappings.valueSetDocuments {
            add("\(base)/ValueSet/\(id)", valueSet(doc))
        }
        return [
            "resourceType": "Bundle",
            "id": .string(bundleID),
            "type": "collection",
            "entry": .array(entries),
        ]
    }

    /// `definitions-<guideline>-<version>`; for several guidelines, a hash of their ids and
    /// versions (a FHIR id holds at most 64 characters).
    var bundleID: String {
        if guidelines.count == 1, let g = guidelines.first {
            let id = "definitions-\(g.id)-\(g.version.replacingDots)"
            if id.utf8.count <= 64 { return id }
        }
        return "definitions-" + StableHash.hex(of: guidelines.map { "\($0.id)|\($0.version)" }.joined(separator: ","))
    }

    func citations(_ keys: [String], _ guideline: GuidelineDefinition) -> JSONValue {
        .array(keys.compactMap { guideline.citations[$0] }.map { ["type": "citation", "citation": .string($0)] })
    }

    func planDefinition(_ guideline: GuidelineDefinition) -> JSONValue {
        let actions: [JSONValue] = guideline.recommendations.map { r in
            [
                "id": .string(r.id),
                "title": .string(r.title),
                "description": .string(r.description),
                "condition": [[
                    "kind": "applicability",
                    "expression": [
                        "description": .string("Applies when \(r.when.text) (Kleene logic: an unknown fact never enables). The expression reads the fact Observations a ClinicalIngest CarePlan contains."),
                        "language": "text/fhirpath",
                        "expression": .string(r.when.fhirPath),
                    ],
                ]],
                "definitionCanonical": .string(builder.activityDefinitionCanonical(r.id) + "|" + guideline.version),
            ]
        }
        let allCitations = guideline.recommendations.flatMap(\.citations).reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
        return [
            "resourceType": "PlanDefinition",
            "id": .string(guideline.id),
            "url": .string("\(base)/PlanDefinition/\(guideline.id)"),
            "version": .string(guideline.version),
            "name": .string(Self.computableName(guideline.id)),
            "title": .string(guideline.title),
            "type": ["coding": [["system": "http://terminology.hl7.org/CodeSystem/plan-definition-type", "code": "clinical-protocol"]]],
            "status": "active",
            "description": .string("Guideline-based proposals for \(guideline.title), from the facts ClinicalIngest derives from a patient's record. Actions are in priority order; each names its rule and its ActivityDefinition."),
            "relatedArtifact": citations(allCitations, guideline),
            "action": .array(actions),
        ]
    }

    func activityDefinition(_ r: GuidelineDefinition.Recommendation, _ guideline: GuidelineDefinition) -> JSONValue {
        let code = CarePlanBuilder.codeMembers(r.activity)
        var members: [JSONObject.Member] = [
            .init(key: "resourceType", value: "ActivityDefinition"),
            .init(key: "id", value: .string(r.id)),
            .init(key: "url", value: .string(builder.activityDefinitionCanonical(r.id))),
            .init(key: "version", value: .string(guideline.version)),
            .init(key: "name", value: .string(Self.computableName(r.id))),
            .init(key: "title", value: .string(r.title)),
            .init(key: "status", value: "active"),
            .init(key: "description", value: .string(r.description)),
        ]
        if !r.citations.isEmpty { members.append(.init(key: "relatedArtifact", value: citations(r.citations, guideline))) }
        members += [
            .init(key: "kind", value: .string(r.activity.kind)),
            .init(key: "code", value: .object(JSONObject(members: code))),
            .init(key: "doNotPerform", value: .bool(r.activity.doNotPerform)),
        ]
        return .object(JSONObject(members: members))
    }

    func codeSystem() -> JSONValue {
        let facts = builder.engine.mappings.facts
        let concepts: [JSONValue] = builder.engine.deriver.catalog.compactMap { id in
            guard let f = facts[id.rawValue] else { return nil }
            return ["code": .string(id.rawValue), "display": .string(f.label), "definition": .string(f.definition)]
        }
        return [
            "resourceType": "CodeSystem",
            "id": "derived-fact",
            "url": .string(builder.factSystem),
            "version": .string(guidelines.count == 1 ? guidelines[0].version : builder.engine.mappings.fingerprint),
            "name": "DerivedFact",
            "title": "Facts ClinicalIngest derives from a patient's record",
            "status": "active",
            "description": "Each fact a CarePlan states in a contained Observation (true, false, unknown, or a number), with how it is decided.",
            "caseSensitive": true,
            "content": "complete",
            "count": .number(JSONNumber(text: String(concepts.count))),
            "concept": .array(concepts),
        ]
    }

    /// A value set of `Mappings/` under this run's canonical base; a value set that holds only
    /// free-text synonyms (no codes) is published without a `compose`, which R4 would reject empty.
    func valueSet(_ doc: JSONValue) -> JSONValue {
        guard case .object(var o) = doc else { return doc }
        let defaultBase = guidelines.first?.canonicalBase ?? base
        func rebase(_ v: JSONValue) -> JSONValue {
            switch v {
            case .string(let s) where s.hasPrefix(defaultBase + "/"): return .string(base + s.dropFirst(defaultBase.count))
            case .array(let a): return .array(a.map(rebase))
            case .object(let inner): return .object(JSONObject(members: inner.members.map { .init(key: $0.key, value: rebase($0.value)) }))
            default: return v
            }
        }
        o = JSONObject(members: o.members.map { .init(key: $0.key, value: rebase($0.value)) })
        if let i = o.members.firstIndex(where: { $0.key == "compose" }),
            (o.members[i].value["include"]?.arrayValue ?? []).isEmpty
        {
            o.members.remove(at: i)
        }
        return .object(o)
    }
}

extension String {
    /// `1.1.0` → `1-1-0`: a version inside a FHIR id.
    var replacingDots: String { String(map { $0 == "." ? "-" : $0 }) }
}
