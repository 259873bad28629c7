import ClinicalModel

/// A continuous stretch on one drug (or drug class), merged from its statements.
struct TherapyCourse: Sendable {
    /// First known day on the drug; nil when no statement dates it.
    var start: Instant?
    /// Last day known on the drug (the evaluation date while it continues).
    var end: Instant?
    var ongoing: Bool
    var statements: [MedicationUse]

    var sources: [SourceRef] { statements.map(\.source) }

    /// Courses from usable, actual exposures. Statements are merged into one course when the
    /// next starts within `gapDays` of the last known day of the previous one.
    ///
    /// A statement's last known day is its effective end; if it has none, it continues to
    /// `asOf` when its status says it is current (active, on-hold, in-progress), and otherwise
    /// the last date it carries (stopped, completed or undated statements are not stretched).
    static func courses(_ uses: [MedicationUse], asOf: Instant, gapDays: Int) -> [TherapyCourse] {
        var dated: [TherapyCourse] = []
        var undated: [MedicationUse] = []
        for use in uses {
            guard let start = use.start else {
                undated.append(use)
                continue
            }
            let current = ["active", "on-hold", "in-progress"].contains(use.status ?? "")
            let explicitEnd = use.effective?.end != nil && use.effective?.end != use.effective?.start
            var end: Instant
            if explicitEnd, let e = use.effective?.end?.last {
                end = max(e, start)
            } else if current {
                end = asOf
            } else {
                end = max(use.effective?.latest ?? start, start)
            }
            end = min(end, max(asOf, start))
            dated.append(TherapyCourse(start: start, end: end, ongoing: end >= asOf, statements: [use]))
        }
        dated.sort { ($0.start!, $0.end!) < ($1.start!, $1.end!) }
        var merged: [TherapyCourse] = []
        for course in dated {
            if var last = merged.last, course.start! <= last.end!.adding(days: gapDays) {
                last.end = max(last.end!, course.end!)
                last.ongoing = last.ongoing || course.ongoing
                last.statements += course.statements
                merged[merged.count - 1] = last
            } else {
                merged.append(course)
            }
        }
        if !undated.isEmpty { merged.append(TherapyCourse(start: nil, end: nil, ongoing: false, statements: undated)) }
        return merged
    }
}
