/// All facts for one patient, in catalogue order.
public struct FactSet: Hashable, Sendable {
    public private(set) var facts: [Fact] = []
    /// Where each fact is in `facts`: rules and builders look facts up by id hundreds of times
    /// a patient, and comparing every id in turn was a twentieth of a CarePlan's cost.
    private var index: [FactID: Int] = [:]
    /// Parts of a fact's outcome that other facts read (a metastatic-disease fact's sites), by
    /// "fact#part".
    private(set) var parts: [String: Fact] = [:]
    /// The order of `ordered`: the order `facts.json` lists the facts.
    var order: [FactID] = []

    public init() {}

    mutating func set(_ outcome: FactOutcome) {
        set(outcome.fact)
        for (key, part) in outcome.parts { parts["\(outcome.fact.id.rawValue)#\(key)"] = part }
    }

    func part(_ key: String, of fact: FactID) -> Fact? { parts["\(fact.rawValue)#\(key)"] }

    public mutating func set(_ fact: Fact) {
        if let i = index[fact.id] {
            facts[i] = fact
        } else {
            index[fact.id] = facts.count
            facts.append(fact)
        }
    }

    public subscript(id: FactID) -> Fact? { index[id].map { facts[$0] } }

    /// The truth of a fact; a fact never derived is unknown.
    public func truth(_ id: FactID) -> Truth { self[id]?.value.truth ?? .unknown }

    /// Facts in the order `facts.json` lists them (any other id last, by name).
    public var ordered: [Fact] {
        let index = Dictionary(order.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
        return facts.sorted { a, b in
            let ia = index[a.id] ?? Int.max
            let ib = index[b.id] ?? Int.max
            return ia != ib ? ia < ib : a.id < b.id
        }
    }
}
