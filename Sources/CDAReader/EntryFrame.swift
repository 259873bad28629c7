import ClinicalModel

/// One open clinical statement element (act, observation, substanceAdministration, procedure,
/// organizer, encounter, supply) inside an extracted section, with what its direct children said.
///
/// Which template it is becomes known only after its `templateId` children, so everything the
/// mapping might need is collected, and the decision is made when the element closes.
struct EntryFrame {
    let name: Name
    let depth: Int
    let line: Int?
    let mood: Mood
    let negated: Bool
    var templates: EntryTemplates = []
    /// `root^extension` of the first `id`.
    var reference: String?
    var sawID = false
    var code: Concept?
    /// `statusCode/@code`, lowercased.
    var status: String?
    var sawEffective = false
    var effectiveValue: TimeRange?
    var effectiveLow: TimeRange?
    var effectiveHigh: TimeRange?
    var sawValue = false
    var value: ObservationValue?
    var interpretation: [Concept] = []
    var sites: [Concept] = []
    /// consumable/manufacturedProduct/manufacturedMaterial/code (and its name).
    var material: Concept?
    var materialName: String?
    /// `text/reference/@value` of the act itself.
    var textReference: String?
    /// A nested Problem Status observation's value, normalized (active, inactive, resolved).
    var problemStatus: String?
    /// Observations nested in a result observation (`entryRelationship typeCode="COMP"`): the
    /// CDA form of FHIR `Observation.component` (genomics: gene studied, clinical significance).
    var components: [ObservationComponent] = []

    init(name: Name, depth: Int, line: Int?, mood: Mood, negated: Bool) {
        self.name = name
        self.depth = depth
        self.line = line
        self.mood = mood
        self.negated = negated
    }

    /// low/high as a period; a single `value` as a period whose start and end are that time.
    var period: Period? {
        if effectiveLow != nil || effectiveHigh != nil { return Period(start: effectiveLow, end: effectiveHigh) }
        return effectiveValue.map { Period(at: $0) }
    }
}

/// What the `code`/`value` element being read will become once it closes.
struct CodeCapture {
    enum Target { case code, value, interpretation, site, material, valueText, materialName }
    let depth: Int
    let target: Target
    /// Text-only elements (ST values, material names): all their text is the value.
    let textOnly: Bool
    var codings: [Coding] = []
    var inOriginalText = false
    var reference: String?
}

/// An `effectiveTime` being read (IVL_TS or TS).
struct TimeCapture {
    let depth: Int
    var value: TimeRange?
    var low: TimeRange?
    var high: TimeRange?
}
