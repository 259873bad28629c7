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
}
