import Testing
import ClinicalModel

/// StableHash is FNV-1a 64: ids and the Mappings fingerprint reach outputs and the batch's
/// ledger, so its values must never change. The expected values are the published FNV-1a test
/// vectors ("", "a", "foobar"), not values read off this code.
@Suite struct StableHashTests {
    @Test func publishedVectors() {
        #expect(StableHash().hex == "cbf29ce484222325")
        var a = StableHash()
        a.combine([UInt8(ascii: "a")])
        #expect(a.hex == "af63dc4c8601ec8c")
        var foobar = StableHash()
        foobar.combine(Array("foobar".utf8))
        #expect(foobar.hex == "85944171f73967e8")
    }

    /// A sequence without contiguous storage takes the iterator's path: the same value.
    @Test func contiguousAndIteratedBytesHashAlike() {
        var lazy = StableHash()
        lazy.combine("foobar".utf8.lazy.map { $0 })
        #expect(lazy.hex == "85944171f73967e8")
        var split = StableHash()
        split.combine(Array("foo".utf8))
        split.combine(IteratorSequence("bar".utf8.makeIterator()))
        #expect(split.hex == "85944171f73967e8")
    }

    /// A string is its UTF-8 bytes and a 0 separator, small or not, ASCII or not.
    @Test func aStringIsItsUTF8AndASeparator() {
        var s = StableHash()
        s.combine("foobar")
        var bytes = StableHash()
        bytes.combine(Array("foobar\u{0}".utf8))
        #expect(s.value == bytes.value)
        // Computed separately: FNV-1a 64 of C3 A9 00.
        var e = StableHash()
        e.combine("é")
        #expect(e.hex == "5feb231c1dfafbb3")
        // A string too long to be stored inline hashes like its bytes too.
        let long = String(repeating: "foobar", count: 10)
        var stored = StableHash()
        stored.combine(long)
        var longBytes = StableHash()
        longBytes.combine(IteratorSequence(Array((long + "\u{0}").utf8).makeIterator()))
        #expect(stored.value == longBytes.value)
    }
}
