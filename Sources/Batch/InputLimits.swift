/// What one input may cost, so that no input can exhaust memory or stop the night. An input over
/// a limit is quarantined with the reason (the limit and the option that sets it), unread.
///
/// NDJSON is streamed in chunks whatever its size and is bounded by none of these but the line
/// length: a single line longer than `maxInputBytes` is rejected alone.
public struct InputLimits: Sendable, Equatable {
    /// An input read whole — anything but NDJSON, and a `.gz` after decompression — may hold at
    /// most this many bytes (`--max-input-bytes`). Default 128 MiB: twice the C-CDA reader's own
    /// document limit, far above any single bundle a system exports.
    public var maxInputBytes: Int
    /// A `.gz` input may inflate to at most this many bytes in all (`--max-decompressed-bytes`).
    /// Default 4 GiB.
    public var maxDecompressedBytes: Int
    /// …and to at most this many bytes per byte of the `.gz` file, once past `ratioFloor`
    /// (`--max-compression-ratio`). Default 200: clinical JSON and XML compress 5–30 times, a
    /// decompression bomb about 1000 times.
    public var maxCompressionRatio: Int

    /// The ratio is not judged on the first MiB: a tiny file of repetitive text may legitimately
    /// compress far better than 200:1, and a MiB costs nothing.
    public static let ratioFloor = 1 << 20

    public init(maxInputBytes: Int = 128 << 20, maxDecompressedBytes: Int = 4 << 30, maxCompressionRatio: Int = 200) {
        self.maxInputBytes = maxInputBytes
        self.maxDecompressedBytes = maxDecompressedBytes
        self.maxCompressionRatio = maxCompressionRatio
    }

    public static let defaults = InputLimits()

    /// A byte count as an option gives it: digits, optionally followed by a binary unit `K`, `M`,
    /// `G` or `T` (KiB, MiB, GiB, TiB; `KiB`, `MB` … are read the same). Nil when it is not one.
    public static func parseBytes(_ text: String) -> Int? {
        var digits = Substring(text)
        var unit = 1
        let suffixes: [(String, Int)] = [("K", 1 << 10), ("M", 1 << 20), ("G", 1 << 30), ("T", 1 << 40)]
        var rest = digits.uppercased()
        for tail in ["IB", "B"] where rest.hasSuffix(tail) && rest.count > tail.count {
            rest = String(rest.dropLast(tail.count))
            digits = digits.dropLast(tail.count)
            break
        }
        if let (_, factor) = suffixes.first(where: { rest.hasSuffix($0.0) }) {
            unit = factor
            digits = digits.dropLast()
        }
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }), let n = Int(digits) else { return nil }
        let (value, overflow) = n.multipliedReportingOverflow(by: unit)
        return overflow ? nil : value
    }

    /// "128 MiB", "4 GiB", "1500 bytes": for messages and help.
    public static func format(_ bytes: Int) -> String {
        for (name, factor) in [("TiB", 1 << 40), ("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)]
        where bytes >= factor && bytes % factor == 0 {
            return "\(bytes / factor) \(name)"
        }
        return "\(bytes) bytes"
    }
}
