public import JSONKit

/// A condition over facts, as a guideline's recommendation or a `rule` fact writes it:
///
/// - `"mcrpc"`: the fact is true
/// - `{"not": R}`: R is false (a fact that is unknown stays unknown: it never enables)
/// - `{"all": [R…]}`, `{"any": [R…]}`: Kleene conjunction / disjunction
/// - `{"unknown": "psma-positive"}`: the fact is unknown (how the engine asks for missing data)
public indirect enum Rule: Hashable, Sendable {
    case fact(FactID)
    case not(Rule)
    case all([Rule])
    case any([Rule])
    case isUnknown(FactID)

    public func evaluate(_ facts: FactSet) -> Truth {
        switch self {
        case .fact(let id): facts.truth(id)
        case .not(let r): !r.evaluate(facts)
        case .all(let rs): Truth.all(rs.map { $0.evaluate(facts) })
        case .any(let rs): Truth.any(rs.map { $0.evaluate(facts) })
        case .isUnknown(let id): Truth(facts[id]?.value.isUnknown ?? true)
        }
    }

    /// Every fact the rule reads, in order, without repeats.
    public var facts: [FactID] {
        var seen: [FactID] = []
        func walk(_ r: Rule) {
            switch r {
            case .fact(let id), .isUnknown(let id): if !seen.contains(id) { seen.append(id) }
            case .not(let r): walk(r)
            case .all(let rs), .any(let rs): rs.forEach(walk)
            }
        }
        walk(self)
        return seen
    }

    /// Why the rule came out as it did: for a rule that holds, the facts that make it hold;
    /// for one that does not, the facts that stop it.
    public func reasons(_ facts: FactSet) -> [String] {
        explained(facts).reasons.map { "\($0) is \(facts[$0]?.value.description ?? "unknown")" }
    }

    /// The rule's value and the facts behind it, in one walk that evaluates every sub-rule once
    /// (asking each level's sub-rules for their value again made it quadratic in the depth).
    /// The values combine as in ``evaluate(_:)``.
    private func explained(_ facts: FactSet) -> (truth: Truth, reasons: [FactID]) {
        switch self {
        case .fact(let id), .isUnknown(let id):
            return (evaluate(facts), [id])
        case .not(let r):
            let inner = r.explained(facts)
            return (!inner.truth, inner.reasons)
        case .all(let rs):
            let parts = rs.map { $0.explained(facts) }
            let truth = Truth.all(parts.map(\.truth))
            return (truth, parts.filter { truth == .true || $0.truth != .true }.flatMap(\.reasons))
        case .any(let rs):
            let parts = rs.map { $0.explained(facts) }
            let truth = Truth.any(parts.map(\.truth))
            if truth == .true, let first = parts.first(where: { $0.truth == .true }) { return (truth, first.reasons) }
            return (truth, parts.flatMap(\.reasons))
        }
    }

    /// The rule as text: `mcrpc ∧ ¬prior-docetaxel`.
    public var text: String {
        switch self {
        case .fact(let id): id.rawValue
        case .isUnknown(let id): "\(id.rawValue) unknown"
        case .not(let r): "¬" + r.text
        case .all(let rs): rs.map { if case .any = $0 { "(\($0.text))" } else { $0.text } }.joined(separator: " ∧ ")
        case .any(let rs): rs.map { if case .all = $0 { "(\($0.text))" } else { $0.text } }.joined(separator: " ∨ ")
        }
    }

    /// The rule as a FHIRPath expression over a ClinicalIngest CarePlan, whose contained
    /// Observation `fact-<id>` states each fact. FHIRPath's three-valued `and`/`or`/`not()` over
    /// an empty value is Kleene logic over unknown, so the expression gives what the engine gives:
    /// a fact with no value (data absent) is empty, and empty never makes the condition true.
    public var fhirPath: String {
        func value(_ id: FactID) -> String { "contained.where(id = 'fact-\(id.rawValue)').value" }
        switch self {
        case .fact(let id): return "(\(value(id)) = true)"
        case .isUnknown(let id): return "\(value(id)).empty()"
        case .not(let r): return "\(r.fhirPath).not()"
        case .all(let rs): return rs.count == 1 ? rs[0].fhirPath : "(" + rs.map(\.fhirPath).joined(separator: " and ") + ")"
        case .any(let rs): return rs.count == 1 ? rs[0].fhirPath : "(" + rs.map(\.fhirPath).joined(separator: " or ") + ")"
        }
    }

    /// The facts whose values decide the outcome, in order: for a conjunction that holds, all
    /// of its parts; that fails, the parts that fail; that cannot be decided, the parts that
    /// cannot; a disjunction the mirror image (the first part that holds, when one does).
    public func deciding(_ facts: FactSet) -> [FactID] {
        let value = evaluate(facts)
        var result: [FactID] = []
        func add(_ ids: [FactID]) { for id in ids where !result.contains(id) { result.append(id) } }
        switch self {
        case .fact(let id), .isUnknown(let id): add([id])
        case .not(let r): add(r.deciding(facts))
        case .all(let rs):
            for r in rs where value == .true || r.evaluate(facts) == value { add(r.deciding(facts)) }
        case .any(let rs):
            if value == .true, let first = rs.first(where: { $0.evaluate(facts) == .true }) {
                add(first.deciding(facts))
            } else {
                for r in rs where value == .false || r.evaluate(facts) == value { add(r.deciding(facts)) }
            }
        }
        return result
    }

    /// Decodes a rule; `known` lists the fact ids a rule may name; `file` names the file in errors.
    public static func decode(_ json: JSONValue, path: String, known: Set<FactID>, file: String = "guideline.json")
        throws(MappingError) -> Rule
    {
        func fact(_ s: String, _ p: String) throws(MappingError) -> FactID {
            let id = FactID(s)
            guard known.contains(id) else {
                throw MappingError(file: file, path: p, message: "unknown fact \"\(s)\"")
            }
            return id
        }
        if let s = json.stringValue { return .fact(try fact(s, path)) }
        guard let o = json.objectValue, o.members.count == 1, let m = o.members.first else {
            throw MappingError(file: file, path: path,
                               message: "a rule is a fact id or an object with one of \"not\", \"all\", \"any\", \"unknown\"")
        }
        switch m.key {
        case "not": return .not(try decode(m.value, path: path + ".not", known: known, file: file))
        case "unknown":
            guard let s = m.value.stringValue else {
                throw MappingError(file: file, path: path + ".unknown", message: "expected a fact id")
            }
            return .isUnknown(try fact(s, path + ".unknown"))
        case "all", "any":
            let list = m.value.arrayValue
            guard !list.isEmpty else {
                throw MappingError(file: file, path: path + "." + m.key, message: "expected a non-empty array")
            }
            var rules: [Rule] = []
            for (i, item) in list.enumerated() { rules.append(try decode(item, path: "\(path).\(m.key)[\(i)]", known: known, file: file)) }
            return m.key == "all" ? .all(rules) : .any(rules)
        default:
            throw MappingError(file: file, path: path + "." + m.key,
                               message: "unknown operator \"\(m.key)\" (use not, all, any, unknown)")
        }
    }
}
