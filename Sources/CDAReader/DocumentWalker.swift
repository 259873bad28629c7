internal import CLibXML2
import ClinicalModel

/// Why a document was rejected.
struct WalkFailure: Error {
    var kind: String
    var reason: String
    var line: Int?
    var message: String
}

/// The streaming pass over one document: libxml2's reader hands over one node at a time, and
/// this walker keeps only the element path, the open sections, the open entry frames and the
/// current section's narrative index. No tree is built.
///
/// This file holds the walker's state and the loop that routes each node. What a node means is
/// in one file per concern, because each is read in a different place of the document:
/// - `DocumentWalker+Header.swift`: the recordTarget (patient, identifiers, deceased) before the body;
/// - `DocumentWalker+Sections.swift`: which section an element is in, its entries, unread-entry warnings;
/// - `DocumentWalker+Narrative.swift`: a section's `text` block, which entries refer into;
/// - `DocumentWalker+Entries.swift`: an entry's act elements and their direct children;
/// - `DocumentWalker+Values.swift`: codes, values, times and text captured inside an entry;
/// - `DocumentWalker+Statements.swift`: the statement each closed entry becomes, with its status semantics;
/// - `DocumentWalker+Attributes.swift`: reading attributes as pointers into the current node.
struct DocumentWalker {
    let reader: OpaquePointer
    let names: NameTable
    let codeSystems: CodeSystemTable
    /// Templates, moodCodes and status semantics (`Mappings/cda.json`, `Mappings/statuses.json`).
    let tables: CDATables
    let file: String
    let maxDepth: Int

    var counts = ReadCounts()
    var warnings: [Diagnostic] = []
    var statements: [Statement] = []

    /// Element names by depth (the current path).
    var path: [Name] = []

    // recordTarget/patientRole (DocumentWalker+Header)
    var recordTargets = 0
    /// `ClinicalDocument/id` as `root^extension`: names the document's patient within the run.
    var documentID: String?
    var patientIDs: [(root: String, ext: String?)] = []
    var patientLine: Int?
    var gender: String?
    var birthDate: TimeRange?
    var deceased: Deceased?

    // Sections and their narrative (DocumentWalker+Sections, +Narrative)
    var sections: [SectionState] = []
    var narrative = NarrativeIndex()
    var narrativeDepth: Int?

    // Entries (DocumentWalker+Entries, +Values)
    var frames: [EntryFrame] = []
    var capture: CodeCapture?
    var timeCapture: TimeCapture?
    var scratch: [UInt8] = []

    init(reader: OpaquePointer, codeSystems: CodeSystemTable, tables: CDATables, file: String, maxDepth: Int) {
        self.reader = reader
        self.names = NameTable(reader: reader)
        self.codeSystems = codeSystems
        self.tables = tables
        self.file = file
        self.maxDepth = maxDepth
        path.reserveCapacity(64)
        frames.reserveCapacity(8)
    }

    // MARK: The loop

    mutating func run() throws(WalkFailure) {
        while true {
            let status = xmlTextReaderRead(reader)
            if status == 0 { break }
            if status < 0 { throw parseFailure() }
            switch xmlTextReaderNodeType(reader) {
            case 1:  // element
                guard let node = xmlTextReaderCurrentNode(reader) else { continue }
                let depth = Int(xmlTextReaderDepth(reader))
                if depth >= maxDepth {
                    throw WalkFailure(kind: "xml-limit", reason: "XML nested too deep", line: line(node),
                                      message: "elements are nested deeper than \(maxDepth) levels.")
                }
                let name = Self.name(of: node, names)
                while path.count > depth { path.removeLast() }
                path.append(name)
                if depth == 0 && name != .clinicalDocument {
                    throw WalkFailure(kind: "not-cda", reason: "not a C-CDA document", line: line(node),
                                      message: "not a C-CDA document: the root element is not ClinicalDocument in the urn:hl7-org:v3 namespace.")
                }
                start(name, node, depth)
                if xmlTextReaderIsEmptyElement(reader) == 1 {
                    end(name, depth)
                    path.removeLast()
                }
            case 15:  // end of element
                let depth = Int(xmlTextReaderDepth(reader))
                guard depth < path.count else { continue }
                end(path[depth], depth)
                while path.count > depth { path.removeLast() }
            case 3, 4, 13, 14:  // text, CDATA, whitespace
                text()
            case 10:  // DOCTYPE: the pre-scan lets only a bare `<!DOCTYPE name>` through
                break
            default:
                break
            }
        }
    }

