/// A forward-only reader over UTF-8 JSON bytes.
///
/// It can build a ``JSONValue`` tree for the parts a caller wants and skip the rest without
/// decoding them, which is what lets the FHIR reader pass over thousands of Claim and
/// ExplanationOfBenefit resources at memory-scan speed.
///
/// The buffer must outlive the cursor (use it inside `withUnsafeBufferPointer`).
public struct JSONCursor {
    public let bytes: UnsafeBufferPointer<UInt8>
    /// Index of the next unread byte.
    public var offset: Int
    /// Nesting limit for hostile input; FHIR resources nest a few dozen levels at most.
    public let maxDepth: Int
    @usableFromInline var depth: Int = 0
    /// Offset of the first member name that repeats one of its object's, seen by ``parseValue()``
    /// or ``parse(into:)`` since this was last reset; a caller that cares (a FHIR resource must be read one way)
    /// resets it before parsing and checks it after.
    public var firstDuplicateKey: Int? = nil

    /// Longest string decoded, in bytes (strings skipped unread are not bounded: they cost no memory).
    public let maxStringBytes: Int

    public init(_ bytes: UnsafeBufferPointer<UInt8>, offset: Int = 0, maxDepth: Int = 256, maxStringBytes: Int = .max) {
        self.bytes = bytes
        self.offset = offset
        self.maxDepth = maxDepth
        self.maxStringBytes = maxStringBytes
    }

    // MARK: Bytes

    @inline(__always) var atEnd: Bool { offset >= bytes.count }

    /// Skips JSON whitespace and returns the next byte without consuming it.
    @inline(__always)
    public mutating func peek() -> UInt8? {
        while offset < bytes.count {
            let b = bytes[offset]
            if b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09 {
                offset += 1
            } else {
                return b
            }
        }
        return nil
    }

    @inline(__always)
    mutating func expect(_ byte: UInt8, _ what: String) throws(JSONSyntaxError) {
        guard let b = peek() else { throw JSONSyntaxError(.unexpectedEnd, at: offset) }
        guard b == byte else { throw JSONSyntaxError(.unexpectedByte(b, expected: what), at: offset) }
        offset += 1
    }

    /// Throws unless only whitespace remains.
    public mutating func expectEnd() throws(JSONSyntaxError) {
        if peek() != nil { throw JSONSyntaxError(.trailingContent, at: offset) }
    }

    // MARK: Streaming over objects and arrays

    /// Consumes `{`.
    public mutating func enterObject() throws(JSONSyntaxError) {
        try expect(UInt8(ascii: "{"), "an object '{'")
        try push()
    }

    /// Reads the next member's key and the `:` after it, or consumes `}` and returns nil.
    /// `first` tells whether this is the first call after ``enterObject()``.
    public mutating func nextKey(first: Bool) throws(JSONSyntaxError) -> JSONKey? {
        guard let b = peek() else { throw JSONSyntaxError(.unexpectedEnd, at: offset) }
        if b == UInt8(ascii: "}") {
            offset += 1
            depth -= 1
            return nil
        }
        if !first {
            guard b == UInt8(ascii: ",") else {
                throw JSONSyntaxError(.unexpectedByte(b, expected: "',' or '}'"), at: offset)
            }
            offset += 1
        }
        guard let q = peek() else { throw JSONSyntaxError(.unexpectedEnd, at: offset) }
        guard q == UInt8(ascii: "\"") else {
            throw JSONSyntaxError(.unexpectedByte(q, expected: "a member name"), at: offset)
        }
        let key = try scanKey()
        try expect(UInt8(ascii: ":"), "':'")
        return key
    }

    /// Consumes `[`.
    public mutating func enterArray() throws(JSONSyntaxError) {
        try expect(UInt8(ascii: "["), "an array '['")
        try push()
    }

    /// Moves to the next element; false (after consuming `]`) at the end of the array.
    public mutating func nextElement(first: Bool) throws(JSONSyntaxError) -> Bool {
        guard let b = peek() else { throw JSONSyntaxError(.unexpectedEnd, at: offset) }
        if b == UInt8(ascii: "]") {
            offset += 1
            depth -= 1
            return false
        }
        if !first {
            guard b == UInt8(ascii: ",") else {
                throw JSONSyntaxError(.unexpectedByte(b, expected: "',' or ']'"), at: offset)
            }
            offset += 1
        }
        return true
    }

