public import ClinicalModel
import FHIRReader
import Guideline
import JSONKit
import Mapping

extension Pipeline {
    /// Pipe mode with `--one-patient-per-line`: each NDJSON line (the usual one-Bundle-per-line
    /// export) is read, evaluated and its CarePlans written as soon as it is read, so memory is
    /// bounded by the largest line, whatever the input's size. A document that is not NDJSON is
    /// one "line". CarePlans come in input order (without the flag they are sorted by patient).
    ///
    /// Each line must hold its patients whole: a patient seen again on a later line (any link key
    /// in common: a reference key or an identifier that may link) is an error there, and that
    /// line gets no CarePlan — never two CarePlans for one patient. Medication definitions are
    /// resolved within the line. Diagnostics go to `emit` as they are found (a long export must
    /// not hold them all); the outcome counts the errors.
    public func runOnePatientPerLine(inputs: [String], pretty: Bool, output: Int32 = 1,
                                     emit: (Diagnostic) -> Void) throws(IngestError) -> Outcome {
        let readers = Readers(mappings: engine.mappings, limits: options.limits)
        let rules = engine.mappings.identityRules
        let style: JSONWriter.Style = pretty ? .pretty : .compact
        var outcome = Outcome()
        /// Every link key written so far (a 128-bit hash of it), and the place of its line.
        var seen: [LinkHash: Int] = [:]
        var places: [String] = []
        var unattributed = UnattributedTally()

        func diagnose(_ d: Diagnostic) {
            if d.severity == .error { outcome.streamedErrors += 1 }
            emit(d)
        }

        func take(_ extract: SourceExtract, line: Int?) throws(IngestError) {
            let place = line.map { "\(extract.file):\($0)" } ?? extract.file
            outcome.counts.add(extract.counts)
            for d in extract.diagnostics { diagnose(d) }
            var links: [LinkHash] = []
            for e in extract.patients {
                for l in PatientLinker.links(of: e, rules: rules) { links.append(LinkHash(l)) }
            }
            for (link, _) in extract.statements {
                switch link {
                case .key(let k): links.append(LinkHash(PatientLinker.keyLink(k)))
                case .identifier(let id) where rules.links(id): links.append(LinkHash(PatientLinker.identifierLink(id)))
                case .identifier: break
                }
            }
            for r in extract.rejectedLinks {
                if case .key(let k) = r.link { links.append(LinkHash(PatientLinker.keyLink(k))) }
            }
            if let earlier = links.lazy.compactMap({ seen[$0] }).first {
                diagnose(Diagnostic(
                    kind: "patient-on-two-lines", severity: .error, file: extract.file, line: line,
                    message: """
                        a patient of this record was already read at \(places[earlier]); with --one-patient-per-line \
                        each patient's data must be on one line: this record gets no CarePlan (run without \
                        --one-patient-per-line to group a patient's lines).
                        """))
                outcome.incomplete += 1
                return
            }
            if !links.isEmpty {
                places.append(place)
                for l in links where seen[l] == nil { seen[l] = places.count - 1 }
            }
            var assembler = RecordAssembler(rules: rules, maxStatements: options.limits.maxStatementsPerPatient)
            assembler.add(extract)
            let assembled = assembler.assemble()
            unattributed.add(assembled.unattributed)
            outcome.conflicts += assembled.conflicts
            for d in Self.incompleteDiagnostics(assembled.records) { diagnose(d) }
            let (plans, deceased, incomplete) = carePlans(assembled.records, style: style)
            outcome.patients += assembled.records.count
            outcome.deceased += deceased
            outcome.incomplete += incomplete
            outcome.carePlans += plans.count
            if !plans.isEmpty { try FileIO.write(fd: output, Self.ndjson(plans)) }
        }

        for input in inputs {
            let file = input == "-" ? "-" : input
            try InputPieces.read(input, file: file, chunkBytes: chunkBytes, readers: readers) { piece throws(IngestError) in
                switch piece {
                case .whole(let bytes):
                    if input == "-" && bytes.isEmpty && inputs.count == 1 {
                        throw IngestError(.noInput, "no input on standard input (pipe a FHIR bundle in, or name files)")
                    }
                    try take(RecordCollector.extract(bytes, file: file, readers: readers), line: nil)
                case .lines(let run, let firstLine):
                    var line = firstLine
                    var start = run.startIndex
                    while start < run.endIndex {
                        let end = run[start...].firstIndex(of: 0x0A) ?? run.endIndex
                        let extract = run[start..<end].withUnsafeBufferPointer {
                            readers.fhir.readLines($0, file: file, firstLine: line)
                        }
                        if extract.counts.records > 0 { try take(extract, line: line) }
                        line += 1
                        start = end == run.endIndex ? end : end + 1
                    }
                case .rejected(let extract):
                    try take(extract, line: extract.diagnostics.first?.line)
                }
            }
        }
        // One warning per input and reason, as without the flag.
        for d in unattributed.diagnostics { diagnose(d) }
        return outcome
    }
}

/// A link key as 128 bits (two independent FNV-1a streams): what `--one-patient-per-line`
/// remembers of every patient written, so that memory stays small for millions of lines.
struct LinkHash: Hashable {
    let a: UInt64
    let b: UInt64

    init(_ link: String) {
        var x = StableHash()
        x.combine(link)
        var y = StableHash()
        y.combine("\u{1}")
        y.combine(link)
        a = x.value
        b = y.value
    }
}
