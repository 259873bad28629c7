/// Eight bytes of JSON text tested at once: the reader and the writer skip over runs of string
/// bytes that need no attention this way (the classic has-zero-byte test, on the word and on
/// the word with `"` or `\` turned to zero).
enum ByteWord {
    static let ones: UInt64 = 0x0101_0101_0101_0101
    static let highs: UInt64 = 0x8080_8080_8080_8080

    /// A high bit set in the lane of each byte that is a control character (below 0x20), `"`
    /// or `\`, for a word loaded by ``load(_:_:)`` (first byte in the lowest lane). Lanes above
    /// a set one may be set for ordinary bytes (a borrow runs upward), the lowest set lane never:
    /// ``firstSpecial(_:)`` is exact.
    @inline(__always)
    static func specialMask(_ w: UInt64) -> UInt64 {
        let control = (w &- ones &* 0x20) & ~w & highs
        let q = w ^ (ones &* 0x22)
        let quote = (q &- ones) & ~q & highs
        let b = w ^ (ones &* 0x5C)
        let backslash = (b &- ones) & ~b & highs
        return control | quote | backslash
    }

    /// The index (0–7) of the first byte of a nonzero ``specialMask(_:)``.
    @inline(__always)
    static func firstSpecial(_ mask: UInt64) -> Int { mask.trailingZeroBitCount >> 3 }

    /// The first `n` (0–7) bytes of `w`.
    @inline(__always)
    static func prefix(_ w: UInt64, _ n: Int) -> UInt64 { w & ((1 << UInt64(n * 8)) &- 1) }

    /// The index of the first control character, `"` or `\` at or after `i`, found eight bytes
    /// at a time while eight remain; where the last whole word ended when none is in them (the
    /// caller reads the rest byte by byte). Every byte passed over is OR-ed into `seen`, for
    /// telling ASCII text from the rest.
    @inline(__always)
    static func skipOrdinary(_ base: UnsafePointer<UInt8>, from i: Int, count: Int, seen: inout UInt64) -> Int {
        var i = i
        while i + 8 <= count {
            let w = load(base, i)
            let mask = specialMask(w)
            if mask != 0 {
                let ordinary = firstSpecial(mask)
                seen |= prefix(w, ordinary)
                return i + ordinary
            }
            seen |= w
            i += 8
        }
        return i
    }

    /// Whether any of the eight bytes is 0x80 or above (not ASCII).
    @inline(__always)
    static func hasHighByte(_ w: UInt64) -> Bool { w & highs != 0 }

    /// The eight bytes at `offset` of `base`, the first in the lowest lane whatever the
    /// machine's byte order (alignment not required).
    @inline(__always)
    static func load(_ base: UnsafePointer<UInt8>, _ offset: Int) -> UInt64 {
        UInt64(littleEndian: UnsafeRawPointer(base + offset).loadUnaligned(as: UInt64.self))
    }
}
