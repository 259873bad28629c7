/// Which C-CDA sections and entries the CDA reader recognizes, and by what: section templateId
/// roots and LOINC codes, entry templateId roots — C-CDA's (2.16.840.1.113883.10.20.22.x) and
/// the CCD 1.0 / HITSP C32 ones they replaced (2.16.840.1.113883.10.20.1.x) —, plus the few
/// header codes the reader translates. Built from `Mappings/cda.json` by the Mapping module.
///
/// The kinds themselves are closed: what the reader does with a Problems section or a Problem
/// Observation is code. What is data is which templates and codes are one.
public struct CDATemplateTable: Sendable {
    /// The sections statements are extracted from.
    public enum SectionKind: String, Sendable, CaseIterable {
        case problems, medications, results, vitalSigns, procedures, planOfTreatment
    }

    /// The entry templates the reader tells apart.
    public enum EntryKind: String, Sendable, CaseIterable {
        case resultOrganizer, resultObservation, problemConcern, problemObservation, problemStatus
        case procedureAct, procedureObservation, procedureProcedure, medicationActivity, instruction
        case vitalSignsOrganizer, vitalSignObservation, plannedProcedure, plannedMedication, plannedCoverage
        /// CCD 1.0 result observation (1.31): read in Results and in Vital Signs sections.
        case legacyResultObservation
        /// CCD 1.0 procedure activity (1.29): read in Procedures sections, and in Results sections
        /// where some CCD 1.0 exports put it.
        case legacyProcedureActivity
    }

    public struct Section: Sendable {
        /// Section templateId roots (any extension).
        public var templateIDs: [String]
        /// Section codes, used when no templateId is recognized.
        public var codes: [String]
        /// The category its observations are given (Results: laboratory, Vital Signs: vital-signs).
        public var observationCategory: Coding?

        public init(templateIDs: [String], codes: [String], observationCategory: Coding? = nil) {
            self.templateIDs = templateIDs
            self.codes = codes
            self.observationCategory = observationCategory
        }
    }

    public var sections: [SectionKind: Section]
    /// The code systems (OIDs) a section `code` must be in to count; a code without a
    /// `codeSystem` counts too.
    public var sectionCodeSystems: [String]
    /// Entry templateId roots (any extension), per entry kind.
    public var entries: [EntryKind: [String]]
    /// `administrativeGenderCode/@code` → FHIR `Patient.gender`; any other code, or a nullFlavor,
    /// is `otherGender`.
    public var genders: [String: String]
    public var otherGender: String

    public init(sections: [SectionKind: Section], sectionCodeSystems: [String], entries: [EntryKind: [String]],
                genders: [String: String], otherGender: String) {
        self.sections = sections
        self.sectionCodeSystems = sectionCodeSystems
        self.entries = entries
        self.genders = genders
        self.otherGender = otherGender
    }
}
