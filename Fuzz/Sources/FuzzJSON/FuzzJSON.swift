// libFuzzer target: FHIR R4 JSON and NDJSON through FHIRReader, and JSONKit's parser and writer.
// Build and run with `make fuzz` (see Fuzz/README.md).
import FuzzSupport
import IngestKit
import JSONKit

@main
enum FuzzJSON {
    static func main() { FuzzSupport.runLibFuzzer(testOneInput) }
}

/// One input. The readers get libFuzzer's own buffer, exactly `size` bytes long, so that
/// AddressSanitizer sees any read past its end.
func testOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let buffer = UnsafeBufferPointer(start: data, count: data == nil ? 0 : size)
    let fhir = FuzzSupport.readers.fhir
    _ = fhir.read(buffer, file: "fuzz.json")
    // The batch's chunked NDJSON path: the first chunk of a file, and a later one.
    if fhir.looksLikeNDJSON(buffer) { _ = fhir.readLines(buffer, file: "fuzz.ndjson", firstLine: 1) }
    _ = fhir.readLines(buffer, file: "fuzz.ndjson", firstLine: 2)

    // JSONKit: whatever parses must serialize to JSON that parses back to the same value.
    if let value = try? JSONValue.parse(Array(buffer)) {
        for style in [JSONWriter.Style.compact, .pretty] {
            guard let again = try? JSONValue.parse(JSONWriter.serialize(value, style: style)) else {
                fatalError("FuzzJSON: JSONWriter wrote JSON that JSONValue.parse rejects (style \(style))")
            }
            guard again == value else {
                fatalError("FuzzJSON: a JSON value changed on writing and re-reading it (style \(style))")
            }
        }
    }
    return 0
}
