import ClinicalModel

/// The C-CDA sections the reader extracts from. Which templateIds and codes are which section is
/// data (`Mappings/cda.json`, ``CDATemplateTable``); what is read in each is the walker's code.
typealias SectionKind = CDATemplateTable.SectionKind

extension CDATemplateTable.SectionKind {
    /// The section's name in messages.
    var title: String {
        switch self {
        case .problems: "Problems"
        case .medications: "Medications"
        case .results: "Results"
        case .vitalSigns: "Vital Signs"
        case .procedures: "Procedures"
        case .planOfTreatment: "Plan of Treatment"
        }
    }
}

/// The entry templates an entry element carries, as one bit per ``CDATemplateTable/EntryKind``:
/// an element may carry several templateIds, and the walker asks about sets of them.
struct EntryTemplates: OptionSet, Sendable {
    let rawValue: UInt32

    init(rawValue: UInt32) { self.rawValue = rawValue }

    /// The bit of an entry kind.
    init(_ kind: CDATemplateTable.EntryKind) {
        switch kind {
        case .resultOrganizer: self = .resultOrganizer
        case .resultObservation: self = .resultObservation
        case .problemConcern: self = .problemConcern
        case .problemObservation: self = .problemObservation
        case .problemStatus: self = .problemStatus
        case .procedureAct: self = .procedureAct
        case .procedureObservation: self = .procedureObservation
        case .procedureProcedure: self = .procedureProcedure
        case .medicationActivity: self = .medicationActivity
        case .instruction: self = .instruction
        case .vitalSignsOrganizer: self = .vitalSignsOrganizer
        case .vitalSignObservation: self = .vitalSignObservation
        case .plannedProcedure: self = .plannedProcedure
        case .plannedMedication: self = .plannedMedication
        case .plannedCoverage: self = .plannedCoverage
        case .legacyResultObservation: self = .legacyResultObservation
        case .legacyProcedureActivity: self = .legacyProcedureActivity
        }
    }

    static let resultOrganizer = EntryTemplates(rawValue: 1 << 0)
    static let resultObservation = EntryTemplates(rawValue: 1 << 1)
    static let problemConcern = EntryTemplates(rawValue: 1 << 2)
    static let problemObservation = EntryTemplates(rawValue: 1 << 3)
    static let problemStatus = EntryTemplates(rawValue: 1 << 4)
    static let procedureAct = EntryTemplates(rawValue: 1 << 5)
    static let procedureObservation = EntryTemplates(rawValue: 1 << 6)
    static let procedureProcedure = EntryTemplates(rawValue: 1 << 7)
    static let medicationActivity = EntryTemplates(rawValue: 1 << 8)
    static let instruction = EntryTemplates(rawValue: 1 << 9)
    static let vitalSignsOrganizer = EntryTemplates(rawValue: 1 << 10)
    static let vitalSignObservation = EntryTemplates(rawValue: 1 << 11)
    static let plannedProcedure = EntryTemplates(rawValue: 1 << 12)
    static let plannedMedication = EntryTemplates(rawValue: 1 << 13)
    static let plannedCoverage = EntryTemplates(rawValue: 1 << 14)
    static let legacyResultObservation = EntryTemplates(rawValue: 1 << 15)
    static let legacyProcedureActivity = EntryTemplates(rawValue: 1 << 16)

    /// Every procedure activity (C-CDA act / observation / procedure, CCD 1.0 1.29).
    static let procedureActivity: EntryTemplates = [.procedureAct, .procedureObservation, .procedureProcedure,
                                                    .legacyProcedureActivity]
}

/// The act's moodCode, reduced to what matters here (which codes are which: `statuses.json`).
enum Mood: UInt8, Sendable {
    /// No moodCode (treated as an event).
    case unspecified
    case event
    /// Intended, requested, proposed, promised, appointed.
    case planned
    /// Any other mood (a goal, a criterion): neither done nor planned.
    case other
}

/// `Mappings/` (``CDATemplateTable``, ``StatusSemantics``) turned into what the walker asks per
/// node: byte-level lookups of templateId roots, section codes and moodCodes, and per-kind rules.
/// Built once per reader and shared read-only by every document.
struct CDATables: Sendable {
    let statuses: StatusSemantics
    private let sectionsByTemplate: ByteKeyTable<SectionKind>
    private let sectionsByCode: ByteKeyTable<SectionKind>
    private let sectionCodeSystems: ByteKeyTable<Bool>
    private let entriesByTemplate: ByteKeyTable<EntryTemplates>
    private let moods: ByteKeyTable<Mood>
    /// The category each section's observations get, by ``SectionKind``.
    private let categories: [SectionKind: Concept]
    private let genders: ByteKeyTable<String>
    let otherGender: String

    init(templates: CDATemplateTable, statuses: StatusSemantics) {
        self.statuses = statuses
        var byTemplate: [(String, SectionKind)] = []
        var byCode: [(String, SectionKind)] = []
        var categories: [SectionKind: Concept] = [:]
        for kind in SectionKind.allCases {
            guard let s = templates.sections[kind] else { continue }
            byTemplate += s.templateIDs.map { ($0, kind) }
            byCode += s.codes.map { ($0, kind) }
            if let c = s.observationCategory { categories[kind] = Concept(codings: [c]) }
        }
        sectionsByTemplate = ByteKeyTable(byTemplate)
        sectionsByCode = ByteKeyTable(byCode)
        sectionCodeSystems = ByteKeyTable(templates.sectionCodeSystems.map { ($0, true) })
        self.categories = categories
        var entries: [String: EntryTemplates] = [:]
        for kind in CDATemplateTable.EntryKind.allCases {
            for root in templates.entries[kind] ?? [] { entries[root, default: []].formUnion(EntryTemplates(kind)) }
        }
        entriesByTemplate = ByteKeyTable(entries.sorted { $0.key < $1.key }.map { ($0.key, $0.value) })
        moods = ByteKeyTable(statuses.eventMoodCodes.sorted().map { ($0, Mood.event) }
                             + statuses.plannedMoodCodes.sorted().map { ($0, Mood.planned) })
        genders = ByteKeyTable(templates.genders.sorted { $0.key < $1.key }.map { ($0.key, $0.value) })
        otherGender = templates.otherGender
    }

    /// By section templateId root (any extension).
    func section(templateRoot root: UnsafePointer<UInt8>) -> SectionKind? { sectionsByTemplate.lookup(root) }

    /// By the section's code, when its codeSystem (if any) is one section codes are read in.
    func section(code: UnsafePointer<UInt8>, codeSystem: UnsafePointer<UInt8>?) -> SectionKind? {
        if let codeSystem, sectionCodeSystems.lookup(codeSystem) == nil { return nil }
        return sectionsByCode.lookup(code)
    }

    /// The entry templates a templateId root names (none when unknown).
    func entryTemplates(_ root: UnsafePointer<UInt8>) -> EntryTemplates { entriesByTemplate.lookup(root) ?? [] }

    func mood(_ moodCode: UnsafePointer<UInt8>?) -> Mood {
        guard let moodCode else { return .unspecified }
        return moods.lookup(moodCode) ?? .other
    }

    /// The observation category of a section's results (laboratory, vital-signs).
    func category(_ kind: SectionKind) -> Concept? { categories[kind] }

    /// `administrativeGenderCode/@code` as FHIR `Patient.gender`.
    func gender(_ code: UnsafePointer<UInt8>) -> String { genders.lookup(code) ?? otherGender }
}
