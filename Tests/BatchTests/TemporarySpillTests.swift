@testable import Batch
import ClinicalModel
import Foundation
import IngestKit
import Testing
import TestSupport

/// Pipe mode's spill (`TemporarySpill`) gives each patient group the records that holding
/// everything in memory gives, in the places where the two could part.
@Suite struct TemporarySpillTests {
    static let source = SourceRef(file: "a.ndjson", format: .ndjson, line: 1)

    static func medication(_ reference: String, line: Int) -> (link: PatientLink, statement: Statement) {
        var s = source
        s.line = line
        let use = MedicationUse(kind: .request, medication: Concept(), medicationReference: reference, actuality: .actual, source: s)
        return (.key("Patient/1"), .medication(use))
    }

    /// What the spill's groups assemble into, and what one assembler given every extract makes.
    static func bothWays(_ extracts: [SourceExtract]) throws -> (spilled: [PatientRecord], held: [PatientRecord]) {
        let spill = TemporarySpill(try StagingStore(temporaryWith: .none), rowsPerSlice: 2)
        for e in extracts { try spill.stage(e) }
        var spilled: [PatientRecord] = []
        try spill.forEachGroup { group throws(IngestError) in
            var a = RecordAssembler()
            a.add(try group.extract())
            spilled += a.records()
        }
        var held = RecordAssembler()
        for e in extracts { held.add(e) }
        return (spilled.sorted { $0.key < $1.key }, held.records())
    }

    /// A medication key's first definition wins, even when a later definition with several keys
    /// is found first by another of its keys (the drug a statement names decides ARPI facts).
    @Test func aMedicationKeyKeepsItsFirstDefinition() throws {
        let d0 = Concept(codings: [Coding(system: .rxnorm, code: "1999574")], text: "first definition of b")
        let d1 = Concept(codings: [Coding(system: .rxnorm, code: "1307298")], text: "later definition of a and b")
        var first = SourceExtract(file: "a.ndjson")
        first.patients = [PatientEntry(keys: ["Patient/1"], identity: PatientIdentity(subject: .reference("Patient/1")), source: Self.source)]
        first.medications = [MedicationDefinition(keys: ["Medication/b"], concept: d0)]
        var second = SourceExtract(file: "b.ndjson")
        second.medications = [MedicationDefinition(keys: ["Medication/a", "Medication/b"], concept: d1)]
        second.statements = [Self.medication("Medication/a", line: 1), Self.medication("Medication/b", line: 2)]
        let (spilled, held) = try Self.bothWays([first, second])
        #expect(spilled == held)
        let texts = held.first?.medications.map(\.medication.text) ?? []
        #expect(texts.contains("first definition of b") && texts.contains("later definition of a and b"), "\(texts)")
    }

    /// A subject referenced as `identifier|s|v` and an identifier `s|v` no patient carries are one
    /// record when held; spilled, they are one group, never two records with one key.
    @Test func externalSubjectsOfOneKeyAreOneGroup() throws {
        var e = SourceExtract(file: "a.ndjson")
        var s1 = Self.source
        s1.line = 1
        var s2 = Self.source
        s2.line = 2
        let code = Concept(codings: [Coding(system: .snomed, code: "399068003")])
        e.statements = [(.key("identifier|http://h/mrn|7"), .condition(Condition(code: code, source: s1))),
                        (.identifier(Identifier(system: "http://h/mrn", value: "7")), .condition(Condition(code: code, source: s2)))]
        let (spilled, held) = try Self.bothWays([e])
        #expect(held.count == 1)
        #expect(spilled == held)
    }
}
