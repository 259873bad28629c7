import ClinicalModel
import Testing
@testable import Guideline
@testable import Mapping

@Suite struct RuleTests {
    // Fact ids are open strings (facts.json); these are the mCRPC guideline's.
    static let mcrpc: FactID = "mcrpc"
    static let progressed: FactID = "progressed-on-enzalutamide"
    static let priorDocetaxel: FactID = "prior-docetaxel"
    static let psmaPositive: FactID = "psma-positive"

    func facts(_ values: [FactID: Truth]) -> FactSet {
        var set = FactSet()
        for (id, t) in values { set.set(Fact(id: id, truth: t, note: "")) }
        return set
    }

    @Test func unknownNeverEnables() {
        let docetaxel: Rule = .all([.fact(Self.mcrpc), .fact(Self.progressed), .not(.fact(Self.priorDocetaxel))])
        #expect(docetaxel.evaluate(facts([Self.mcrpc: .true, Self.progressed: .true, Self.priorDocetaxel: .false])) == .true)
        #expect(docetaxel.evaluate(facts([Self.mcrpc: .true, Self.progressed: .true, Self.priorDocetaxel: .unknown])) == .unknown)
        #expect(docetaxel.evaluate(facts([Self.mcrpc: .unknown, Self.progressed: .true, Self.priorDocetaxel: .false])) == .unknown)
        #expect(docetaxel.evaluate(facts([Self.mcrpc: .false, Self.progressed: .unknown, Self.priorDocetaxel: .unknown])) == .false)
    }

    @Test func unknownTestAsksForMissingData() {
        let psmaPET: Rule = .all([.fact(Self.mcrpc), .isUnknown(Self.psmaPositive)])
        #expect(psmaPET.evaluate(facts([Self.mcrpc: .true, Self.psmaPositive: .unknown])) == .true)
        #expect(psmaPET.evaluate(facts([Self.mcrpc: .true, Self.psmaPositive: .false])) == .false)
        #expect(psmaPET.evaluate(facts([Self.mcrpc: .true])) == .true)
    }

    @Test func reasonsNameTheFactsThatStopARule() {
        let rule: Rule = .all([.fact(Self.mcrpc), .fact(Self.priorDocetaxel)])
        let f = facts([Self.mcrpc: .true, Self.priorDocetaxel: .false])
        #expect(rule.reasons(f) == ["prior-docetaxel is false"])
        #expect(rule.text == "mcrpc ∧ prior-docetaxel")
        #expect(Rule.all([.fact(Self.mcrpc)]).reasons(f) == ["mcrpc is true"])
    }

    @Test func reasonsThroughNegationAndDisjunction() {
        let f = facts([Self.mcrpc: .false, Self.progressed: .true, Self.priorDocetaxel: .unknown])
        // A disjunction that holds rests on its first sub-rule that holds.
        #expect(Rule.any([.fact(Self.mcrpc), .fact(Self.progressed), .isUnknown(Self.priorDocetaxel)]).reasons(f)
                == ["progressed-on-enzalutamide is true"])
        // One that does not hold names every sub-rule.
        #expect(Rule.any([.fact(Self.mcrpc), .fact(Self.priorDocetaxel)]).reasons(f)
                == ["mcrpc is false", "prior-docetaxel is unknown"])
        // ¬(mcrpc ∧ progressed) holds; the conjunction under it fails, on mcrpc alone.
        #expect(Rule.not(.all([.fact(Self.mcrpc), .fact(Self.progressed)])).reasons(f) == ["mcrpc is false"])
        // ¬¬(…) is the conjunction again: it fails, on mcrpc and the unknown prior docetaxel.
        #expect(Rule.not(.not(.all([.fact(Self.mcrpc), .fact(Self.progressed), .fact(Self.priorDocetaxel)]))).reasons(f)
                == ["mcrpc is false", "prior-docetaxel is unknown"])
    }

    /// The reasons, as their definition reads, asking every sub-rule for its own value: the
    /// oracle for the walk that hands values down.
    static func definedReasons(_ rule: Rule, _ f: FactSet) -> [String] {
        let holds = rule.evaluate(f) == .true
        switch rule {
        case .fact(let id), .isUnknown(let id): return ["\(id) is \(f[id]?.value.description ?? "unknown")"]
        case .not(let r): return definedReasons(r, f)
        case .all(let rs):
            return rs.filter { holds || $0.evaluate(f) != .true }.flatMap { definedReasons($0, f) }
        case .any(let rs):
            if holds, let first = rs.first(where: { $0.evaluate(f) == .true }) { return definedReasons(first, f) }
            return rs.flatMap { definedReasons($0, f) }
        }
    }

    @Test func reasonsAreTheDefinedOnesForRandomRules() {
        let ids = [Self.mcrpc, Self.progressed, Self.priorDocetaxel, Self.psmaPositive]
        var state: UInt64 = 7
        func next(_ n: Int) -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int((state >> 33) % UInt64(n))
        }
        func rule(_ depth: Int) -> Rule {
            switch depth > 3 ? next(2) : next(5) {
            case 0: return .fact(ids[next(4)])
            case 1: return .isUnknown(ids[next(4)])
            case 2: return .not(rule(depth + 1))
            case 3: return .all((0..<(1 + next(3))).map { _ in rule(depth + 1) })
            default: return .any((0..<(1 + next(3))).map { _ in rule(depth + 1) })
            }
        }
        let truths: [Truth] = [.true, .false, .unknown]
        for _ in 0..<300 {
            let r = rule(0)
            for assignment in 0..<81 {
                var values: [FactID: Truth] = [:]
                var a = assignment
                for id in ids { values[id] = truths[a % 3]; a /= 3 }
                let f = facts(values)
                #expect(r.reasons(f) == Self.definedReasons(r, f), "\(r.text)")
            }
        }
    }

    /// Deep rules (a chain of conjunctions under negations, 300 levels) give the defined reasons.
    @Test func deepRulesGiveTheDefinedReasons() {
        var chain: Rule = .fact(Self.psmaPositive)
        for level in 0..<300 {
            let leaf: Rule = level % 3 == 0 ? .isUnknown(Self.priorDocetaxel) : .fact(level % 2 == 0 ? Self.mcrpc : Self.progressed)
            chain = level % 5 == 0 ? .not(.all([leaf, chain])) : (level % 2 == 0 ? .all([leaf, chain]) : .any([chain, leaf]))
        }
        for values in [[Self.mcrpc: Truth.true, Self.progressed: .true, Self.priorDocetaxel: .unknown, Self.psmaPositive: .false],
                       [Self.mcrpc: .false, Self.progressed: .unknown, Self.priorDocetaxel: .true, Self.psmaPositive: .true]] {
            let f = facts(values)
            #expect(chain.reasons(f) == Self.definedReasons(chain, f))
        }
    }
}
