/// The byte-level writer and reader of ``StatementCodec`` and ``RecordCodec``: variable-length
/// integers, strings as a length and their UTF-8, optionals as a presence byte. No Foundation, no
/// generics at run time.
struct CompactWriter {
    var bytes: [UInt8] = []

    init(capacity: Int = 256) { bytes.reserveCapacity(capacity) }

    @inline(__always) mutating func byte(_ b: UInt8) { bytes.append(b) }

    @inline(__always) mutating func bool(_ b: Bool) { bytes.append(b ? 1 : 0) }

    mutating func varint(_ v: UInt64) {
        var v = v
        while v >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(v))
    }

    /// Zigzag: small negative numbers stay small.
    mutating func int(_ v: Int64) { varint(UInt64(bitPattern: (v << 1) ^ (v >> 63))) }

    mutating func double(_ d: Double) {
        var bits = d.bitPattern
        for _ in 0..<8 {
            bytes.append(UInt8(truncatingIfNeeded: bits))
            bits >>= 8
        }
    }

    mutating func string(_ s: String) {
        var s = s
        s.withUTF8 { utf8 in
            varint(UInt64(utf8.count))
            bytes.append(contentsOf: utf8)
        }
    }

    /// A string that may be absent (a distinct name: overloading `string` let a non-optional
    /// argument pick the other one silently).
    mutating func optionalString(_ s: String?) {
        guard let s else { return byte(0) }
        byte(1)
        string(s)
    }

    /// An optional value: a presence byte, then the value.
    mutating func optional<T>(_ value: T?, _ write: (T, inout CompactWriter) -> Void) {
        guard let value else { return byte(0) }
        byte(1)
        write(value, &self)
    }

    mutating func array<T>(_ values: [T], _ write: (T, inout CompactWriter) -> Void) {
        varint(UInt64(values.count))
        for v in values { write(v, &self) }
    }
}

/// Why bytes are not a value ``StatementCodec`` or ``RecordCodec`` wrote: the place and what was expected (never
/// the bytes themselves, which hold patient data).
public struct CompactCodecError: Error, Sendable, CustomStringConvertible {
    public let offset: Int
    public let expected: String
    public var description: String { "staged row corrupted at byte \(offset): expected \(expected)" }
}

struct CompactReader {
    let base: UnsafeRawBufferPointer
    var at = 0

    init(_ base: UnsafeRawBufferPointer) { self.base = base }

    func fail(_ expected: String) -> CompactCodecError { CompactCodecError(offset: at, expected: expected) }

    @inline(__always) mutating func byte() throws(CompactCodecError) -> UInt8 {
        guard at < base.count else { throw fail("a byte, found the end") }
        defer { at += 1 }
        return base[at]
    }

    mutating func bool() throws(CompactCodecError) -> Bool {
        switch try byte() {
        case 0: return false
        case 1: return true
        default: throw fail("a boolean")
        }
    }

    mutating func varint() throws(CompactCodecError) -> UInt64 {
        var v: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let b = try byte()
            guard shift < 64 else { throw fail("a shorter variable-length integer") }
            v |= UInt64(b & 0x7F) << shift
            if b < 0x80 { return v }
            shift += 7
        }
    }

    mutating func count() throws(CompactCodecError) -> Int {
        let n = try varint()
        // Every element takes at least a byte: a larger count cannot be honest.
        guard n <= UInt64(base.count - at) else { throw fail("a count within the row") }
        return Int(n)
    }

    mutating func int() throws(CompactCodecError) -> Int64 {
        let z = try varint()
        return Int64(bitPattern: (z >> 1) ^ (0 &- (z & 1)))
    }

    mutating func double() throws(CompactCodecError) -> Double {
        guard base.count - at >= 8 else { throw fail("8 bytes of a number") }
        var bits: UInt64 = 0
        for i in 0..<8 { bits |= UInt64(base[at + i]) << (8 * UInt64(i)) }
        at += 8
        return Double(bitPattern: bits)
    }

    mutating func string() throws(CompactCodecError) -> String {
        let n = try count()
        defer { at += n }
        return String(decoding: UnsafeRawBufferPointer(rebasing: base[at..<(at + n)]), as: UTF8.self)
    }

    /// A count, then that many values, each read by `read`: the reader's side of
    /// ``CompactWriter/array(_:_:)``.
    mutating func list<T>(_ read: (inout CompactReader) throws(CompactCodecError) -> T) throws(CompactCodecError) -> [T] {
        let n = try count()
        var all: [T] = []
        all.reserveCapacity(n)
        for _ in 0..<n { all.append(try read(&self)) }
        return all
    }

    mutating func optionalString() throws(CompactCodecError) -> String? {
        try present() ? try string() : nil
    }

    mutating func present() throws(CompactCodecError) -> Bool {
        switch try byte() {
        case 0: return false
        case 1: return true
        default: throw fail("a presence byte")
        }
    }
}
