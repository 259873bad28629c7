import Testing
@testable import Mapping

/// A fact id carries its string's hash, computed once. It must still be the string: equal
/// exactly when the strings are equal (Swift's `==`, canonical equivalence included), hashed
/// alike when equal, and found in sets and dictionaries by any id made from an equal string.
@Suite struct FactIDTests {
    static let ids = ["metastatic-disease", "bone-only-metastases", "a", "", "prior-docetaxel", "prior-docetaxe",
                      "caf\u{E9}", "cafe\u{301}", "K", "\u{212A}", "psa-doubling-time-months"]

    @Test func equalExactlyWhenTheStringsAre() {
        for a in Self.ids {
            for b in Self.ids {
                #expect((FactID(a) == FactID(b)) == (a == b), "\(a.unicodeScalars.map(\.value)) vs \(b.unicodeScalars.map(\.value))")
                if a == b { #expect(FactID(a).hashValue == FactID(rawValue: b).hashValue) }
            }
        }
    }

    @Test func foundByAnIdMadeAnotherWay() {
        var index: [FactID: Int] = [:]
        for (i, s) in Self.ids.enumerated() where index[FactID(s)] == nil { index[FactID(rawValue: s)] = i }
        for s in Self.ids {
            // The first of the equal strings is the one kept.
            let first = Self.ids.firstIndex(where: { $0 == s })!
            #expect(index[FactID(stringLiteral: s)] == first)
            #expect(index[FactID(String(s.unicodeScalars.reversed().reversed()))] == first)
        }
        #expect(index[FactID("no-such-fact")] == nil)
        let distinct = Set(Self.ids.map { FactID(rawValue: $0) })
        #expect(distinct.count == Set(Self.ids).count)
    }
}
