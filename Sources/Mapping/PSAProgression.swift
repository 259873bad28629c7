import ClinicalModel

/// The PCWG3 PSA-progression parameters (from `facts.json`).
struct PSARule: Sendable {
    let observations: ValueSet
    let units: UnitTable
    /// Rises before this many days on treatment are ignored (PCWG3: 12 weeks).
    let flareDays: Int
    /// Minimum rise above the nadir, percent (25).
    let risePercent: Double
    /// Minimum rise above the nadir, ng/mL (2).
    let riseAbsolute: Double
    /// A confirming value must be at least this many days after the first rise (21).
    let confirmDays: Int
    /// The baseline is the last value at most this many days before the start (90).
    let baselineMaxDays: Int
}

/// One PSA result in ng/mL.
struct PSAValue: Hashable, Sendable {
    enum Kind: Hashable, Sendable {
        /// A measured value.
        case value
        /// A censored result "< x": the value is at most `ngPerMl`.
        case atMost
        /// A result whose value cannot be read (another unit, text, "> x"): it can neither
        /// confirm a rise nor rule out that PSA fell back.
        case unreadable
    }

    /// Earliest instant the result can be from (a partial date is a range).
    let time: Instant
    /// Latest instant it can be from.
    let latest: Instant
    let ngPerMl: Double
    let source: SourceRef
    let kind: Kind

    init(time: Instant, latest: Instant? = nil, ngPerMl: Double, source: SourceRef, kind: Kind = .value) {
        self.time = time
        self.latest = latest ?? time
        self.ngPerMl = ngPerMl
        self.source = source
        self.kind = kind
    }
}

/// PCWG3 PSA progression on one treatment course: a rise of ≥ 25 % and ≥ 2 ng/mL above
/// the nadir (the baseline if PSA never fell), at least 12 weeks after the start,
/// confirmed by a second such value ≥ 3 weeks later.
enum PSAProgression {
    enum Outcome: Sendable {
        /// Progression: the first qualifying rise, its confirmation and the nadir used.
        case progression(rise: PSAValue, confirmation: PSAValue, nadir: PSAValue)
        /// Enough on-treatment values after the flare window, none a confirmed rise.
        case noProgression(values: [PSAValue])
        /// The series cannot decide (why, in words).
        case insufficient(String)
    }

    /// `series` sorted by time, all at or before the evaluation date. A rise counts only before
    /// `windowEnd` (on treatment, or within the grace period after stopping). Windows count
    /// calendar days as recorded (DESIGN): a rise counts from day `start + 84`, and a confirmation
    /// at least 21 calendar days after the rise. Partial dates are read conservatively: a rise at
    /// its earliest day must be past week 12, and its confirmation counts from the rise's latest
    /// possible day, with no value in between falling back below the thresholds.
    static func evaluate(_ series: [PSAValue], start: Instant, windowEnd: Instant, rule: PSARule) -> Outcome {
        let startDay = start.day
        let flareEndDay = startDay + rule.flareDays
        let baselineStartDay = startDay - rule.baselineMaxDays
        let all = series
        let series = all.filter { $0.kind == .value }
        var nadir: PSAValue? = series.last { $0.latest.day <= startDay && $0.time.day >= baselineStartDay }
        let onTreatment = series.filter { $0.time.day > startDay && $0.time < windowEnd }
        var pendingRise = false
        var assessed: [PSAValue] = nadir.map { [$0] } ?? []

        for value in onTreatment {
            assessed.append(value)
            if let n = nadir, value.time.day >= flareEndDay, isRise(value, over: n, rule) {
                let confirmFromDay = value.latest.day + rule.confirmDays
                var confirmed: PSAValue? = nil
                var fellBack = false
                var blocked = false
                for next in all where next.time.day > value.latest.day {
                    // A censored "< x" below the thresholds is a fall-back; one above them, or a
                    // result that cannot be read, leaves the confirmation open.
                    if next.kind == .atMost {
                        if isRise(next, over: n, rule) { blocked = true } else { fellBack = true }
                        break
                    }
                    if next.kind == .unreadable {
                        blocked = true
                        break
                    }
                    guard isRise(next, over: n, rule) else {
                        fellBack = true
                        break
                    }
                    if next.time.day >= confirmFromDay {
                        confirmed = next
                        break
                    }
                }
                if let confirmed { return .progression(rise: value, confirmation: confirmed, nadir: n) }
                if !fellBack || blocked { pendingRise = true }
            }
            if nadir == nil || value.ngPerMl < nadir!.ngPerMl { nadir = value }
        }
        if pendingRise {
            return .insufficient("a PSA rise meets the PCWG3 thresholds but has no value ≥ \(rule.confirmDays) days later to confirm it")
        }
        let afterFlare = onTreatment.filter { $0.time.day >= flareEndDay }
        if afterFlare.isEmpty {
            return .insufficient("no PSA result from week \(rule.flareDays / 7) of treatment onwards")
        }
        if assessed.count < 2 {
            return .insufficient("a single PSA result cannot show a rise")
        }
        return .noProgression(values: assessed)
    }

    static func isRise(_ v: PSAValue, over nadir: PSAValue, _ rule: PSARule) -> Bool {
        let rise = v.ngPerMl - nadir.ngPerMl
        return rise >= rule.riseAbsolute && v.ngPerMl >= nadir.ngPerMl * (1 + rule.risePercent / 100)
    }
}
