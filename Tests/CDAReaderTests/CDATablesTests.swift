import CDAReader
import ClinicalModel
import DefaultMappings
import Foundation
import Mapping
import Testing

/// `Mappings/cda.json` and the C-CDA half of `Mappings/statuses.json` are data: which templates
/// are read, and what a statusCode means, change with the files.
@Suite("C-CDA templates and statuses as data")
struct CDATablesTests {
    static let vendorProblem = "1.2.3.4.5.6.7.4.4"

    /// The default mappings with `file` edited by `edit` (on its parsed JSON).
    static func mappings(editing file: String, _ edit: (inout [String: Any]) -> Void) throws -> MappingSet {
        var files = DefaultMappings.files
        let text = try #require(files[file])
        var json = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        edit(&json)
        files[file] = String(decoding: try JSONSerialization.data(withJSONObject: json), as: UTF8.self)
        return try MappingSet(files: files)
    }

    static func reader(_ m: MappingSet) -> CDAReader {
        CDAReader(codeSystems: m.codeSystems, statuses: m.statuses, templates: m.cdaTemplates)
    }

    /// A problem observation whose only templateId is a vendor's own, and a suspended medication.
    static let document = CDATest.document(
        CDATest.section(template: "2.16.840.1.113883.10.20.22.2.5.1", code: "11450-4", entries: """
              <entry>
                <observation classCode="OBS" moodCode="EVN">
                  <templateId root="\(vendorProblem)"/>
                  <code code="282291009" codeSystem="2.16.840.1.113883.6.96"/>
                  <statusCode code="completed"/>
                  <value xsi:type="CD" code="399068003" codeSystem="2.16.840.1.113883.6.96" displayName="Malignant tumor of prostate"/>
                </observation>
              </entry>
        """) + CDATest.section(template: "2.16.840.1.113883.10.20.22.2.1.1", code: "10160-0", entries: """
              <entry>
                <substanceAdministration classCode="SBADM" moodCode="EVN">
                  <templateId root="2.16.840.1.113883.10.20.22.4.16"/>
                  <statusCode code="suspended"/>
                  <consumable><manufacturedProduct><manufacturedMaterial>
                    <code code="1307298" codeSystem="2.16.840.1.113883.6.88" displayName="enzalutamide"/>
                  </manufacturedMaterial></manufacturedProduct></consumable>
                </substanceAdministration>
              </entry>
        """))

    @Test func theDefaultsLeaveAnUnknownTemplateUnreadAndASuspendedDrugOnHold() throws {
        let e = CDATest.read(Self.document)
        let problems = CDATest.conditions(e)
        #expect(problems.map(\.usability) == [.excluded(.unreadable)])
        #expect(e.diagnostics.contains { $0.kind == "cda-section-unread" })
        let med = try #require(CDATest.medications(e).first)
        #expect(med.status == "on-hold")
        #expect(med.usability == .usable)
    }

    @Test func aTemplateAddedToCDAJsonIsRead() throws {
        let m = try Self.mappings(editing: "cda.json") { json in
            var entries = json["entries"] as! [String: Any]
            var problem = entries["problemObservation"] as! [String: Any]
            problem["templateIds"] = (problem["templateIds"] as! [String]) + [Self.vendorProblem]
            entries["problemObservation"] = problem
            json["entries"] = entries
        }
        let e = Self.reader(m).read(Array(Self.document.utf8), file: "t.xml")
        let problem = try #require(CDATest.conditions(e).first)
        #expect(problem.usability == .usable)
        #expect(problem.code.codings.map(\.code) == ["399068003"])
        #expect(e.counts.resourcesByType["Problem"] == 1)
        #expect(!e.diagnostics.contains { $0.kind == "cda-section-unread" })
    }

    @Test func anEditedStatusTableChangesWhatCounts() throws {
        let m = try Self.mappings(editing: "statuses.json") { json in
            var cda = json["cda"] as! [String: Any]
            var ms = cda["MedicationStatement"] as! [String: Any]
            ms["excluded"] = (ms["excluded"] as! [Any]) + [["statusCode": ["suspended"], "as": "cancelled"]]
            var fhirStatus = ms["fhirStatus"] as! [String: Any]
            fhirStatus["suspended"] = "stopped"
            ms["fhirStatus"] = fhirStatus
            cda["MedicationStatement"] = ms
            json["cda"] = cda
        }
        let e = Self.reader(m).read(Array(Self.document.utf8), file: "t.xml")
        let med = try #require(CDATest.medications(e).first)
        #expect(med.usability == .excluded(.cancelled))
        #expect(med.status == "stopped")
    }

    @Test func theLegacyCCDTemplatesAreInTheData() {
        let t = try! MappingSet(files: DefaultMappings.files).cdaTemplates
        #expect(t.entries[.problemObservation]?.contains("2.16.840.1.113883.10.20.1.28") == true)
        #expect(t.entries[.medicationActivity]?.contains("2.16.840.1.113883.10.20.1.24") == true)
        #expect(t.entries[.legacyResultObservation] == ["2.16.840.1.113883.10.20.1.31"])
        #expect(t.entries[.legacyProcedureActivity] == ["2.16.840.1.113883.10.20.1.29"])
        #expect(t.sections[.problems]?.templateIDs.contains("2.16.840.1.113883.10.20.1.11") == true)
    }

    @Test func aTemplateUnderTwoKindsIsALocatedError() throws {
        let error = try #require(throws: MappingError.self) {
            _ = try Self.mappings(editing: "cda.json") { json in
                var entries = json["entries"] as! [String: Any]
                var status = entries["problemStatus"] as! [String: Any]
                status["templateIds"] = (status["templateIds"] as! [String]) + ["2.16.840.1.113883.10.20.22.4.4"]
                entries["problemStatus"] = status
                json["entries"] = entries
            }
        }
        #expect(error.file == "cda.json")
        #expect(error.path.hasPrefix("$.entries.") && error.path.contains(".templateIds["))
        #expect(error.message.contains("already listed"))
    }
}
