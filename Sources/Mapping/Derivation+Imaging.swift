import ClinicalModel

/// PSMA PET: recognized by tracer codes or "PSMA" and tracer names in the study's text.
extension Derivation {
    func psmaPositive() -> Fact {
        let vs = rules.psma.studies
        let studies = observations.filter { vs.matches($0.code) }.sorted { ($0.time ?? Instant(seconds: .min)) < ($1.time ?? Instant(seconds: .min)) }
        let procedures = self.procedures.filter { $0.actuality == .actual && vs.matches($0.code) }
        // The latest PSMA PET decides (a report and its observations share its day). A newer study
        // without a coded result leaves the question open rather than letting an older one answer.
        if let lastDay = studies.last?.time?.day {
            let latest = studies.filter { $0.time?.day == lastDay }
            let results = Set(latest.map({ resultPolarity($0, positive: rules.psma.positive, negative: rules.psma.negative) }).filter { $0 != .unknown })
            if results.count == 1, let polarity = results.first, let study = latest.first(where: { resultPolarity($0, positive: rules.psma.positive, negative: rules.psma.negative) == polarity }) {
                let when = study.time.map { " on \($0.dateString)" } ?? ""
                return Fact(id: .psmaPositive, truth: polarity, evidence: latest.map(\.source),
                            note: "\(describe(study.code, vs))\(when) reported \(polarity == .true ? "positive" : "negative").")
            }
            if results.count > 1 {
                return Fact(id: .psmaPositive, truth: .unknown, evidence: latest.map(\.source),
                            note: "The latest PSMA PET is reported both positive and negative.")
            }
        }
        if !studies.isEmpty || !procedures.isEmpty {
            return Fact(id: .psmaPositive, truth: .unknown, evidence: studies.map(\.source) + procedures.map(\.source),
                        note: "A PSMA PET is on record but no positive or negative result is coded.")
        }
        return Fact(id: .psmaPositive, truth: .unknown, note: "No PSMA PET is on record.")
    }
}
