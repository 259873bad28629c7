/// Why an input, or the rest of it, could not be read. It becomes the input's rejection — counted
/// in the report, its reason in the quarantine — never a stopped run.
struct InputFailure: Error, Sendable {
    /// The report's error kind: `invalid-gzip`, `gzip-limit`, `too-large`, `unreadable` …
    let kind: String
    /// A whole sentence that names no patient data (it follows the input's path).
    let message: String
}
