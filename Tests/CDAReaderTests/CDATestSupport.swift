import CDAReader
import ClinicalModel
import DefaultMappings
import Foundation
import Mapping

enum CDATest {
    static let codeSystems: CodeSystemTable = {
        do {
            return try MappingSet(files: DefaultMappings.files).codeSystems
        } catch {
            fatalError("the default Mappings do not load: \(error)")
        }
    }()

    static let reader: CDAReader = {
        let mappings = try! MappingSet(files: DefaultMappings.files)  // loads: codeSystems above did
        return CDAReader(codeSystems: codeSystems, statuses: mappings.statuses, templates: mappings.cdaTemplates)
    }()

    static func read(_ xml: String, file: String = "test.xml") -> SourceExtract {
        reader.read(Array(xml.utf8), file: file)
    }

    /// A C-CDA R2.1 CCD with a fixed header and the given sections in its structuredBody.
    static func document(_ sections: String, birthTime: String = "19500312", body: String? = nil) -> String {
        """
        <?xml version="1.0" encoding="UTF-8"?>
        <ClinicalDocument xmlns="urn:hl7-org:v3" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:sdtc="urn:hl7-org:sdtc">
          <realmCode code="US"/>
          <templateId root="2.16.840.1.113883.10.20.22.1.2" extension="2015-08-01"/>
          <id root="2.16.840.1.113883.19.5.99999.1" extension="doc-1"/>
          <code code="34133-9" codeSystem="2.16.840.1.113883.6.1"/>
          <effectiveTime value="20240601120000-0500"/>
          <recordTarget>
            <patientRole>
              <id root="2.16.840.1.113883.19.5" extension="MRN-1"/>
              <id root="2.16.840.1.113883.4.1" extension="999-99-9999"/>
              <patient>
                <name><given>Test</given><family>Patient</family></name>
                <administrativeGenderCode code="M" codeSystem="2.16.840.1.113883.5.1"/>
                <birthTime value="\(birthTime)"/>
                <sdtc:deceasedInd value="false"/>
              </patient>
            </patientRole>
          </recordTarget>
          <component>
            \(body ?? "<structuredBody>\n" + sections + "\n    </structuredBody>")
          </component>
        </ClinicalDocument>
        """
    }

    static func section(template: String, code: String, text: String = "", entries: String) -> String {
        """
              <component>
                <section>
                  <templateId root="\(template)" extension="2015-08-01"/>
                  <code code="\(code)" codeSystem="2.16.840.1.113883.6.1"/>
                  <title>Section</title>
                  <text>\(text)</text>
        \(entries)
                </section>
              </component>
        """
    }

    /// 1-based line of the first line containing `needle`.
    static func line(of needle: String, in text: String) -> Int? {
        for (i, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
        where line.contains(needle) {
            return i + 1
        }
        return nil
    }

    static func conditions(_ e: SourceExtract) -> [Condition] {
        e.statements.compactMap { if case .condition(let c) = $0.statement { c } else { nil } }
    }
    static func medications(_ e: SourceExtract) -> [MedicationUse] {
        e.statements.compactMap { if case .medication(let m) = $0.statement { m } else { nil } }
    }
    static func observations(_ e: SourceExtract) -> [Observation] {
        e.statements.compactMap { if case .observation(let o) = $0.statement { o } else { nil } }
    }
    static func procedures(_ e: SourceExtract) -> [Procedure] {
        e.statements.compactMap { if case .procedure(let p) = $0.statement { p } else { nil } }
    }

    static func day(_ y: Int, _ m: Int, _ d: Int) -> Instant { Instant(year: y, month: m, day: d) }

    /// The package root, found from this file's path.
    static var packageRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
    }
}
