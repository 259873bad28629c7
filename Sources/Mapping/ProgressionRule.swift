import ClinicalModel

/// How progression on a therapy is recognized (DESIGN "progressed-on-enzalutamide"): stopped
/// for progression, documented progression (mCODE disease status, a progression problem), or
/// PCWG3 PSA progression, while on the drug or within `graceDaysAfterStop` after it; courses
/// with gaps over `courseGapDays` are separate. Shared by the `progression-on` kind and by any
/// kind that needs progression on a therapy of its own (each names its own drug and windows).
struct ProgressionRule: Sendable {
    let drug: ValueSet
    let graceDays: Int
    let courseGapDays: Int
    let progressionFindings: ValueSet
    let diseaseStatusCodes: ValueSet
    let progressionValues: ValueSet
    let stopReasons: ValueSet
    let psa: PSARule

    init(_ p: FactParameters) throws(MappingError) {
        drug = try p.valueSet("medications")
        graceDays = try p.int("graceDaysAfterStop")
        courseGapDays = try p.int("courseGapDays")
        progressionFindings = try p.valueSet("progressionFindings")
        diseaseStatusCodes = try p.valueSet("diseaseStatusObservations")
        progressionValues = try p.valueSet("progressionValues")
        stopReasons = try p.valueSet("stopReasons")
        psa = PSARule(
            observations: try p.valueSet("psaObservations"), units: try p.unitFactors("psaUnitsToNgPerMl"),
            flareDays: try p.int("psaIgnoreRisesFirstDays"), risePercent: try p.number("psaRisePercent"),
            riseAbsolute: try p.number("psaRiseAbsoluteNgPerMl"), confirmDays: try p.int("psaConfirmAfterDays"),
            baselineMaxDays: try p.int("psaBaselineMaxDaysBeforeStart"))
    }
}
