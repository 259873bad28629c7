import Testing
@testable import ClinicalModel

/// How written system URIs and codes fold: the table's keys and trimming have a byte-level fast
/// path for the common case, so these compare them with the plain definition (Character-level
/// trimming of " \t\n\r", trailing slashes removed, Unicode lowercasing) on strings on both
/// sides of that path.
@Suite struct CodeSystemTableTests {
    static let samples = [
        "http://loinc.org", "http://loinc.org/", "http://loinc.org//", "HTTP://LOINC.ORG", " http://loinc.org",
        "http://loinc.org\t", "\r\nhttp://loinc.org\r\n", "urn:oid:2.16.840.1.113883.6.1", "2.16.840.1.113883.6.1",
        "", " ", "/", "\n", "\r\n", "a", "A", "é", "É", "http://snomed.info/sct", "http://SNOMED.info/sct ",
        "http://example.org/Straße", "x/\u{301}", " \u{301}x", "x \u{301}", "ﬁ", "İ", "http://x.org/\u{1F600}", "caf\u{E9}", "cafe\u{301}",
    ]

    static func plainTrimmed(_ s: String) -> String {
        var t = Substring(s)
        while let f = t.first, [" ", "\t", "\n", "\r"].contains(f) { t.removeFirst() }
        while let l = t.last, [" ", "\t", "\n", "\r"].contains(l) { t.removeLast() }
        return String(t)
    }

    @Test(arguments: samples) func keyAndTrimmingMatchTheirDefinition(_ s: String) {
        // Compared as bytes: String's == would take canonically equivalent text for equal.
        #expect(Array(CodeSystemTable.trimmed(s).utf8) == Array(Self.plainTrimmed(s).utf8))
        var k = Self.plainTrimmed(s)
        while k.hasSuffix("/") { k.removeLast() }
        #expect(Array(CodeSystemTable.key(s).utf8) == Array(k.lowercased().utf8))
    }

    @Test func aliasesFoldToTheCanonicalSystem() {
        var table = CodeSystemTable()
        table.add(.init(canonical: CodeSystem("http://loinc.org"), name: "LOINC"),
                  aliases: ["http://loinc.org/"], oids: ["2.16.840.1.113883.6.1"])
        table.add(.init(canonical: CodeSystem("http://www.genenames.org"), codePrefix: "HGNC:", name: "HGNC"),
                  aliases: [], oids: [])
        for written in ["http://loinc.org", "HTTP://LOINC.ORG/", " http://loinc.org\n", "urn:oid:2.16.840.1.113883.6.1",
                        "2.16.840.1.113883.6.1"] {
            #expect(table.canonical(written) == CodeSystem("http://loinc.org"), "\(written)")
        }
        // Unknown systems pass through, trimmed only.
        #expect(table.canonical(" http://example.org/x ") == CodeSystem("http://example.org/x"))
        let hgnc = CodeSystem("http://www.genenames.org")
        #expect(table.normalizedCode(" 1100 ", system: hgnc) == "HGNC:1100")
        #expect(table.normalizedCode("HGNC:1100", system: hgnc) == "HGNC:1100")
        #expect(table.normalizedCode(" 1100 ", system: CodeSystem("http://loinc.org")) == "1100")
    }
}
