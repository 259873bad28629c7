internal import CZlib

/// gzip decompression through zlib (never a hand-written inflate). Handles concatenated members.
enum Gzip {
    static func isGzip(_ bytes: [UInt8]) -> Bool { bytes.count >= 2 && bytes[0] == 0x1F && bytes[1] == 0x8B }

    struct Failure: Error, CustomStringConvertible {
        let message: String
        var description: String { message }
    }

    /// Inflates `bytes`; refuses to grow past `limit` bytes (a decompression bomb).
    static func decompress(_ bytes: [UInt8], limit: Int = 8 << 30) throws -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(min(bytes.count * 6, limit))
        var stream = z_stream()
        // 15 + 32: zlib or gzip header, detected automatically.
        guard inflateInit2_(&stream, 15 + 32, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw Failure(message: "zlib could not be initialised")
        }
        defer { inflateEnd(&stream) }
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        try bytes.withUnsafeBufferPointer { input in
            stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress)
            stream.avail_in = UInt32(input.count)
            while true {
                let status = chunk.withUnsafeMutableBufferPointer { out -> Int32 in
                    stream.next_out = out.baseAddress
                    stream.avail_out = UInt32(out.count)
                    return inflate(&stream, Z_NO_FLUSH)
                }
                let produced = chunk.count - Int(stream.avail_out)
                output.append(contentsOf: chunk[0..<produced])
                if output.count > limit { throw Failure(message: "decompresses to more than \(limit) bytes") }
                if status == Z_STREAM_END {
                    if stream.avail_in == 0 { return }
                    // Another gzip member follows.
                    guard inflateReset(&stream) == Z_OK else { throw Failure(message: "corrupt gzip member") }
                    continue
                }
                if status == Z_BUF_ERROR && stream.avail_in == 0 {
                    throw Failure(message: "the gzip stream is truncated")
                }
                guard status == Z_OK else { throw Failure(message: "corrupt gzip data (zlib status \(status))") }
            }
        }
        return output
    }
}
