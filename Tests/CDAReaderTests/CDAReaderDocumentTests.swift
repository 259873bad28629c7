import CDAReader
import ClinicalModel
import Foundation
import Testing

@Suite("C-CDA documents: quirks, rejection, hostile input")
struct CDAReaderDocumentTests {
    static let problem = CDATest.section(
        template: "2.16.840.1.113883.10.20.22.2.5.1", code: "11450-4",
        entries: """
              <entry>
                <observation classCode="OBS" moodCode="EVN">
                  <templateId root="2.16.840.1.113883.10.20.22.4.4"/>
                  <value xsi:type="CD" code="399068003" codeSystem="2.16.840.1.113883.6.96"/>
                </observation>
              </entry>
        """)

    @Test func bomCRLFAndStylesheet() throws {
        var xml = CDATest.document(Self.problem)
        xml = xml.replacingOccurrences(of: "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n",
                                       with: "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<?xml-stylesheet type=\"text/xsl\" href=\"CDA.xsl\"?>\n<!-- exported -->\n")
        let expectedLine = try #require(CDATest.line(of: "<observation", in: xml))
        let bytes: [UInt8] = [0xEF, 0xBB, 0xBF] + Array(xml.replacingOccurrences(of: "\n", with: "\r\n").utf8)
        let e = CDATest.reader.read(bytes, file: "bom.xml")
        #expect(!e.hasErrors, "\(e.diagnostics)")
        #expect(CDATest.conditions(e).count == 1)
        #expect(CDATest.conditions(e).first?.source.line == expectedLine)
    }

    @Test func nonXMLBodyAndHeaderOnlyDocumentsHaveNoStatements() throws {
        let pdf = CDATest.document(
            "", body: "<nonXMLBody><text mediaType=\"application/pdf\" representation=\"B64\">JVBERi0xLjQK</text></nonXMLBody>")
        #expect(pdf.contains("nonXMLBody"))
        let e = CDATest.read(pdf)
        #expect(!e.hasErrors)
        #expect(e.statements.isEmpty)
        #expect(e.patients.count == 1)

        let headerOnly = """
            <ClinicalDocument xmlns="urn:hl7-org:v3">
              <recordTarget><patientRole><id root="1.2.3" extension="9"/></patientRole></recordTarget>
            </ClinicalDocument>
            """
        let h = CDATest.read(headerOnly)
        #expect(!h.hasErrors)
        #expect(h.statements.isEmpty)
        #expect(h.patients.first?.identity.subject == .identifier(Identifier(system: "urn:oid:1.2.3", value: "9")))
    }

    @Test(arguments: [
        #"<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml"><body/></html>"#,
        #"<ClinicalDocument><title>no namespace</title></ClinicalDocument>"#,
        #"<Bundle xmlns="http://hl7.org/fhir"><type value="collection"/></Bundle>"#,
    ])
    func nonCDAXMLIsRejected(_ xml: String) throws {
        let e = CDATest.read(xml)
        #expect(e.hasErrors)
        let d = try #require(e.diagnostics.first)
        #expect(d.kind == "not-cda")
        #expect(d.message.contains("not a C-CDA document"))
        #expect(e.statements.isEmpty && e.patients.isEmpty)
        #expect(e.counts.records == 1)
    }

    @Test func invalidXMLGivesItsLine() throws {
        let xml = """
            <?xml version="1.0"?>
            <ClinicalDocument xmlns="urn:hl7-org:v3">
              <recordTarget><patientRole><id root="1.2.3" extension="SECRET-MRN"/></patientRole></recordTarget>
              <component><structuredBody>
                <component><section><title>Problems</section></component>
              </structuredBody></component>
            </ClinicalDocument>
            """
        let e = CDATest.read(xml, file: "broken.xml")
        #expect(e.hasErrors)
        let d = try #require(e.diagnostics.first)
        #expect(d.kind == "invalid-xml")
        #expect(d.severity == .error)
        #expect(d.line == 5)
        #expect(d.file == "broken.xml")
        #expect(!d.message.contains("SECRET"))
        #expect(e.patients.isEmpty && e.statements.isEmpty)
        #expect(e.counts.rejectedRecords["invalid XML"] == 1)
    }

    @Test func truncatedAndEmptyInputs() throws {
        let truncated = String(CDATest.document(Self.problem).prefix(900))
        #expect(CDATest.read(truncated).diagnostics.first?.kind == "invalid-xml")
        #expect(CDATest.read("").diagnostics.first?.kind == "invalid-xml")
        #expect(CDATest.read("   \n").diagnostics.first?.kind == "invalid-xml")
        #expect(CDATest.read("<ClinicalDocument xmlns=\"urn:hl7-org:v3\">&nbsp;</ClinicalDocument>").diagnostics.first?.kind == "invalid-xml")
    }

