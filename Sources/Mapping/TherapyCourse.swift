import ClinicalModel

/// A continuous stretch on one drug, merged from its statements, with how its end was found.
///
/// DESIGN "Medication courses" (the OMOP drug-exposure conventions): a course's end is, in
/// this order, an explicit end; start + supply; for a regimen given in cycles, the last
/// administration + one cycle; the evaluation date while the status says current, for a
/// continuous drug, unless a later line agent has started (then that start); otherwise it is
/// not recorded, and is assumed to run to the next line's start or to the evaluation date.
struct TherapyCourse: Sendable {
    enum End: Sendable, Equatable {
        /// Known from the record: an explicit end, start + supply, or the last cycle. `how` says which.
        case recorded(Instant, how: String)
        /// The status says the course goes on, and no later line has started.
        case current
        /// The status said current, but a later line agent started on this day.
        case superseded(Instant, by: String)
        /// Not recorded: assumed until `until` (`what` names it); `statusSaysEnded` when the
        /// status says the course ended (stopped, completed) without saying when.
        case notRecorded(until: Instant, what: String, statusSaysEnded: Bool)
        /// The statements disagree: one says the course goes on (status current, no end), a later
        /// one ends it on this day. Windows use the recorded end; "is it current?" is unknown.
        case conflicting(Instant, how: String)
    }

    /// First known day on the drug; nil when no statement dates it.
    var start: Instant?
    /// Nil for an undated course.
    var end: End?
    var statements: [MedicationUse]
    /// The latest statement's status says the course ended (stopped, completed …).
    var statusSaysEnded = false

    var sources: [SourceRef] { statements.map(\.source) }

    /// The last day the course is taken to reach, for windows: the recorded or assumed end, or
    /// the evaluation date for a current course.
    func lastDay(asOf: Instant) -> Instant? {
        switch end {
        case .recorded(let e, _)?: e
        case .current?: asOf
        case .superseded(let e, _)?: e
        case .notRecorded(let until, _, _)?: until
        case .conflicting(let e, _)?: e
        case nil: nil
        }
    }

    var isCurrent: Bool { end == .current }

    /// The assumption the course rests on, for notes ("end not recorded; assumed until …").
    var assumption: String? {
        guard case .notRecorded(let until, let what, let ended)? = end else { return nil }
        // The evaluation date itself is not written out: the note must not change night after night.
        let assumed = what == "the evaluation date" ? "assumed to run to the evaluation date" : "assumed until \(until.dateString) (\(what))"
        return "end not recorded\(ended ? " (status says it ended)" : ""); \(assumed)"
    }

    /// "since 2025-01-20", "2025-01-20 to 2026-06-01".
    func span(asOf: Instant) -> String {
        guard let start else { return "undated" }
        switch end {
        case .current?: return "since \(start.dateString)"
        case .notRecorded?: return "from \(start.dateString), end not recorded"
        default: return "\(start.dateString) to \(lastDay(asOf: asOf)?.dateString ?? "?")"
        }
    }

    /// One statement's contribution.
    private struct Piece {
        let use: MedicationUse
        let start: Instant
        /// The latest date the statement itself carries.
        let lastDate: Instant
        let recordedEnd: (Instant, String)?
        let current: Bool
        let ended: Bool
    }

    /// Courses from usable, actual exposures to one drug. `therapy` gives its schedule (nil:
    /// continuous); `nextLine(start)` is the first start of another line agent's later regimen.
    static func courses(
        _ uses: [MedicationUse], therapy: TherapyTable.Therapy?, table: TherapyTable, asOf: Instant, gapDays: Int,
        nextLine: (Instant) -> (start: Instant, name: String)?
    ) -> [TherapyCourse] {
        var pieces: [Piece] = []
        var undated: [MedicationUse] = []
        for use in uses {
            guard let start = use.start else {
                undated.append(use)
                continue
            }
            let status = use.status ?? ""
            let lastDate = max(use.effective?.latest ?? start, start)
            var recordedEnd: (Instant, String)? = nil
            if let e = use.effective?.end, use.effective?.start != e {
                recordedEnd = (max(e.last, start), "recorded end")
            } else if use.kind == .administration, use.effective != nil {
                // An administration is a dose on a day; for a continuous drug it covers a day's
                // dosing (a finite regimen's cycle is added at the course level).
                recordedEnd = (lastDate.adding(days: table.administrationCoverDays), "administration")
            } else if let days = table.days(use.supply) {
                recordedEnd = (start.adding(days: days), "supply of \(days) days")
            }
            pieces.append(Piece(use: use, start: start, lastDate: lastDate, recordedEnd: recordedEnd,
                                current: table.currentStatuses.contains(status), ended: table.endedStatuses.contains(status)))
        }
        pieces.sort { ($0.start, $0.use.source) < ($1.start, $1.use.source) }

        // Merge statements whose start falls within `gapDays` of what is known of the previous ones.
        var groups: [[Piece]] = []
        var reach: Instant? = nil
        for piece in pieces {
            let pieceReach = piece.recordedEnd?.0 ?? (piece.current ? asOf : piece.lastDate)
            if !groups.isEmpty, let r = reach, piece.start <= r.adding(days: gapDays) {
                // Appended in place: a copy of the last group, appended and stored back, copied
                // the whole group for every piece (quadratic in a long course's statements).
                groups[groups.count - 1].append(piece)
                reach = max(r, pieceReach)
            } else {
                groups.append([piece])
                reach = pieceReach
            }
        }

        var result: [TherapyCourse] = groups.map { group in
            let start = group.map(\.start).min()!
            let recorded = group.compactMap(\.recordedEnd).max { $0.0 < $1.0 }
            let latest = group.max { ($0.start, $0.lastDate) < ($1.start, $1.lastDate) }!
            let end: End
            if case .cycles(let days)? = therapy?.schedule {
                let last = group.map(\.lastDate).max()!
                let byCycle = last.adding(days: days)
                end = recorded.map { $0.0 > byCycle } == true
                    ? .recorded(recorded!.0, how: recorded!.1)
                    : .recorded(byCycle, how: "last administration \(last.dateString) + one \(days)-day cycle")
            } else if latest.recordedEnd == nil && latest.current {
                if let next = nextLine(start), next.start <= asOf {
                    end = .superseded(next.start, by: next.name)
                } else {
                    end = .current
                }
            } else if let recorded, latest.recordedEnd != nil || recorded.0 >= latest.lastDate {
                // An earlier statement still says "ongoing" (no end, status current) and no later
                // line ended it: the statements disagree about whether the course goes on.
                let ongoing = group.contains { $0.current && $0.recordedEnd == nil }
                let superseded = nextLine(start).map { $0.start <= asOf } ?? false
                end = ongoing && !superseded && recorded.0 < asOf
                    ? .conflicting(recorded.0, how: recorded.1) : .recorded(recorded.0, how: recorded.1)
            } else {
                let next = nextLine(start).flatMap { $0.start <= asOf ? $0 : nil }
                end = .notRecorded(until: next?.start ?? asOf,
                                   what: next.map { "the start of \($0.name)" } ?? "the evaluation date",
                                   statusSaysEnded: latest.ended)
            }
            return TherapyCourse(start: start, end: end, statements: group.map(\.use), statusSaysEnded: latest.ended)
        }
        if !undated.isEmpty { result.append(TherapyCourse(start: nil, end: nil, statements: undated)) }
        return result
    }
}
