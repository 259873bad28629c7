import Testing
@testable import FHIRReader

/// The base a relative reference resolves against: RESTful fullUrls (`http://x/fhir/Patient/1`)
/// have one, anything else none. ASCII fullUrls are read on bytes; this holds them to the
/// Character-level definition, and pins the answers the Bundle rules give.
@Suite struct ReferenceKeysTests {
    static let fullUrls = [
        "http://x/fhir/Patient/1", "https://x/fhir/Patient/1", "http://x/Patient/1", "http://x/fhir/R4/Observation/o-1",
        "http://x/fhir/Patient/1/_history/2", "http://x/fhir/Patient/_history/2", "http://x/fhir/patient/1",
        "http://x/fhir/Patient/", "http://x/fhir//1", "http://x/Patient", "http:/x/Patient/1", "HTTP://x/fhir/Patient/1",
        "ftp://x/fhir/Patient/1", "urn:uuid:6d2b8c3e-0000-4000-8000-000000000001", "Patient/1", "", "http://", "https:////A/",
        "http://x/fhir/Patient/1\r\n", "http://x/f\r\nPatient/1", "http://x/fhir/\r\nPatient/1",
    ]

    @Test(arguments: fullUrls) func bytesAgreeWithTheDefinition(_ fullUrl: String) {
        // Compared as bytes: String's == would take canonically equivalent text for equal.
        #expect(ReferenceKeys.asciiRestBase(fullUrl).map { Array($0.utf8) } == ReferenceKeys.restBaseOfText(fullUrl).map { Array($0.utf8) })
    }

    @Test func restfulFullUrlsHaveTheirBase() {
        #expect(ReferenceKeys.restBase(ofFullUrl: "http://x/fhir/Patient/1") == "http://x/fhir")
        #expect(ReferenceKeys.restBase(ofFullUrl: "https://x/Patient/1/_history/3") == "https://x")
        #expect(ReferenceKeys.restBase(ofFullUrl: "urn:uuid:6d2b8c3e-0000-4000-8000-000000000001") == nil)
        #expect(ReferenceKeys.restBase(ofFullUrl: "http://x/fhir/patient/1") == nil)
        #expect(ReferenceKeys.restBase(ofFullUrl: nil) == nil)
        // Not ASCII: read on Characters.
        #expect(ReferenceKeys.restBase(ofFullUrl: "http://exämple.org/fhir/Patient/1") == "http://exämple.org/fhir")
        #expect(ReferenceKeys.restBase(ofFullUrl: "http://x/fhir/Éléments/1") == "http://x/fhir")
    }
}
