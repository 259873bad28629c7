import ClinicalModel
import Testing
@testable import Mapping

/// A fact's evidence and assumptions are given in order, each once: the first occurrence is
/// kept, for short lists (searched) and long ones (hashed) alike.
@Suite struct FactEvidenceTests {
    static func source(_ n: Int) -> SourceRef {
        SourceRef(file: "f\(n % 3).json", format: .fhirJSON, reference: "Observation/\(n)", line: n)
    }

    @Test func repeatsAreDroppedFirstOccurrenceKept() {
        var state: UInt64 = 3
        for length in 0..<40 {
            for _ in 0..<20 {
                let numbers = (0..<length).map { _ -> Int in
                    state = state &* 6364136223846793005 &+ 1442695040888963407
                    return Int((state >> 33) % UInt64(max(1, length / 2 + 1)))
                }
                // First occurrences in order, by position: the first index of each number.
                let firsts = numbers.indices.filter { i in numbers.firstIndex(of: numbers[i]) == i }.map { numbers[$0] }
                let fact = Fact(id: "f", truth: .true, evidence: numbers.map(Self.source), note: "",
                                assumptions: numbers.map { "assumed \($0)" })
                #expect(fact.evidence == firsts.map(Self.source), "\(numbers)")
                #expect(fact.assumptions == firsts.map { "assumed \($0)" }, "\(numbers)")
            }
        }
    }

    /// Sources that differ only in one field are different sources.
    @Test func sourcesDifferingInOneFieldAreBothKept() {
        let a = SourceRef(file: "a.json", format: .fhirJSON, reference: "Condition/1", line: 1)
        let b = SourceRef(file: "a.json", format: .fhirJSON, reference: "Condition/1", line: 2)
        let c = SourceRef(file: "b.json", format: .fhirJSON, reference: "Condition/1", line: 1)
        let fact = Fact(id: "f", truth: .true, evidence: [a, b, a, c, b, c, a], note: "")
        #expect(fact.evidence == [a, b, c])
        let long = Fact(id: "f", truth: .true, evidence: Array(repeating: [c, b, a], count: 5).flatMap { $0 }, note: "")
        #expect(long.evidence == [c, b, a])
    }
}
