/// The span a recorded time stands for: `2020` is all of 2020, `2020-03-04` one day,
/// `2020-03-04T10:00:00Z` one second. Partial dates stay ranges instead of being
/// guessed to a day.
public struct TimeRange: Codable, Hashable, Sendable, CustomStringConvertible {
    /// First instant covered.
    public var start: Instant
    /// First instant no longer covered (half-open).
    public var end: Instant

    public init(start: Instant, end: Instant) {
        self.start = start
        self.end = max(end, start)
    }

    /// The whole calendar day.
    public static func day(_ instant: Instant) -> TimeRange {
        let s = Instant(seconds: Int64(instant.day) * Instant.secondsPerDay)
        return TimeRange(start: s, end: s.adding(days: 1))
    }

    /// Last instant covered.
    public var last: Instant { Instant(seconds: max(start.seconds, end.seconds - 1)) }

    public var description: String {
        start.day == last.day ? start.dateString : "\(start.dateString)..\(last.dateString)"
    }

    /// Parses a FHIR `date`, `dateTime` or `instant`: `YYYY`, `YYYY-MM`, `YYYY-MM-DD`,
    /// `YYYY-MM-DDThh:mm(:ss(.fff))(Z|±hh:mm)`. Nil when malformed.
    ///
    /// The time is kept as recorded, in its own offset: `2026-11-27T23:40:00-04:00` is on
    /// 2026-11-27, the calendar date the clinician saw (DESIGN: dates are never shifted to UTC).
    /// The offset is checked, then dropped.
    public static func parseFHIR(_ text: String) -> TimeRange? {
        var p = DigitScanner(text)
        guard let year = p.digits(4) else { return nil }
        if p.atEnd { return years(year) }
        guard p.take("-"), let month = p.digits(2), (1...12).contains(month) else { return nil }
        if p.atEnd { return months(year, month) }
        guard p.take("-"), let day = p.digits(2), (1...Instant.daysInMonth(year: year, month: month)).contains(day)
        else { return nil }
        let midnight = Instant(year: year, month: month, day: day)
        if p.atEnd { return TimeRange(start: midnight, end: midnight.adding(days: 1)) }
        guard p.take("T") else { return nil }
        guard let seconds = p.clock(separator: ":") else { return nil }
        guard p.zone(colon: true) != nil, p.atEnd else { return nil }
        let t = Instant(seconds: midnight.seconds + seconds)
        return TimeRange(start: t, end: Instant(seconds: t.seconds + 1))
    }

    /// Parses an HL7 v3 `TS`: `YYYY[MM[DD[HH[MM[SS[.S+]]]]]][±ZZZZ]`. Nil when malformed.
    /// Like FHIR times, kept as recorded in their own offset.
    public static func parseHL7(_ text: String) -> TimeRange? {
        var p = DigitScanner(text)
        guard let year = p.digits(4) else { return nil }
        var month: Int? = nil
        var day: Int? = nil
        var hour: Int? = nil
        var minute: Int? = nil
        var second: Int? = nil
        if let m = p.digits(2) {
            month = m
            if let d = p.digits(2) {
                day = d
                if let h = p.digits(2) {
                    hour = h
                    if let mi = p.digits(2) {
                        minute = mi
                        if let s = p.digits(2) {
                            second = s
                            if p.take(".") { p.skipDigits() }
                        }
                    }
                }
            }
        }
        guard p.zone(colon: false) != nil, p.atEnd else { return nil }
        guard let month else { return years(year) }
        guard (1...12).contains(month) else { return nil }
        guard let day else { return months(year, month) }
        guard (1...Instant.daysInMonth(year: year, month: month)).contains(day) else { return nil }
        let midnight = Instant(year: year, month: month, day: day)
        guard let hour else { return TimeRange(start: midnight, end: midnight.adding(days: 1)) }
        guard hour < 24, (minute ?? 0) < 60, (second ?? 0) < 61 else { return nil }
        let startSeconds = midnight.seconds + Int64(hour * 3600 + (minute ?? 0) * 60 + (second ?? 0))
        let width: Int64 = minute == nil ? 3600 : second == nil ? 60 : 1
        return TimeRange(start: Instant(seconds: startSeconds), end: Instant(seconds: startSeconds + width))
    }

    static func years(_ year: Int) -> TimeRange {
        TimeRange(start: Instant(year: year, month: 1, day: 1), end: Instant(year: year + 1, month: 1, day: 1))
    }

    static func months(_ year: Int, _ month: Int) -> TimeRange {
        let next = month == 12 ? (year + 1, 1) : (year, month + 1)
        return TimeRange(start: Instant(year: year, month: month, day: 1), end: Instant(year: next.0, month: next.1, day: 1))
    }
}

/// A tiny byte scanner for date text; no Foundation formatters on the hot path.
struct DigitScanner {
    let bytes: [UInt8]
    var i = 0

    init(_ text: String) { bytes = Array(text.utf8) }

    var atEnd: Bool { i >= bytes.count }

    /// Takes the ASCII character `c` if it is next (a scalar, not a Character: asking a
    /// Character for its ASCII value costs more than the rest of a date).
    mutating func take(_ c: Unicode.Scalar) -> Bool {
        guard i < bytes.count, bytes[i] == UInt8(ascii: c) else { return false }
        i += 1
        return true
    }

    mutating func digits(_ n: Int) -> Int? {
        guard i + n <= bytes.count else { return nil }
        var v = 0
        for k in 0..<n {
            let b = bytes[i + k]
            guard b >= 0x30 && b <= 0x39 else { return nil }
            v = v * 10 + Int(b - 0x30)
        }
        i += n
        return v
    }

    mutating func skipDigits() {
        while i < bytes.count, bytes[i] >= 0x30 && bytes[i] <= 0x39 { i += 1 }
    }

    /// `hh:mm(:ss(.fff))` → seconds into the day.
    mutating func clock(separator: Unicode.Scalar) -> Int64? {
        guard let h = digits(2), h < 24, take(separator), let m = digits(2), m < 60 else { return nil }
        var s = 0
        if take(separator) {
            guard let sec = digits(2), sec < 61 else { return nil }
            s = sec
            if take(".") { skipDigits() }
        }
        return Int64(h * 3600 + m * 60 + s)
    }

    /// `Z`, `±hh:mm` (FHIR) or `±hhmm` (HL7); none at all means UTC. Seconds east of UTC.
    mutating func zone(colon: Bool) -> Int64? {
        if atEnd { return 0 }
        if take("Z") { return 0 }
        let sign: Int64
        if take("+") { sign = 1 } else if take("-") { sign = -1 } else { return nil }
        guard let h = digits(2), h <= 14 else { return nil }
        if colon { guard take(":") else { return nil } }
        guard let m = digits(2), m < 60 else { return nil }
        return sign * Int64(h * 3600 + m * 60)
    }
}
