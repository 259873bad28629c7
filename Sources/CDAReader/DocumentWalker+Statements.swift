import ClinicalModel

// The statement a closed entry becomes. Which template in which section yields what is the
// reader's code (CDAReader's documentation lists it); whether the statement is evidence, and
// the FHIR status it is recorded with, is the status table shared with the FHIR reader
// (`Mappings/statuses.json`): the entry's negationInd, statusCode and — for a problem — its
// concern's statusCode are collected here and looked up, never compared in Swift.

extension DocumentWalker {
    /// `type`: the FHIR resource type the entry corresponds to (a Problem Observation is a Condition).
    func source(_ f: EntryFrame, _ type: String) -> SourceRef {
        SourceRef(file: file, format: .cda, reference: f.reference, line: f.line, resourceType: type)
    }

    mutating func count(_ key: String) { counts.resourcesByType[key, default: 0] += 1 }

    mutating func close(_ f: EntryFrame, in kind: SectionKind) {
        switch kind {
        case .problems:
            if f.name == .observation && f.templates.contains(.problemObservation) {
                count("Problem")
                statements.append(.condition(condition(f)))
            } else if f.templates.contains(.problemStatus), !frames.isEmpty, case .concept(let c)? = f.value {
                frames[frames.count - 1].problemStatus = tables.statuses.problemStatus.value(c)
            }
        case .medications:
            if f.name == .substanceAdministration && f.templates.contains(.medicationActivity) {
                count("Medication")
                statements.append(.medication(medication(f, planned: f.mood == .planned)))
            }
        case .results:
            let result: EntryTemplates = [.resultObservation, .legacyResultObservation]
            // An observation directly inside a result observation is one of its components.
            if f.name == .observation, let parent = frames.last, parent.name == .observation,
                !parent.templates.isDisjoint(with: result), let code = f.code
            {
                frames[frames.count - 1].components.append(
                    ObservationComponent(code: code, value: f.value, interpretation: f.interpretation))
            }
            if f.name == .observation && !f.templates.isDisjoint(with: result) {
                count("Result")
                statements.append(.observation(observation(f, in: kind)))
            } else if f.name == .procedure && f.templates.contains(.legacyProcedureActivity) {
                // CCD 1.0 exports (Kareo) put procedure activities in the Results section.
                count("Procedure")
                statements.append(.procedure(procedure(f, kind: .cdaProcedure, planned: f.mood == .planned)))
            }
        case .vitalSigns:
            if f.name == .observation && !f.templates.isDisjoint(with: [.vitalSignObservation, .legacyResultObservation]) {
                count("VitalSign")
                statements.append(.observation(observation(f, in: kind)))
            }
        case .procedures:
            if f.name != .organizer && f.name != .encounter && f.name != .substanceAdministration && f.name != .supply
                && !f.templates.isDisjoint(with: .procedureActivity)
            {
                count("Procedure")
                statements.append(.procedure(procedure(f, kind: .cdaProcedure, planned: f.mood == .planned)))
            } else if f.name == .procedure && f.templates.contains(.plannedProcedure) {
                count("PlannedProcedure")
                statements.append(.procedure(procedure(f, kind: .cdaPlanned, planned: true)))
            }
        case .planOfTreatment:
            guard f.mood == .planned else { return }
            switch f.name {
            case .substanceAdministration:
                count("PlannedMedication")
                statements.append(.medication(medication(f, planned: true)))
            case .act, .observation, .procedure, .encounter:
                guard f.templates.isDisjoint(with: [.instruction, .plannedCoverage]) else { return }
                count("PlannedProcedure")
                statements.append(.procedure(procedure(f, kind: .cdaPlanned, planned: true)))
            default:
                break
            }
        }
    }

    func condition(_ f: EntryFrame) -> Condition {
        var code: Concept? = nil
        if case .concept(let c)? = f.value { code = c }
        let concernStatus = frames.last(where: { $0.templates.contains(.problemConcern) })?.status
        let abatement = f.effectiveHigh.map { Period(at: $0) }
        let onset = (f.effectiveLow ?? f.effectiveValue).map { Period(at: $0) }
        let problemStatus = tables.statuses.problemStatus
        let clinical = f.problemStatus
            ?? (abatement != nil ? problemStatus.withEffectiveTimeHigh : concernStatus.flatMap { problemStatus.concernStatusCodes[$0] })
        let usability = tables.statuses.cda(.condition).usability(
            StatusSemantics.Values(statusCode: f.status, negationInd: f.negated, concernStatusCode: concernStatus))
        return Condition(code: withNarrativeText(code, f), clinicalStatus: clinical, onset: onset, abatement: abatement,
                         bodySites: f.sites, usability: usability, source: source(f, "Condition"))
    }

    /// An actual Medication Activity is a MedicationStatement, a planned one a MedicationRequest.
    func medication(_ f: EntryFrame, planned: Bool) -> MedicationUse {
        var drug = f.material ?? Concept()
        if drug.text == nil { drug.text = f.materialName }
        let rules = tables.statuses.cda(planned ? .medicationRequest : .medicationStatement)
        let usability = rules.usability(StatusSemantics.Values(statusCode: f.status, negationInd: f.negated))
        return MedicationUse(kind: .cdaActivity, medication: drug, actuality: planned ? .planned : .actual,
                             status: rules.status(f.status), effective: f.period,
                             usability: usability, source: source(f, planned ? "MedicationRequest" : "MedicationStatement"))
    }

    /// A result or vital sign, with its section's observation category.
    func observation(_ f: EntryFrame, in section: SectionKind) -> Observation {
        var effective = f.period
        if effective == nil {
            // A result without its own time takes its organizer's.
            effective = frames.last(where: { $0.name == .organizer && $0.period != nil })?.period
        }
        let rules = tables.statuses.cda(.observation)
        let usability = rules.usability(StatusSemantics.Values(statusCode: f.status, negationInd: f.negated))
        return Observation(kind: .observation, code: f.code ?? Concept(), status: rules.status(f.status),
                           categories: tables.category(section).map { [$0] } ?? [], value: f.value,
                           interpretation: f.interpretation, components: f.components, effective: effective,
                           bodySites: f.sites, usability: usability, source: source(f, "Observation"))
    }

    /// A done (or doing) procedure is a Procedure, a planned one a ServiceRequest.
    func procedure(_ f: EntryFrame, kind: Procedure.Kind, planned: Bool) -> Procedure {
        let rules = tables.statuses.cda(planned ? .serviceRequest : .procedure)
        let usability = rules.usability(StatusSemantics.Values(statusCode: f.status, negationInd: f.negated))
        return Procedure(kind: kind, code: withNarrativeText(f.code, f), status: rules.status(f.status),
                         actuality: planned ? .planned : .actual, performed: f.period, bodySites: f.sites,
                         usability: usability, source: source(f, planned ? "ServiceRequest" : "Procedure"))
    }
}
