/// When something held: a start and an end, either possibly unknown.
/// A single recorded time is a period whose start and end are the same range.
public struct Period: Codable, Hashable, Sendable, CustomStringConvertible {
    public var start: TimeRange?
    public var end: TimeRange?

    public init(start: TimeRange?, end: TimeRange?) {
        self.start = start
        self.end = end
    }

    public init(at time: TimeRange) {
        self.start = time
        self.end = time
    }

    /// Earliest instant the period can have begun.
    public var earliest: Instant? { start?.start ?? end?.start }
    /// Latest instant the period is known to reach.
    public var latest: Instant? { end?.last ?? start?.last }

    public var description: String {
        switch (start, end) {
        case let (s?, e?) where s == e: s.description
        case let (s?, e?): "\(s)–\(e)"
        case let (s?, nil): "from \(s)"
        case let (nil, e?): "until \(e)"
        case (nil, nil): "time unknown"
        }
    }
}
