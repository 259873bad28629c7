/// One JSON value read into a flat list of nodes over its bytes, to be looked at through
/// ``JSONNode``s: what a caller that reads a few members of a large object wants instead of a
/// ``JSONValue`` tree.
///
/// A string of ASCII with no escape stays a byte range until someone asks for it, so the
/// members nobody reads cost no String, no array and nothing to free. It is where JSON's grammar,
/// the depth and string limits and repeated member names are checked (``JSONCursor/parseValue()``
/// reads a tape and builds its tree from it).
///
/// Reused from one value to the next (``JSONCursor/parse(into:)`` empties it): the FHIR reader
/// keeps one per document or NDJSON line, for all the resources in it.
public struct JSONTape: Sendable {
    /// The nodes in document order: an object's members as name, value, name, value…; a
    /// container's descendants follow it.
    var nodes: [TapeNode] = []
    /// The strings that had to be decoded (escapes or non-ASCII bytes), named by index.
    var strings: [String] = []
    /// Names of the objects a parse has open, innermost last: for the duplicate check.
    var openNames: [OpenName] = []
    /// The buffer the value was read from, which its nodes point into: its address and size.
    var source = (address: 0, count: 0)

    /// A member name of an open object, with what tells most names apart without reading them.
    struct OpenName {
        var node: Int
        /// For an ASCII name with no escape, its length, first and last byte; -1 for a decoded one.
        var signature: Int

        @inline(__always)
        init(node: Int, _ n: TapeNode, in bytes: UnsafeBufferPointer<UInt8>) {
            self.node = node
            if n.kind == .string {
                let count = n.b - n.a
                signature = count == 0 ? 0 : count << 16 | Int(bytes[n.a]) << 8 | Int(bytes[n.b - 1])
            } else {
                signature = -1
            }
        }

        /// False when the two names cannot be equal; true when they must be compared.
        @inline(__always)
        func mayEqual(_ other: OpenName) -> Bool {
            signature == other.signature || signature < 0 || other.signature < 0
        }
    }

    public init() {}

    mutating func removeAll() {
        nodes.removeAll(keepingCapacity: true)
        strings.removeAll(keepingCapacity: true)
        openNames.removeAll(keepingCapacity: true)
    }

    /// Calls `body` with the value read last. The nodes point into `bytes` (the buffer the cursor
    /// read) and into this tape, so neither may escape `body`.
    public func withRoot<R>(in bytes: UnsafeBufferPointer<UInt8>, _ body: (JSONNode) throws -> R) rethrows -> R {
        precondition(!nodes.isEmpty, "no value was read into the tape")
        precondition(source == (Int(bitPattern: bytes.baseAddress), bytes.count),
                     "the nodes point into the buffer the value was read from, not another")
        return try nodes.withUnsafeBufferPointer { n in
            try strings.withUnsafeBufferPointer { s in
                try body(JSONNode(nodes: n.baseAddress!, strings: s.baseAddress, bytes: bytes.baseAddress!, index: 0))
            }
        }
    }

    /// The text of a string node, decoded.
    func text(of node: Int, in bytes: UnsafeBufferPointer<UInt8>) -> String {
        let n = nodes[node]
        if n.kind == .string { return String(decoding: UnsafeBufferPointer(rebasing: bytes[n.a..<n.b]), as: UTF8.self) }
        return strings[n.a]
    }

    /// Whether two string nodes hold equal Strings (Swift's equality, as the tree's duplicate
    /// check compares them): two ASCII runs are equal exactly when their bytes are.
    func sameText(_ i: Int, _ j: Int, in bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        let x = nodes[i], y = nodes[j]
        if x.kind == .string && y.kind == .string {
            guard x.b - x.a == y.b - y.a else { return false }
            for k in 0..<(x.b - x.a) where bytes[x.a + k] != bytes[y.a + k] { return false }
            return true
        }
        return text(of: i, in: bytes) == text(of: j, in: bytes)
    }
}

/// One node of a ``JSONTape``.
@usableFromInline
struct TapeNode: Sendable {
    @usableFromInline
    enum Kind: UInt8, Sendable {
        case object, array
        /// ASCII with no escape: `a..<b` are its bytes.
        case string
        /// Decoded: `a` indexes the tape's strings.
        case decodedString
        /// `a..<b` are its bytes.
        case number
        case `true`, `false`, null
    }

    @usableFromInline var kind: Kind
    /// Object: member count; array: element count; string, number: first byte; decoded string: index.
    @usableFromInline var a: Int
    /// Object, array: the index after its last descendant; string, number: the byte after the last.
    @usableFromInline var b: Int

    @usableFromInline
    init(_ kind: Kind, _ a: Int = 0, _ b: Int = 0) {
        self.kind = kind
        self.a = a
        self.b = b
    }
}

