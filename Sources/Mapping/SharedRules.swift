import ClinicalModel

/// What every fact kind shares, resolved once from `Mappings/`: the code systems (for names in
/// notes), the therapy table of `therapies.json`, every value set (to tell a code we know from
/// one we cannot read) and each fact's label.
///
/// A class: immutable once built, shared by every derivation and thread instead of being copied.
final class SharedRules: Sendable {
    let codeSystems: CodeSystemTable
    let therapies: TherapyTable
    /// Every value set of the mappings, to tell a code we know from one we cannot read.
    let allValueSets: [ValueSet]
    let labels: [FactID: String]

    init(_ m: MappingSet) {
        codeSystems = m.codeSystems
        therapies = m.therapies
        allValueSets = m.valueSets.keys.sorted().map { m.valueSets[$0]! }
        var labels: [FactID: String] = [:]
        for f in m.factList { labels[FactID(f.id)] = f.label }
        self.labels = labels
    }

    func systemName(_ system: CodeSystem) -> String { codeSystems.name(of: system) }

    /// Whether any coding of `concept` is in some value set: the concept is then identifiable
    /// even without a text or display.
    func knowsAny(_ concept: Concept) -> Bool {
        concept.codings.contains { c in allValueSets.contains { $0.contains(c) || $0.isOpposite(c) } }
    }

    /// A drug's name for notes, from therapies.json (the value set's title otherwise).
    func name(of vs: ValueSet) -> String { therapies.therapy(vs)?.name ?? vs.title }
}
