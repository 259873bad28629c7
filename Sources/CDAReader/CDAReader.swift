public import ClinicalModel
internal import CLibXML2

/// libxml2's global state, set up once before any thread parses.
private let libxml2Ready: Bool = {
    xmlInitParser()
    return true
}()

/// Reads C-CDA documents (R1.1, R2.1, 3.0, 4.0) into the normalized model.
///
/// One document in, one ``SourceExtract`` out: one patient (from `recordTarget/patientRole`)
/// and the statements of the Problems, Medications, Results, Vital Signs, Procedures and Plan
/// of Treatment sections, each linked to the patient by identifier.
///
/// The document is streamed through libxml2's `xmlTextReader` (no tree is built), with network
/// access, entity substitution and DTD loading off and libxml2's own error printing silenced
/// (it would print source lines, i.e. patient data). A DOCTYPE with an internal subset or an
/// external DTD is rejected before libxml2 sees the document, so XXE and entity-expansion
/// attacks fail at once and read no file. Errors name the file and line, never a value.
///
/// `counts.resourcesByType` counts what was extracted, one key per kind (definitions shared with
/// `tools/ccda_counts.py`, which computes them independently with lxml):
/// - `Problem`: `observation` with templateId 2.16.840.1.113883.10.20.22.4.4 (Problem Observation)
///   whose nearest enclosing section is a Problems section → ``Condition``;
/// - `Medication`: `substanceAdministration` with templateId …4.16 (Medication Activity), any
///   moodCode, in a Medications section → ``MedicationUse`` (planned when moodCode is INT/RQO/PRP/ARQ/PRMS/APT);
/// - `Result`: `observation` with templateId …4.2 in a Results section → ``Observation``;
/// - `VitalSign`: `observation` with templateId …4.27 in a Vital Signs section → ``Observation``;
/// - `Procedure`: `procedure`/`observation`/`act` with templateId …4.14/4.13/4.12 in a Procedures
///   section → ``Procedure`` (`.cdaProcedure`, actuality from moodCode);
/// - `PlannedProcedure`: in a Plan of Treatment section, any `act`/`observation`/`procedure`/
///   `encounter` with a planned moodCode except Instructions (…4.20) and Planned Coverage (…4.129);
///   in a Procedures section, a `procedure` with templateId …4.41 → ``Procedure`` (`.cdaPlanned`);
/// - `PlannedMedication`: `substanceAdministration` with a planned moodCode in a Plan of Treatment
///   section → ``MedicationUse`` (planned);
/// - `Patient`: 1 when the document has a recordTarget.
///
/// Legacy CCD 1.0 / HITSP C32 documents are read the same way: their section templates
/// (2.16.840.1.113883.10.20.1.11/8/14/16/12/10) and entry templates (problem observation 1.28,
/// medication activity 1.24, result observation 1.31 — in Results and Vital Signs — and procedure
/// activity 1.29, also when it sits in a Results section) count under the same keys.
///
/// Which templateIds and codes are which section or entry is data (`Mappings/cda.json`, given as
/// a ``CDATemplateTable``), and so is what a statusCode, negationInd or moodCode means
/// (`Mappings/statuses.json`, a ``StatusSemantics`` shared with the FHIR reader); the templates
/// named above are the defaults there.
///
/// Sections are recognized by templateId root (any extension), else by their LOINC code. An
/// element belongs to its nearest enclosing section, at any depth below it. A recognized section
/// that holds entries of which none has a known template is a `cda-section-unread` warning (some:
/// `cda-entry-unread`); each unreadable Problems or Medications entry leaves a placeholder
/// statement, excluded as `.unreadable`, so that facts decided by absence stay open.
public struct CDAReader: Sendable {
    public let codeSystems: CodeSystemTable
    /// The templates and status semantics, compiled for byte-level lookups.
    let tables: CDATables
    /// Document size, attributes per element and the work budget (``ReadLimits``).
    public var limits: ReadLimits
    /// Element nesting limit (libxml2 itself stops at 256 without `XML_PARSE_HUGE`).
    public var maxDepth: Int = 200

    public init(codeSystems: CodeSystemTable, statuses: StatusSemantics, templates: CDATemplateTable,
                limits: ReadLimits = .defaults) {
        self.codeSystems = codeSystems
        self.tables = CDATables(templates: templates, statuses: statuses)
        self.limits = limits
    }

    /// Reads one document. `file` names it in sources and messages.
    public func read(_ bytes: [UInt8], file: String) -> SourceExtract {
        bytes.withUnsafeBufferPointer { read($0, file: file) }
    }

    public func read(_ buffer: UnsafeBufferPointer<UInt8>, file: String) -> SourceExtract {
        _ = libxml2Ready
        var extract = SourceExtract(file: file)
        extract.counts.records = 1
        do throws(WalkFailure) {
            let (walker, entry, _) = try walk(buffer, file: file)
            extract.patients = [entry]
            // Linked by the document's key: the recordTarget's identifiers link documents together,
            // but a placeholder identifier must not carry this document's statements to others.
            extract.statements = walker.statements.map { (PatientLink.key(walker.documentKey), $0) }
            extract.counts.resourcesByType = walker.counts.resourcesByType
            if entry.identity.isDescribed { extract.counts.resourcesByType["Patient", default: 0] += 1 }
            extract.diagnostics = walker.warnings
        } catch {
            // A rejected document is rejected whole: what it held cannot be trusted.
            extract.counts.rejectedRecords[error.reason, default: 0] += 1
            extract.diagnostics = [Diagnostic(kind: error.kind, severity: .error, file: file, line: error.line,
                                              message: error.message)]
        }
        return extract
    }

