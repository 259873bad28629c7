import ClinicalModel

/// PSMA PET: recognized by tracer codes or "PSMA" and tracer names in the study's text.
extension Derivation {
    func psmaPositive() -> Fact {
        let vs = rules.psmaPET
        let studies = observations.filter { vs.matches($0.code) }.sorted { ($0.time ?? Instant(seconds: .min)) < ($1.time ?? Instant(seconds: .min)) }
        let procedures = self.procedures.filter { $0.actuality == .actual && vs.matches($0.code) }
        for study in studies.reversed() {
            let polarity = resultPolarity(study)
            guard polarity != .unknown else { continue }
            let when = study.time.map { " on \($0.dateString)" } ?? ""
            return Fact(id: .psmaPositive, truth: polarity, evidence: [study.source],
                        note: "\(describe(study.code, vs))\(when) reported \(polarity == .true ? "positive" : "negative").")
        }
        if !studies.isEmpty || !procedures.isEmpty {
            return Fact(id: .psmaPositive, truth: .unknown, evidence: studies.map(\.source) + procedures.map(\.source),
                        note: "A PSMA PET is on record but no positive or negative result is coded.")
        }
        return Fact(id: .psmaPositive, truth: .unknown, note: "No PSMA PET is on record.")
    }
}
