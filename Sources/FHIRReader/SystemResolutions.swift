import ClinicalModel

/// The code systems a reader has met, as written, with what each resolved to: a record writes
/// the same few systems on every coding, and resolving one (folding its spelling, then two table
/// look-ups by a hashed key) costs more than comparing its bytes with those already seen.
///
/// Kept by the bytes as written. The reader brings only plain ASCII here (no escape), for which
/// equal bytes and equal Strings are the same thing; any other spelling is resolved each time.
final class SystemResolutions {
    private var written: [[UInt8]] = []
    private var resolved: [CodeSystemTable.Resolution] = []
    /// The slot the next new system takes once all are used.
    private var nextSlot = 0
    static let capacity = 16

    /// The resolution of the system whose UTF-8 is `bytes`, resolving it on first sight.
    func resolution(of bytes: UnsafeBufferPointer<UInt8>, in table: CodeSystemTable) -> CodeSystemTable.Resolution {
        for i in written.indices where Self.same(written[i], bytes) { return resolved[i] }
        let r = table.resolve(String(decoding: bytes, as: UTF8.self))
        if written.count < Self.capacity {
            written.append(Array(bytes))
            resolved.append(r)
        } else {
            written[nextSlot] = Array(bytes)
            resolved[nextSlot] = r
            nextSlot = (nextSlot + 1) % Self.capacity
        }
        return r
    }

    @inline(__always)
    private static func same(_ a: [UInt8], _ b: UnsafeBufferPointer<UInt8>) -> Bool {
        guard a.count == b.count else { return false }
        return a.withUnsafeBufferPointer { a in
            for k in 0..<a.count where a[k] != b[k] { return false }
            return true
        }
    }
}
