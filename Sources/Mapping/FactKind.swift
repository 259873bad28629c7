import ClinicalModel

/// One way of deriving a fact: a kind reads its own parameters from its `facts.json` entry
/// (with located errors) and derives a value, its evidence and a note from the record and the
/// facts already known. Kinds are listed in ``FactKinds``; a fact names its kind, never another
/// fact's parameters.
protocol FactKind: Sendable {
    /// The fact this instance derives.
    var id: FactID { get }
    /// Facts it reads, derived before it (a cycle is a load error).
    var dependencies: [FactID] { get }
    func derive(_ d: Derivation, _ known: FactSet) -> FactOutcome
}

/// What deriving one fact gives: the fact, and parts other facts of the same family read
/// (the metastatic-disease kind decides every site at once; a site fact picks its own).
struct FactOutcome {
    var fact: Fact
    var parts: [String: Fact] = [:]

    init(_ fact: Fact, parts: [String: Fact] = [:]) {
        self.fact = fact
        self.parts = parts
    }
}