    @inline(__always)
    mutating func push() throws(JSONSyntaxError) {
        depth += 1
        if depth > maxDepth { throw JSONSyntaxError(.tooDeep(limit: maxDepth), at: offset) }
    }

    /// Reads a string value.
    public mutating func readString() throws(JSONSyntaxError) -> String {
        guard let b = peek() else { throw JSONSyntaxError(.unexpectedEnd, at: offset) }
        guard b == UInt8(ascii: "\"") else { throw JSONSyntaxError(.unexpectedByte(b, expected: "a string"), at: offset) }
        return try scanString()
    }

    /// Looks ahead, without moving, for a string member `name` of the object that starts here.
    /// Used to read `resourceType` before deciding whether to decode or skip a resource.
    public func peekStringMember(_ name: StaticString) throws(JSONSyntaxError) -> String? {
        var probe = self
        try probe.enterObject()
        var first = true
        while let key = try probe.nextKey(first: first) {
            first = false
            if key.equals(name, in: bytes) {
                guard probe.peek() == UInt8(ascii: "\"") else { return nil }
                return try probe.scanString()
            }
            try probe.skipValue()
        }
        return nil
    }

    // MARK: Whole values

    /// Parses the value that starts here into a tree. It is read into a tape first
    /// (``parse(into:)``, the one place where a value's grammar, limits and repeated names are
    /// checked) and the tree built from that.
    public mutating func parseValue() throws(JSONSyntaxError) -> JSONValue {
        var tape = JSONTape()
        try parse(into: &tape)
        return tape.withRoot(in: bytes) { $0.tree }
    }

    /// Skips the value that starts here. Brackets must balance and strings must close;
    /// the insides are not decoded or validated further.
    public mutating func skipValue() throws(JSONSyntaxError) {
        guard let b = peek() else { throw JSONSyntaxError(.unexpectedEnd, at: offset) }
        switch b {
        case UInt8(ascii: "\""):
            offset += 1
            try skipStringBody()
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            try skipContainer()
        case UInt8(ascii: "t"): try literal("true")
        case UInt8(ascii: "f"): try literal("false")
        case UInt8(ascii: "n"): try literal("null")
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            _ = try scanNumber()
        default:
            throw JSONSyntaxError(.unexpectedByte(b, expected: "a JSON value"), at: offset)
        }
    }

    private mutating func skipContainer() throws(JSONSyntaxError) {
        // Closers expected, innermost last: the first 64 levels as bits (1: `}`, 0: `]`), with
        // no allocation for the containers every record skips; deeper ones (up to maxDepth) in
        // an array.
        var levels = 0
        var bits: UInt64 = 0
        var deeper: [UInt8] = []
        let base = bytes.baseAddress!
        let count = bytes.count
        var i = offset
        while i < count {
            let c = base[i]
            switch c {
            case UInt8(ascii: "\""):
                offset = i + 1
                try skipStringBody()
                i = offset
                continue
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                if depth + levels + 1 > maxDepth { throw JSONSyntaxError(.tooDeep(limit: maxDepth), at: i) }
                let closer = c == UInt8(ascii: "{") ? UInt8(ascii: "}") : UInt8(ascii: "]")
                if levels < 64 {
                    if closer == UInt8(ascii: "}") { bits |= 1 << UInt64(levels) } else { bits &= ~(1 << UInt64(levels)) }
                } else {
                    deeper.append(closer)
                }
                levels += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                var expected: UInt8? = nil
                if levels > 0 {
                    levels -= 1
                    if levels < 64 {
                        expected = bits & (1 << UInt64(levels)) != 0 ? UInt8(ascii: "}") : UInt8(ascii: "]")
                    } else {
                        expected = deeper.popLast()
                    }
                }
                guard let expected, expected == c else {
                    throw JSONSyntaxError(.unexpectedByte(c, expected: "a matching bracket"), at: i)
                }
                if levels == 0 {
                    offset = i + 1
                    return
                }
            default:
                break
            }
            i += 1
        }
        offset = count
        throw JSONSyntaxError(.unexpectedEnd, at: count)
    }

