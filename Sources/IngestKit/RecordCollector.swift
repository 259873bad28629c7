public import CDAReader
public import ClinicalModel
public import FHIRReader
public import Mapping

/// The readers of every supported format, built once and shared read-only across threads.
///
/// Both read statuses with the same table (`statuses.json`); the CDA reader also gets the
/// section and entry templates (`cda.json`).
public struct Readers: Sendable {
    public let fhir: FHIRReader
    public let cda: CDAReader

    public init(codeSystems: CodeSystemTable, statuses: StatusSemantics, cdaTemplates: CDATemplateTable,
                limits: ReadLimits = .defaults) {
        fhir = FHIRReader(codeSystems: codeSystems, statuses: statuses, limits: limits)
        cda = CDAReader(codeSystems: codeSystems, statuses: statuses, templates: cdaTemplates, limits: limits)
    }

    /// The readers `mappings` describes.
    public init(mappings: MappingSet, limits: ReadLimits = .defaults) {
        self.init(codeSystems: mappings.codeSystems, statuses: mappings.statuses, cdaTemplates: mappings.cdaTemplates,
                  limits: limits)
    }
}

/// Reads inputs of any supported format and assembles patient records from all of them.
///
/// Nothing is lost silently: every input ends up read, or rejected with a located
/// diagnostic; per-file counts say what each held.
public struct RecordCollector: Sendable {
    let readers: Readers
    var assembler: RecordAssembler
    public private(set) var diagnostics: [Diagnostic] = []
    public private(set) var counts = ReadCounts()

    public init(mappings: MappingSet, identity: IdentityRules = .none, limits: ReadLimits = .defaults) {
        readers = Readers(mappings: mappings, limits: limits)
        assembler = RecordAssembler(rules: identity, maxStatements: limits.maxStatementsPerPatient)
    }

    /// Reads one input's bytes; `file` names it in messages and provenance.
    public mutating func add(_ bytes: [UInt8], file: String) {
        let extract = Self.extract(bytes, file: file, readers: readers)
        add(extract)
    }

    public mutating func add(_ extract: SourceExtract) {
        account(extract)
        assembler.add(extract)
    }

    /// What reading one extract said (its diagnostics and counts), without keeping its rows:
    /// they went to a spill.
    mutating func account(_ extract: SourceExtract) {
        diagnostics += extract.diagnostics
        counts.add(extract.counts)
    }

    /// Every row added so far, as one extract, and none kept (``RecordAssembler/takeAll()``).
    mutating func takeRows() -> SourceExtract { assembler.takeAll() }

    /// Format detection and reading, without touching shared state (safe to run in parallel).
    public static func extract(_ bytes: [UInt8], file: String, readers: Readers) -> SourceExtract {
        switch InputFormat.sniff(bytes) {
        case .json:
            return readers.fhir.read(bytes, file: file)
        case .xml:
            return readers.cda.read(bytes, file: file)
        case .empty:
            return rejected(file, kind: "empty-input", "the input is empty.")
        case .unknown:
            return rejected(file, kind: "unknown-format",
                            "the input is neither JSON (starts with '{') nor XML (starts with '<').")
        case .notUTF8(let encoding):
            return rejected(file, kind: "not-utf8",
                            "the input is \(encoding) (found by its byte order mark or zero bytes); FHIR JSON and C-CDA here must be UTF-8: convert it first, e.g. iconv -f \(encoding) -t UTF-8.")
        }
    }

    static func rejected(_ file: String, kind: String, _ message: String) -> SourceExtract {
        var e = SourceExtract(file: file)
        e.counts.records = 1
        e.counts.rejectedRecords[kind, default: 0] += 1
        e.diagnostics.append(Diagnostic(kind: kind, severity: .error, file: file, line: 1, message: message))
        return e
    }

    public func records() -> [PatientRecord] { assembler.records() }

    /// The records, and what assembling found besides them: statements that belong to no one
    /// patient (located warnings) and identity conflicts.
    public func assemble() -> (records: [PatientRecord], diagnostics: [Diagnostic], conflicts: Int) {
        let a = assembler.assemble()
        var tally = UnattributedTally()
        tally.add(a.unattributed)
        return (a.records, tally.diagnostics, a.conflicts)
    }

    public var hasErrors: Bool { diagnostics.contains { $0.severity == .error } }
}
