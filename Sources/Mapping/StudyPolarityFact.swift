import ClinicalModel

/// Kind `latest-study-polarity`: the latest study of `studies` (an imaging test such as a PSMA
/// PET, recognized by code or text) is reported positive (true) or negative (false), by a coded
/// value or interpretation in `positiveResults` / `negativeResults`. A newer study without a
/// coded result leaves the question open rather than letting an older one answer; unknown with
/// no study. `study` names it in notes.
struct StudyPolarityFact: FactKind {
    let id: FactID
    let studies: ValueSet
    let positive: ValueSet
    let negative: ValueSet
    let study: String
    var dependencies: [FactID] { [] }

    init(_ p: FactParameters) throws(MappingError) {
        id = p.id
        studies = try p.valueSet("studies")
        positive = try p.valueSet("positiveResults")
        negative = try p.valueSet("negativeResults")
        study = try p.string("study")
    }

    func derive(_ d: Derivation, _ known: FactSet) -> FactOutcome { FactOutcome(fact(d)) }

    private func fact(_ d: Derivation) -> Fact {
        let vs = studies
        let found = d.observations.filter { vs.matches($0.code) }
            .sorted { ($0.time ?? Instant(seconds: .min)) < ($1.time ?? Instant(seconds: .min)) }
        let procedures = d.procedures.filter { $0.actuality == .actual && vs.matches($0.code) }
        // The latest study decides (a report and its observations share its day).
        if let lastDay = found.last?.time?.day {
            let latest = found.filter { $0.time?.day == lastDay }
            let results = Set(latest.map({ d.resultPolarity($0, positive: positive, negative: negative) }).filter { $0 != .unknown })
            if results.count == 1, let polarity = results.first,
               let s = latest.first(where: { d.resultPolarity($0, positive: positive, negative: negative) == polarity })
            {
                let when = s.time.map { " on \($0.dateString)" } ?? ""
                return Fact(id: id, truth: polarity, evidence: latest.map(\.source),
                            note: "\(d.describe(s.code, vs))\(when) reported \(polarity == .true ? "positive" : "negative").")
            }
            if results.count > 1 {
                return Fact(id: id, truth: .unknown, evidence: latest.map(\.source),
                            note: "The latest \(study) is reported both positive and negative.")
            }
        }
        if !found.isEmpty || !procedures.isEmpty {
            return Fact(id: id, truth: .unknown, evidence: found.map(\.source) + procedures.map(\.source),
                        note: "A \(study) is on record but no positive or negative result is coded.")
        }
        return Fact(id: id, truth: .unknown, note: "No \(study) is on record.")
    }
}
