/// Exact lookup of a NUL-terminated libxml2 attribute value (a templateId root, a section code,
/// a moodCode) in a table built once from `Mappings/`, without building a String per node.
///
/// Open addressing over FNV-1a hashes of the keys' bytes; a hit is confirmed byte for byte, so
/// `2.16.840.1.113883.10.20.22.4.4` never matches `…22.4.41` and a key is compared exactly
/// (case and spaces included), as the hard-coded comparisons it replaces did.
struct ByteKeyTable<Value: Sendable>: Sendable {
    /// Each key's bytes with their terminating NUL, and its value.
    private var keys: [[UInt8]] = []
    private var values: [Value] = []
    /// Index + 1 into `keys`; 0 is an empty slot.
    private var slots: [Int32]
    private let mask: Int

    /// `pairs` in order; a key given twice keeps its first value (loading rejects duplicates).
    init(_ pairs: [(String, Value)]) {
        var size = 16
        while size < pairs.count * 4 { size <<= 1 }
        slots = Array(repeating: 0, count: size)
        mask = size - 1
        for (key, value) in pairs {
            var bytes = Array(key.utf8)
            bytes.append(0)
            var i = Int(truncatingIfNeeded: Self.hash(bytes)) & mask
            var duplicate = false
            while slots[i] != 0 {
                if keys[Int(slots[i]) - 1] == bytes {
                    duplicate = true
                    break
                }
                i = (i + 1) & mask
            }
            if duplicate { continue }
            keys.append(bytes)
            values.append(value)
            slots[i] = Int32(keys.count)
        }
    }

    /// FNV-1a over the bytes before the NUL.
    @inline(__always)
    private static func hash(_ bytes: [UInt8]) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in bytes where b != 0 { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        return h
    }

    func lookup(_ p: UnsafePointer<UInt8>) -> Value? {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        var n = 0
        while p[n] != 0 {
            h = (h ^ UInt64(p[n])) &* 0x100_0000_01b3
            n += 1
        }
        var i = Int(truncatingIfNeeded: h) & mask
        while true {
            let s = slots[i]
            if s == 0 { return nil }
            let key = keys[Int(s) - 1]
            if key.count == n + 1 && key.withUnsafeBufferPointer({ k in
                for j in 0..<n where k[j] != p[j] { return false }
                return true
            }) {
                return values[Int(s) - 1]
            }
            i = (i + 1) & mask
        }
    }
}
