import ClinicalModel

/// Kind `rule`: a fact derived from other facts by a rule in the guidelines' language (`rule`:
/// a fact id, `not`, `all`, `any`, `unknown`), with Kleene logic — an unknown part never makes
/// it true. Its evidence is that of the facts that decide it (``Rule/deciding(_:)``) — when it is
/// unknown, that of every fact it names, so the reader sees what is established next to what is
/// missing (an unknown part often has no evidence at all); its note
/// is the template of its outcome (`notes.true`, `notes.false`, `notes.unknown`), where
/// `{facts}` lists the deciding facts and `{<fact-id>}` gives a fact's value; a fact named in
/// `notes` as `false:<fact-id>` words the outcome when that fact is among the deciding ones.
struct RuleFact: FactKind {
    let id: FactID
    let rule: Rule
    let notes: FactNotes
    var dependencies: [FactID] { rule.facts }

    init(_ p: FactParameters) throws(MappingError) {
        id = p.id
        rule = try p.rule("rule")
        notes = p.notes
        guard !rule.facts.contains(id) else {
            throw MappingError(file: p.file, path: p.path("rule"), message: "the rule of \"\(id)\" names \"\(id)\" itself")
        }
    }

    func derive(_ d: Derivation, _ known: FactSet) -> FactOutcome {
        let value = rule.evaluate(known)
        let deciding = rule.deciding(known)
        var values: [String: String] = ["facts": deciding.map(\.rawValue).joined(separator: ", ")]
        for f in rule.facts { values[f.rawValue] = known.truth(f).rawValue }
        let outcome = value.rawValue
        let specific = deciding.first { notes.templates["\(outcome):\($0.rawValue)"] != nil }
        let key = specific.map { "\(outcome):\($0.rawValue)" } ?? outcome
        let fallback: String
        switch value {
        case .true: fallback = "\(rule.text) holds."
        case .false: fallback = "Not so: {facts} decide it."
        case .unknown: fallback = "Cannot decide: {facts} unknown."
        }
        let shown = value == .unknown ? rule.facts : deciding
        var evidence: [SourceRef] = []
        for f in shown { for e in known[f]?.evidence ?? [] where !evidence.contains(e) { evidence.append(e) } }
        return FactOutcome(Fact(id: id, truth: value, evidence: evidence,
                                note: notes.text(key, fallback, values)))
    }
}
