import ClinicalModel
import DefaultMappings
import Foundation
import Mapping
import Testing
import TestSupport
import FHIRReader

/// `Mappings/statuses.json` is data: what a status means changes with the file, not the code.
@Suite struct StatusSemanticsTests {
    /// The default mappings with `statuses.json` edited by `edit` (on its parsed JSON).
    static func mappings(editingStatuses edit: (inout [String: Any]) -> Void) throws -> MappingSet {
        var files = DefaultMappings.files
        let data = try #require(files["statuses.json"]).data(using: .utf8)!
        var json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        edit(&json)
        files["statuses.json"] = String(decoding: try JSONSerialization.data(withJSONObject: json), as: UTF8.self)
        return try MappingSet(files: files)
    }

    /// Appends `rule` to `json[format][kind][key]`.
    static func add(_ rule: [String: Any], to json: inout [String: Any], _ format: String, _ kind: String, _ key: String) {
        var f = json[format] as! [String: Any]
        var k = f[kind] as! [String: Any]
        k[key] = (k[key] as? [Any] ?? []) + [rule]
        f[kind] = k
        json[format] = f
    }

    static let bundle = #"""
    {"resourceType": "Bundle", "type": "collection", "entry": [
      {"resource": {"resourceType": "Observation", "status": "preliminary", "code": {"text": "PSA"}, "subject": {"reference": "Patient/p"}}},
      {"resource": {"resourceType": "MedicationStatement", "status": "on-hold", "medicationCodeableConcept": {"text": "Xtandi"}, "subject": {"reference": "Patient/p"}}},
      {"resource": {"resourceType": "MedicationStatement", "status": "not-taken", "medicationCodeableConcept": {"text": "Xtandi"}, "subject": {"reference": "Patient/p"}}}
    ]}
    """#

    static func read(_ mappings: MappingSet) -> (observation: Observation?, medications: [MedicationUse]) {
        let reader = FHIRReader(codeSystems: mappings.codeSystems, statuses: mappings.statuses)
        let statements = reader.read(Array(bundle.utf8), file: "t.json").statements.map(\.statement)
        var observation: Observation? = nil
        var medications: [MedicationUse] = []
        for s in statements {
            if case .observation(let o) = s { observation = o }
            if case .medication(let m) = s { medications.append(m) }
        }
        return (observation, medications)
    }

    @Test func theDefaultsKeepTodaysMeaning() throws {
        let r = Self.read(TestSupport.mappings)
        #expect(r.observation?.usability == .usable)
        #expect(r.medications.map(\.usability) == [.usable, .excluded(.notTaken)])
        #expect(r.medications.map(\.actuality) == [.actual, .actual])
    }

    @Test func anEditedTableChangesWhatCounts() throws {
        let custom = try Self.mappings { json in
            // Preliminary results no longer count; a MedicationStatement on hold is only a plan;
            // not-taken is no longer a reason (its rule removed).
            Self.add(["status": ["preliminary"], "as": "no-result"], to: &json, "fhir", "Observation", "excluded")
            Self.add(["status": ["on-hold"]], to: &json, "fhir", "MedicationStatement", "planned")
            var fhir = json["fhir"] as! [String: Any]
            var ms = fhir["MedicationStatement"] as! [String: Any]
            ms["excluded"] = (ms["excluded"] as! [[String: Any]]).filter { $0["as"] as? String != "not-taken" }
            fhir["MedicationStatement"] = ms
            json["fhir"] = fhir
        }
        let r = Self.read(custom)
        #expect(r.observation?.usability == .excluded(.noResult))
        #expect(r.medications.map(\.actuality) == [.planned, .actual])
        #expect(r.medications.map(\.usability) == [.usable, .usable])
    }

    @Test func aRuleOnAnElementTheReaderDoesNotReadIsALocatedError() throws {
        let error = try #require(throws: MappingError.self) {
            _ = try Self.mappings { json in
                Self.add(["intent": ["plan"], "as": "cancelled"], to: &json, "fhir", "Observation", "excluded")
            }
        }
        #expect(error.file == "statuses.json")
        #expect(error.path == "$.fhir.Observation.excluded[3].intent")
        #expect(error.message.contains("known: status"))
    }

    @Test func everyKindTheReadersProduceMustBeListed() throws {
        let error = try #require(throws: MappingError.self) {
            _ = try Self.mappings { json in
                var cda = json["cda"] as! [String: Any]
                cda["ServiceRequest"] = nil
                json["cda"] = cda
            }
        }
        #expect(error.file == "statuses.json")
        #expect(error.path == "$.cda")
        #expect(error.message.contains("ServiceRequest"))
    }

    @Test func anUnknownOutcomeIsRejected() throws {
        let error = try #require(throws: MappingError.self) {
            _ = try Self.mappings { json in
                Self.add(["status": ["amended"], "as": "doubtful"], to: &json, "fhir", "Observation", "excluded")
            }
        }
        #expect(error.path == "$.fhir.Observation.excluded[3].as")
    }
}
