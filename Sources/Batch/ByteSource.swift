import Foundation

/// The bytes of an input read piece by piece — a plain file, or the inflated stream of a `.gz`
/// (`GzipReader`) — so that no input has to be held whole to be read.
protocol ByteSource: AnyObject {
    /// Appends up to `count` bytes to `buffer` and returns how many; 0 at the end of the input.
    func read(into buffer: inout [UInt8], count: Int) throws(InputFailure) -> Int
}

/// A plain file, read from its descriptor (which the caller owns).
final class FileSource: ByteSource {
    private let fd: Int32
    private var scratch = [UInt8](repeating: 0, count: 1 << 20)

    init(fd: Int32) { self.fd = fd }

    func read(into buffer: inout [UInt8], count: Int) throws(InputFailure) -> Int {
        var appended = 0
        while appended < count {
            let want = min(scratch.count, count - appended)
            let n = scratch.withUnsafeMutableBytes { Foundation.read(fd, $0.baseAddress, want) }
            if n < 0 {
                if errno == EINTR { continue }
                throw InputFailure(kind: "unreadable", message: "read failed: \(String(cString: strerror(errno))).")
            }
            if n == 0 { break }
            buffer.append(contentsOf: scratch[0..<n])
            appended += n
        }
        return appended
    }
}
