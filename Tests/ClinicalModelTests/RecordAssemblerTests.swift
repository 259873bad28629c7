import Testing
@testable import ClinicalModel

@Suite struct RecordAssemblerTests {
    let source = SourceRef(file: "a.json", format: .fhirJSON)

    func condition(_ code: String) -> Statement {
        .condition(Condition(code: Concept(codings: [Coding(system: .snomed, code: code)]), source: source))
    }

    @Test func groupsStatementsByAnyKeyOfThePatient() {
        var extract = SourceExtract(file: "a.json")
        extract.patients.append(PatientEntry(
            keys: ["urn:uuid:p1", "Patient/p1"],
            identity: PatientIdentity(subject: .reference("Patient/p1"), isDescribed: true), source: source))
        extract.statements.append((.key("urn:uuid:p1"), condition("1")))
        extract.statements.append((.key("Patient/p1"), condition("2")))
        var assembler = RecordAssembler()
        assembler.add(extract)
        let records = assembler.records()
        #expect(records.count == 1)
        #expect(records[0].conditions.count == 2)
        #expect(records[0].identity.subject == .reference("Patient/p1"))
    }

    @Test func mergesPatientsThatShareAnIdentifierAcrossInputs() {
        let id = Identifier(system: "urn:oid:1.2.3", value: "42")
        var a = SourceExtract(file: "a.json")
        a.patients.append(PatientEntry(keys: ["Patient/x"], identity: PatientIdentity(subject: .reference("Patient/x"), identifiers: [id]), source: source))
        a.statements.append((.key("Patient/x"), condition("1")))
        var b = SourceExtract(file: "b.xml")
        let cda = SourceRef(file: "b.xml", format: .cda)
        b.patients.append(PatientEntry(keys: [], identity: PatientIdentity(subject: .identifier(id), identifiers: [id]), source: cda))
        b.statements.append((.identifier(id), condition("2")))
        var assembler = RecordAssembler()
        assembler.add(a)
        assembler.add(b)
        let records = assembler.records()
        #expect(records.count == 1)
        #expect(records[0].conditions.count == 2)
        #expect(records[0].identity.subject == .reference("Patient/x"))
        #expect(records[0].sources.map(\.file) == ["a.json", "b.xml"])
    }

    @Test func statementsOfAnUndescribedPatientStillFormARecord() {
        var e = SourceExtract(file: "c.json")
        e.statements.append((.key("Patient/external"), condition("1")))
        var assembler = RecordAssembler()
        assembler.add(e)
        let records = assembler.records()
        #expect(records.map(\.key) == ["Patient/external"])
        #expect(records[0].identity.isDescribed == false)
    }

    @Test func medicationReferencesResolveAcrossInputs() {
        var meds = SourceExtract(file: "Medication.ndjson")
        meds.medications.append(MedicationDefinition(keys: ["Medication/m1"], concept: Concept(codings: [Coding(system: .rxnorm, code: "1307298")])))
        var uses = SourceExtract(file: "MedicationRequest.ndjson")
        uses.statements.append((.key("Patient/p"), .medication(MedicationUse(
            kind: .request, medication: Concept(), medicationReference: "Medication/m1", actuality: .actual, source: source))))
        var assembler = RecordAssembler()
        assembler.add(uses)
        assembler.add(meds)
        let record = assembler.records()[0]
        #expect(record.medications[0].medication.codings.map(\.code) == ["1307298"])
        #expect(record.medications[0].medicationReference == nil)
    }
}

@Suite struct DuplicateStatementTests {
    @Test func theSameStatementFromTwoSourcesCountsOnceAndKeepsBothSources() {
        let id = Identifier(system: "urn:oid:1.2.3", value: "9")
        let psa = { (file: String, value: Double) in
            Statement.observation(Observation(
                code: Concept(codings: [Coding(system: .loinc, code: "2857-1")]),
                value: .quantity(Quantity(value: value, text: String(value), unit: "ng/mL")),
                effective: Period(at: TimeRange.parseFHIR("2026-01-05")!),
                source: SourceRef(file: file, format: file.hasSuffix("xml") ? .cda : .fhirJSON)))
        }
        var a = SourceExtract(file: "a.json")
        a.patients.append(PatientEntry(keys: ["Patient/a"], identity: PatientIdentity(subject: .reference("Patient/a"), identifiers: [id]),
                                       source: SourceRef(file: "a.json", format: .fhirJSON)))
        a.statements += [(.key("Patient/a"), psa("a.json", 4.2)), (.key("Patient/a"), psa("a.json", 5.0))]
        var b = SourceExtract(file: "b.xml")
        b.statements.append((.identifier(id), psa("b.xml", 4.2)))
        var assembler = RecordAssembler()
        assembler.add(a)
        assembler.add(b)
        let record = assembler.records()[0]
        #expect(record.observations.count == 2)
        #expect(record.observations[0].otherSources.map(\.file) == ["b.xml"])
        #expect(record.observations[1].otherSources.isEmpty)
    }
}
