// libFuzzer target: C-CDA XML through CDAReader (the hardened libxml2 reader).
// Build and run with `make fuzz` (see Fuzz/README.md).
import FuzzSupport
import IngestKit

@main
enum FuzzCDA {
    static func main() { FuzzSupport.runLibFuzzer(testOneInput) }
}

/// One input: libFuzzer's own buffer, exactly `size` bytes long, so that AddressSanitizer sees
/// any read past its end.
func testOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    _ = FuzzSupport.readers.cda.read(UnsafeBufferPointer(start: data, count: data == nil ? 0 : size), file: "fuzz.xml")
    return 0
}
