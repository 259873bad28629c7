/// FNV-1a, 64 bit: a stable, platform-independent hash for ids and fingerprints.
/// (Swift's `Hasher` is seeded per process and must never reach an output.)
public struct StableHash: Sendable {
    public private(set) var value: UInt64 = 0xcbf2_9ce4_8422_2325

    public init() {}

    public mutating func combine(_ bytes: some Sequence<UInt8>) {
        for b in bytes {
            value ^= UInt64(b)
            value = value &* 0x0000_0100_0000_01b3
        }
    }

    public mutating func combine(_ s: String) {
        combine(s.utf8)
        combine(CollectionOfOne(0))  // separator: ("ab","c") ≠ ("a","bc")
    }

    /// 16 lowercase hex digits.
    public var hex: String {
        let s = String(value, radix: 16)
        return String(repeating: "0", count: 16 - s.count) + s
    }

    public static func hex(of parts: String...) -> String {
        var h = StableHash()
        for p in parts { h.combine(p) }
        return h.hex
    }
}
