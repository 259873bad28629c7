import ClinicalModel
import Guideline
import Mapping
import JSONKit

extension Pipeline {
    /// Pipe mode over grouped input (`--grouped`, ``GroupedInput``): each group is collected,
    /// linked and evaluated on its own, as if it were the whole input, and its CarePlans written
    /// before the next group is read; the outcome adds up all groups. With `allowEmpty`, an input
    /// of nothing but blanks is no error (an empty Spark partition): no output, exit 0.
    public func runGrouped(inputs: [String], pretty: Bool, allowEmpty: Bool, output: Int32 = 1) throws(IngestError) -> Outcome {
        var outcome = Outcome()
        var blank = true
        let style: JSONWriter.Style = pretty ? .pretty : .compact
        for input in inputs {
            let bytes = try FileIO.read(input)
            let name = input == "-" ? "-" : input
            if GroupedInput.isBlank(bytes) { continue }
            blank = false
            let grouped = GroupedInput(bytes, name: name)
            outcome.diagnostics += grouped.diagnostics
            for group in grouped.groups {
                var collector = RecordCollector(mappings: engine.mappings, identity: engine.mappings.identityRules,
                                                limits: options.limits)
                for (_, line) in group.records { collector.add(line.extract(readers: collector.readers)) }
                let assembled = collector.assemble()
                let (plans, deceased, incomplete) = carePlans(assembled.records, style: style)
                try FileIO.write(fd: output, Self.ndjson(plans))
                outcome.patients += assembled.records.count
                outcome.carePlans += plans.count
                outcome.deceased += deceased
                outcome.incomplete += incomplete
                outcome.conflicts += assembled.conflicts
                outcome.counts.add(collector.counts)
                outcome.diagnostics += collector.diagnostics + assembled.diagnostics + Self.incompleteDiagnostics(assembled.records)
            }
        }
        if blank && !allowEmpty {
            throw IngestError(.noInput, "no input: the grouped input is empty (give --allow-empty when an empty input is expected, as for an empty Spark partition)")
        }
        return outcome
    }
}
