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
struct DocumentWalker {
    let reader: OpaquePointer
    let names: NameTable
    let codeSystems: CodeSystemTable
    let file: String
    let maxDepth: Int

    var counts = ReadCounts()
    var warnings: [Diagnostic] = []
    var statements: [Statement] = []

    /// Element names by depth (the current path).
    private var path: [Name] = []

    // recordTarget/patientRole
    private var recordTargets = 0
    /// `ClinicalDocument/id` as `root^extension`: names the document's patient within the run.
    private var documentID: String?
    private var patientIDs: [(root: String, ext: String?)] = []
    private var patientLine: Int?
    private var gender: String?
    private var birthDate: TimeRange?
    private var deceased: Deceased?

    private struct SectionState {
        let depth: Int
        let line: Int?
        /// `entry` children: clinical entries the section holds.
        var entries = 0
        /// The `entry` being read: where it started, and whether it holds something the reader
        /// leaves out on purpose (an Instruction, a Planned Coverage, a Goal).
        var openEntry: (depth: Int, line: Int?, statementsBefore: Int, recognized: Bool)?
        /// Entries in which nothing could be read.
        var unreadEntries = 0
        var byTemplate: SectionKind?
        var byCode: SectionKind?
        var resolved = false
        var kind: SectionKind? { byTemplate ?? byCode }
    }
    private var sections: [SectionState] = []
    private var narrative = NarrativeIndex()
    private var narrativeDepth: Int?

    private var frames: [EntryFrame] = []
    private var capture: CodeCapture?
    private var timeCapture: TimeCapture?
    private var scratch: [UInt8] = []

