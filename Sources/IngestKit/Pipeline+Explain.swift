public import ClinicalModel
import Guideline
import JSONKit
import Mapping

/// How `ingest explain` writes its explanations.
public enum ExplainFormat: String, Sendable, CaseIterable {
    /// For people: wrapped at 100 columns.
    case text
    /// For programs: one JSON object per patient and line (docs/explain.schema.json).
    case json
}

extension Pipeline {
    /// What explaining gave: how many patients, and whether `--patient` found one.
    public struct ExplainOutcome: Sendable {
        public var patients = 0
        public var carePlans = 0
        public var deceased = 0
        public var incomplete = 0
    }

    /// The records `selector` names: exactly one, or an error whose exit status says why — none
    /// (``noSuchPatientExitCode``), or several (64: the selector must be more precise). The
    /// message names no patient data, only how the patient was asked for.
    public static func select(_ records: [PatientRecord], _ selector: PatientSelector?, described: String) throws(IngestError) -> [PatientRecord] {
        guard let selector else { return records }
        let found = records.filter(selector.matches)
        if found.count > 1 {
            throw IngestError(.usage, "--patient \(described) names \(found.count) patients (their records are kept apart: "
                + "sex or birth date conflict); name one by its reference key.")
        }
        return found
    }

    /// Exit status of `explain --patient` when no patient of the input is the one named
    /// (sysexits' EX_NOUSER: the addressee is unknown).
    public static let noSuchPatientExitCode: Int32 = 67

    /// Explains every record, in key order, in `format`, on `output`.
    public func explain(_ records: [PatientRecord], format: ExplainFormat, output: Int32 = 1) throws(IngestError) -> ExplainOutcome {
        var outcome = ExplainOutcome()
        var bytes: [UInt8] = []
        for (i, record) in records.enumerated() {
            let evaluations = engine.evaluate(record, asOf: options.asOf)
            guard let e = Explanation(evaluations, deriver: engine.deriver) else { continue }
            switch format {
            case .text:
                if i > 0 { bytes += Array(("\n" + String(repeating: "─", count: 72) + "\n\n").utf8) }
                bytes += Array(ExplainRenderer.text(e).utf8)
            case .json:
                bytes += JSONWriter.serialize(ExplainJSON.object(e)) + [0x0A]
            }
            if record.incomplete.isEmpty { outcome.carePlans += evaluations.filter { !$0.fired.isEmpty && !$0.deceased }.count }
            if evaluations.first?.deceased == true { outcome.deceased += 1 }
            if !record.incomplete.isEmpty { outcome.incomplete += 1 }
        }
        if records.isEmpty, format == .text { bytes = Array("No patient found in the input.\n".utf8) }
        try FileIO.write(fd: output, bytes)
        outcome.patients = records.count
        return outcome
    }

    /// Reads `inputs` one at a time through `read` (the batch's reader, which inflates `.gz`),
    /// as ``collect(_:)`` reads plain files: folders work in explain as in the batch.
    public func collect(_ inputs: [String], read: (String) throws(IngestError) -> [UInt8]) throws(IngestError) -> Collected {
        var collector = RecordCollector(mappings: engine.mappings, identity: engine.mappings.identityRules, limits: options.limits)
        for input in inputs { collector.add(try read(input), file: input) }
        let assembled = collector.assemble()
        return Collected(records: assembled.records, collector: collector, assemblyDiagnostics: assembled.diagnostics,
                         conflicts: assembled.conflicts)
    }
}
