/// What the sources say about the patient's death (FHIR `Patient.deceased[x]`, C-CDA
/// `sdtc:deceasedInd` / `sdtc:deceasedTime`).
public enum Deceased: Codable, Hashable, Sendable {
    /// Recorded as alive (`deceasedBoolean: false`, `deceasedInd value="false"`).
    case no
    /// Recorded as deceased, without a date.
    case yes
    /// Recorded as deceased on this date.
    case on(TimeRange)

    /// Whether the patient is deceased on the evaluation day starting at `asOf`. A death dated
    /// after it does not count (the patient was alive then); a partial date that may fall on or
    /// before it does, because a dead patient must never be proposed a therapy.
    public func isDeceased(asOf: Instant) -> Bool {
        switch self {
        case .no: false
        case .yes: true
        case .on(let t): t.start < asOf.adding(days: 1)
        }
    }

    /// Two statements about one patient's death (two sources, or two elements of one): any that
    /// says he died wins over "alive"; "deceased" without a date wins over a date (a date in the
    /// future next to "deceased" is an error, and a dead patient must never be proposed a
    /// therapy); of two dates the earlier wins.
    public static func merge(_ a: Deceased?, _ b: Deceased?) -> Deceased? {
        switch (a, b) {
        case (nil, let x), (let x, nil): x
        case (.yes?, _), (_, .yes?): .yes
        case (.on(let s)?, .on(let t)?): .on(s.start <= t.start ? s : t)
        case (.on?, _): a
        case (_, .on?): b
        default: .no
        }
    }
}
