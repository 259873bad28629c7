/// The C-CDA sections the reader extracts from (../shared/TERMINOLOGY.md §1b).
enum SectionKind: UInt8 {
    case problems, medications, results, vitalSigns, procedures, planOfTreatment

    /// By section templateId root (any extension): C-CDA (2.16.840.1.113883.10.20.22.2.x) or the
    /// CCD 1.0 / HITSP C32 sections they replaced (2.16.840.1.113883.10.20.1.x).
    static func fromTemplate(_ root: UnsafePointer<UInt8>) -> SectionKind? {
        if let s = bytesDropPrefix(root, "2.16.840.1.113883.10.20.22.2.") {
            if bytesEqual(s, "5") || bytesEqual(s, "5.1") { return .problems }
            if bytesEqual(s, "1") || bytesEqual(s, "1.1") { return .medications }
            if bytesEqual(s, "3") || bytesEqual(s, "3.1") { return .results }
            if bytesEqual(s, "4") || bytesEqual(s, "4.1") { return .vitalSigns }
            if bytesEqual(s, "7") || bytesEqual(s, "7.1") { return .procedures }
            if bytesEqual(s, "10") { return .planOfTreatment }
            return nil
        }
        guard let s = bytesDropPrefix(root, "2.16.840.1.113883.10.20.1.") else { return nil }
        if bytesEqual(s, "11") { return .problems }
        if bytesEqual(s, "8") { return .medications }
        if bytesEqual(s, "14") { return .results }
        if bytesEqual(s, "16") { return .vitalSigns }
        if bytesEqual(s, "12") { return .procedures }
        if bytesEqual(s, "10") { return .planOfTreatment }
        return nil
    }

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

    /// By the section's LOINC code, when no section templateId is recognized.
    static func fromLOINC(_ code: UnsafePointer<UInt8>) -> SectionKind? {
        if bytesEqual(code, "11450-4") { return .problems }
        if bytesEqual(code, "10160-0") { return .medications }
        if bytesEqual(code, "30954-2") { return .results }
        if bytesEqual(code, "8716-3") { return .vitalSigns }
        if bytesEqual(code, "47519-4") { return .procedures }
        if bytesEqual(code, "18776-5") { return .planOfTreatment }
        return nil
    }
}

/// Entry templates the reader distinguishes, by templateId root (any extension).
struct EntryTemplates: OptionSet {
    let rawValue: UInt32

    static let resultOrganizer = EntryTemplates(rawValue: 1 << 0)  // 4.1
    static let resultObservation = EntryTemplates(rawValue: 1 << 1)  // 4.2
    static let problemConcern = EntryTemplates(rawValue: 1 << 2)  // 4.3
    static let problemObservation = EntryTemplates(rawValue: 1 << 3)  // 4.4
    static let problemStatus = EntryTemplates(rawValue: 1 << 4)  // 4.6 (R1.1; deprecated in R2.1)
    static let procedureAct = EntryTemplates(rawValue: 1 << 5)  // 4.12
    static let procedureObservation = EntryTemplates(rawValue: 1 << 6)  // 4.13
    static let procedureProcedure = EntryTemplates(rawValue: 1 << 7)  // 4.14
    static let medicationActivity = EntryTemplates(rawValue: 1 << 8)  // 4.16
    static let instruction = EntryTemplates(rawValue: 1 << 9)  // 4.20
    static let vitalSignsOrganizer = EntryTemplates(rawValue: 1 << 10)  // 4.26
    static let vitalSignObservation = EntryTemplates(rawValue: 1 << 11)  // 4.27
    static let plannedProcedure = EntryTemplates(rawValue: 1 << 12)  // 4.41
    static let plannedMedication = EntryTemplates(rawValue: 1 << 13)  // 4.42
    static let plannedCoverage = EntryTemplates(rawValue: 1 << 14)  // 4.129
    // CCD 1.0 (HITSP C32) entries, 2.16.840.1.113883.10.20.1.x, that have no C-CDA flag of their own.
    static let legacyResultObservation = EntryTemplates(rawValue: 1 << 15)  // 1.31 (results and vital signs)
    static let legacyProcedureActivity = EntryTemplates(rawValue: 1 << 16)  // 1.29

    static let procedureActivity: EntryTemplates = [.procedureAct, .procedureObservation, .procedureProcedure,
                                                    .legacyProcedureActivity]

    static func from(_ root: UnsafePointer<UInt8>) -> EntryTemplates {
        if let s = bytesDropPrefix(root, "2.16.840.1.113883.10.20.1.") { return legacy(s) }
        guard let s = bytesDropPrefix(root, "2.16.840.1.113883.10.20.22.4.") else { return [] }
        switch s[0] {
        case UInt8(ascii: "1"):
            if bytesEqual(s, "1") { return .resultOrganizer }
            if bytesEqual(s, "12") { return .procedureAct }
            if bytesEqual(s, "13") { return .procedureObservation }
            if bytesEqual(s, "14") { return .procedureProcedure }
            if bytesEqual(s, "16") { return .medicationActivity }
            if bytesEqual(s, "129") { return .plannedCoverage }
        case UInt8(ascii: "2"):
            if bytesEqual(s, "2") { return .resultObservation }
            if bytesEqual(s, "20") { return .instruction }
            if bytesEqual(s, "26") { return .vitalSignsOrganizer }
            if bytesEqual(s, "27") { return .vitalSignObservation }
        case UInt8(ascii: "3"):
            if bytesEqual(s, "3") { return .problemConcern }
        case UInt8(ascii: "4"):
            if bytesEqual(s, "4") { return .problemObservation }
            if bytesEqual(s, "41") { return .plannedProcedure }
            if bytesEqual(s, "42") { return .plannedMedication }
        case UInt8(ascii: "6"):
            if bytesEqual(s, "6") { return .problemStatus }
        default: break
        }
        return []
    }

    /// CCD 1.0 entry templates (ASTM/HL7 CCD, HITSP C32), read like their C-CDA successors:
    /// problem act 1.27, problem observation 1.28, problem status 1.50, medication activity 1.24,
    /// result organizer 1.32 / observation 1.31, vital signs organizer 1.35, procedure activity 1.29.
    static func legacy(_ s: UnsafePointer<UInt8>) -> EntryTemplates {
        if bytesEqual(s, "27") { return .problemConcern }
        if bytesEqual(s, "28") { return .problemObservation }
        if bytesEqual(s, "50") { return .problemStatus }
        if bytesEqual(s, "24") { return .medicationActivity }
        if bytesEqual(s, "31") { return .legacyResultObservation }
        if bytesEqual(s, "32") { return .resultOrganizer }
        if bytesEqual(s, "35") { return .vitalSignsOrganizer }
        if bytesEqual(s, "29") { return .legacyProcedureActivity }
        return []
    }
}

/// The act's moodCode, reduced to what matters here.
enum Mood: UInt8 {
    /// No moodCode, or one not listed below (treated as an event).
    case unspecified
    case event
    /// INT, RQO, PRP, ARQ, PRMS, APT: intended, requested, proposed, promised, appointed.
    case planned
    /// GOL and the criterion moods: neither done nor planned.
    case other

    init(_ p: UnsafePointer<UInt8>?) {
        guard let p else {
            self = .unspecified
            return
        }
        if bytesEqual(p, "EVN") {
            self = .event
        } else if bytesEqual(p, "INT") || bytesEqual(p, "RQO") || bytesEqual(p, "PRP") || bytesEqual(p, "ARQ")
            || bytesEqual(p, "PRMS") || bytesEqual(p, "APT")
        {
            self = .planned
        } else {
            self = .other
        }
    }
}
