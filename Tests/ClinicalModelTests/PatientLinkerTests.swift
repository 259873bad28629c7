import Testing
@testable import ClinicalModel

/// DESIGN "Patient identity": records are merged only on a real shared identifier (never a
/// placeholder), and never when sex or birth date conflict; a wrong merge is a clinical error.
@Suite struct PatientLinkerTests {
    let rules = IdentityRules(placeholderValues: ["UNKNOWN", "0", "000-00-0000"], repeatedCharacterIsPlaceholder: true)
    let source = SourceRef(file: "a.json", format: .fhirJSON)

    func patient(_ id: String, _ identifiers: [Identifier], gender: String? = nil, born: String? = nil) -> PatientEntry {
        PatientEntry(keys: ["Patient/" + id],
                     identity: PatientIdentity(subject: .reference("Patient/" + id), identifiers: identifiers, gender: gender,
                                               birthDate: born.flatMap(TimeRange.parseFHIR), isDescribed: true),
                     source: SourceRef(file: id + ".json", format: .fhirJSON))
    }

    func condition(_ code: String, _ file: String = "a.json") -> Statement {
        .condition(Condition(code: Concept(codings: [Coding(system: .snomed, code: code)]), source: SourceRef(file: file, format: .fhirJSON)))
    }

    func assemble(_ extracts: [SourceExtract]) -> RecordAssembler.Assembly {
        var a = RecordAssembler(rules: rules)
        for e in extracts { a.add(e) }
        return a.assemble()
    }

    @Test(arguments: ["UNKNOWN", "unknown", " 0 ", "000-00-0000", "999999999", "XXXX", "-", "?"])
    func placeholderIdentifiersNeverMerge(_ value: String) {
        let shared = Identifier(system: "urn:oid:1.2.3", value: value)
        var e = SourceExtract(file: "a.json")
        e.patients = [patient("a", [shared], gender: "male", born: "1950-01-01"), patient("b", [shared], gender: "male", born: "1950-01-01")]
        let result = assemble([e])
        #expect(result.records.count == 2, "\(value)")
        #expect(result.conflicts == 0)
    }

    @Test func aRealSharedIdentifierMergesAgreeingRecords() {
        let mrn = Identifier(system: "urn:oid:1.2.3", value: "MRN-42")
        var e = SourceExtract(file: "a.json")
        e.patients = [patient("a", [mrn], gender: "male", born: "1950"), patient("b", [mrn], gender: "male", born: "1950-03-12")]
        let result = assemble([e])
        #expect(result.records.count == 1)
        #expect(result.records[0].incomplete.isEmpty)
        // The narrower birth date of the two is kept.
        #expect(result.records[0].identity.birthDate?.description == "1950-03-12")
    }

    /// The case: a man born 1950 and a woman born 1990 sharing one identifier became one
    /// patient, and a docetaxel CarePlan was built from the second one's data.
    @Test(arguments: [("male", "1950-01-01", "female", "1990-06-01"), ("male", "1950-01-01", "male", "1990-06-01"),
                      ("male", "1950-01-01", "female", "1950-01-01")])
    func conflictingSexOrBirthDateKeepsRecordsApartAndBothIncomplete(_ c: (String, String, String, String)) {
        let shared = Identifier(system: "urn:oid:1.2.3", value: "MRN-42")
        var e = SourceExtract(file: "a.json")
        e.patients = [patient("a", [shared], gender: c.0, born: c.1), patient("b", [shared], gender: c.2, born: c.3)]
        e.statements = [(.key("Patient/a"), condition("1")), (.key("Patient/b"), condition("2")),
                        (.identifier(shared), condition("3"))]
        let result = assemble([e])
        #expect(result.records.count == 2)
        #expect(result.conflicts == 1)
        for r in result.records {
            #expect(!r.incomplete.isEmpty, "\(r.key)")
            #expect(r.conditions.count == 1, "each keeps only its own statements")
            #expect(!r.incomplete.joined().contains("MRN-42"), "no identifier value in the reason")
        }
        // The statement naming only the shared identifier belongs to neither.
        #expect(result.unattributed.count == 1)
    }

    @Test func unknownSexOrMissingBirthDateDoesNotConflict() {
        let shared = Identifier(system: "urn:oid:1.2.3", value: "MRN-7")
        var e = SourceExtract(file: "a.json")
        e.patients = [patient("a", [shared], gender: "male", born: "1950-01-01"), patient("b", [shared], gender: "unknown")]
        #expect(assemble([e]).records.count == 1)
    }

    @Test func aStatementNamingOnlyAPlaceholderIdentifierBelongsToNobody() {
        var e = SourceExtract(file: "a.json")
        e.statements = [(.identifier(Identifier(system: "urn:oid:1.2.3", value: "UNKNOWN")), condition("1")),
                        (.identifier(Identifier(system: "urn:oid:1.2.3", value: "UNKNOWN")), condition("2"))]
        let result = assemble([e])
        #expect(result.records.isEmpty)
        #expect(result.unattributed.count == 2)
    }

    @Test func aRejectedRecordNamingAPatientMakesHimIncomplete() {
        var e = SourceExtract(file: "a.json")
        e.patients = [patient("a", []), patient("b", [])]
        e.rejectedLinks = [RejectedLink(link: .key("Patient/a"), kind: "invalid-json", place: "b.ndjson:7")]
        let result = assemble([e])
        #expect(result.records.first { $0.key == "Patient/a" }?.incomplete.count == 1)
        #expect(result.records.first { $0.key == "Patient/b" }?.incomplete.isEmpty == true)
    }

    /// Twenty thousand records sharing one identifier link in one pass (the quadratic merge of the
    /// issue took 22 s for 25k); correctness only, no timing here (`make bench` measures).
    @Test func manyRecordsSharingOneIdentifierFormOneGroup() {
        let shared = Identifier(system: "urn:oid:1.2.3", value: "MRN-1")
        var e = SourceExtract(file: "a.json")
        e.patients = (0..<20_000).map { patient("p\($0)", [shared], gender: "male", born: "1950-01-01") }
        let result = assemble([e])
        #expect(result.records.count == 1)
        #expect(result.records[0].identity.identifiers == [shared])
    }
}