    /// After the opening quote: moves past the closing quote.
    @inline(__always)
    private mutating func skipStringBody() throws(JSONSyntaxError) {
        let base = bytes.baseAddress!
        let count = bytes.count
        var i = offset
        var seen: UInt64 = 0
        while i < count {
            i = ByteWord.skipOrdinary(base, from: i, count: count, seen: &seen)
            guard i < count else { break }
            let c = base[i]
            if c == UInt8(ascii: "\"") {
                offset = i + 1
                return
            }
            i += c == UInt8(ascii: "\\") ? 2 : 1
        }
        offset = count
        throw JSONSyntaxError(.unexpectedEnd, at: count)
    }

    // MARK: Scalars

    mutating func literal(_ word: StaticString) throws(JSONSyntaxError) {
        let n = word.utf8CodeUnitCount
        guard offset + n <= bytes.count else { throw JSONSyntaxError(.invalidLiteral, at: offset) }
        let w = word.utf8Start
        for k in 0..<n where bytes[offset + k] != w[k] {
            throw JSONSyntaxError(.invalidLiteral, at: offset)
        }
        offset += n
    }

    @inline(__always)
    private func isDigit(_ i: Int) -> Bool {
        i < bytes.count && bytes[i] >= UInt8(ascii: "0") && bytes[i] <= UInt8(ascii: "9")
    }