    init(reader: OpaquePointer, codeSystems: CodeSystemTable, file: String, maxDepth: Int) {
        self.reader = reader
        self.names = NameTable(reader: reader)
        self.codeSystems = codeSystems
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

    private func parseFailure() -> WalkFailure {
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
    private static func name(of node: UnsafeMutablePointer<xmlNode>, _ names: NameTable) -> Name {
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

    private func line(_ node: UnsafeMutablePointer<xmlNode>) -> Int? {
        let l = xmlGetLineNo(node)
        if l > 0 && l < 65535 { return l }
        let p = Int(xmlTextReaderGetParserLineNumber(reader))
        return p > 0 ? p : nil
    }

    // MARK: Attributes

    private struct Attributes {
        var root: UnsafePointer<UInt8>?
        var ext: UnsafePointer<UInt8>?
        var code: UnsafePointer<UInt8>?
        var codeSystem: UnsafePointer<UInt8>?
        var displayName: UnsafePointer<UInt8>?
        var nullFlavor: UnsafePointer<UInt8>?
        var value: UnsafePointer<UInt8>?
        var unit: UnsafePointer<UInt8>?
        var moodCode: UnsafePointer<UInt8>?
        var negationInd: UnsafePointer<UInt8>?
        var xsiType: UnsafePointer<UInt8>?
        var id: UnsafePointer<UInt8>?
    }

    /// The attributes the reader uses, as pointers into the current node (valid until the next read).
    private func attributes(_ node: UnsafeMutablePointer<xmlNode>) -> Attributes {
        var a = Attributes()
        var next = node.pointee.properties
        while let attr = next {
            next = attr.pointee.next
            let name = names.lookup(attr.pointee.name)
            guard name != .other else { continue }
            let value: UnsafePointer<UInt8>? = attr.pointee.children.flatMap { child in
                child.pointee.content.map { UnsafePointer($0) }
            }
            switch name {
            case .root: a.root = value
            case .ext: a.ext = value
            case .code: a.code = value
            case .codeSystem: a.codeSystem = value
            case .displayName: a.displayName = value
            case .nullFlavor: a.nullFlavor = value
            case .value: a.value = value
            case .unit: a.unit = value
            case .moodCode: a.moodCode = value
            case .negationInd: a.negationInd = value
            case .ID: a.id = value
            case .type:
                if let ns = attr.pointee.ns, let href = ns.pointee.href,
                    bytesEqual(href, "http://www.w3.org/2001/XMLSchema-instance")
                {
                    a.xsiType = value.map(Self.dropPrefix)
                }
            default: break
            }
        }
        return a
    }

    /// `xsi:type="v3:PQ"` → `PQ`.
    private static func dropPrefix(_ p: UnsafePointer<UInt8>) -> UnsafePointer<UInt8> {
        var i = 0
        while p[i] != 0 {
            if p[i] == UInt8(ascii: ":") { return p + i + 1 }
            i += 1
        }
        return p
    }

    private static func isTrue(_ p: UnsafePointer<UInt8>?) -> Bool {
        guard let p else { return false }
        return bytesEqual(p, "true") || bytesEqual(p, "1")
    }

    private func coding(_ a: Attributes) -> Coding? {
        guard let code = string(a.code) else { return nil }
        let c = codeSystems.coding(system: string(a.codeSystem), code: code, display: string(a.displayName))
        return c.code.isEmpty ? nil : c
    }

    private mutating func time(_ p: UnsafePointer<UInt8>?, _ element: String, line: Int?) -> TimeRange? {
        guard let text = string(p)?.trimmingSpaces(), !text.isEmpty else { return nil }
        if let t = TimeRange.parseHL7(text) { return t }
        warnings.append(Diagnostic(kind: "invalid-element", severity: .warning, file: file, line: line, path: element,
                                   message: "\(element) is not an HL7 timestamp (YYYY[MM[DD[HH[MM[SS]]]]][±ZZZZ]); it was ignored."))
        return nil
    }

    // MARK: Start of an element

    private mutating func start(_ name: Name, _ node: UnsafeMutablePointer<xmlNode>, _ depth: Int) {
        // Inside a code, value or text being captured.
        if let c = capture {
            guard !c.textOnly else { return }
            if depth == c.depth + 1 {
                if name == .translation {
                    if let coding = coding(attributes(node)) { capture!.codings.append(coding) }
                } else if name == .originalText {
                    capture!.inOriginalText = true
                    scratch.removeAll(keepingCapacity: true)
                }
            } else if depth == c.depth + 2 && c.inOriginalText && name == .reference {
                capture!.reference = string(attributes(node).value)
            }
            return
        }
        // Inside an effectiveTime.
        if let t = timeCapture {
            if depth == t.depth + 1 && (name == .low || name == .high || name == .center) {
                let a = attributes(node)
                let l = frames.last?.line
                let value = a.nullFlavor == nil ? time(a.value, "effectiveTime/\(name)", line: l) : nil
                switch name {
                case .low: timeCapture!.low = value
                case .high: timeCapture!.high = value
                default: timeCapture!.value = timeCapture!.value ?? value
                }
            }
            return
        }
        // Inside a section's narrative block.
        if let nd = narrativeDepth, depth > nd {
            if let id = attributes(node).id { narrative.openElement(id: id, depth: depth) }
            if !name.isInlineMarkup { narrative.appendBreak() }
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
        let sectionIndex = sections.count - 1
        let section = sections[sectionIndex]
        if depth == section.depth + 1 {
            switch name {
            case .templateId:
                if section.byTemplate == nil, let root = attributes(node).root {
                    sections[sectionIndex].byTemplate = SectionKind.fromTemplate(root)
                }
            case .code:
                let a = attributes(node)
                if section.byCode == nil, let code = a.code,
                    a.codeSystem.map({ bytesEqual($0, "2.16.840.1.113883.6.1") }) ?? true
                {
                    sections[sectionIndex].byCode = SectionKind.fromLOINC(code)
                }
            case .id:
                break
            default:
                if name == .entry {
                    sections[sectionIndex].entries += 1
                    sections[sectionIndex].openEntry = (depth, line(node), statements.count, false)
                }
                if !section.resolved {
                    sections[sectionIndex].resolved = true
                    if section.kind != nil { narrative.reset() }
                }
                if name == .text && section.kind != nil { narrativeDepth = depth }
            }
            return
        }
        guard section.resolved, let kind = section.kind, depth > section.depth + 1 else { return }
        if name.isAct {
            openFrame(name, node, depth, kind)
            return
        }
        let f = frames.count - 1
        guard f >= 0 else { return }
        // Fields are read through the index: copying a frame out would retain all it holds.
        let rel = depth - frames[f].depth
        if rel == 1 {
            child(name, node, depth, frame: f)
        } else if rel == 2 && name == .reference && path[depth - 1] == .text {
            if frames[f].textReference == nil {
                frames[f].textReference = string(attributes(node).value)
            }
        } else if rel == 4 && frames[f].name == .substanceAdministration && path[depth - 1] == .manufacturedMaterial
            && path[depth - 2] == .manufacturedProduct && path[depth - 3] == .consumable
        {
            if name == .code && frames[f].material == nil {
                beginCapture(.material, node, depth)
            } else if name == .name && frames[f].materialName == nil {
                capture = CodeCapture(depth: depth, target: .materialName, textOnly: true)
                scratch.removeAll(keepingCapacity: true)
            }
        }
    }

    private mutating func header(_ name: Name, _ node: UnsafeMutablePointer<xmlNode>, _ depth: Int) {
        guard depth >= 1 && depth <= 4 else { return }
        if depth == 1 {
            if name == .recordTarget { recordTargets += 1 }
            if name == .id, documentID == nil {
                let a = attributes(node)
                if a.nullFlavor == nil, let root = string(a.root) { documentID = string(a.ext).map { root + "^" + $0 } ?? root }
            }
            return
        }
        guard recordTargets == 1, path[1] == .recordTarget, path[2] == .patientRole else { return }
        if depth == 2 {
            patientLine = line(node)
        } else if depth == 3 && name == .id {
            let a = attributes(node)
            if a.nullFlavor == nil, let root = string(a.root) { patientIDs.append((root, string(a.ext))) }
        } else if depth == 4 && path[3] == .patient {
            if name == .administrativeGenderCode {
                let a = attributes(node)
                if let code = a.code {
                    gender = bytesEqual(code, "M") ? "male" : bytesEqual(code, "F") ? "female"
                        : bytesEqual(code, "UN") ? "other" : "unknown"
                } else if a.nullFlavor != nil {
                    gender = "unknown"
                }
            } else if name == .birthTime {
                let a = attributes(node)
                if a.nullFlavor == nil { birthDate = time(a.value, "birthTime", line: line(node)) }
            } else if name == .deceasedInd {
                let a = attributes(node)
                if a.nullFlavor == nil, let v = string(a.value) {
                    switch v.trimmingSpaces().lowercased() {
                    case "true", "1", "yes": deceased = Deceased.merge(deceased, .yes)
                    case "false", "0", "no": deceased = Deceased.merge(deceased, .no)
                    default:
                        // A value that is not a boolean still says something about death: deceased.
                        warnings.append(Diagnostic(
                            kind: "invalid-element", severity: .warning, file: file, line: line(node), path: "sdtc:deceasedInd",
                            message: "sdtc:deceasedInd/@value is not a boolean; the patient is taken as deceased."))
                        deceased = Deceased.merge(deceased, .yes)
                    }
                }
            } else if name == .deceasedTime {
                let a = attributes(node)
                if a.nullFlavor == nil, a.value != nil {
                    // A death time that cannot be read still says the patient died.
                    deceased = Deceased.merge(deceased, time(a.value, "sdtc:deceasedTime", line: line(node)).map { .on($0) } ?? .yes)
                }
            }
        }
    }

    private mutating func openFrame(_ name: Name, _ node: UnsafeMutablePointer<xmlNode>, _ depth: Int, _ kind: SectionKind) {
        let a = attributes(node)
        frames.append(EntryFrame(name: name, depth: depth, line: line(node), mood: Mood(a.moodCode),
                                 negated: Self.isTrue(a.negationInd)))
    }

    /// A direct child of the innermost open entry.
    private mutating func child(_ name: Name, _ node: UnsafeMutablePointer<xmlNode>, _ depth: Int, frame f: Int) {
        switch name {
        case .templateId:
            if let root = attributes(node).root { frames[f].templates.formUnion(EntryTemplates.from(root)) }
        case .id:
            guard !frames[f].sawID else { return }
            let a = attributes(node)
            guard a.nullFlavor == nil, let root = string(a.root) else { return }
            frames[f].sawID = true
            frames[f].reference = string(a.ext).map { root + "^" + $0 } ?? root
        case .code:
            if frames[f].code == nil { beginCapture(.code, node, depth) }
        case .statusCode:
            if let code = string(attributes(node).code) { frames[f].status = code.lowercased() }
        case .effectiveTime:
            guard !frames[f].sawEffective else { return }
            let a = attributes(node)
            if let type = a.xsiType, !(bytesEqual(type, "IVL_TS") || bytesEqual(type, "TS")) { return }
            frames[f].sawEffective = true
            var t = TimeCapture(depth: depth)
            if a.nullFlavor == nil { t.value = time(a.value, "effectiveTime", line: frames[f].line) }
            timeCapture = t
        case .value:
            guard !frames[f].sawValue else { return }
            frames[f].sawValue = true
            value(node, depth, f)
        case .interpretationCode:
            beginCapture(.interpretation, node, depth)
        case .targetSiteCode:
            beginCapture(.site, node, depth)
        default:
            break
        }
    }

    private mutating func value(_ node: UnsafeMutablePointer<xmlNode>, _ depth: Int, _ f: Int) {
        let a = attributes(node)
        guard let type = a.xsiType else {
            if a.code != nil { beginCapture(.value, node, depth) }
            return
        }
        if bytesEqual(type, "PQ") || bytesEqual(type, "REAL") {
            guard a.nullFlavor == nil, let text = string(a.value)?.trimmingSpaces(), let number = Double(text) else {
                return
            }
            let q = Quantity(value: number, text: text, unit: string(a.unit))
            if !q.isMeasurable {
                warnings.append(Diagnostic(kind: "invalid-element", severity: .warning, file: file, line: line(node), path: "value",
                                           message: "an observation value is not a finite, non-negative number; the result is not used as a measurement."))
            }
            frames[f].value = .quantity(q)
        } else if bytesEqual(type, "CD") || bytesEqual(type, "CE") || bytesEqual(type, "CV") || bytesEqual(type, "CO")
            || bytesEqual(type, "CS")
        {
            beginCapture(.value, node, depth, attributes: a)
        } else if bytesEqual(type, "ST") || bytesEqual(type, "ED") {
            capture = CodeCapture(depth: depth, target: .valueText, textOnly: true)
            scratch.removeAll(keepingCapacity: true)
        } else if bytesEqual(type, "INT") {
            if let text = string(a.value)?.trimmingSpaces(), let n = Int(text) { frames[f].value = .integer(n) }
        } else if bytesEqual(type, "BL") {
            if let v = a.value { frames[f].value = .boolean(bytesEqual(v, "true")) }
        } else {
            frames[f].value = .other(String(cString: type))
        }
    }

    private mutating func beginCapture(_ target: CodeCapture.Target, _ node: UnsafeMutablePointer<xmlNode>, _ depth: Int,
                                       attributes a: Attributes? = nil) {
        let a = a ?? attributes(node)
        var c = CodeCapture(depth: depth, target: target, textOnly: false)
        if let coding = coding(a) { c.codings.append(coding) }
        capture = c
        scratch.removeAll(keepingCapacity: true)
    }

    // MARK: Text

    private mutating func text() {
        if let c = capture {
            guard c.textOnly || c.inOriginalText, let v = xmlTextReaderConstValue(reader) else { return }
            scratch.append(contentsOf: UnsafeBufferPointer(start: v, count: Int(xmlStrlen(v))))
        } else if narrativeDepth != nil, let v = xmlTextReaderConstValue(reader) {
            narrative.appendText(v)
        }
    }

    // MARK: End of an element

    private mutating func end(_ name: Name, _ depth: Int) {
        if let c = capture {
            if depth == c.depth {
                finishCapture(c)
            } else if depth == c.depth + 1 && name == .originalText {
                capture!.inOriginalText = false
            }
            return
        }
        if let t = timeCapture {
            if depth == t.depth {
                timeCapture = nil
                let f = frames.count - 1
                frames[f].effectiveValue = t.value
                frames[f].effectiveLow = t.low
                frames[f].effectiveHigh = t.high
            }
            return
        }
        if let nd = narrativeDepth {
            if depth == nd {
                narrativeDepth = nil
            } else {
                narrative.closeElement(depth: depth)
                if !name.isInlineMarkup { narrative.appendBreak() }
            }
            return
        }
        if name == .entry, let i = sections.indices.last, let entry = sections[i].openEntry, entry.depth == depth {
            sections[i].openEntry = nil
            if let kind = sections[i].kind, !entry.recognized, statements.count == entry.statementsBefore {
                sections[i].unreadEntries += 1
                unreadEntry(in: kind, line: entry.line)
            }
            return
        }
        if name == .section, let s = sections.last, s.depth == depth {
            sections.removeLast()
            if let kind = s.kind, s.unreadEntries > 0 { warnUnread(s, kind) }
            return
        }
        if let f = frames.indices.last, frames[f].depth == depth {
            let top = frames.removeLast()
            if let kind = sections.last?.kind {
                // An entry is read when it yields a statement; only entries the reader leaves out on
                // purpose (an Instruction, a Planned Coverage, a Goal) count as read without one. A
                // Problem Concern Act or a Result Organizer around nothing readable is not read.
                if !top.templates.isDisjoint(with: [.instruction, .plannedCoverage]) || top.mood == .other {
                    sections[sections.count - 1].openEntry?.recognized = true
                }
                close(top, in: kind)
            }
        }
    }

    private mutating func finishCapture(_ c: CodeCapture) {
        capture = nil
        let text = scratch.withUnsafeBufferPointer { collapsedText($0) } ?? c.reference.flatMap { narrative.resolve($0) }
        let f = frames.count - 1
        guard f >= 0 else { return }
        let concept = Concept(codings: c.codings, text: text)
        switch c.target {
        case .code: frames[f].code = concept
        case .value: frames[f].value = .concept(concept)
        case .interpretation: if !concept.isEmpty { frames[f].interpretation.append(concept) }
        case .site: if !concept.isEmpty { frames[f].sites.append(concept) }
        case .material: frames[f].material = concept
        case .valueText: frames[f].value = text.map { .text($0) }
        case .materialName: frames[f].materialName = text
        }
    }

    // MARK: Statements

    /// DESIGN: a section that holds entries of which none could be read is a warning, never silent
    /// (an unknown or legacy entry template the reader does not know); so is a section in which
    /// only some could be read.
    private mutating func warnUnread(_ s: SectionState, _ kind: SectionKind) {
        let n = s.entries
        let k = s.unreadEntries
        if k == n {
            warnings.append(Diagnostic(
                kind: "cda-section-unread", severity: .warning, file: file, line: s.line,
                path: "section (\(kind.title))",
                message: "the \(kind.title) section holds \(n) entr\(n == 1 ? "y" : "ies") and none could be read "
                    + "(no entry template the reader knows); \(n == 1 ? "it was" : "they were") not used."))
        } else {
            warnings.append(Diagnostic(
                kind: "cda-entry-unread", severity: .warning, file: file, line: s.line,
                path: "section (\(kind.title))",
                message: "\(k) of the \(n) entries of the \(kind.title) section could not be read "
                    + "(no entry template the reader knows); \(k == 1 ? "it was" : "they were") not used."))
        }
    }

    /// An entry of a Problems or Medications section that could not be read leaves a placeholder
    /// statement, never evidence: facts decided by absence ("no visceral metastasis", "never given
    /// docetaxel") must stay open, since the entry may be exactly that.
    private mutating func unreadEntry(in kind: SectionKind, line: Int?) {
        let source = SourceRef(file: file, format: .cda, line: line)
        switch kind {
        case .problems:
            statements.append(.condition(Condition(code: Concept(), usability: .excluded(.unreadable), source: source)))
        case .medications:
            statements.append(.medication(MedicationUse(kind: .cdaActivity, medication: Concept(), actuality: .actual,
                                                        usability: .excluded(.unreadable), source: source)))
        default:
            break
        }
    }

    /// `type`: the FHIR resource type the entry corresponds to (a Problem Observation is a Condition).
    private func source(_ f: EntryFrame, _ type: String) -> SourceRef {
        SourceRef(file: file, format: .cda, reference: f.reference, line: f.line, resourceType: type)
    }

    /// A concept's text, falling back to the act's own `text/reference` into the narrative.
    private func withNarrativeText(_ concept: Concept?, _ f: EntryFrame) -> Concept {
        var c = concept ?? Concept()
        if c.text == nil, let ref = f.textReference { c.text = narrative.resolve(ref) }
        return c
    }

    private mutating func count(_ key: String) { counts.resourcesByType[key, default: 0] += 1 }

    private mutating func close(_ f: EntryFrame, in kind: SectionKind) {
        switch kind {
        case .problems:
            if f.name == .observation && f.templates.contains(.problemObservation) {
                count("Problem")
                statements.append(.condition(condition(f)))
            } else if f.templates.contains(.problemStatus), !frames.isEmpty, case .concept(let c)? = f.value {
                frames[frames.count - 1].problemStatus = CDAStatus.problem(c)
            }
        case .medications:
            if f.name == .substanceAdministration && f.templates.contains(.medicationActivity) {
                count("Medication")
                statements.append(.medication(medication(f, planned: f.mood == .planned)))
            }
        case .results:
            let result: EntryTemplates = [.resultObservation, .legacyResultObservation]
            // An observation directly inside a result observation is one of its components.
            if f.name == .observation, let parent = frames.last, parent.name == .observation,
                !parent.templates.isDisjoint(with: result), let code = f.code
            {
                frames[frames.count - 1].components.append(
                    ObservationComponent(code: code, value: f.value, interpretation: f.interpretation))
            }
            if f.name == .observation && !f.templates.isDisjoint(with: result) {
                count("Result")
                statements.append(.observation(observation(f, category: "laboratory")))
            } else if f.name == .procedure && f.templates.contains(.legacyProcedureActivity) {
                // CCD 1.0 exports (Kareo) put procedure activities in the Results section.
                count("Procedure")
                statements.append(.procedure(procedure(f, kind: .cdaProcedure, planned: f.mood == .planned)))
            }
        case .vitalSigns:
            if f.name == .observation && !f.templates.isDisjoint(with: [.vitalSignObservation, .legacyResultObservation]) {
                count("VitalSign")
                statements.append(.observation(observation(f, category: "vital-signs")))
            }
        case .procedures:
            if f.name != .organizer && f.name != .encounter && f.name != .substanceAdministration && f.name != .supply
                && !f.templates.isDisjoint(with: .procedureActivity)
            {
                count("Procedure")
                statements.append(.procedure(procedure(f, kind: .cdaProcedure, planned: f.mood == .planned)))
            } else if f.name == .procedure && f.templates.contains(.plannedProcedure) {
                count("PlannedProcedure")
                statements.append(.procedure(procedure(f, kind: .cdaPlanned, planned: true)))
            }
        case .planOfTreatment:
            guard f.mood == .planned else { return }
            switch f.name {
            case .substanceAdministration:
                count("PlannedMedication")
                statements.append(.medication(medication(f, planned: true)))
            case .act, .observation, .procedure, .encounter:
                guard f.templates.isDisjoint(with: [.instruction, .plannedCoverage]) else { return }
                count("PlannedProcedure")
                statements.append(.procedure(procedure(f, kind: .cdaPlanned, planned: true)))
            default:
                break
            }
        }
    }

    private func condition(_ f: EntryFrame) -> Condition {
        var code: Concept? = nil
        if case .concept(let c)? = f.value { code = c }
        let concernStatus = frames.last(where: { $0.templates.contains(.problemConcern) })?.status
        let abatement = f.effectiveHigh.map { Period(at: $0) }
        let onset = (f.effectiveLow ?? f.effectiveValue).map { Period(at: $0) }
        let clinical = f.problemStatus ?? (abatement != nil ? "resolved" : concernStatus == "active" ? "active" : nil)
        var usability = Usability.usable
        if f.negated {
            usability = .excluded(.negated)
        } else if f.status == "nullified" || concernStatus == "nullified" {
            usability = .excluded(.enteredInError)
        } else if f.status == "cancelled" || f.status == "aborted" {
            usability = .excluded(.cancelled)
        }
        return Condition(code: withNarrativeText(code, f), clinicalStatus: clinical, onset: onset, abatement: abatement,
                         bodySites: f.sites, usability: usability, source: source(f, "Condition"))
    }

    private func medication(_ f: EntryFrame, planned: Bool) -> MedicationUse {
        var drug = f.material ?? Concept()
        if drug.text == nil { drug.text = f.materialName }
        var usability = Usability.usable
        if f.negated {
            usability = .excluded(.notTaken)
        } else if f.status == "nullified" {
            usability = .excluded(.enteredInError)
        } else if f.status == "cancelled" || (planned && f.status == "aborted") {
            usability = .excluded(.cancelled)
        }
        return MedicationUse(kind: .cdaActivity, medication: drug, actuality: planned ? .planned : .actual,
                             status: CDAStatus.medication(f.status, planned: planned), effective: f.period,
                             usability: usability, source: source(f, planned ? "MedicationRequest" : "MedicationStatement"))
    }

    private func observation(_ f: EntryFrame, category: String) -> Observation {
        var effective = f.period
        if effective == nil {
            // A result without its own time takes its organizer's.
            effective = frames.last(where: { $0.name == .organizer && $0.period != nil })?.period
        }
        var usability = Usability.usable
        if f.negated {
            usability = .excluded(.negated)
        } else if f.status == "nullified" {
            usability = .excluded(.enteredInError)
        } else if f.status == "cancelled" || f.status == "aborted" {
            usability = .excluded(.cancelled)
        }
        let categoryConcept = Concept(codings: [
            Coding(system: CodeSystem("http://terminology.hl7.org/CodeSystem/observation-category"), code: category)
        ])
        return Observation(kind: .observation, code: f.code ?? Concept(), status: CDAStatus.observation(f.status),
                           categories: [categoryConcept], value: f.value, interpretation: f.interpretation,
                           components: f.components, effective: effective, bodySites: f.sites, usability: usability,
                           source: source(f, "Observation"))
    }

    private func procedure(_ f: EntryFrame, kind: Procedure.Kind, planned: Bool) -> Procedure {
        var usability = Usability.usable
        if f.negated {
            usability = .excluded(planned ? .negated : .notDone)
        } else if f.status == "nullified" {
            usability = .excluded(.enteredInError)
        } else if f.status == "cancelled" || (planned && f.status == "aborted") {
            usability = .excluded(.cancelled)
        }
        return Procedure(kind: kind, code: withNarrativeText(f.code, f),
                         status: CDAStatus.procedure(f.status, planned: planned),
                         actuality: planned ? .planned : .actual, performed: f.period, bodySites: f.sites,
                         usability: usability, source: source(f, planned ? "ServiceRequest" : "Procedure"))
    }

    // MARK: Patient

    /// The patient entry and the identifier statements link to.
    mutating func patient() -> (PatientEntry, Identifier) {
        var identifiers: [Identifier] = []
        var subjectID: Identifier? = nil
        for (root, ext) in patientIDs {
            let id: Identifier
            if let ext {
                id = Identifier(system: Self.system(root), value: ext)
                if subjectID == nil { subjectID = id }
            } else {
                id = Identifier(system: "urn:ietf:rfc:3986", value: Self.system(root))
            }
            if !identifiers.contains(id) { identifiers.append(id) }
        }
        if subjectID == nil { subjectID = identifiers.first }
        let subject: Identifier
        if let subjectID {
            subject = subjectID
        } else {
            subject = Identifier(system: "urn:clinicalingest:cda-document", value: file)
            identifiers.append(subject)
            warnings.append(Diagnostic(
                kind: "cda-no-patient-id", severity: .warning, file: file, line: patientLine,
                path: "ClinicalDocument/recordTarget/patientRole/id",
                message: recordTargets == 0
                    ? "the document has no recordTarget; its statements are attributed to the document."
                    : "recordTarget/patientRole has no usable id; its statements are attributed to the document."))
        }
        if recordTargets > 1 {
            warnings.append(Diagnostic(
                kind: "cda-several-patients", severity: .warning, file: file, line: patientLine,
                path: "ClinicalDocument/recordTarget",
                message: "the document has \(recordTargets) recordTargets; only the first was read."))
        }
        let identity = PatientIdentity(subject: .identifier(subject), identifiers: identifiers.sorted(), gender: gender,
                                       birthDate: birthDate, deceased: deceased, isDescribed: recordTargets > 0)
        let reference = patientIDs.first.map { id in id.ext.map { id.root + "^" + $0 } ?? id.root }
        let entry = PatientEntry(keys: [documentKey], identity: identity,
                                 source: SourceRef(file: file, format: .cda, reference: reference, line: patientLine))
        return (entry, subject)
    }

    /// The key that ties the document's statements to its recordTarget, whatever identifiers the
    /// patient has (a placeholder one links nothing): the document's id, else its file.
    var documentKey: String { RecordAssembler.documentKeyPrefix + (documentID ?? "file:" + file) }

    /// `urn:oid:<root>` for an OID, `urn:uuid:<root>` for a UUID, else the root as written.
    static func system(_ root: String) -> String {
        let utf8 = root.utf8
        if !utf8.isEmpty && utf8.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2E }) { return "urn:oid:" + root }
        if utf8.count == 36 && utf8.allSatisfy({ $0 == 0x2D || ($0 >= 0x30 && $0 <= 0x39) || ($0 | 0x20 >= 0x61 && $0 | 0x20 <= 0x66) }) {
            return "urn:uuid:" + root.lowercased()
        }
        return root
    }
}

extension String {
    func trimmingSpaces() -> String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" || f == "\n" || f == "\r" { s.removeFirst() }
        while let l = s.last, l == " " || l == "\t" || l == "\n" || l == "\r" { s.removeLast() }
        return String(s)
    }
}
