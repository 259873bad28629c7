public import ClinicalModel

/// A fact's value: a truth for most facts, an integer for counted ones (the enzalutamide line).
public enum FactValue: Hashable, Sendable, CustomStringConvertible {
    case truth(Truth)
    case integer(Int)
    /// An integer fact the record cannot decide.
    case unknownInteger

    public var truth: Truth {
        switch self {
        case .truth(let t): t
        case .integer: .true
        case .unknownInteger: .unknown
        }
    }

    public var isUnknown: Bool { self == .truth(.unknown) || self == .unknownInteger }

    public var description: String {
        switch self {
        case .truth(let t): t.rawValue
        case .integer(let n): String(n)
        case .unknownInteger: "unknown"
        }
    }
}

/// A derived fact with the evidence that decided it and a short note saying how.
public struct Fact: Hashable, Sendable {
    public let id: FactID
    public let value: FactValue
    /// The source statements that decided the value, in source order, without repeats.
    public let evidence: [SourceRef]
    /// One or two sentences for a clinician: what was found, or what is missing.
    public let note: String

    public init(id: FactID, value: FactValue, evidence: [SourceRef] = [], note: String) {
        self.id = id
        self.value = value
        var seen = Set<SourceRef>()
        self.evidence = evidence.filter { seen.insert($0).inserted }
        self.note = note
    }

    public init(id: FactID, truth: Truth, evidence: [SourceRef] = [], note: String) {
        self.init(id: id, value: .truth(truth), evidence: evidence, note: note)
    }
}

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
