/// Whether a statement may serve as evidence.
///
/// Statements that were entered in error, refuted, negated, cancelled or not taken stay in
/// the record (they are counted and shown) but never decide a fact.
public enum Usability: Codable, Hashable, Sendable {
    case usable
    case excluded(ExclusionReason)

    public var isUsable: Bool { self == .usable }
}

public enum ExclusionReason: String, Codable, Hashable, Sendable, CaseIterable {
    case enteredInError = "entered in error"
    case refuted = "refuted"
    /// Provisional, differential or unconfirmed: a suspicion is not a diagnosis.
    case unconfirmed = "unconfirmed (provisional or differential)"
    case negated = "negated"
    case notTaken = "not taken"
    case notDone = "not done"
    case cancelled = "cancelled"
    /// Registered but without a result yet.
    case noResult = "no result yet"
    /// An entry the reader could not read (a C-CDA entry of a template it does not know): kept
    /// so that facts decided by absence stay open.
    case unreadable = "not readable"
}

/// Whether a statement says something happened or only that it is intended.
public enum Actuality: String, Codable, Hashable, Sendable {
    /// Took place or is taking place: a diagnosis, a dose, a done procedure, a result.
    case actual
    /// Requested, planned or proposed, not (yet) done.
    case planned
}
