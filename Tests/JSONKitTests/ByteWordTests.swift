import Testing
@testable import JSONKit

/// The eight-byte test the reader and writer skip strings with: exhaustive over every byte
/// value at every lane, alone and before another byte.
@Suite struct ByteWordTests {
    static func isSpecial(_ b: UInt8) -> Bool { b < 0x20 || b == UInt8(ascii: "\"") || b == UInt8(ascii: "\\") }

    @Test func theFirstSpecialByteIsFoundExactly() {
        for lane in 0..<8 {
            for value in 0...255 {
                for background: UInt8 in [UInt8(ascii: "a"), 0x20, 0x21, 0x5B, 0x5D, 0x7F, 0x80, 0xC3, 0xFF, 0x00] {
                    var bytes = [UInt8](repeating: background, count: 8)
                    bytes[lane] = UInt8(value)
                    let mask = bytes.withUnsafeBufferPointer { ByteWord.specialMask(ByteWord.load($0.baseAddress!, 0)) }
                    let first = bytes.firstIndex(where: Self.isSpecial)
                    #expect((mask == 0) == (first == nil), "\(lane) \(value) \(background)")
                    if let first { #expect(ByteWord.firstSpecial(mask) == first, "\(lane) \(value) \(background)") }
                }
            }
        }
    }

    @Test func prefixKeepsTheFirstBytes() {
        let bytes: [UInt8] = [1, 2, 3, 4, 5, 6, 7, 8]
        let w = bytes.withUnsafeBufferPointer { ByteWord.load($0.baseAddress!, 0) }
        for n in 0..<8 {
            var kept = [UInt8](repeating: 0, count: 8)
            for k in 0..<n { kept[k] = bytes[k] }
            #expect(ByteWord.prefix(w, n) == kept.withUnsafeBufferPointer { ByteWord.load($0.baseAddress!, 0) })
        }
        #expect(ByteWord.hasHighByte(ByteWord.prefix(0x80 << 56, 7)) == false)
    }
}