    private func walk(_ buffer: UnsafeBufferPointer<UInt8>, file: String) throws(WalkFailure)
        -> (DocumentWalker, PatientEntry, Identifier)
    {
        guard buffer.count <= limits.maxXMLDocumentBytes, buffer.count <= Int(Int32.max) else {
            throw WalkFailure(kind: "xml-limit", reason: "document too large", line: nil,
                              message: "the document is \(buffer.count) bytes, more than the limit of \(limits.maxXMLDocumentBytes).")
        }
        try Prolog.check(buffer)
        try XMLBudget.check(buffer, limits: limits)
        // Per thread: this thread's libxml2 error handlers must not print (see the shim).
        clinicalingest_silence_libxml2()
        guard let base = buffer.baseAddress, !buffer.isEmpty else {
            throw WalkFailure(kind: "invalid-xml", reason: "invalid XML", line: 1, message: "invalid XML: the document is empty.")
        }
        let options = Int32(bitPattern: XML_PARSE_NONET.rawValue | XML_PARSE_NOERROR.rawValue
                                | XML_PARSE_NOWARNING.rawValue | XML_PARSE_BIG_LINES.rawValue)
        xmlResetLastError()
        let chars = UnsafeRawPointer(base).assumingMemoryBound(to: CChar.self)
        guard let reader = xmlReaderForMemory(chars, Int32(buffer.count), nil, nil, options) else {
            throw WalkFailure(kind: "invalid-xml", reason: "invalid XML", line: nil,
                              message: "invalid XML: libxml2 could not start reading the document.")
        }
        defer {
            xmlFreeTextReader(reader)
            xmlResetLastError()
        }
        var walker = DocumentWalker(reader: reader, codeSystems: codeSystems, tables: tables, file: file, maxDepth: maxDepth)
        try walker.run()
        let (entry, subject) = walker.patient()
        return (walker, entry, subject)
    }
}

/// A check of the bytes before the root element, where a DOCTYPE (and so every entity
/// declaration) must appear. Runs before libxml2 sees the document.
enum Prolog {
    static func check(_ b: UnsafeBufferPointer<UInt8>) throws(WalkFailure) {
        var i = 0
        if b.count >= 2 && ((b[0] == 0xFE && b[1] == 0xFF) || (b[0] == 0xFF && b[1] == 0xFE) || b[0] == 0 || b[1] == 0) {
            throw WalkFailure(kind: "invalid-xml", reason: "unsupported encoding", line: 1,
                              message: "the document is not UTF-8 (UTF-16 or UTF-32); C-CDA documents are read as UTF-8 only.")
        }
        if b.count >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF { i = 3 }
        while i < b.count {
            let c = b[i]
            if c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 {
                i += 1
                continue
            }
            guard c == UInt8(ascii: "<"), i + 1 < b.count else { return }
            if b[i + 1] == UInt8(ascii: "?") {
                guard let end = find(b, from: i + 2, "?>") else { return }
                i = end + 2
            } else if matches(b, at: i, "<!--") {
                guard let end = find(b, from: i + 4, "-->") else { return }
                i = end + 3
            } else if matches(b, at: i, "<!DOCTYPE") {
                try doctype(b, from: i)
                return
            } else {
                return  // the root element: no DOCTYPE
            }
        }
    }

    /// Allows only `<!DOCTYPE name>`: an internal subset (`[…]`, where entities are declared)
    /// or an external DTD (`SYSTEM` / `PUBLIC`) is rejected.
    private static func doctype(_ b: UnsafeBufferPointer<UInt8>, from start: Int) throws(WalkFailure) {
        let line = 1 + b[..<start].reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
        var i = start + 9
        var quote: UInt8 = 0
        while i < b.count {
            let c = b[i]
            if quote != 0 {
                if c == quote { quote = 0 }
            } else if c == UInt8(ascii: "\"") || c == UInt8(ascii: "'") {
                quote = c
            } else if c == UInt8(ascii: "[") {
                throw WalkFailure(kind: "unsafe-xml", reason: "DOCTYPE with internal subset", line: line,
                                  message: "the document declares a DOCTYPE with an internal subset (entity declarations); this is not allowed in C-CDA and was not parsed.")
            } else if c == UInt8(ascii: ">") {
                break
            }
            i += 1
        }
        if find(b[start..<min(i, b.count)], "SYSTEM") != nil || find(b[start..<min(i, b.count)], "PUBLIC") != nil {
            throw WalkFailure(kind: "unsafe-xml", reason: "DOCTYPE with external DTD", line: line,
                              message: "the document refers to an external DTD; this is not allowed in C-CDA and was not parsed.")
        }
    }

    private static func matches(_ b: UnsafeBufferPointer<UInt8>, at i: Int, _ s: StaticString) -> Bool {
        let n = s.utf8CodeUnitCount
        guard i + n <= b.count else { return false }
        for k in 0..<n where b[i + k] != s.utf8Start[k] { return false }
        return true
    }

    private static func find(_ b: UnsafeBufferPointer<UInt8>, from start: Int, _ s: StaticString) -> Int? {
        var i = start
        while i < b.count {
            if matches(b, at: i, s) { return i }
            i += 1
        }
        return nil
    }

    private static func find(_ slice: Slice<UnsafeBufferPointer<UInt8>>, _ s: StaticString) -> Int? {
        let n = s.utf8CodeUnitCount
        var i = slice.startIndex
        while i + n <= slice.endIndex {
            var ok = true
            for k in 0..<n where slice[i + k] != s.utf8Start[k] {
                ok = false
                break
            }
            if ok { return i }
            i += 1
        }
        return nil
    }
}
