/// FNV-1a, 64 bit: a stable, platform-independent hash for ids and fingerprints.
/// (Swift's `Hasher` is seeded per process and must never reach an output.)
public struct StableHash: Sendable {
    public private(set) var value: UInt64 = 0xcbf2_9ce4_8422_2325

    public init() {}

    public mutating func combine(_ bytes: some Sequence<UInt8>) {
        // Contiguous bytes (arrays, native strings' UTF-8) are hashed from their buffer: the
        // generic iterator costs about six times as many instructions a byte.
        if bytes.withContiguousStorageIfAvailable({ combine(buffer: $0) }) != nil { return }
        for b in bytes { mix(b) }
    }

    public mutating func combine(_ s: String) {
        var s = s
        s.withUTF8 { combine(buffer: $0) }
        mix(0)  // separator: ("ab","c") ≠ ("a","bc")
    }

    private mutating func combine(buffer: UnsafeBufferPointer<UInt8>) {
        var v = value
        for b in buffer {
            v ^= UInt64(b)
            v = v &* 0x0000_0100_0000_01b3
        }
        value = v
    }

    private mutating func mix(_ b: UInt8) {
        value ^= UInt64(b)
        value = value &* 0x0000_0100_0000_01b3
    }

    /// 16 lowercase hex digits.
    public var hex: String { Self.hex16(value) }

    /// 32 hex digits from two independent FNV-1a streams, each through MurmurHash3's final mix
    /// (FNV alone leaves the last bytes of similar inputs in a few bits: ids of neighbouring
    /// patients would look alike). For ids that must not collide across millions of patients.
    public static func hex128(of parts: String...) -> String {
        var a = StableHash()
        var b = StableHash()
        b.value = 0x6c62_272e_07bb_0142  // another basis: an independent stream
        for p in parts {
            a.combine(p)
            b.combine(CollectionOfOne(0xA5))
            b.combine(p)
        }
        return hex16(finalMix(a.value)) + hex16(finalMix(b.value ^ a.value.byteSwapped))
    }

    /// MurmurHash3's 64-bit final mix: every input bit reaches every output bit.
    public static func finalMix(_ x: UInt64) -> UInt64 {
        var k = x
        k ^= k >> 33
        k = k &* 0xff51_afd7_ed55_8ccd
        k ^= k >> 33
        k = k &* 0xc4ce_b9fe_1a85_ec53
        k ^= k >> 33
        return k
    }

    /// 16 lowercase hex digits, zero-padded.
    public static func hex16(_ v: UInt64) -> String {
        let s = String(v, radix: 16)
        return String(repeating: "0", count: 16 - s.count) + s
    }

    public static func hex(of parts: String...) -> String {
        var h = StableHash()
        for p in parts { h.combine(p) }
        return h.hex
    }
}
