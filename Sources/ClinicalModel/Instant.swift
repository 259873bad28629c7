/// A point in time on the recorded calendar: seconds since 1970-01-01T00:00:00 of the
/// wall clock the time was recorded in.
///
/// A time keeps its own offset's calendar date and clock (`23:40-04:00` stays 23:40 on its day),
/// because clinical windows count calendar days as recorded (DESIGN: "never shifted to UTC and
/// never to the machine's zone"). Nothing here reads the machine's time zone, so results are the
/// same on every machine.
public struct Instant: Codable, Hashable, Comparable, Sendable, CustomStringConvertible {
    public var seconds: Int64

    public init(seconds: Int64) { self.seconds = seconds }

    public static let secondsPerDay: Int64 = 86_400

    /// Midnight starting a civil date.
    public init(year: Int, month: Int, day: Int) {
        self.seconds = Int64(Self.daysFromCivil(year: year, month: month, day: day)) * Self.secondsPerDay
    }

    /// Days since 1970-01-01 (floor).
    public var day: Int {
        Int(seconds >= 0 ? seconds / Self.secondsPerDay : (seconds - Self.secondsPerDay + 1) / Self.secondsPerDay)
    }

    public static func < (a: Instant, b: Instant) -> Bool { a.seconds < b.seconds }

    public func adding(days: Int) -> Instant { Instant(seconds: seconds + Int64(days) * Self.secondsPerDay) }

    /// Whole days from `self` to `other` (positive when `other` is later).
    public func days(until other: Instant) -> Int { other.day - day }

    /// `YYYY-MM-DD` of the calendar day.
    public var dateString: String {
        let (y, m, d) = Self.civil(fromDays: day)
        return Self.pad(y, 4) + "-" + Self.pad(m, 2) + "-" + Self.pad(d, 2)
    }

    public var description: String { dateString }

    static func pad(_ n: Int, _ width: Int) -> String {
        let s = String(n)
        return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
    }

    // Howard Hinnant's civil-calendar algorithms (proleptic Gregorian).
    public static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    public static func civil(fromDays days: Int) -> (year: Int, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let y = yoe + era * 400
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (m <= 2 ? y + 1 : y, m, d)
    }

    static func daysInMonth(year: Int, month: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }
}
