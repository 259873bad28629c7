import Foundation
internal import CZlib

/// gzip through zlib's streaming inflate (never a hand-written one), concatenated members
/// included.
enum Gzip {
    static func isGzip(_ bytes: some Collection<UInt8>) -> Bool {
        bytes.count >= 2 && bytes.first == 0x1F && bytes.dropFirst().first == 0x8B
    }

    /// True when the file behind `fd` starts with the gzip magic number (read without moving the offset).
    static func isGzip(fd: Int32) -> Bool {
        var head: [UInt8] = [0, 0]
        let n = head.withUnsafeMutableBytes { pread(fd, $0.baseAddress, 2, 0) }
        return n == 2 && isGzip(head)
    }
}

/// Streams the inflated bytes of a `.gz` file a piece at a time, so memory stays bounded by the
/// piece whatever the file inflates to, and refuses to go past the limits (`InputLimits`): in all
/// `maxDecompressedBytes`, and `maxCompressionRatio` bytes per byte of the compressed file. A
/// decompression bomb is thus stopped after a bounded amount of work, never held in memory.
///
/// The compressed bytes are read with `pread` at the reader's own offset: two readers can go over
/// one descriptor independently (the batch checks a `.gz` NDJSON against the limits in a first
/// pass before staging anything from it).
final class GzipReader: ByteSource {
    private let fd: Int32
    private let name: String
    private let compressedSize: Int
    private let limits: InputLimits
    /// zlib keeps a pointer back to its `z_stream`: it must never move, so it lives on the heap.
    private let stream: UnsafeMutablePointer<z_stream>
    private let input: UnsafeMutablePointer<UInt8>
    private let output: UnsafeMutablePointer<UInt8>
    private static let inputCapacity = 1 << 18
    private static let outputCapacity = 1 << 20
    private var offset: Int64 = 0
    private var inputEnded = false
    private var memberEnded = false
    private var finished = false
    /// Inflated bytes so far.
    private(set) var produced = 0

    init(fd: Int32, compressedSize: Int, limits: InputLimits, name: String) throws(InputFailure) {
        self.fd = fd
        self.name = name
        self.compressedSize = compressedSize
        self.limits = limits
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        input = .allocate(capacity: Self.inputCapacity)
        output = .allocate(capacity: Self.outputCapacity)
        // 15 + 32: a zlib or gzip header, detected automatically.
        guard inflateInit2_(stream, 15 + 32, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            stream.deallocate()
            input.deallocate()
            output.deallocate()
            throw InputFailure(kind: "invalid-gzip", message: "zlib could not be initialised.")
        }
    }

    deinit {
        inflateEnd(stream)
        stream.deallocate()
        input.deallocate()
        output.deallocate()
    }

    func read(into buffer: inout [UInt8], count: Int) throws(InputFailure) -> Int {
        var appended = 0
        while appended < count, !finished {
            if stream.pointee.avail_in == 0, !inputEnded { try refill() }
            if stream.pointee.avail_in == 0, inputEnded {
                guard memberEnded else {
                    throw InputFailure(kind: "invalid-gzip", message: "the file is not valid gzip: the gzip stream is truncated.")
                }
                finished = true
                break
            }
            if memberEnded {
                // More bytes after a member's end: another gzip member (concatenated .gz files are one file).
                guard inflateReset(stream) == Z_OK else { throw Self.corrupt("corrupt gzip member") }
                memberEnded = false
            }
            let room = min(Self.outputCapacity, count - appended)
            stream.pointee.next_out = output
            stream.pointee.avail_out = UInt32(room)
            let status = inflate(stream, Z_NO_FLUSH)
            let n = room - Int(stream.pointee.avail_out)
            if n > 0 {
                buffer.append(contentsOf: UnsafeBufferPointer(start: output, count: n))
                appended += n
                produced += n
                try checkLimits()
            }
            switch status {
            case Z_STREAM_END:
                memberEnded = true
            case Z_OK:
                break
            case Z_BUF_ERROR where stream.pointee.avail_in == 0:
                break  // needs more input: the next turn reads it
            default:
                throw Self.corrupt("corrupt gzip data (zlib status \(status))")
            }
        }
        return appended
    }

    /// Inflates everything, keeping nothing: checks the limits and the stream's integrity.
    func drain() throws(InputFailure) {
        var sink: [UInt8] = []
        sink.reserveCapacity(Self.outputCapacity)
        while try read(into: &sink, count: Self.outputCapacity) > 0 { sink.removeAll(keepingCapacity: true) }
    }

    private func refill() throws(InputFailure) {
        while true {
            let n = pread(fd, input, Self.inputCapacity, off_t(offset))
            if n < 0 {
                if errno == EINTR { continue }
                throw InputFailure(kind: "unreadable", message: "read failed: \(String(cString: strerror(errno))).")
            }
            if n == 0 {
                inputEnded = true
            } else {
                stream.pointee.next_in = input
                stream.pointee.avail_in = UInt32(n)
                offset += Int64(n)
            }
            return
        }
    }

    private func checkLimits() throws(InputFailure) {
        if produced > limits.maxDecompressedBytes {
            throw InputFailure(kind: "gzip-limit", message: """
                decompresses to more than \(InputLimits.format(limits.maxDecompressedBytes)), the limit \
                (--max-decompressed-bytes): it was not read.
                """)
        }
        let (allowed, overflow) = max(compressedSize, 1).multipliedReportingOverflow(by: limits.maxCompressionRatio)
        if produced > InputLimits.ratioFloor, !overflow, produced > allowed {
            throw InputFailure(kind: "gzip-limit", message: """
                decompresses to more than \(limits.maxCompressionRatio) times its compressed size, the limit \
                (--max-compression-ratio), as a decompression bomb does: it was not read.
                """)
        }
    }

    private static func corrupt(_ what: String) -> InputFailure {
        InputFailure(kind: "invalid-gzip", message: "the file is not valid gzip: \(what).")
    }
}