extension JSONCursor {
    /// Reads the value that starts here into `tape`: a syntax error throws with the offset where
    /// reading stopped, and the first member name that repeats one of its object's (as Swift
    /// Strings compare) is left in ``firstDuplicateKey``.
    public mutating func parse(into tape: inout JSONTape) throws(JSONSyntaxError) {
        tape.removeAll()
        tape.source = (Int(bitPattern: bytes.baseAddress), bytes.count)
        try tapeValue(&tape)
    }

    private mutating func tapeValue(_ tape: inout JSONTape) throws(JSONSyntaxError) {
        guard let b = peek() else { throw JSONSyntaxError(.unexpectedEnd, at: offset) }
        switch b {
        case UInt8(ascii: "{"):
            offset += 1
            try push()
            let node = tape.nodes.count
            tape.nodes.append(TapeNode(.object))
            let start = tape.openNames.count
            var seen: Set<String>? = nil
            var first = true
            var count = 0
            while true {
                guard let c = peek() else { throw JSONSyntaxError(.unexpectedEnd, at: offset) }
                if c == UInt8(ascii: "}") {
                    offset += 1
                    break
                }
                if !first {
                    guard c == UInt8(ascii: ",") else {
                        throw JSONSyntaxError(.unexpectedByte(c, expected: "',' or '}'"), at: offset)
                    }
                    offset += 1
                    guard peek() == UInt8(ascii: "\"") else {
                        if let d = peek() { throw JSONSyntaxError(.unexpectedByte(d, expected: "a member name"), at: offset) }
                        throw JSONSyntaxError(.unexpectedEnd, at: offset)
                    }
                } else if c != UInt8(ascii: "\"") {
                    throw JSONSyntaxError(.unexpectedByte(c, expected: "a member name or '}'"), at: offset)
                }
                first = false
                let keyOffset = offset
                let key = tape.nodes.count
                let name = JSONTape.OpenName(node: key, try tapeString(&tape), in: bytes)
                try expect(UInt8(ascii: ":"), "':'")
                if firstDuplicateKey == nil {
                    // Linear for the small objects FHIR is made of; a set once an object is large,
                    // so a hostile object of 100k members stays linear.
                    if tape.openNames.count - start < 16 {
                        for i in start..<tape.openNames.count {
                            let earlier = tape.openNames[i]
                            if earlier.mayEqual(name), tape.sameText(earlier.node, key, in: bytes) {
                                firstDuplicateKey = keyOffset
                                break
                            }
                        }
                    } else {
                        if seen == nil { seen = Set(tape.openNames[start...].map { tape.text(of: $0.node, in: bytes) }) }
                        if !seen!.insert(tape.text(of: key, in: bytes)).inserted { firstDuplicateKey = keyOffset }
                    }
                }
                tape.openNames.append(name)
                try tapeValue(&tape)
                count += 1
            }
            depth -= 1
            tape.openNames.removeSubrange(start...)
            tape.nodes[node].a = count
            tape.nodes[node].b = tape.nodes.count
        case UInt8(ascii: "["):
            offset += 1
            try push()
            let node = tape.nodes.count
            tape.nodes.append(TapeNode(.array))
            var first = true
            var count = 0
            while true {
                guard let c = peek() else { throw JSONSyntaxError(.unexpectedEnd, at: offset) }
                if c == UInt8(ascii: "]") {
                    offset += 1
                    break
                }
                if !first {
                    guard c == UInt8(ascii: ",") else {
                        throw JSONSyntaxError(.unexpectedByte(c, expected: "',' or ']'"), at: offset)
                    }
                    offset += 1
                }
                first = false
                try tapeValue(&tape)
                count += 1
            }
            depth -= 1
            tape.nodes[node].a = count
            tape.nodes[node].b = tape.nodes.count
        case UInt8(ascii: "\""):
            try tapeString(&tape)
        case UInt8(ascii: "t"):
            try literal("true")
            tape.nodes.append(TapeNode(.true))
        case UInt8(ascii: "f"):
            try literal("false")
            tape.nodes.append(TapeNode(.false))
        case UInt8(ascii: "n"):
            try literal("null")
            tape.nodes.append(TapeNode(.null))
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            let start = offset
            let end = try scanNumberEnd()
            tape.nodes.append(TapeNode(.number, start, end))
        default:
            throw JSONSyntaxError(.unexpectedByte(b, expected: "a JSON value"), at: offset)
        }
    }

    /// Appends the string that starts here, and returns its node.
    @inline(__always) @discardableResult
    private mutating func tapeString(_ tape: inout JSONTape) throws(JSONSyntaxError) -> TapeNode {
        let node: TapeNode
        switch try scanStringToken() {
        case .plain(let range): node = TapeNode(.string, range.lowerBound, range.upperBound)
        case .decoded(let s):
            node = TapeNode(.decodedString, tape.strings.count)
            tape.strings.append(s)
        }
        tape.nodes.append(node)
        return node
    }
}
