/// The version of ClinicalIngest. Part of the batch ledger's hash: bump it with any change of
/// logic, so the next nightly run re-evaluates every patient.
public enum IngestVersion {
    public static let current = "0.5.1"
}
