/// A three-valued truth: what the record shows, shows the opposite of, or cannot decide.
///
/// Combination follows Kleene's strong logic: `false ∧ unknown` is false, `true ∧ unknown`
/// is unknown. Only `.true` ever enables a recommendation.
public enum Truth: String, Hashable, Sendable, CustomStringConvertible {
    case `true`
    case `false`
    case unknown

    public init(_ b: Bool) { self = b ? .true : .false }

    public static prefix func ! (t: Truth) -> Truth {
        switch t {
        case .true: .false
        case .false: .true
        case .unknown: .unknown
        }
    }

    public static func && (a: Truth, b: Truth) -> Truth {
        if a == .false || b == .false { return .false }
        if a == .true && b == .true { return .true }
        return .unknown
    }

    public static func || (a: Truth, b: Truth) -> Truth {
        if a == .true || b == .true { return .true }
        if a == .false && b == .false { return .false }
        return .unknown
    }

    public static func all(_ values: [Truth]) -> Truth { values.reduce(.true, &&) }
    public static func any(_ values: [Truth]) -> Truth { values.reduce(.false, ||) }

    public var description: String { rawValue }
}
