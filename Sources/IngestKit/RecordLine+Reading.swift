public import ClinicalModel
import FHIRReader
public import Mapping

extension RecordLine {
    /// Reads the record exactly as `ingest batch` reads it from its file: an NDJSON line as that
    /// line of its file (same format, same line numbers in provenance and messages), anything
    /// else as a whole input. Safe to run in parallel.
    public func extract(readers: Readers) -> SourceExtract {
        guard let line else { return RecordCollector.extract(record, file: file, readers: readers) }
        return record.withUnsafeBufferPointer { readers.fhir.readLines($0, file: file, firstLine: line) }
    }
}

/// The records of one input, each with its link keys: what `ingest keys` writes.
public struct RecordKeys: Sendable {
    let readers: Readers
    let rules: IdentityRules

    public init(mappings: MappingSet, limits: ReadLimits) {
        readers = Readers(mappings: mappings, limits: limits)
        rules = mappings.identityRules
    }

    /// Splits an input into records as the batch reads them (an NDJSON file line by line, any
    /// other input whole), reads each, and gives it the link keys ``PatientLinker`` would use,
    /// plus the keys of the Medications it defines or references. Records that cannot be read
    /// still get a line (with the keys of the patient they name, if any) and their diagnostics.
    public func lines(_ bytes: [UInt8], file: String)
        -> (lines: [RecordLine], diagnostics: [Diagnostic])
    {
        var records: [RecordLine] = []
        let ndjson = InputFormat.sniff(bytes) == .json && bytes.withUnsafeBufferPointer { readers.fhir.looksLikeNDJSON($0) }
        if ndjson {
            var number = 0
            for raw in bytes.split(separator: 0x0A, omittingEmptySubsequences: false) {
                number += 1
                var line = raw.last == 0x0D ? raw.dropLast() : raw
                if number == 1, line.starts(with: [0xEF, 0xBB, 0xBF]) { line = line.dropFirst(3) }
                // Blank lines separate nothing (as the reader skips them).
                guard line.contains(where: { $0 != 0x20 && $0 != 0x09 }) else { continue }
                records.append(RecordLine(keys: [], record: Array(line), file: file, line: number))
            }
        } else {
            records.append(RecordLine(keys: [], record: bytes, file: file))
        }
        return keyed(records)
    }

    /// Reads records that arrive without their keys (`ingest keys --lines`) and gives them keys.
    public func keyed(_ records: [RecordLine])
        -> (lines: [RecordLine], diagnostics: [Diagnostic])
    {
        var diagnostics: [Diagnostic] = []
        var keyed: [RecordLine] = []
        for var r in records {
            let extract = r.extract(readers: readers)
            r.keys = PatientLinker.links(of: extract, rules: rules) + PatientLinker.medicationLinks(of: extract)
            diagnostics += extract.diagnostics
            keyed.append(r)
        }
        return (keyed, diagnostics)
    }
}