    @Test func xxeIsRejectedQuicklyAndReadsNoFile() throws {
        let marker = "XXE-MARKER-\(UInt32.random(in: 0...UInt32.max))"
        let secret = FileManager.default.temporaryDirectory.appendingPathComponent("cda-xxe-\(marker).txt")
        try marker.write(to: secret, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: secret) }
        let documents = [
            """
            <?xml version="1.0"?>
            <!DOCTYPE ClinicalDocument [ <!ENTITY xxe SYSTEM "\(secret.absoluteString)"> ]>
            <ClinicalDocument xmlns="urn:hl7-org:v3"><title>&xxe;</title></ClinicalDocument>
            """,
            """
            <?xml version="1.0"?>
            <!DOCTYPE ClinicalDocument SYSTEM "\(secret.absoluteString)">
            <ClinicalDocument xmlns="urn:hl7-org:v3"><title>x</title></ClinicalDocument>
            """,
            """
            <?xml version="1.0"?>
            <!DOCTYPE ClinicalDocument [ <!ENTITY % remote SYSTEM "http://127.0.0.1:9/evil.dtd"> %remote; ]>
            <ClinicalDocument xmlns="urn:hl7-org:v3"/>
            """,
        ]
        for xml in documents {
            let clock = ContinuousClock()
            var e = SourceExtract(file: "")
            let elapsed = clock.measure { e = CDATest.read(xml, file: "xxe.xml") }
            // A hang guard, not a speed claim (benchmarks measure speed): an external entity that
            // were fetched would wait on the network; a refusal takes milliseconds, also under TSan.
            #expect(elapsed < .seconds(10))
            let d = try #require(e.diagnostics.first)
            #expect(d.severity == .error)
            #expect(d.kind == "unsafe-xml")
            #expect(d.line == 2)
            #expect(!"\(e.diagnostics)".contains(marker))
            #expect(e.statements.isEmpty && e.patients.isEmpty)
        }
    }

    @Test func billionLaughsIsRejectedQuickly() throws {
        var xml = "<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [\n <!ENTITY lol \"lol\">\n"
        xml += " <!ENTITY lol1 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\n"
        for i in 2...9 {
            xml += " <!ENTITY lol\(i) \"" + String(repeating: "&lol\(i - 1);", count: 10) + "\">\n"
        }
        xml += "]>\n<ClinicalDocument xmlns=\"urn:hl7-org:v3\"><title>&lol9;</title></ClinicalDocument>\n"
        let clock = ContinuousClock()
        var e = SourceExtract(file: "")
        let elapsed = clock.measure { e = CDATest.read(xml, file: "lol.xml") }
        // A hang guard, not a speed claim: expanded, the entities would take minutes and gigabytes.
        #expect(elapsed < .seconds(10))
        #expect(e.diagnostics.first?.kind == "unsafe-xml")
        #expect(e.hasErrors)
    }

    @Test func deepNestingAndSizeLimits() throws {
        let deep = "<ClinicalDocument xmlns=\"urn:hl7-org:v3\">" + String(repeating: "<a>", count: 5000)
            + String(repeating: "</a>", count: 5000) + "</ClinicalDocument>"
        let e = CDATest.read(deep)
        #expect(e.hasErrors)
        #expect(e.diagnostics.first?.kind == "xml-limit")

        var small = CDATest.reader
        small.limits.maxXMLDocumentBytes = 100
        let big = small.read(Array(CDATest.document("").utf8), file: "big.xml")
        #expect(big.diagnostics.first?.kind == "xml-limit")
    }

    @Test func utf16IsRejectedClearly() throws {
        var bytes: [UInt8] = [0xFF, 0xFE]
        for u in "<ClinicalDocument xmlns=\"urn:hl7-org:v3\"/>".utf16 { bytes += [UInt8(u & 0xFF), UInt8(u >> 8)] }
        let e = CDATest.reader.read(bytes, file: "utf16.xml")
        #expect(e.hasErrors)
        #expect(e.diagnostics.first?.message.contains("UTF-8") == true)
    }

    @Test func readsConcurrently() async throws {
        let xml = Array(CDATest.document(Self.problem).utf8)
        let counts = await withTaskGroup(of: Int.self) { group in
            for _ in 0..<8 {
                group.addTask { CDATest.reader.read(xml, file: "p.xml").statements.count }
            }
            var all: [Int] = []
            for await c in group { all.append(c) }
            return all
        }
        #expect(counts == Array(repeating: 1, count: 8))
    }
}
