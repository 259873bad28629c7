/// The link strings of what a reader extracted, exactly as ``PatientLinker`` and
/// ``RecordAssembler`` compare them: what `ingest keys` prints so that an engine outside
/// (Spark) groups records the way `ingest` would, with no reference rules of its own.
extension PatientLinker {
    /// The link string a statement's or rejected record's patient link is looked up by, or nil
    /// for an identifier that may not link (no system, a placeholder): such a link names nobody.
    public static func link(_ link: PatientLink, rules: IdentityRules) -> String? {
        switch link {
        case .key(let k): return keyLink(k)
        case .identifier(let id): return rules.links(id) ? identifierLink(id) : nil
        }
    }

    /// Every link string an extract carries: its patients' keys and linking identifiers, its
    /// statements' subjects, and the subjects of its rejected records (so a rejected record
    /// travels with its patient, who is then incomplete as in a batch). Sorted, without repeats.
    public static func links(of extract: SourceExtract, rules: IdentityRules) -> [String] {
        var links = Set<String>()
        for entry in extract.patients { links.formUnion(Self.links(of: entry, rules: rules)) }
        for (l, _) in extract.statements { if let s = link(l, rules: rules) { links.insert(s) } }
        for r in extract.rejectedLinks { if let s = link(r.link, rules: rules) { links.insert(s) } }
        return links.sorted()
    }

    /// The link string of a medication definition's key, or of a statement's
    /// `medicationReference`. Not a patient link: it tells an engine which Medication records a
    /// group needs (references resolve against Medications in any input), never joins patients.
    public static func medicationLink(_ key: String) -> String { "m:" + key }

    /// The medication link strings of an extract: the keys of its Medication definitions and the
    /// Medications its statements reference. Sorted, without repeats.
    public static func medicationLinks(of extract: SourceExtract) -> [String] {
        var links = Set<String>()
        for definition in extract.medications { for k in definition.keys { links.insert(medicationLink(k)) } }
        for (_, statement) in extract.statements {
            if case .medication(let use) = statement, let r = use.medicationReference { links.insert(medicationLink(r)) }
        }
        return links.sorted()
    }
}
