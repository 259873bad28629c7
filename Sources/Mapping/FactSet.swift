/// All facts for one patient, in catalogue order.
public struct FactSet: Hashable, Sendable {
    public private(set) var facts: [Fact] = []

    public init() {}

    public mutating func set(_ fact: Fact) {
        if let i = facts.firstIndex(where: { $0.id == fact.id }) { facts[i] = fact } else { facts.append(fact) }
    }

    public subscript(id: FactID) -> Fact? { facts.first { $0.id == id } }

    /// The truth of a fact; a fact never derived is unknown.
    public func truth(_ id: FactID) -> Truth { self[id]?.value.truth ?? .unknown }

    /// Facts sorted into catalogue order (unknown ids last, by name).
    public var ordered: [Fact] {
        facts.sorted { a, b in
            let ia = FactID.catalog.firstIndex(of: a.id) ?? Int.max
            let ib = FactID.catalog.firstIndex(of: b.id) ?? Int.max
            return ia != ib ? ia < ib : a.id < b.id
        }
    }
}
