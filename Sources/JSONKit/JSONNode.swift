/// A value inside a ``JSONTape``, asked for what it is the way a ``JSONValue`` is.
///
/// It points into the tape and into the bytes the tape was read from, so it lives only inside
/// ``JSONTape/withRoot(in:_:)``: nothing made from it may keep it (take Strings and values out). Member names are matched by their bytes: the names asked for
/// must be ASCII (every FHIR element name is), for which that is Swift's String equality.
public struct JSONNode {
    @usableFromInline let nodes: UnsafePointer<TapeNode>
    @usableFromInline let strings: UnsafePointer<String>?
    @usableFromInline let bytes: UnsafePointer<UInt8>
    @usableFromInline let index: Int

    @usableFromInline
    init(nodes: UnsafePointer<TapeNode>, strings: UnsafePointer<String>?, bytes: UnsafePointer<UInt8>, index: Int) {
        self.nodes = nodes
        self.strings = strings
        self.bytes = bytes
        self.index = index
    }

    @inlinable var node: TapeNode { nodes[index] }

    @inlinable func at(_ i: Int) -> JSONNode { JSONNode(nodes: nodes, strings: strings, bytes: bytes, index: i) }

    /// The index just past this value and everything in it.
    @inlinable var end: Int {
        let n = node
        return n.kind == .object || n.kind == .array ? n.b : index + 1
    }

    @inlinable public var isNull: Bool { node.kind == .null }

    @inlinable public var isArray: Bool { node.kind == .array }

    @inlinable public var stringValue: String? {
        let n = node
        switch n.kind {
        case .string: return String(decoding: UnsafeBufferPointer(start: bytes + n.a, count: n.b - n.a), as: UTF8.self)
        case .decodedString: return strings![n.a]
        default: return nil
        }
    }

    /// A string's bytes when it is ASCII with no escape, so that they are its UTF-8; they point
    /// into the input, like the node.
    @inlinable public var plainBytes: UnsafeBufferPointer<UInt8>? {
        let n = node
        guard n.kind == .string else { return nil }
        return UnsafeBufferPointer(start: bytes + n.a, count: n.b - n.a)
    }

    /// The first byte of a string's UTF-8, without making the String.
    @inlinable public var firstStringByte: UInt8? {
        let n = node
        switch n.kind {
        case .string: return n.b > n.a ? bytes[n.a] : nil
        case .decodedString: return strings![n.a].utf8.first
        default: return nil
        }
    }

    @inlinable public var boolValue: Bool? {
        switch node.kind {
        case .true: true
        case .false: false
        default: nil
        }
    }

    @inlinable public var numberValue: JSONNumber? {
        let n = node
        guard n.kind == .number else { return nil }
        return JSONNumber(text: String(decoding: UnsafeBufferPointer(start: bytes + n.a, count: n.b - n.a), as: UTF8.self))
    }

    /// This node when it is an object.
    @inlinable public var objectValue: JSONNode? { node.kind == .object ? self : nil }

    /// The member named `name` (ASCII) when this is an object, else nil; the first, if it repeats.
    @inlinable
    public subscript(name: String) -> JSONNode? {
        let n = node
        guard n.kind == .object else { return nil }
        assert(name.utf8.allSatisfy { $0 < 0x80 }, "member names are matched by bytes: ASCII only")
        if let found = name.utf8.withContiguousStorageIfAvailable({ member($0, name, count: n.a) }) { return found }
        return Array(name.utf8).withUnsafeBufferPointer { member($0, name, count: n.a) }
    }

    /// The first of this object's `count` members named `name`, whose UTF-8 is `utf8`.
    @inlinable
    func member(_ utf8: UnsafeBufferPointer<UInt8>, _ name: String, count: Int) -> JSONNode? {
        var key = index + 1
        for _ in 0..<count {
            let k = nodes[key]
            if k.kind == .string {
                // Most names differ in length: their bytes are not looked at.
                if k.b - k.a == utf8.count {
                    var same = true
                    for i in 0..<utf8.count where utf8[i] != bytes[k.a + i] {
                        same = false
                        break
                    }
                    if same { return at(key + 1) }
                }
            } else if strings![k.a] == name {
                return at(key + 1)
            }
            let v = nodes[key + 1]
            key = v.kind == .object || v.kind == .array ? v.b : key + 2
        }
        return nil
    }

    /// A short name of the JSON type, for error messages (as ``JSONValue/typeName``).
    public var typeName: String {
        switch node.kind {
        case .null: "null"
        case .true, .false: "boolean"
        case .number: "number"
        case .string, .decodedString: "string"
        case .array: "array"
        case .object: "object"
        }
    }

    /// An object's members in order; none for anything else.
    @inlinable public var members: Members {
        let n = node
        return Members(first: at(index + 1), count: n.kind == .object ? n.a : 0)
    }

    /// An array's elements in order; none for anything else.
    @inlinable public var elements: Elements {
        let n = node
        return Elements(first: at(index + 1), count: n.kind == .array ? n.a : 0)
    }

    /// This value alone, as a sequence of one.
    @inlinable public var single: Elements { Elements(first: self, count: 1) }

    /// The same value as a tree (what ``JSONCursor/parseValue()`` returns). Each container's
    /// array is made at its size.
    public var tree: JSONValue {
        let n = node
        switch n.kind {
        case .null: return .null
        case .true: return .bool(true)
        case .false: return .bool(false)
        case .number: return .number(numberValue!)
        case .string, .decodedString: return .string(stringValue!)
        case .array:
            var values: [JSONValue] = []
            values.reserveCapacity(n.a)
            for e in elements { values.append(e.tree) }
            return .array(values)
        case .object:
            var list: [JSONObject.Member] = []
            list.reserveCapacity(n.a)
            for m in members { list.append(JSONObject.Member(key: m.name.stringValue!, value: m.value.tree)) }
            return .object(JSONObject(members: list))
        }
    }

    public struct Member {
        /// The name, a string node.
        public let name: JSONNode
        public let value: JSONNode

        @usableFromInline init(name: JSONNode, value: JSONNode) {
            self.name = name
            self.value = value
        }
    }

    public struct Members: Sequence, IteratorProtocol {
        @usableFromInline var upcoming: JSONNode
        @usableFromInline var count: Int

        @inlinable init(first: JSONNode, count: Int) {
            self.upcoming = first
            self.count = count
        }

        @inlinable
        public mutating func next() -> Member? {
            guard count > 0 else { return nil }
            count -= 1
            let value = upcoming.at(upcoming.index + 1)
            let member = Member(name: upcoming, value: value)
            upcoming = upcoming.at(value.end)
            return member
        }
    }

    public struct Elements: Sequence, IteratorProtocol {
        @usableFromInline var upcoming: JSONNode?
        @usableFromInline var count: Int

        @inlinable init(first: JSONNode, count: Int) {
            self.upcoming = first
            self.count = count
        }

        /// No values.
        @inlinable public init() {
            self.upcoming = nil
            self.count = 0
        }

        @inlinable
        public mutating func next() -> JSONNode? {
            guard count > 0, let element = upcoming else { return nil }
            count -= 1
            upcoming = element.at(element.end)
            return element
        }
    }
}
