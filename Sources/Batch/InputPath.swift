/// A path as the file system holds it: bytes, not necessarily UTF-8.
///
/// Linux file names are any bytes but `/` and NUL. A name that is not valid UTF-8 would be
/// repaired (and so lost) by `String`, and the file could not be opened again; the batch keeps the
/// bytes to open it and shows an escaped form (`display`) in messages, reports and quarantine
/// reasons.
struct InputPath: Sendable, Hashable {
    let bytes: [UInt8]
    /// The path for people: itself when it is valid UTF-8 without control characters; otherwise
    /// every byte that is not part of a valid, printable UTF-8 character is written `\xHH`, and
    /// `\` itself `\\`, so two different paths never show the same.
    let display: String

    init(bytes: [UInt8]) {
        self.bytes = bytes
        display = Self.escape(bytes)
    }

    init(_ string: String) { self.init(bytes: Array(string.utf8)) }

    /// True when `display` is the path itself (nothing had to be escaped).
    var isPlain: Bool { Array(display.utf8) == bytes }

    /// The last component.
    var name: ArraySlice<UInt8> {
        var end = bytes.count
        while end > 1, bytes[end - 1] == UInt8(ascii: "/") { end -= 1 }
        let start = bytes[0..<end].lastIndex(of: UInt8(ascii: "/")).map { $0 + 1 } ?? 0
        return bytes[start..<end]
    }

    func appending(_ name: some Collection<UInt8>) -> InputPath {
        InputPath(bytes: bytes.last == UInt8(ascii: "/") ? bytes + name : bytes + [UInt8(ascii: "/")] + name)
    }

    /// True when this path is `root` or lies under it (both absolute and resolved).
    func isInside(_ root: InputPath) -> Bool {
        guard bytes.count >= root.bytes.count, bytes.starts(with: root.bytes) else { return false }
        return bytes.count == root.bytes.count || root.bytes.last == UInt8(ascii: "/") || bytes[root.bytes.count] == UInt8(ascii: "/")
    }

    func withCString<R>(_ body: (UnsafePointer<CChar>) throws -> R) rethrows -> R {
        try (bytes + [0]).withUnsafeBufferPointer { p in
            try p.withMemoryRebound(to: CChar.self) { try body($0.baseAddress!) }
        }
    }

    static func escape(_ bytes: [UInt8]) -> String {
        if let s = String(validating: bytes, as: UTF8.self), !s.unicodeScalars.contains(where: needsEscape) { return s }
        var out = ""
        var i = 0
        func hex(_ b: UInt8) -> String {
            let digits = Array("0123456789ABCDEF")
            return "\\x" + String(digits[Int(b >> 4)]) + String(digits[Int(b & 0x0F)])
        }
        while i < bytes.count {
            let b = bytes[i]
            let length = b < 0x80 ? 1 : b >= 0xC2 && b <= 0xDF ? 2 : b >= 0xE0 && b <= 0xEF ? 3 : b >= 0xF0 && b <= 0xF4 ? 4 : 0
            if length > 0, i + length <= bytes.count,
               let s = String(validating: bytes[i..<i + length], as: UTF8.self),
               let scalar = s.unicodeScalars.first, !needsEscape(scalar)
            {
                out += s
                i += length
            } else if b == UInt8(ascii: "\\") {
                out += "\\\\"
                i += 1
            } else {
                out += hex(b)
                i += 1
            }
        }
        return out
    }

    /// Control characters (a newline in a name would split a log line, an escape sequence would
    /// drive the terminal), and `\`, which introduces the escapes.
    private static func needsEscape(_ s: Unicode.Scalar) -> Bool {
        s.value < 0x20 || s.value == 0x7F || (s.value >= 0x80 && s.value < 0xA0) || s == "\\"
            || s.properties.generalCategory == .format  // bidirectional overrides can disguise a name
    }
}
