import ClinicalModel

/// Kind `latest-quantity-below`: the latest result of a measurement in the last `lookbackDays`
/// is below `threshold` (in `unit`; results converted with `unitsToUnit`). A censored value
/// decides only when its bound does ("< 20" is below 50, "< 100" cannot say); when the latest
/// result (or one of its day) has no usable number or unit, the fact is unknown — an older
/// readable result does not say what the latest says.
struct LatestQuantityFact: FactKind {
    let id: FactID
    let observations: ValueSet
    let lookbackDays: Int
    let threshold: Double
    /// The unit of the threshold, as notes show it ("ng/dL").
    let unit: String
    let units: UnitTable
    /// A second unit the threshold is also shown in ("nmol/L"), converted with `units`.
    let alsoShowIn: String?
    /// How notes name the measurement ("testosterone").
    let measure: String
    let notes: FactNotes
    var dependencies: [FactID] { [] }

    init(_ p: FactParameters) throws(MappingError) {
        id = p.id
        observations = try p.valueSet("observations")
        lookbackDays = try p.int("lookbackDays")
        threshold = try p.number("threshold")
        unit = try p.string("unit")
        units = try p.unitFactors("unitsToUnit")
        guard units.factors[UnitTable.key(unit)] == 1 else {
            throw MappingError(file: p.file, path: p.path("unitsToUnit"), message: "the unit \"\(unit)\" itself must have the factor 1")
        }
        alsoShowIn = p.has("alsoShowIn") ? try p.string("alsoShowIn") : nil
        measure = try p.string("measure")
        notes = p.notes
    }

    func derive(_ d: Derivation, _ known: FactSet) -> FactOutcome { FactOutcome(fact(d)) }

    private func fact(_ d: Derivation) -> Fact {
        let windowStartDay = d.asOf.day - lookbackDays
        var unconvertible: [SourceRef] = []
        var latestUnconvertible: Instant? = nil
        var latest: (time: Instant, value: Double, quantity: Quantity, source: SourceRef)? = nil
        for o in d.observations where observations.matchesCode(o.code) {
            guard let time = o.time, time.day >= windowStartDay, time < d.horizon else { continue }
            // A value that is not a finite, non-negative number measures nothing ("-1E400 ng/dL"),
            // nor does a result given as text or not given.
            guard case .quantity(let q)? = o.value, q.isMeasurable, let v = units.convert(q), v.isFinite, v >= 0 else {
                unconvertible.append(o.source)
                if latestUnconvertible.map({ time > $0 }) ?? true { latestUnconvertible = time }
                continue
            }
            if latest == nil || time > latest!.time { latest = (time, v, q, o.source) }
        }
        let Measure = measure.capitalizedFirst
        if let u = latestUnconvertible, let l = latest, u.day >= l.time.day {
            return Fact(id: id, truth: .unknown, evidence: unconvertible,
                        note: "The latest \(measure) result in the last \(lookbackDays) days (\(u.dateString)) has no unit that can be converted to \(unit), or no usable number.")
        }
        let also = alsoShowIn.flatMap { other in
            units.factors[UnitTable.key(other)].map { " (\(Derivation.round3(threshold / $0)) \(other))" }
        } ?? ""
        guard let latest else {
            if !unconvertible.isEmpty {
                return Fact(id: id, truth: .unknown, evidence: unconvertible,
                            note: "\(Measure) results in the last \(lookbackDays) days have no unit that can be converted to \(unit), or no usable number.")
            }
            return Fact(id: id, truth: .unknown,
                        note: notes.text("none", "No \(measure) result in the last {days} days.", ["days": String(lookbackDays)]))
        }
        let shown = "\(latest.quantity.comparator ?? "")\(latest.quantity.text) \(latest.quantity.unit ?? "")".trimmingSpaces
        let converted = latest.quantity.unit.map(UnitTable.key) == UnitTable.key(unit) ? "" : " = \(Derivation.round3(latest.value)) \(unit)"
        let comparator = latest.quantity.comparator ?? ""
        let below = latest.value < threshold || (comparator.hasPrefix("<") && latest.value <= threshold)
        if (comparator.hasPrefix("<") && !below) || (comparator.hasPrefix(">") && latest.value < threshold) {
            return Fact(id: id, truth: .unknown, evidence: [latest.source],
                        note: "Latest \(measure) is reported as \(shown) on \(latest.time.dateString): a censored value that cannot be compared with \(Derivation.format(threshold)) \(unit).")
        }
        return Fact(id: id, truth: Truth(below), evidence: [latest.source],
                    note: "Latest \(measure) \(shown)\(converted) on \(latest.time.dateString) is "
                        + (below ? "below" : "not below") + " \(Derivation.format(threshold)) \(unit)\(also).")
    }
}
