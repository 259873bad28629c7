import ClinicalModel
import Mapping
import Testing
import TestSupport
@testable import FHIRReader

@Suite struct FHIRReaderTests {
    let reader = FHIRReader(codeSystems: TestSupport.mappings.codeSystems, statuses: TestSupport.mappings.statuses)

    func read(_ text: String, file: String = "t.json") -> SourceExtract { reader.read(Array(text.utf8), file: file) }

    func conditions(_ e: SourceExtract) -> [(PatientLink, Condition)] {
        e.statements.compactMap { link, s in if case .condition(let c) = s { (link, c) } else { nil } }
    }

    static let bundle = #"""
    {"resourceType": "Bundle", "type": "collection", "entry": [
      {"fullUrl": "urn:uuid:11111111-1111-1111-1111-111111111111",
       "resource": {"resourceType": "Patient", "id": "p1", "gender": "male", "_birthDate": {"extension": []}}},
      {"fullUrl": "urn:uuid:22222222-2222-2222-2222-222222222222",
       "resource": {"resourceType": "Claim", "id": "c1", "patient": {"reference": "urn:uuid:11111111-1111-1111-1111-111111111111"}, "item": [{"x": "}{"}]}},
      {"fullUrl": "urn:uuid:33333333-3333-3333-3333-333333333333",
       "resource": {"resourceType": "Condition", "id": "k1",
         "code": {"coding": [{"system": "urn:oid:2.16.840.1.113883.6.90", "code": "C61"}]},
         "subject": {"reference": "urn:uuid:11111111-1111-1111-1111-111111111111"},
         "onsetDateTime": "2019-05", "unknownElement": {"deep": [1, 2]}}}
    ]}
    """#

    @Test func readsWantedTypesAndSkipsTheRestUndecoded() {
        let e = read(Self.bundle)
        #expect(e.diagnostics.isEmpty)
        #expect(e.patients.count == 1)
        #expect(e.counts.skippedByType == ["Claim": 1])
        #expect(e.counts.resourcesByType == ["Bundle": 1, "Patient": 1, "Claim": 1, "Condition": 1])
        let (link, c) = conditions(e)[0]
        #expect(link == .key("urn:uuid:11111111-1111-1111-1111-111111111111"))
        #expect(c.code.codings[0].system == .icd10cm)  // urn:oid form folded to the canonical URI
        #expect(c.onset?.start?.start.dateString == "2019-05-01")
        #expect(c.onset?.start?.last.dateString == "2019-05-31")
        #expect(c.source.reference == "urn:uuid:33333333-3333-3333-3333-333333333333")
    }

    @Test func resolvesRelativeReferencesAgainstRESTfulFullUrls() {
        let text = #"""
        {"resourceType": "Bundle", "type": "searchset", "entry": [
          {"fullUrl": "http://a.org/fhir/Observation/1", "resource": {"resourceType": "Observation", "id": "1",
            "code": {"text": "x"}, "subject": {"reference": "Patient/9/_history/2"}}},
          {"fullUrl": "http://a.org/fhir/Observation/2", "resource": {"resourceType": "Observation", "id": "2",
            "code": {"text": "x"}, "subject": {"reference": "http://b.org/fhir/Patient/9"}}},
          {"resource": {"resourceType": "Observation", "code": {"text": "x"}, "subject": {"reference": "Patient/9"}}}
        ]}
        """#
        let links = read(text).statements.map(\.link)
        #expect(links == [.key("http://a.org/fhir/Patient/9"), .key("http://b.org/fhir/Patient/9"), .key("Patient/9")])
    }

    @Test func statusesThatAreNeverEvidenceAreExcludedButKept() {
        let text = #"""
        {"resourceType": "Bundle", "type": "collection", "entry": [
          {"resource": {"resourceType": "Condition", "verificationStatus": {"coding": [{"code": "refuted"}]}, "code": {"text": "x"}, "subject": {"reference": "Patient/p"}}},
          {"resource": {"resourceType": "Condition", "verificationStatus": {"coding": [{"code": "provisional"}]}, "code": {"text": "x"}, "subject": {"reference": "Patient/p"}}},
          {"resource": {"resourceType": "MedicationStatement", "status": "not-taken", "medicationCodeableConcept": {"text": "Xtandi"}, "subject": {"reference": "Patient/p"}}},
          {"resource": {"resourceType": "MedicationRequest", "status": "active", "intent": "proposal", "medicationCodeableConcept": {"text": "docetaxel"}, "subject": {"reference": "Patient/p"}}},
          {"resource": {"resourceType": "MedicationRequest", "status": "cancelled", "intent": "order", "medicationCodeableConcept": {"text": "docetaxel"}, "subject": {"reference": "Patient/p"}}},
          {"resource": {"resourceType": "Procedure", "status": "preparation", "code": {"text": "IMRT"}, "subject": {"reference": "Patient/p"}}},
          {"resource": {"resourceType": "ServiceRequest", "status": "active", "intent": "order", "doNotPerform": true, "code": {"text": "IMRT"}, "subject": {"reference": "Patient/p"}}},
          {"resource": {"resourceType": "Observation", "status": "entered-in-error", "code": {"text": "PSA"}, "subject": {"reference": "Patient/p"}}}
        ]}
        """#
        let statements = read(text).statements.map(\.statement)
        var usability: [Usability] = []
        var actuality: [Actuality] = []
        for s in statements {
            switch s {
            case .condition(let c): usability.append(c.usability)
            case .medication(let m): usability.append(m.usability); actuality.append(m.actuality)
            case .procedure(let p): usability.append(p.usability); actuality.append(p.actuality)
            case .observation(let o): usability.append(o.usability)
            }
        }
        #expect(usability == [.excluded(.refuted), .excluded(.unconfirmed), .excluded(.notTaken), .usable, .excluded(.cancelled), .usable,
                              .excluded(.negated), .excluded(.enteredInError)])
        #expect(actuality == [.actual, .planned, .actual, .planned, .planned])
    }

    @Test func medicationReferencesResolveToContainedAndBundledMedications() {
        let text = #"""
        {"resourceType": "Bundle", "type": "collection", "entry": [
          {"fullUrl": "urn:uuid:m", "resource": {"resourceType": "Medication", "id": "m",
            "code": {"coding": [{"system": "http://www.nlm.nih.gov/research/umls/rxnorm", "code": "1307309"}]}}},
          {"resource": {"resourceType": "MedicationRequest", "status": "active", "intent": "order",
            "medicationReference": {"reference": "urn:uuid:m"}, "subject": {"reference": "Patient/p"}}},
          {"resource": {"resourceType": "MedicationStatement", "status": "active",
            "contained": [{"resourceType": "Medication", "id": "c", "code": {"text": "Xtandi 40 mg capsule"}}],
            "medicationReference": {"reference": "#c"}, "subject": {"reference": "Patient/p"}}}
        ]}
        """#
        let e = read(text)
        #expect(e.medications.map(\.keys) == [["urn:uuid:m", "Medication/m"]])
        let uses = e.statements.compactMap { if case .medication(let m) = $0.statement { m } else { nil } }
        #expect(uses[0].medicationReference == "urn:uuid:m")
        #expect(uses[1].medication.text == "Xtandi 40 mg capsule")
    }

    @Test func readsNDJSONLineByLineAndRejectsOnlyTheBrokenLine() {
        let text = #"{"resourceType": "Patient", "id": "a"}"# + "\r\n"
            + #"{"resourceType": "Condition", "code": {"text": "x"}, "subject": {"reference": "Patient/a"}}"# + "\n"
            + #"{"resourceType": "Condition", "code": {"text": "x"}, "subject": "#
            + "\n\n" + #"{"resourceType": "Bundle", "type": "collection", "entry": [{"resource": {"resourceType": "Patient", "id": "b"}}]}"#
        let e = read(text, file: "Condition.ndjson")
        #expect(e.patients.count == 2)
        #expect(e.statements.count == 1)
        #expect(e.counts.records == 4)
        #expect(e.diagnostics.count == 1)
        let d = e.diagnostics[0]
        #expect(d.severity == .error && d.file == "Condition.ndjson" && d.line == 3)
        #expect(d.description.hasPrefix("Condition.ndjson:3:"))
    }

    @Test func aBrokenDocumentIsRejectedWholeWithLineColumnAndPath() {
        let text = "\u{FEFF}{\r\n \"resourceType\": \"Bundle\",\r\n \"entry\": [{\"resource\": {\"resourceType\": \"Patient\", \"id\": 12x}}]\r\n}"
        let e = read(text)
        #expect(e.patients.isEmpty)
        let d = e.diagnostics[0]
        #expect(d.severity == .error && d.kind == "invalid-json")
        #expect(d.line == 3)
        #expect(d.path == "$.entry[0].resource.id")
    }

    @Test func wrongElementTypesAreWarnedAboutWithTheirPathNotDropped() {
        let text = #"{"resourceType": "Observation", "code": "2857-1", "valueQuantity": {"value": "4.1"}, "subject": {"reference": "Patient/p"}}"#
        let e = read(text)
        #expect(e.statements.count == 1)
        #expect(e.diagnostics.map(\.path) == ["$.code", "$.valueQuantity.value"])
        #expect(e.diagnostics.allSatisfy { $0.severity == .warning && !$0.message.contains("2857") && !$0.message.contains("4.1") })
    }

    @Test func resourcesWithoutAPatientAreCountedWithAReason() {
        let e = read(#"{"resourceType": "Observation", "code": {"text": "x"}, "subject": {"reference": "Group/1"}}"#)
        #expect(e.statements.isEmpty)
        #expect(e.counts.rejectedByReason == ["subject is not a Patient": 1])
    }
}
