import ClinicalModel

/// Genomic testing and BRCA1/2 status.
extension Derivation {
    func genomicTestingDone() -> Fact {
        let g = rules.genomics
        let results = observations.filter { o in
            g.results.matchesCode(o.code) || o.components.contains { g.geneStudied.matchesCode($0.code) }
                || g.genes.contains { $0.tests.matchesCode(o.code) }
        }
        let findings = conditions.filter { c in
            g.genes.contains { $0.positiveFindings.matchesCode(c.code) || $0.negativeFindings.matchesCode(c.code) }
        }
        if let first = results.first {
            return Fact(id: .genomicTestingDone, truth: .true, evidence: results.map(\.source) + findings.map(\.source),
                        note: "Genomic result on record: \(first.code.label)"
                            + (first.time.map { " (\($0.dateString))" } ?? "") + ".")
        }
        if let first = findings.first {
            return Fact(id: .genomicTestingDone, truth: .true, evidence: findings.map(\.source),
                        note: "A genomic finding is on the problem list: \(first.code.label).")
        }
        return Fact(id: .genomicTestingDone, truth: .false, note: "No somatic or germline testing result is on record.")
    }

    /// Pathogenic or likely pathogenic BRCA1/BRCA2 variant. False only when testing covered both
    /// genes and found none; unknown otherwise.
    func brcaAlteration() -> Fact {
        let g = rules.genomics
        var positive: [(SourceRef, String)] = []
        var covered: [String: [SourceRef]] = [:]

        for o in observations {
            // Variant observations (genomics-reporting / mCODE): gene studied + clinical significance.
            if let studied = o.components.first(where: { g.geneStudied.matchesCode($0.code) }),
                case .concept(let geneValue)? = studied.value
            {
                for gene in g.genes where gene.gene.matchesCode(geneValue) {
                    let significance = o.components.first { g.significance.matchesCode($0.code) }
                    let absent = o.value.map { if case .concept(let c) = $0 { g.variantAbsent.matchesCode(c) } else { false } } ?? false
                    if case .concept(let s)? = significance?.value, g.pathogenic.matchesCode(s), !absent {
                        positive.append((o.source, "\(gene.name) variant classified \(s.label)"))
                    } else if absent || (significance?.value).map({ if case .concept(let s) = $0 { g.notPathogenic.matchesCode(s) } else { false } }) == true {
                        covered[gene.name, default: []].append(o.source)
                    }
                }
                continue
            }
            // Older single-gene tests: a positive / negative result.
            for gene in g.genes where gene.tests.matchesCode(o.code) {
                switch resultPolarity(o) {
                case .true: positive.append((o.source, "\(o.code.label) positive"))
                case .false: covered[gene.name, default: []].append(o.source)
                case .unknown: break
                }
            }
        }
        for c in conditions {
            for gene in g.genes {
                if gene.positiveFindings.matchesCode(c.code) { positive.append((c.source, c.code.label)) }
                if gene.negativeFindings.matchesCode(c.code) { covered[gene.name, default: []].append(c.source) }
            }
        }
        if let first = positive.first {
            return Fact(id: .brcaAlteration, truth: .true, evidence: positive.map(\.0), note: "\(first.1).")
        }
        let names = g.genes.map(\.name)
        let missing = names.filter { covered[$0] == nil }
        if missing.isEmpty {
            return Fact(id: .brcaAlteration, truth: .false, evidence: names.flatMap { covered[$0]! },
                        note: "Testing covered \(names.joined(separator: " and ")) and found no pathogenic variant.")
        }
        if missing.count < names.count {
            return Fact(id: .brcaAlteration, truth: .unknown, evidence: covered.values.flatMap { $0 },
                        note: "No pathogenic variant found, but \(missing.joined(separator: " and ")) was not covered by testing.")
        }
        return Fact(id: .brcaAlteration, truth: .unknown, note: "No BRCA1/BRCA2 testing result is on record.")
    }

    /// Positive / negative from a coded value, a boolean value or the interpretation.
    func resultPolarity(_ o: Observation) -> Truth {
        let pos = rules.positiveResults
        let neg = rules.negativeResults
        var concepts = o.interpretation + o.conclusions
        switch o.value {
        case .concept(let c)?: concepts.append(c)
        case .boolean(let b)?: return Truth(b)
        default: break
        }
        let isPositive = concepts.contains { pos.matchesCode($0) }
        let isNegative = concepts.contains { neg.matchesCode($0) }
        if isPositive && !isNegative { return .true }
        if isNegative && !isPositive { return .false }
        return .unknown
    }
}
