import ClinicalModel
#if canImport(Glibc)
import Glibc
#endif

/// A pass over a document's bytes before libxml2 reads it, counting elements and attributes
/// against the document's work budget and the per-element attribute cap (``ReadLimits``).
/// libxml2 2.9 spends time quadratic in the attributes of one element (22 s for 100,000), and
/// nothing else bounds a document's time; the count is of bytes, elements and attributes, so
/// the same input gets the same outcome on any machine.
enum XMLBudget {
    static func check(_ b: UnsafeBufferPointer<UInt8>, limits: ReadLimits) throws(WalkFailure) {
        guard let base = b.baseAddress else { return }
        let n = b.count
        var nodes = 0
        var line = 1
        var lineCounted = 0
        func lineAt(_ i: Int) -> Int {
            for k in lineCounted..<i where base[k] == 0x0A { line += 1 }
            lineCounted = i
            return line
        }
        func over(_ message: String, at i: Int) -> WalkFailure {
            WalkFailure(kind: "xml-limit", reason: "over the work budget", line: lineAt(i), message: message)
        }
        var i = 0
        while i < n {
            guard let hit = memchr(base + i, Int32(UInt8(ascii: "<")), n - i) else { break }
            i = base.distance(to: hit.assumingMemoryBound(to: UInt8.self)) + 1
            guard i < n else { break }
            let c = base[i]
            if c == UInt8(ascii: "!") {
                // Comments and CDATA may hold '<' and quotes; skip to their ends.
                if i + 2 < n, base[i + 1] == UInt8(ascii: "-"), base[i + 2] == UInt8(ascii: "-") {
                    i = skip(past: "-->", base, n, from: i + 3)
                } else if i + 7 < n, base[i + 1] == UInt8(ascii: "[") {
                    i = skip(past: "]]>", base, n, from: i + 2)
                }
                continue
            }
            if c == UInt8(ascii: "?") {
                i = skip(past: "?>", base, n, from: i + 1)
                continue
            }
            if c == UInt8(ascii: "/") { continue }
            // A start tag: count it and its attributes (an '=' outside quotes), to its '>'.
            nodes += 1
            var attributes = 0
            while i < n {
                let d = base[i]
                if d == UInt8(ascii: "\"") || d == UInt8(ascii: "'") {
                    // An attribute value (most of a C-CDA tag's bytes): straight to its closing quote.
                    guard let close = memchr(base + i + 1, Int32(d), n - i - 1) else {
                        i = n
                        break
                    }
                    i = base.distance(to: close.assumingMemoryBound(to: UInt8.self)) + 1
                    continue
                } else if d == UInt8(ascii: "=") {
                    attributes += 1
                } else if d == UInt8(ascii: ">") {
                    break
                }
                i += 1
            }
            if attributes > limits.maxXMLAttributesPerElement {
                throw over("an element has \(attributes) attributes, more than the limit of \(limits.maxXMLAttributesPerElement); the document was not parsed.", at: i)
            }
            nodes += attributes
            if nodes > limits.maxXMLNodes {
                throw over("the document holds more than \(limits.maxXMLNodes) elements and attributes (its work budget); it was not parsed.", at: i)
            }
        }
    }

    /// Index just past `end` at or after `from`, or `n`.
    private static func skip(past end: StaticString, _ base: UnsafePointer<UInt8>, _ n: Int, from: Int) -> Int {
        let m = end.utf8CodeUnitCount
        let e = end.utf8Start
        var i = from
        while i + m <= n {
            guard let hit = memchr(base + i, Int32(e[0]), n - i - m + 1) else { return n }
            let j = base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
            var k = 1
            while k < m && base[j + k] == e[k] { k += 1 }
            if k == m { return j + m }
            i = j + 1
        }
        return n
    }
}
