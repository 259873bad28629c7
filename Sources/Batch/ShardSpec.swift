import ClinicalModel

/// `--shard i/N`: this run evaluates the patients whose identity hashes to shard i of N.
/// The split is a stable hash of the patient key, so N shard runs together give exactly
/// the unsharded output.
public struct ShardSpec: Sendable, Equatable, CustomStringConvertible {
    /// 1-based.
    public let index: Int
    public let count: Int

    public init(index: Int, count: Int) {
        self.index = index
        self.count = count
    }

    public static let all = ShardSpec(index: 1, count: 1)

    /// Parses `i/N` with 1 ≤ i ≤ N.
    public init?(parsing text: String) {
        let parts = text.split(separator: "/")
        guard parts.count == 2, let i = Int(parts[0]), let n = Int(parts[1]), n >= 1, i >= 1, i <= n else { return nil }
        self.init(index: i, count: n)
    }

    public func contains(patientKey: String) -> Bool {
        guard count > 1 else { return true }
        var h = StableHash()
        h.combine(patientKey)
        return Int(h.value % UInt64(count)) == index - 1
    }

    public var description: String { "\(index)/\(count)" }
}