    private mutating func scanNumber() throws(JSONSyntaxError) -> JSONNumber {
        let start = offset
        let end = try scanNumberEnd()
        return JSONNumber(text: String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self))
    }

    /// Moves past the number that starts here and returns where it ends.
    @inline(__always)
    mutating func scanNumberEnd() throws(JSONSyntaxError) -> Int {
        let start = offset
        var i = offset
        if bytes[i] == UInt8(ascii: "-") { i += 1 }
        guard isDigit(i) else { throw JSONSyntaxError(.invalidNumber, at: start) }
        if bytes[i] == UInt8(ascii: "0") {
            i += 1
        } else {
            while isDigit(i) { i += 1 }
        }
        if i < bytes.count, bytes[i] == UInt8(ascii: ".") {
            i += 1
            guard isDigit(i) else { throw JSONSyntaxError(.invalidNumber, at: start) }
            while isDigit(i) { i += 1 }
        }
        if i < bytes.count, bytes[i] | 0x20 == UInt8(ascii: "e") {
            i += 1
            if i < bytes.count, bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-") { i += 1 }
            guard isDigit(i) else { throw JSONSyntaxError(.invalidNumber, at: start) }
            while isDigit(i) { i += 1 }
        }
        offset = i
        return i
    }

    /// At an opening quote: reads the key without building a String unless it has escapes.
    mutating func scanKey() throws(JSONSyntaxError) -> JSONKey {
        let start = offset + 1
        var i = start
        let count = bytes.count
        while i < count {
            let c = bytes[i]
            if c == UInt8(ascii: "\"") {
                offset = i + 1
                return JSONKey(range: start..<i, decoded: nil)
            }
            if c == UInt8(ascii: "\\") {
                let decoded = try scanString()
                return JSONKey(range: start..<(offset - 1), decoded: decoded)
            }
            i += 1
        }
        throw JSONSyntaxError(.unexpectedEnd, at: count)
    }

    /// At an opening quote: decodes the string and moves past the closing quote.
    @inline(__always)
    mutating func scanString() throws(JSONSyntaxError) -> String {
        switch try scanStringToken() {
        case .plain(let range): String(decoding: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self)
        case .decoded(let s): s
        }
    }

    /// At an opening quote: moves past the closing quote, checking the string as ``scanString()``
    /// does. A string of ASCII with no escape is its own bytes and is returned as their range,
    /// with no String made; any other is decoded.
    mutating func scanStringToken() throws(JSONSyntaxError) -> JSONStringToken {
        let start = offset + 1
        let base = bytes.baseAddress!
        let count = bytes.count
        var i = start
        var high: UInt8 = 0
        var highWords: UInt64 = 0
        while i < count {
            i = ByteWord.skipOrdinary(base, from: i, count: count, seen: &highWords)
            guard i < count else { break }
            let c = base[i]
            if c == UInt8(ascii: "\"") {
                offset = i + 1
                if i - start > maxStringBytes { throw JSONSyntaxError(.stringTooLong(limit: maxStringBytes), at: start) }
                if high & 0x80 == 0 && !ByteWord.hasHighByte(highWords) { return .plain(start..<i) }
                let raw = UnsafeBufferPointer(start: base + start, count: i - start)
                guard let s = String(validating: raw, as: UTF8.self) else {
                    throw JSONSyntaxError(.invalidUTF8, at: start)
                }
                return .decoded(s)
            }
            if c == UInt8(ascii: "\\") {
                return .decoded(try scanEscapedString(start: start, firstEscape: i))
            }
            if c < 0x20 { throw JSONSyntaxError(.controlCharacterInString, at: i) }
            high |= c
            i += 1
        }
        throw JSONSyntaxError(.unexpectedEnd, at: count)
    }

    private mutating func scanEscapedString(start: Int, firstEscape: Int) throws(JSONSyntaxError) -> String {
        var out: [UInt8] = Array(UnsafeBufferPointer(rebasing: bytes[start..<firstEscape]))
        var i = firstEscape
        let count = bytes.count
        while i < count {
            // Bounded while it is read, not after: the decoded copy must not grow past the limit.
            if out.count > maxStringBytes { throw JSONSyntaxError(.stringTooLong(limit: maxStringBytes), at: start) }
            let c = bytes[i]
            if c == UInt8(ascii: "\"") {
                offset = i + 1
                if out.count > maxStringBytes { throw JSONSyntaxError(.stringTooLong(limit: maxStringBytes), at: start) }
                guard let s = String(validating: out, as: UTF8.self) else {
                    throw JSONSyntaxError(.invalidUTF8, at: start)
                }
                return s
            }
            if c < 0x20 { throw JSONSyntaxError(.controlCharacterInString, at: i) }
            if c != UInt8(ascii: "\\") {
                out.append(c)
                i += 1
                continue
            }
            guard i + 1 < count else { throw JSONSyntaxError(.unexpectedEnd, at: count) }
            let e = bytes[i + 1]
            i += 2
            switch e {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(e)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = try hex4(at: i)
                i += 4
                if scalar >= 0xD800 && scalar < 0xDC00 {
                    // A high surrogate must be followed by an escaped low surrogate.
                    guard i + 6 <= count, bytes[i] == UInt8(ascii: "\\"), bytes[i + 1] == UInt8(ascii: "u") else {
                        throw JSONSyntaxError(.invalidEscape, at: i - 6)
                    }
                    let low = try hex4(at: i + 2)
                    guard low >= 0xDC00 && low < 0xE000 else { throw JSONSyntaxError(.invalidEscape, at: i) }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    i += 6
                } else if scalar >= 0xDC00 && scalar < 0xE000 {
                    throw JSONSyntaxError(.invalidEscape, at: i - 6)
                }
                guard let u = Unicode.Scalar(scalar) else { throw JSONSyntaxError(.invalidEscape, at: i - 6) }
                out.append(contentsOf: UTF8.encode(u)!)
            default:
                throw JSONSyntaxError(.invalidEscape, at: i - 2)
            }
        }
        throw JSONSyntaxError(.unexpectedEnd, at: count)
    }

    private func hex4(at i: Int) throws(JSONSyntaxError) -> UInt32 {
        guard i + 4 <= bytes.count else { throw JSONSyntaxError(.unexpectedEnd, at: bytes.count) }
        var v: UInt32 = 0
        for k in 0..<4 {
            let c = bytes[i + k]
            let d: UInt8
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): d = c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): d = c - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): d = c - UInt8(ascii: "A") + 10
            default: throw JSONSyntaxError(.invalidEscape, at: i + k)
            }
            v = v << 4 | UInt32(d)
        }
        return v
    }
}

/// A string as ``JSONCursor/scanStringToken()`` read it.
enum JSONStringToken {
    /// ASCII with no escape: the text is exactly these bytes.
    case plain(Range<Int>)
    case decoded(String)
}

/// A member name as read from the input: a byte range, plus the decoded text when it had escapes.
public struct JSONKey {
    public let range: Range<Int>
    let decoded: String?

    /// Compares with an ASCII name without allocating.
    @inline(__always)
    public func equals(_ name: StaticString, in bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        if let decoded { return decoded == name.description }
        let n = name.utf8CodeUnitCount
        guard range.count == n else { return false }
        let p = name.utf8Start
        for k in 0..<n where bytes[range.lowerBound + k] != p[k] { return false }
        return true
    }
}