    /// Routes a start tag to what is being read where it opens: an open capture or time takes
    /// everything inside it, then the narrative block, then sections, the header, entries.
    mutating func start(_ name: Name, _ node: UnsafeMutablePointer<xmlNode>, _ depth: Int) {
        if capture != nil {
            startInCapture(name, node, depth)
            return
        }
        if timeCapture != nil {
            startInTime(name, node, depth)
            return
        }
        if let nd = narrativeDepth, depth > nd {
            startInNarrative(name, node, depth)
            return
        }
        if name == .section {
            sections.append(SectionState(depth: depth, line: line(node)))
            return
        }
        if sections.isEmpty {
            header(name, node, depth)
            return
        }
        startInSection(name, node, depth)
    }

    /// Routes an end tag, in the same order as ``start(_:_:_:)``.
    mutating func end(_ name: Name, _ depth: Int) {
        if let c = capture {
            endInCapture(c, name, depth)
            return
        }
        if let t = timeCapture {
            endInTime(t, depth)
            return
        }
        if let nd = narrativeDepth {
            endInNarrative(nd, name, depth)
            return
        }
        if name == .entry, closeEntry(depth) { return }
        if name == .section, closeSection(depth) { return }
        closeFrame(depth)
    }

    /// Text belongs to the code or value being captured, else to the narrative being indexed.
    mutating func text() {
        if let c = capture {
            guard c.textOnly || c.inOriginalText, let v = xmlTextReaderConstValue(reader) else { return }
            scratch.append(contentsOf: UnsafeBufferPointer(start: v, count: Int(xmlStrlen(v))))
        } else if narrativeDepth != nil, let v = xmlTextReaderConstValue(reader) {
            narrative.appendText(v)
        }
    }

    // MARK: Failures and positions

    func parseFailure() -> WalkFailure {
        var line: Int? = Int(xmlTextReaderGetParserLineNumber(reader))
        var detail = "the document is not well-formed XML"
        if let error = xmlGetLastError() {
            if error.pointee.line > 0 { line = Int(error.pointee.line) }
            let code = error.pointee.code
            if code == 1 {
                // XML_ERR_INTERNAL_ERROR is how libxml2 reports its depth limit ("Excessive depth").
                return WalkFailure(kind: "xml-limit", reason: "XML nested too deep", line: line == 0 ? nil : line,
                                   message: "elements are nested deeper than libxml2's limit of 256 levels (or libxml2 failed inside).")
            }
            detail = XMLErrorText.describe(code) + " (libxml2 error \(code))"
        }
        if line == 0 { line = nil }
        return WalkFailure(kind: "invalid-xml", reason: "invalid XML", line: line, message: "invalid XML: \(detail).")
    }

    /// The element's name when it is in the HL7 v3 namespace, or one of the few `sdtc:` extension
    /// elements read (deceasedInd, deceasedTime); `.other` for everything else.
    @inline(__always)
    static func name(of node: UnsafeMutablePointer<xmlNode>, _ names: NameTable) -> Name {
        guard let ns = node.pointee.ns, let href = ns.pointee.href else { return .other }
        if bytesEqual(href, "urn:hl7-org:v3") {
            // deceasedInd / deceasedTime belong to the sdtc namespace, but some exports put them
            // in the CDA one; a statement of death is read wherever it is written.
            return names.lookup(node.pointee.name)
        }
        if bytesEqual(href, "urn:hl7-org:sdtc") {
            let n = names.lookup(node.pointee.name)
            return n == .deceasedInd || n == .deceasedTime ? n : .other
        }
        return .other
    }

    func line(_ node: UnsafeMutablePointer<xmlNode>) -> Int? {
        let l = xmlGetLineNo(node)
        if l > 0 && l < 65535 { return l }
        let p = Int(xmlTextReaderGetParserLineNumber(reader))
        return p > 0 ? p : nil
    }
}
