import ClinicalModel
import Testing
import TestSupport
@testable import Mapping

/// PCWG3: ≥ 25 % and ≥ 2 ng/mL above the nadir, after week 12, confirmed ≥ 3 weeks later.
@Suite struct PSAProgressionTests {
    let rule = PSARule(observations: TestSupport.mappings.valueSets["psa"]!, units: UnitTable(factors: ["ng/ml": 1]),
                       flareDays: 84, risePercent: 25, riseAbsolute: 2, confirmDays: 21, baselineMaxDays: 90)
    let start = Instant(year: 2024, month: 1, day: 1)

    func series(_ points: [(day: Int, value: Double)]) -> [PSAValue] {
        points.map { PSAValue(time: start.adding(days: $0.day), ngPerMl: $0.value,
                              source: SourceRef(file: "t", format: .fhirJSON, reference: "Observation/\($0.day)")) }
    }

    func outcome(_ points: [(day: Int, value: Double)], windowDays: Int = 1000) -> PSAProgression.Outcome {
        PSAProgression.evaluate(series(points), start: start, windowEnd: start.adding(days: windowDays), rule: rule)
    }

    @Test func confirmedRiseAboveTheNadirIsProgression() {
        guard case .progression(let rise, let confirmation, let nadir) =
            outcome([(-10, 10), (30, 5), (90, 4), (120, 6.5), (150, 7)])
        else { Issue.record("expected progression"); return }
        #expect(nadir.ngPerMl == 4 && rise.ngPerMl == 6.5 && confirmation.ngPerMl == 7)
    }

    @Test func riseBelowEitherThresholdIsNotProgression() {
        // +22.5 % and +0.9: neither threshold. Then +50 % but only +1.5 ng/mL.
        guard case .noProgression = outcome([(0, 4), (90, 4.9), (120, 5.0)]) else { Issue.record("≥25% and ≥2 both needed"); return }
        guard case .noProgression = outcome([(0, 3), (90, 4.5), (120, 4.5)]) else { Issue.record("absolute rise too small"); return }
    }

    @Test func risesInTheFirstTwelveWeeksAreIgnored() {
        guard case .noProgression = outcome([(0, 5), (28, 9), (56, 10), (100, 4), (130, 4.2)])
        else { Issue.record("a flare counted as progression"); return }
    }

    @Test func aRiseWithoutConfirmationIsUndecided() {
        guard case .insufficient = outcome([(0, 5), (90, 3), (120, 8)]) else { Issue.record("unconfirmed rise decided"); return }
    }

    @Test func aConfirmationTooSoonDoesNotCount() {
        guard case .insufficient = outcome([(0, 5), (90, 3), (120, 8), (130, 9)]) else {
            Issue.record("confirmation 10 days later accepted"); return
        }
    }

    @Test func withoutValuesAfterTheFlareWindowNothingIsDecided() {
        guard case .insufficient = outcome([(0, 5), (30, 4)]) else { Issue.record("decided on flare-window data"); return }
    }

    @Test func nadirIsTheBaselineWhenPSANeverFell() {
        guard case .progression(_, _, let nadir) = outcome([(-5, 4), (100, 7), (130, 7.5)]) else {
            Issue.record("rise over baseline missed"); return
        }
        #expect(nadir.time == start.adding(days: -5))
    }

    @Test func risesAfterTheWindowDoNotCount() {
        guard case .noProgression = outcome([(0, 5), (90, 3), (100, 3.1), (200, 9), (230, 10)], windowDays: 150) else {
            Issue.record("a rise after the window counted"); return
        }
    }
}

extension PSAProgressionTests {
    @Test func aFallBeforeTheConfirmationBreaksIt() {
        // 3 → 6 (rise) → 3.2 (fell back) → 6.5 four weeks after the first rise: not confirmed.
        guard case .insufficient = outcome([(0, 5), (90, 3), (120, 6), (130, 3.2), (150, 6.5)]) else {
            Issue.record("a rise was confirmed across a fall"); return
        }
    }

    @Test func aBaselineOlderThanItsWindowIsNotUsed() {
        // The last pre-treatment value is a year old: it is not the baseline, so the first
        // on-treatment value starts the nadir.
        guard case .noProgression = outcome([(-365, 1), (20, 6), (100, 6.5), (130, 6.6)]) else {
            Issue.record("a stale baseline decided progression"); return
        }
    }
}
