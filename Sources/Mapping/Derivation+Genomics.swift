import ClinicalModel

/// Genomic testing and BRCA1/2 status, with each result's origin (somatic or germline).
extension Derivation {
    enum Origin: Equatable {
        case somatic, germline
        /// Neither a 48002-0 component nor the test says: read as somatic (most oncology panels
        /// are tumour tests), and the note says so.
        case notStated
    }

    /// A result's origin: genomics-reporting component 48002-0, else its test code or text.
    func origin(_ o: Observation, _ r: GenomicOrigin) -> Origin {
        for c in o.components where r.components.matchesCode(c.code) {
            if case .concept(let v)? = c.value {
                if r.germline.matches(v) { return .germline }
                if r.somatic.matches(v) { return .somatic }
            }
        }
        if r.germlineTests.matches(o.code) { return .germline }
        for category in o.categories where r.germlineTests.matches(category) { return .germline }
        return .notStated
    }

    func isGenomicResult(_ o: Observation, _ t: GenomicTestingFact) -> Bool {
        t.results.matchesCode(o.code) || o.components.contains { t.geneStudied.matchesCode($0.code) }
            || t.geneTests.contains { $0.matchesCode(o.code) }
    }

    /// A tumour (tissue or ctDNA) genomic result on record; germline-only testing does not count.
    func genomicTestingDone(_ t: GenomicTestingFact) -> Fact {
        let results = observations.filter { isGenomicResult($0, t) }
        let somatic = results.filter { origin($0, t.origin) != .germline }
        if let first = somatic.first {
            let stated = somatic.contains { origin($0, t.origin) == .somatic }
            return Fact(id: t.id, truth: .true, evidence: somatic.map(\.source),
                        note: "Genomic result on record: \(first.code.label)" + (first.time.map { " (\($0.dateString))" } ?? "")
                            + (stated ? ", somatic." : "."),
                        assumptions: stated ? [] : ["origin not stated; read as somatic"])
        }
        if !results.isEmpty {
            return Fact(id: t.id, truth: .false, evidence: results.map(\.source),
                        note: "Only germline (hereditary) testing is on record; it does not count as somatic testing.")
        }
        return Fact(id: t.id, truth: .false, note: "No somatic or germline testing result is on record.")
    }

    /// Pathogenic or likely pathogenic BRCA1/BRCA2 variant, germline or somatic. False only when
    /// somatic testing covered both genes and found none; unknown otherwise.
    func geneAlteration(_ g: GeneAlterationFact) -> Fact {
        var positive: [(SourceRef, String)] = []
        var covered: [String: [SourceRef]] = [:]
        var germlineCovered: [String: [SourceRef]] = [:]
        var originNotStated = false

        for o in observations {
            // Where the result comes from, read only for the observations that report on a gene:
            // it matches the code's text, and most observations are vitals and labs.
            var known: Origin? = nil
            func resultOrigin() -> Origin {
                if let known { return known }
                let found = origin(o, g.origin)
                known = found
                return found
            }
            func cover(_ gene: String) {
                let from = resultOrigin()
                if from == .germline {
                    germlineCovered[gene, default: []].append(o.source)
                } else {
                    covered[gene, default: []].append(o.source)
                    if from == .notStated { originNotStated = true }
                }
            }
            // Variant observations (genomics-reporting / mCODE): gene studied + clinical significance.
            if let studied = o.components.first(where: { g.geneStudied.matchesCode($0.code) }),
                case .concept(let geneValue)? = studied.value
            {
                for gene in g.genes where gene.gene.matchesCode(geneValue) {
                    let significance = o.components.first { g.significance.matchesCode($0.code) }
                    let absent = o.value.map { if case .concept(let c) = $0 { g.variantAbsent.matchesCode(c) } else { false } } ?? false
                    if case .concept(let s)? = significance?.value, g.pathogenic.matchesCode(s), !absent {
                        let from = resultOrigin()
                        positive.append((o.source, "\(gene.name) variant classified \(s.label)"
                                         + (from == .germline ? " (germline)" : from == .somatic ? " (somatic)" : "")))
                    } else if absent || (significance?.value).map({ if case .concept(let s) = $0 { g.notPathogenic.matchesCode(s) } else { false } }) == true {
                        cover(gene.name)
                    }
                }
                continue
            }
            // Older single-gene tests: a positive / negative result.
            for gene in g.genes where gene.tests.matchesCode(o.code) {
                switch resultPolarity(o, positive: g.positiveResults, negative: g.negativeResults) {
                case .true: positive.append((o.source, "\(o.code.label) positive"))
                case .false: cover(gene.name)
                case .unknown: break
                }
            }
        }
        for c in conditions {
            for gene in g.genes where gene.positiveFindings.matchesCode(c.code) { positive.append((c.source, c.code.label)) }
        }
        if let first = positive.first {
            return Fact(id: g.id, truth: .true, evidence: positive.map(\.0), note: "\(first.1).")
        }
        let names = g.genes.map(\.name)
        let missing = names.filter { covered[$0] == nil }
        if missing.isEmpty {
            return Fact(id: g.id, truth: .false, evidence: names.flatMap { covered[$0]! },
                        note: "Somatic testing covered \(names.joined(separator: " and ")) and found no pathogenic variant.",
                        assumptions: originNotStated ? ["origin not stated; read as somatic"] : [])
        }
        if !germlineCovered.isEmpty && missing.allSatisfy({ germlineCovered[$0] != nil }) {
            return Fact(id: g.id, truth: .unknown, evidence: names.flatMap { germlineCovered[$0] ?? [] },
                        note: "Germline testing found no pathogenic \(names.joined(separator: "/")) variant, but a tumour can carry one: somatic testing has not covered \(missing.joined(separator: " and ")).")
        }
        if missing.count < names.count || !germlineCovered.isEmpty {
            return Fact(id: g.id, truth: .unknown, evidence: names.flatMap { (covered[$0] ?? []) + (germlineCovered[$0] ?? []) },
                        note: "No pathogenic variant found, but somatic testing did not cover \(missing.joined(separator: " and ")).")
        }
        return Fact(id: g.id, truth: .unknown, note: "No \(names.joined(separator: "/")) testing result is on record.")
    }

    /// Positive / negative from a coded value, a boolean value or the interpretation.
    func resultPolarity(_ o: Observation, positive pos: ValueSet, negative neg: ValueSet) -> Truth {
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
