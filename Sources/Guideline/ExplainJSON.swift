public import JSONKit
import ClinicalModel
import Mapping

/// `ingest explain --format json`: an ``Explanation`` as one JSON object, the shape
/// `docs/explain.schema.json` fixes (tools/ and the tests validate every scenario against it).
///
/// A fact's `value` is `true`, `false`, an integer, or `null` when unknown; `state` says which in
/// words, so a reader need not tell `false` from `null`.
public enum ExplainJSON {
    /// The schema's version: a consumer checks it before reading on.
    public static let format = "clinicalingest-explain/1"

    public static func object(_ e: Explanation) -> JSONValue {
        var members: [JSONObject.Member] = [
            .init(key: "format", value: .string(format)),
            .init(key: "subject", value: CarePlanBuilder.reference(e.subject)),
            .init(key: "asOf", value: .string(e.asOf)),
            .init(key: "deceased", value: .bool(e.deceased)),
            .init(key: "incomplete", value: .array(e.incomplete.map { .string($0) })),
            .init(key: "sources", value: .array(e.sources.map { ["file": .string($0.file), "format": .string($0.format.rawValue)] })),
            .init(key: "notUsedAsEvidence", value: .array(e.notUsed.map {
                ["reason": .string($0.reason), "count": .number(JSONNumber(text: String($0.count)))]
            })),
        ]
        members.append(.init(key: "facts", value: .array(e.facts.map(fact))))
        members.append(.init(key: "guidelines", value: .array(e.guidelines.map(guideline))))
        return .object(JSONObject(members: members))
    }

    static func fact(_ f: Explanation.Fact) -> JSONValue {
        let value: JSONValue
        let state: String
        switch f.value {
        case .truth(.true): (value, state) = (.bool(true), "true")
        case .truth(.false): (value, state) = (.bool(false), "false")
        case .truth(.unknown), .unknownInteger: (value, state) = (.null, "unknown")
        case .integer(let n): (value, state) = (.number(JSONNumber(text: String(n))), "integer")
        }
        return [
            "id": .string(f.id), "label": .string(f.label), "value": value, "state": .string(state), "note": .string(f.note),
            "assumptions": .array(f.assumptions.map { .string($0) }),
            "evidence": .array(f.evidence.map(evidence)),
        ]
    }

    static func evidence(_ s: SourceRef) -> JSONValue {
        var members: [JSONObject.Member] = [
            .init(key: "file", value: .string(s.file)), .init(key: "format", value: .string(s.format.rawValue)),
        ]
        if let r = s.reference { members.append(.init(key: "reference", value: .string(r))) }
        if let t = s.resourceType { members.append(.init(key: "resourceType", value: .string(t))) }
        if let l = s.line { members.append(.init(key: "line", value: .number(JSONNumber(text: String(l))))) }
        if let p = s.path { members.append(.init(key: "path", value: .string(p))) }
        members.append(.init(key: "text", value: .string(s.description)))
        return .object(JSONObject(members: members))
    }

    static func guideline(_ g: Explanation.Guideline) -> JSONValue {
        [
            "id": .string(g.id), "version": .string(g.version), "title": .string(g.title), "carePlan": .bool(g.carePlan),
            "recommendations": .array(g.recommendations.map { r in
                [
                    "id": .string(r.id), "title": .string(r.title), "doNotPerform": .bool(r.doNotPerform), "fired": .bool(r.fired),
                    "rule": .string(r.rule),
                    // Exactly one of the two is non-empty: why it fired, or what stopped it.
                    "because": .array((r.fired ? r.reasons : []).map { .string($0) }),
                    "stoppedBy": .array((r.fired ? [] : r.reasons).map { .string($0) }),
                    "caveats": .array(r.caveats.map { .string($0) }),
                    "blockedByUnknown": .array(r.blockedByUnknown.map { .string($0) }),
                ]
            }),
        ]
    }
}
