import ClinicalModel
import Foundation

/// A 128-bit hash of an input's bytes, for telling an unchanged input from a changed one
/// without parsing it (`StagingStore` reuses what an unchanged input staged last run).
///
/// FNV (`StableHash`) goes a byte at a time; this goes 16 bytes a step in two independent
/// multiply–rotate lanes and ends with MurmurHash3's final mix, several GB/s, so hashing an
/// export costs a small fraction of reading it. The result does not depend on how the bytes
/// were split between calls. Not cryptographic: it detects change, it does not resist forgery
/// (whoever can rewrite an input can already make it say anything).
struct ContentHash: Sendable {
    private var a: UInt64 = 0x9E37_79B9_7F4A_7C15
    private var b: UInt64 = 0xC2B2_AE3D_27D4_EB4F
    private var length: UInt64 = 0
    /// Bytes of an unfinished 16-byte block, carried to the next call.
    private var pending: (UInt64, UInt64) = (0, 0)
    private var pendingCount = 0

    init() {}

    private static let k1: UInt64 = 0x87C3_7B91_1142_53D5
    private static let k2: UInt64 = 0x4CF5_AD43_2745_937F

    @inline(__always)
    private static func rotl(_ v: UInt64, _ r: UInt64) -> UInt64 { (v &<< r) | (v &>> (64 &- r)) }

    @inline(__always)
    private mutating func block(_ x: UInt64, _ y: UInt64) {
        a = Self.rotl(a ^ (x &* Self.k1), 31) &* Self.k2 &+ b
        b = Self.rotl(b ^ (y &* Self.k2), 29) &* Self.k1 &+ a
    }

    mutating func combine(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        length &+= UInt64(bytes.count)
        var i = 0
        let n = bytes.count
        // Finish a block begun by an earlier call, a byte at a time.
        while pendingCount > 0, pendingCount < 16, i < n {
            addPending(base.load(fromByteOffset: i, as: UInt8.self))
            i += 1
        }
        flushFullBlock()
        while i + 16 <= n {
            block(UInt64(littleEndian: base.loadUnaligned(fromByteOffset: i, as: UInt64.self)),
                  UInt64(littleEndian: base.loadUnaligned(fromByteOffset: i + 8, as: UInt64.self)))
            i += 16
        }
        while i < n {
            addPending(base.load(fromByteOffset: i, as: UInt8.self))
            i += 1
        }
        flushFullBlock()
    }

    /// Hashes the carried bytes once they make a whole block.
    @inline(__always)
    private mutating func flushFullBlock() {
        guard pendingCount == 16 else { return }
        block(pending.0, pending.1)
        pending = (0, 0)
        pendingCount = 0
    }

    @inline(__always)
    private mutating func addPending(_ byte: UInt8) {
        if pendingCount < 8 {
            pending.0 |= UInt64(byte) << (8 * UInt64(pendingCount))
        } else {
            pending.1 |= UInt64(byte) << (8 * UInt64(pendingCount - 8))
        }
        pendingCount += 1
    }

    mutating func combine(_ bytes: [UInt8]) { bytes.withUnsafeBytes { combine($0) } }

    mutating func combine(_ s: String) {
        var s = s
        s.withUTF8 { combine(UnsafeRawBufferPointer($0)) }
        combine([0])  // separator: ("ab","c") ≠ ("a","bc")
    }

    /// 32 lowercase hex digits.
    var hex: String {
        var x = a
        var y = b
        if pendingCount > 0 {
            // The last, partial block, marked by its length so "a" and "a\0" differ.
            x ^= pending.0 &* Self.k1
            y ^= pending.1 &* Self.k2
        }
        x ^= length
        y ^= length &* Self.k1
        let h1 = StableHash.finalMix(x &+ y)
        let h2 = StableHash.finalMix(y &+ h1)
        return StableHash.hex16(h1) + StableHash.hex16(h2)
    }

    /// The hash of everything `fd` holds from its start, read with `pread` (the file offset is
    /// left alone). Nil when the file cannot be read to its end.
    static func ofFile(fd: Int32, seed: String) -> String? {
        var h = ContentHash()
        h.combine(seed)
        let size = 1 << 20
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: size, alignment: 16)
        defer { buffer.deallocate() }
        var offset: off_t = 0
        while true {
            let n = pread(fd, buffer.baseAddress, size, offset)
            if n < 0 {
                if errno == EINTR { continue }
                return nil
            }
            if n == 0 { return h.hex }
            h.combine(UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
            offset += off_t(n)
        }
    }
}
