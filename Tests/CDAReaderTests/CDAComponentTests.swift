import ClinicalModel
import Guideline
import IngestKit
import Mapping
import Testing
import TestSupport

/// Observations nested in a C-CDA result observation become its components, so a genomics
/// variant (gene studied + clinical significance) decides brca-alteration from C-CDA as it does
/// from FHIR.
@Suite struct CDAComponentTests {
    static let variant = """
          <entry typeCode="DRIV">
            <organizer classCode="BATTERY" moodCode="EVN">
              <templateId root="2.16.840.1.113883.10.20.22.4.1" extension="2015-08-01"/>
              <id root="a1b2c3d4-0000-4000-8000-000000000001"/>
              <code code="51969-4" codeSystem="2.16.840.1.113883.6.1" displayName="Genetic analysis report"/>
              <statusCode code="completed"/>
              <effectiveTime value="20260301"/>
              <component>
                <observation classCode="OBS" moodCode="EVN">
                  <templateId root="2.16.840.1.113883.10.20.22.4.2" extension="2015-08-01"/>
                  <id root="a1b2c3d4-0000-4000-8000-000000000002"/>
                  <code code="69548-6" codeSystem="2.16.840.1.113883.6.1" displayName="Genetic variant assessment"/>
                  <statusCode code="completed"/>
                  <effectiveTime value="20260301"/>
                  <value xsi:type="CD" code="LA9633-4" codeSystem="2.16.840.1.113883.6.1" displayName="Present"/>
                  <entryRelationship typeCode="COMP">
                    <observation classCode="OBS" moodCode="EVN">
                      <code code="48018-6" codeSystem="2.16.840.1.113883.6.1" displayName="Gene studied [ID]"/>
                      <value xsi:type="CD" code="HGNC:1101" codeSystem="2.16.840.1.113883.6.281" displayName="BRCA2"/>
                    </observation>
                  </entryRelationship>
                  <entryRelationship typeCode="COMP">
                    <observation classCode="OBS" moodCode="EVN">
                      <code code="53037-8" codeSystem="2.16.840.1.113883.6.1" displayName="Genetic variation clinical significance"/>
                      <value xsi:type="CD" code="LA6668-3" codeSystem="2.16.840.1.113883.6.1" displayName="Pathogenic"/>
                    </observation>
                  </entryRelationship>
                </observation>
              </component>
            </organizer>
          </entry>
        """

    @Test func nestedObservationsAreComponentsAndDecideBRCA() throws {
        let xml = CDATest.document(CDATest.section(
            template: CDAReaderEntryTests.resultSection, code: "30954-2", text: "<paragraph>Genomics</paragraph>",
            entries: Self.variant))
        var collector = RecordCollector(mappings: TestSupport.mappings)
        collector.add(Array(xml.utf8), file: "variant.xml")
        #expect(!collector.hasErrors, "\(collector.diagnostics)")
        let record = try #require(collector.records().first)
        let variant = try #require(record.observations.first { $0.code.codings.first?.code == "69548-6" })
        #expect(variant.components.map { $0.code.codings.first?.code } == ["48018-6", "53037-8"])
        #expect(variant.components.first?.value == .concept(Concept(codings: [
            Coding(system: .hgnc, code: "HGNC:1101", display: "BRCA2")])))
        let engine = try GuidelineEngine(mappings: TestSupport.mappings)
        let facts = engine.deriver.derive(record, asOf: Instant(year: 2026, month: 11, day: 27))
        #expect(facts.truth("brca-alteration") == .true)
        #expect(facts.truth("somatic-testing-done") == .true)  // origin not stated: read as somatic
    }
}
