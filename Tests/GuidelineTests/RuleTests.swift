import ClinicalModel
import Testing
@testable import Guideline
@testable import Mapping

@Suite struct RuleTests {
    func facts(_ values: [FactID: Truth]) -> FactSet {
        var set = FactSet()
        for (id, t) in values { set.set(Fact(id: id, truth: t, note: "")) }
        return set
    }

    @Test func unknownNeverEnables() {
        let docetaxel: Rule = .all([.fact(.mcrpc), .fact(.progressedOnEnzalutamide), .not(.fact(.priorDocetaxel))])
        #expect(docetaxel.evaluate(facts([.mcrpc: .true, .progressedOnEnzalutamide: .true, .priorDocetaxel: .false])) == .true)
        #expect(docetaxel.evaluate(facts([.mcrpc: .true, .progressedOnEnzalutamide: .true, .priorDocetaxel: .unknown])) == .unknown)
        #expect(docetaxel.evaluate(facts([.mcrpc: .unknown, .progressedOnEnzalutamide: .true, .priorDocetaxel: .false])) == .unknown)
        #expect(docetaxel.evaluate(facts([.mcrpc: .false, .progressedOnEnzalutamide: .unknown, .priorDocetaxel: .unknown])) == .false)
    }

    @Test func unknownTestAsksForMissingData() {
        let psmaPET: Rule = .all([.fact(.mcrpc), .isUnknown(.psmaPositive)])
        #expect(psmaPET.evaluate(facts([.mcrpc: .true, .psmaPositive: .unknown])) == .true)
        #expect(psmaPET.evaluate(facts([.mcrpc: .true, .psmaPositive: .false])) == .false)
        #expect(psmaPET.evaluate(facts([.mcrpc: .true])) == .true)
    }

    @Test func reasonsNameTheFactsThatStopARule() {
        let rule: Rule = .all([.fact(.mcrpc), .fact(.priorDocetaxel)])
        let f = facts([.mcrpc: .true, .priorDocetaxel: .false])
        #expect(rule.reasons(f) == ["prior-docetaxel is false"])
        #expect(rule.text == "mcrpc ∧ prior-docetaxel")
        #expect(Rule.all([.fact(.mcrpc)]).reasons(f) == ["mcrpc is true"])
    }
}
