public import ClinicalModel
public import Mapping
import JSONKit

/// One guideline of `guidelines/*.json`: the facts it uses, its recommendations in priority
/// order, each with its rule, the activity it proposes and its wording and citations.
public struct GuidelineDefinition: Sendable {
    public struct Activity: Sendable {
        /// CarePlan.activity.detail.kind: MedicationRequest, ServiceRequest …
        public let kind: String
        public let codings: [Coding]
        public let text: String
        public let doNotPerform: Bool
    }

    /// A conditional addition to a recommendation's description (continue-adt's warning).
    public struct Caveat: Sendable {
        public let when: Rule
        public let text: String
    }

    public struct Recommendation: Sendable {
        public let id: String
        public let title: String
        public let when: Rule
        public let activity: Activity
        public let description: String
        public let caveats: [Caveat]
        public let citations: [String]
    }

    public let id: String
    public let version: String
    public let title: String
    public let canonicalBase: String
    public let recommendations: [Recommendation]
    /// Citation key → full citation text.
    public let citations: [String: String]
    /// The facts it uses, in `facts.json` order: its CarePlans state them (and nothing else).
    public let facts: [FactID]
    /// The file it was read from (`guidelines/<id>.json`), for messages.
    public let file: String

    public var canonicalURL: String { "\(canonicalBase)/PlanDefinition/\(id)|\(version)" }

    init(_ g: JSONValue, file: String, mappings: MappingSet) throws(MappingError) {
        self.file = file
        func string(_ v: JSONValue?, _ path: String) throws(MappingError) -> String {
            guard let s = v?.stringValue, !s.isEmpty else {
                throw MappingError(file: file, path: path, message: "expected a non-empty string")
            }
            return s
        }
        id = try string(g["id"], "$.id")
        version = try string(g["version"], "$.version")
        title = try string(g["title"], "$.title")
        canonicalBase = try string(g["canonicalBase"], "$.canonicalBase")
        var citations: [String: String] = [:]
        for m in g["citations"]?.objectValue?.members ?? [] {
            citations[m.key] = try string(m.value, "$.citations.\(m.key)")
        }
        self.citations = citations

        // The facts it names: every one defined in facts.json, and every fact its rules read among them.
        let defined = Set(mappings.factList.map { FactID($0.id) })
        var facts: [FactID] = []
        for (i, f) in (g["facts"]?.arrayValue ?? []).enumerated() {
            guard let s = f.stringValue, defined.contains(FactID(s)) else {
                throw MappingError(file: file, path: "$.facts[\(i)]", message: "not a fact of facts.json")
            }
            facts.append(FactID(s))
        }
        if facts.isEmpty {
            throw MappingError(file: file, path: "$.facts", message: "expected the non-empty list of the facts the guideline uses")
        }
        let order = mappings.factList.map { FactID($0.id) }
        self.facts = order.filter(facts.contains)
        let known = Set(facts)
        var recs: [Recommendation] = []
        let list = g["recommendations"]?.arrayValue ?? []
        guard !list.isEmpty else {
            throw MappingError(file: file, path: "$.recommendations", message: "expected a non-empty array")
        }
        for (i, r) in list.enumerated() {
            let p = "$.recommendations[\(i)]"
            let rid = try string(r["id"], p + ".id")
            if recs.contains(where: { $0.id == rid }) {
                throw MappingError(file: file, path: p + ".id", message: "recommendation \"\(rid)\" appears twice")
            }
            guard let whenJSON = r["when"] else {
                throw MappingError(file: file, path: p + ".when", message: "the rule is missing")
            }
            let when = try Rule.decode(whenJSON, path: p + ".when", known: known, file: file)
            guard let a = r["activity"] else {
                throw MappingError(file: file, path: p + ".activity", message: "the activity is missing")
            }
            var codings: [Coding] = []
            for (k, c) in (a["code"]?.arrayValue ?? []).enumerated() {
                let system = try string(c["system"], "\(p).activity.code[\(k)].system")
                let code = try string(c["code"], "\(p).activity.code[\(k)].code")
                codings.append(mappings.codeSystems.coding(system: system, code: code, display: c["display"]?.stringValue))
            }
            let activity = Activity(
                kind: try string(a["kind"], p + ".activity.kind"), codings: codings,
                text: try string(a["text"], p + ".activity.text"), doNotPerform: a["doNotPerform"]?.boolValue ?? false)
            var caveats: [Caveat] = []
            for (k, c) in (r["caveats"]?.arrayValue ?? []).enumerated() {
                guard let cw = c["when"] else {
                    throw MappingError(file: file, path: "\(p).caveats[\(k)].when", message: "the rule is missing")
                }
                caveats.append(Caveat(when: try Rule.decode(cw, path: "\(p).caveats[\(k)].when", known: known, file: file),
                                      text: try string(c["text"], "\(p).caveats[\(k)].text")))
            }
            var cites: [String] = []
            for (k, c) in (r["citations"]?.arrayValue ?? []).enumerated() {
                let key = try string(c, "\(p).citations[\(k)]")
                guard citations[key] != nil else {
                    throw MappingError(file: file, path: "\(p).citations[\(k)]",
                                       message: "no citation \"\(key)\" in $.citations")
                }
                cites.append(key)
            }
            recs.append(Recommendation(
                id: rid, title: try string(r["title"], p + ".title"), when: when, activity: activity,
                description: try string(r["description"], p + ".description"), caveats: caveats, citations: cites))
        }
        recommendations = recs
    }
}
