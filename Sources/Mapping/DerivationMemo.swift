import ClinicalModel

/// Answers one record's derivation already computed, by value set id. A class so that the
/// `Derivation` value can fill it from its non-mutating queries; it lives and dies with one
/// record's derivation, on one thread.
final class DerivationMemo {
    /// ``Derivation/exposures(_:)`` per value set.
    var exposures: [String: [MedicationUse]] = [:]
}
