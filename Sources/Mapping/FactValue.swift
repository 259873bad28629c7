import ClinicalModel

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
