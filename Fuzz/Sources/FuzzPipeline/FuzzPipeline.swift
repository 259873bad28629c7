// libFuzzer target: bytes → CarePlans end to end, as `ingest` does for one input: format sniffing,
// the FHIR or C-CDA reader, record assembly, guideline evaluation, CarePlan JSON and NDJSON.
// Build and run with `make fuzz` (see Fuzz/README.md).
import FuzzSupport
import IngestKit
import JSONKit

@main
enum FuzzPipeline {
    static func main() { FuzzSupport.runLibFuzzer(testOneInput) }
}

func testOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    // As Pipeline.collect does for each input.
    let mappings = FuzzSupport.evaluator.engine.mappings
    var collector = RecordCollector(mappings: mappings, identity: mappings.identityRules, limits: FuzzSupport.options.limits)
    collector.add(Array(UnsafeBufferPointer(start: data, count: data == nil ? 0 : size)), file: "fuzz-input")
    let assembled = collector.assemble()
    let result = FuzzSupport.pipeline.carePlans(assembled.records)
    // Every CarePlan written must read back as JSON.
    for line in Pipeline.ndjson(result.plans, style: .compact).split(separator: UInt8(ascii: "\n"))
    where (try? JSONValue.parse(Array(line))) == nil {
        fatalError("FuzzPipeline: a CarePlan was written as NDJSON that does not parse")
    }
    return 0
}
