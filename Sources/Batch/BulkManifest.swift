import Glibc
import JSONKit

/// The Bulk Data `$export` completion manifest (`manifest.json`): a JSON object with
/// `transactionTime` and `output`, not a FHIR resource. Recognized and skipped, not quarantined.
enum BulkManifest {
    static func isManifest(_ bytes: [UInt8]) -> Bool {
        // Parsed only when it names the member a manifest must have: a bundle is not parsed twice.
        guard bytes.count < 16 << 20, contains(bytes, #""transactionTime""#),
              let v = try? JSONValue.parse(bytes), let o = v.objectValue else { return false }
        return o["resourceType"] == nil && o["transactionTime"] != nil && o["output"]?.isArray == true
    }

    /// Whether `needle` occurs in `bytes`: memchr to each candidate first byte (vectorized; GNU's
    /// memmem is not visible to Swift), then a compare.
    static func contains(_ bytes: [UInt8], _ needle: String) -> Bool {
        let n = Array(needle.utf8)
        guard let first = n.first, n.count <= bytes.count else { return false }
        return bytes.withUnsafeBufferPointer { b in
            let base = b.baseAddress!
            var i = 0
            while i + n.count <= b.count, let hit = memchr(base + i, Int32(first), b.count - i - n.count + 1) {
                let at = base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
                if memcmp(base + at, n, n.count) == 0 { return true }
                i = at + 1
            }
            return false
        }
    }
}
