/// The binary form staged values take in the run's scratch database (``StagingStore``): the model
/// values' own Codable, written compactly instead of as JSON text. Read back by ``StagingDecoder``.
///
/// A blob is the format version byte, then one value. A value is a tag byte, then its payload:
///
/// | tag | value    | payload                                                                  |
/// |-----|----------|--------------------------------------------------------------------------|
/// | 0   | nil      | —                                                                        |
/// | 1   | false    | —                                                                        |
/// | 2   | true     | —                                                                        |
/// | 3   | signed   | zigzag LEB128 (Int8 … Int128)                                            |
/// | 4   | unsigned | LEB128 (UInt8 … UInt128)                                                 |
/// | 5   | Double   | 8 bytes: the IEEE 754 bit pattern, little-endian (NaN payload and -0 kept) |
/// | 6   | Float    | 4 bytes, likewise                                                        |
/// | 7   | string   | LEB128 byte count, UTF-8                                                 |
/// | 8   | keyed    | LEB128 byte count, entries: LEB128 key byte count, key UTF-8, value      |
/// | 9   | unkeyed  | LEB128 byte count, values                                                |
///
/// Every value's extent is known from its first bytes, so a reader skips one without parsing it.
/// Keyed entries are in the order they were encoded (synthesized Codable decodes in that order,
/// which the decoder exploits); a key encoded with `encodeIfPresent` and nil is left out, as
/// JSONEncoder does. The same value always gives the same bytes: the contents of a `Dictionary`
/// or `Set` — whose order is the hash table's — are sorted by their encoded bytes.
enum StagingFormat {
    static let version: UInt8 = 1

    static let null: UInt8 = 0
    static let falseValue: UInt8 = 1
    static let trueValue: UInt8 = 2
    static let signed: UInt8 = 3
    static let unsigned: UInt8 = 4
    static let double: UInt8 = 5
    static let float: UInt8 = 6
    static let string: UInt8 = 7
    static let keyed: UInt8 = 8
    static let unkeyed: UInt8 = 9

    /// The longest LEB128 a value may have (a UInt128).
    static let maxVarintBytes = 19

    static func name(ofTag tag: UInt8) -> String {
        switch tag {
        case null: "nil"
        case falseValue, trueValue: "a Bool"
        case signed: "a signed integer"
        case unsigned: "an unsigned integer"
        case double: "a Double"
        case float: "a Float"
        case string: "a string"
        case keyed: "a keyed container"
        case unkeyed: "an unkeyed container"
        default: "tag \(tag)"
        }
    }

    /// The end of the value starting at `p`, which must lie before `end`; throws when the value
    /// does not fit or its tag is unknown. Reads only the value's first bytes.
    static func skip(_ base: UnsafePointer<UInt8>, _ p: Int, _ end: Int) throws -> Int {
        guard p < end else { throw corrupted("Expected a value, found the end of its container") }
        var q = p + 1
        switch base[p] {
        case null, falseValue, trueValue:
            return q
        case signed, unsigned:
            let limit = min(end, q + maxVarintBytes)
            while q < limit {
                let b = base[q]
                q += 1
                if b < 0x80 { return q }
            }
            throw corrupted("Truncated or overlong integer")
        case double:
            guard end - q >= 8 else { throw corrupted("Truncated Double") }
            return q + 8
        case float:
            guard end - q >= 4 else { throw corrupted("Truncated Float") }
            return q + 4
        case string, keyed, unkeyed:
            let n = try length(base, &q, end)
            return q + n
        case let tag:
            throw corrupted("Unknown value tag \(tag)")
        }
    }

    /// A LEB128 byte count at `p`, checked to fit between the count and `end`.
    @inline(__always)
    static func length(_ base: UnsafePointer<UInt8>, _ p: inout Int, _ end: Int) throws -> Int {
        if p < end, base[p] < 0x80 {
            let n = Int(base[p])
            p += 1
            guard n <= end - p else { throw corrupted("A length runs past the end of its container") }
            return n
        }
        let v = try varint(base, &p, end)
        guard v <= UInt64(end - p) else { throw corrupted("A length runs past the end of its container") }
        return Int(v)
    }

    /// A LEB128 that fits in 64 bits.
    static func varint(_ base: UnsafePointer<UInt8>, _ p: inout Int, _ end: Int) throws -> UInt64 {
        var v: UInt64 = 0
        var shift: UInt64 = 0
        while p < end {
            let b = base[p]
            p += 1
            if shift == 63 && b > 1 { break }
            v |= UInt64(b & 0x7F) << shift
            if b < 0x80 { return v }
            shift += 7
            if shift > 63 { break }
        }
        throw corrupted("Truncated integer, or one that does not fit in 64 bits")
    }

    static func corrupted(_ message: String) -> DecodingError {
        DecodingError.dataCorrupted(DecodingError.Context(codingPath: [], debugDescription: message))
    }

    /// The end of the keyed entry at `p`: its key's bytes and where its value starts.
    @inline(__always)
    static func entry(_ base: UnsafePointer<UInt8>, _ p: Int, _ end: Int)
        throws -> (keyStart: Int, keyCount: Int, value: Int, end: Int)
    {
        var q = p
        let n = try length(base, &q, end)
        let value = q + n
        return (q, n, value, try skip(base, value, end))
    }
}

/// Encodes a Codable value in the staging format (``StagingFormat``). Stateless; every call
/// builds its bytes in one buffer that all containers write into.
struct StagingEncoder {
    func encode<T: Encodable>(_ value: T) throws -> [UInt8] {
        let state = State()
        state.w.pointee.bytes.append(StagingFormat.version)
        try state.encodeValue(value)
        if let failure = state.w.pointee.failure { throw failure }
        return state.w.pointee.bytes
    }

    /// Marks the collections whose Codable writes an unkeyed container in hash-table order, to be
    /// sorted. (A Dictionary with String or Int keys writes a keyed container: recognized by its
    /// coding key type, ``StagingEncoder/State/dictionaryKeyType``, without a conformance check.)
    protocol Unordered {
        /// An unkeyed encoding holds key, value, key, value … (a Dictionary whose keys are neither
        /// String nor Int): sorted by pairs.
        static var stagingPairs: Bool { get }
    }

    /// The one buffer, and the containers open in it.
    ///
    /// Codable never tells a container it is finished, so containers are closed by what follows:
    /// when a value's `encode(to:)` returns, every container it opened is closed, and a container
    /// writing an entry first closes the containers opened after it (its nested ones, finished).
    /// Closing one writes its byte count in the two bytes reserved after its tag (moving its
    /// contents when the count takes one byte, or more than two). A container written to after it
    /// was closed throws, and so does the whole encoding.
    ///
    /// Reached through a pointer, never as class properties, so that writes pay no dynamic
    /// exclusivity checks.
    struct Writer {
        struct Open {
            var offset: Int
            var id: Int
        }

        /// What fills the value being encoded: nothing yet (0), a single value (-1), or the container
        /// with this id.
        struct Slot {
            var filler: Int
            var keyed: Bool
            var generation: Int
            /// Its keyed container is a Dictionary's: sorted when closed.
            var sorted: Bool
        }

        var bytes: [UInt8] = []
        var open: [Open] = []
        var nextID = 1
        var slot = Slot(filler: 0, keyed: false, generation: 0, sorted: false)
        var nextGeneration = 1
        /// Set by misuse that cannot throw where it happens (a second container for one value), or
        /// that user code could catch and go on from; the encoding then throws it.
        var failure: EncodingError?

        init() {
            bytes.reserveCapacity(512)
            open.reserveCapacity(16)
        }

        // MARK: Leaves

        @inline(__always)
        mutating func writeString(_ s: String) {
            bytes.append(StagingFormat.string)
            writeKey(s)
        }

        @inline(__always)
        mutating func writeKey(_ s: String) {
            let utf8 = s.utf8
            writeVarint(UInt64(utf8.count))
            bytes.append(contentsOf: utf8)
        }

        @inline(__always)
        mutating func writeBool(_ b: Bool) {
            bytes.append(b ? StagingFormat.trueValue : StagingFormat.falseValue)
        }

        @inline(__always)
        mutating func writeNil() {
            bytes.append(StagingFormat.null)
        }

        @inline(__always)
        mutating func writeSigned(_ v: Int64) {
            let zigzag = UInt64(bitPattern: (v << 1) ^ (v >> 63))
            if zigzag < 0x80 {
                bytes.append(StagingFormat.signed)
                bytes.append(UInt8(truncatingIfNeeded: zigzag))
            } else {
                bytes.append(StagingFormat.signed)
                writeLongVarint(zigzag)
            }
        }

        @inline(__always)
        mutating func writeUnsigned(_ v: UInt64) {
            bytes.append(StagingFormat.unsigned)
            writeVarint(v)
        }

        mutating func writeSigned128(_ v: Int128) {
            bytes.append(StagingFormat.signed)
            writeVarint128(UInt128(bitPattern: (v << 1) ^ (v >> 127)))
        }

        mutating func writeUnsigned128(_ v: UInt128) {
            bytes.append(StagingFormat.unsigned)
            writeVarint128(v)
        }

        @inline(__always)
        mutating func writeDouble(_ d: Double) {
            bytes.append(StagingFormat.double)
            let b = d.bitPattern
            for k in 0..<8 { bytes.append(UInt8(truncatingIfNeeded: b >> (8 * k))) }
        }

        @inline(__always)
        mutating func writeFloat(_ f: Float) {
            bytes.append(StagingFormat.float)
            let b = f.bitPattern
            for k in 0..<4 { bytes.append(UInt8(truncatingIfNeeded: b >> (8 * k))) }
        }

        @inline(__always)
        mutating func writeVarint(_ v: UInt64) {
            if v < 0x80 {
                bytes.append(UInt8(truncatingIfNeeded: v))
            } else {
                writeLongVarint(v)
            }
        }

        mutating func writeLongVarint(_ v: UInt64) {
            var v = v
            while v >= 0x80 {
                bytes.append(UInt8(truncatingIfNeeded: v) | 0x80)
                v >>= 7
            }
            bytes.append(UInt8(truncatingIfNeeded: v))
        }

        mutating func writeVarint128(_ v: UInt128) {
            var v = v
            while v >= 0x80 {
                bytes.append(UInt8(truncatingIfNeeded: v) | 0x80)
                v >>= 7
            }
            bytes.append(UInt8(truncatingIfNeeded: v))
        }

        // MARK: Containers

        /// Writes a container's tag and two placeholder count bytes; returns its id.
        mutating func openContainer(_ tag: UInt8) -> Int {
            let id = nextID
            nextID &+= 1
            open.append(Open(offset: bytes.count, id: id))
            bytes.append(tag)
            bytes.append(0)
            bytes.append(0)
            return id
        }

        /// Makes the container `id` the innermost open one, closing those opened after it; throws
        /// when it is closed already.
        @inline(__always)
        mutating func enter(_ id: Int) throws {
            if let last = open.last, last.id == id { return }
            try enterNested(id)
        }

        mutating func enterNested(_ id: Int) throws {
            guard let i = open.lastIndex(where: { $0.id == id }) else {
                throw refuse(id == 0
                    ? "A container was written to that was refused when asked for (see the first error)"
                    : "A container was written to after it was closed (its parent had moved on to another entry)")
            }
            while open.count > i + 1 { closeInnermost() }
        }

        /// Writes the innermost open container's byte count and closes it.
        mutating func closeInnermost() {
            let header = open.removeLast().offset
            let contents = header + 3
            let count = bytes.count - contents
            if count < 0x80 {
                bytes.withUnsafeMutableBytes { b in
                    let base = b.baseAddress!
                    (base + header + 2).copyMemory(from: base + contents, byteCount: count)
                    b[header + 1] = UInt8(truncatingIfNeeded: count)
                }
                bytes.removeLast()
            } else if count < 0x4000 {
                bytes[header + 1] = UInt8(truncatingIfNeeded: count) | 0x80
                bytes[header + 2] = UInt8(truncatingIfNeeded: count >> 7)
            } else {
                var width = 3
                while count >> (7 * width) != 0 { width += 1 }
                let extra = width - 2
                bytes.append(contentsOf: repeatElement(0, count: extra))
                bytes.withUnsafeMutableBytes { b in
                    let base = b.baseAddress!
                    (base + contents + extra).copyMemory(from: base + contents, byteCount: count)
                    var v = UInt64(count)
                    var i = header + 1
                    while v >= 0x80 {
                        b[i] = UInt8(truncatingIfNeeded: v) | 0x80
                        v >>= 7
                        i += 1
                    }
                    b[i] = UInt8(truncatingIfNeeded: v)
                }
            }
        }

        /// Sorts the entries (or elements, or key-value pairs) of the closed container at `start`
        /// by their bytes, so that equal dictionaries and sets encode alike.
        mutating func sortContents(at start: Int, pairs: Bool) throws {
            try bytes.withUnsafeMutableBufferPointer { b in
                let base = UnsafePointer(b.baseAddress!)
                let end = b.count
                let tag = base[start]
                guard tag == StagingFormat.keyed || tag == StagingFormat.unkeyed else { return }
                var p = start + 1
                let n = try StagingFormat.length(base, &p, end)
                let contents = p
                let contentsEnd = p + n
                var items: [Range<Int>] = []
                var q = contents
                while q < contentsEnd {
                    var e: Int
                    if tag == StagingFormat.keyed {
                        e = try StagingFormat.entry(base, q, contentsEnd).end
                    } else {
                        e = try StagingFormat.skip(base, q, contentsEnd)
                        if pairs {
                            guard e < contentsEnd else { return }  // an odd count: not a dictionary's
                            e = try StagingFormat.skip(base, e, contentsEnd)
                        }
                    }
                    items.append(q..<e)
                    q = e
                }
                guard items.count > 1 else { return }
                items.sort { x, y in
                    let common = min(x.count, y.count)
                    for k in 0..<common where base[x.lowerBound + k] != base[y.lowerBound + k] {
                        return base[x.lowerBound + k] < base[y.lowerBound + k]
                    }
                    return x.count < y.count
                }
                var sorted: [UInt8] = []
                sorted.reserveCapacity(n)
                for r in items { sorted.append(contentsOf: UnsafeBufferPointer(start: base + r.lowerBound, count: r.count)) }
                sorted.withUnsafeBytes { s in
                    UnsafeMutableRawPointer(b.baseAddress! + contents).copyMemory(from: s.baseAddress!, byteCount: n)
                }
            }
        }

        /// Records misuse that cannot throw where it happens.
        mutating func fail(_ message: String) {
            if failure == nil { failure = Self.invalid(message) }
        }

        /// Records misuse, and returns the error to throw.
        mutating func refuse(_ message: String) -> EncodingError {
            let error = Self.invalid(message)
            if failure == nil { failure = error }
            return error
        }

        static func invalid(_ message: String) -> EncodingError {
            EncodingError.invalidValue((), EncodingError.Context(codingPath: [], debugDescription: message))
        }
    }

    /// The Encoder every value is given (one per encoding): owns the ``StagingEncoder/Writer``.
    final class State: Encoder {
        let w: UnsafeMutablePointer<Writer>

        init() {
            w = UnsafeMutablePointer<Writer>.allocate(capacity: 1)
            w.initialize(to: Writer())
        }

        deinit {
            w.deinitialize(count: 1)
            w.deallocate()
        }

        var codingPath: [any CodingKey] { [] }
        var userInfo: [CodingUserInfoKey: Any] { [:] }

        /// The coding key type Dictionary's Codable uses (`_DictionaryCodingKey`, not public):
        /// a keyed container of it is a dictionary's, sorted when closed.
        static let dictionaryKeyType: ObjectIdentifier? = {
            let probe = KeyTypeProbe()
            try? ["": 0].encode(to: probe)
            return probe.keyType
        }()

        func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
            let slot = w.pointee.slot
            if slot.filler == 0 {
                let id = w.pointee.openContainer(StagingFormat.keyed)
                w.pointee.slot.filler = id
                w.pointee.slot.keyed = true
                if ObjectIdentifier(Key.self) == Self.dictionaryKeyType { w.pointee.slot.sorted = true }
                return KeyedEncodingContainer(KeyedContainer(state: self, id: id))
            }
            if slot.filler > 0 && slot.keyed {
                return KeyedEncodingContainer(KeyedContainer(state: self, id: slot.filler))
            }
            w.pointee.fail("A keyed container was asked for a value that already holds another")
            return KeyedEncodingContainer(KeyedContainer(state: self, id: 0))
        }

        func unkeyedContainer() -> any UnkeyedEncodingContainer {
            let slot = w.pointee.slot
            if slot.filler == 0 {
                let id = w.pointee.openContainer(StagingFormat.unkeyed)
                w.pointee.slot.filler = id
                w.pointee.slot.keyed = false
                return UnkeyedContainer(state: self, id: id)
            }
            if slot.filler > 0 && !slot.keyed { return UnkeyedContainer(state: self, id: slot.filler) }
            w.pointee.fail("An unkeyed container was asked for a value that already holds another")
            return UnkeyedContainer(state: self, id: 0)
        }

        func singleValueContainer() -> any SingleValueEncodingContainer {
            SingleValueContainer(state: self, generation: w.pointee.slot.generation, owner: nil)
        }

        /// Writes one whole value at the end of the buffer (its key, if any, already written).
        func encodeValue<T: Encodable>(_ value: T) throws {
            // The common leaves, without a trip through a single-value container.
            if T.self == String.self { return w.pointee.writeString(value as! String) }
            if T.self == Int.self { return w.pointee.writeSigned(Int64(value as! Int)) }
            if T.self == Int64.self { return w.pointee.writeSigned(value as! Int64) }
            if T.self == Bool.self { return w.pointee.writeBool(value as! Bool) }
            if T.self == Double.self { return w.pointee.writeDouble(value as! Double) }
            if T.self == UInt8.self { return w.pointee.writeUnsigned(UInt64(value as! UInt8)) }

            let saved = w.pointee.slot
            let level = w.pointee.open.count
            let start = w.pointee.bytes.count
            w.pointee.slot = Writer.Slot(filler: 0, keyed: false, generation: w.pointee.nextGeneration, sorted: false)
            w.pointee.nextGeneration &+= 1
            do {
                try value.encode(to: self)
            } catch {
                w.pointee.slot = saved
                if w.pointee.failure == nil { w.pointee.failure = error as? EncodingError ?? Writer.invalid("\(error)") }
                throw error
            }
            if w.pointee.open.count < level {
                w.pointee.fail("A value wrote into a container that encloses it")
            }
            while w.pointee.open.count > level { w.pointee.closeInnermost() }
            let filled = w.pointee.slot
            w.pointee.slot = saved
            if filled.filler == 0 {
                // Like JSONEncoder: a value that encodes nothing is an empty keyed container.
                w.pointee.bytes.append(StagingFormat.keyed)
                w.pointee.bytes.append(0)
            } else if filled.sorted {
                try w.pointee.sortContents(at: start, pairs: false)
            } else if filled.filler > 0 && !filled.keyed, T.self is any Unordered.Type {
                try w.pointee.sortContents(at: start, pairs: (T.self as! any Unordered.Type).stagingPairs)
            }
        }
    }

    /// Finds the coding key type Dictionary's Codable uses.
    final class KeyTypeProbe: Encoder {
        var keyType: ObjectIdentifier?
        var codingPath: [any CodingKey] { [] }
        var userInfo: [CodingUserInfoKey: Any] { [:] }

        /// Containers that refuse every write: the probe only needs to be asked for one.
        func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
            keyType = ObjectIdentifier(Key.self)
            return KeyedEncodingContainer(KeyedContainer(state: State(), id: 0))
        }

        func unkeyedContainer() -> any UnkeyedEncodingContainer { UnkeyedContainer(state: State(), id: 0) }

        func singleValueContainer() -> any SingleValueEncodingContainer {
            SingleValueContainer(state: State(), generation: -1, owner: nil)
        }
    }

    /// An encoder for `super` (or any value given its own Encoder): writes its key and value into
    /// its parent container when first used.
    final class SuperEncoder: Encoder {
        let state: State
        let parent: Int
        let key: String?
        var filler = 0
        var keyed = false

        init(state: State, parent: Int, key: String?) {
            self.state = state
            self.parent = parent
            self.key = key
        }

        var codingPath: [any CodingKey] { [] }
        var userInfo: [CodingUserInfoKey: Any] { [:] }

        /// Positions the buffer for this encoder's value: its parent's next entry.
        func begin() throws {
            guard filler == 0 else {
                throw state.w.pointee.refuse("A super encoder was given a second value")
            }
            try state.w.pointee.enter(parent)
            if let key { state.w.pointee.writeKey(key) }
        }

        func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
            if filler > 0 && keyed { return KeyedEncodingContainer(KeyedContainer(state: state, id: filler)) }
            do {
                try begin()
                filler = state.w.pointee.openContainer(StagingFormat.keyed)
                keyed = true
                return KeyedEncodingContainer(KeyedContainer(state: state, id: filler))
            } catch {
                state.w.pointee.fail("A keyed container was asked for a super encoder that already holds a value")
                return KeyedEncodingContainer(KeyedContainer(state: state, id: 0))
            }
        }

        func unkeyedContainer() -> any UnkeyedEncodingContainer {
            if filler > 0 && !keyed { return UnkeyedContainer(state: state, id: filler) }
            do {
                try begin()
                filler = state.w.pointee.openContainer(StagingFormat.unkeyed)
                keyed = false
                return UnkeyedContainer(state: state, id: filler)
            } catch {
                state.w.pointee.fail("An unkeyed container was asked for a super encoder that already holds a value")
                return UnkeyedContainer(state: state, id: 0)
            }
        }

        func singleValueContainer() -> any SingleValueEncodingContainer {
            SingleValueContainer(state: state, generation: 0, owner: self)
        }

        func beginSingle() throws {
            try begin()
            filler = -1
        }
    }

    struct KeyedContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
        let state: State
        let id: Int

        var codingPath: [any CodingKey] { [] }

        @inline(__always)
        private func entry(_ key: Key) throws {
            try state.w.pointee.enter(id)
            state.w.pointee.writeKey(key.stringValue)
        }

        mutating func encodeNil(forKey key: Key) throws {
            try entry(key)
            state.w.pointee.writeNil()
        }

        mutating func encode(_ value: Bool, forKey key: Key) throws {
            try entry(key)
            state.w.pointee.writeBool(value)
        }

        mutating func encode(_ value: String, forKey key: Key) throws {
            try entry(key)
            state.w.pointee.writeString(value)
        }

        mutating func encode(_ value: Double, forKey key: Key) throws {
            try entry(key)
            state.w.pointee.writeDouble(value)
        }

        mutating func encode(_ value: Float, forKey key: Key) throws {
            try entry(key)
            state.w.pointee.writeFloat(value)
        }

        mutating func encode(_ value: Int, forKey key: Key) throws {
            try entry(key)
            state.w.pointee.writeSigned(Int64(value))
        }

        mutating func encode(_ value: Int8, forKey key: Key) throws {
            try entry(key)
            state.w.pointee.writeSigned(Int64(value))
        }

        mutating func encode(_ value: Int16, forKey key: Key) throws {
            try entry(key)
            state.w.pointee.writeSigned(Int64(value))
        }

        mutating func encode(_ value: Int32, forKey key: Key) throws {
            try entry(key)
            state.w.pointee.writeSigned(Int64(value))
        }

        mutating func encode(_ value: Int64, forKey key: Key) throws {
            try entry(key)
            state.w.pointee.writeSigned(value)
        }

        mutating func encode(_ value: Int128, forKey key: Key) throws {
            try entry(key)
            state.w.pointee.writeSigned128(value)
        }

        mutating func encode(_ value: UInt, forKey key: Key) throws {
            try entry(key)
            state.w.pointee.writeUnsigned(UInt64(value))
        }

        mutating func encode(_ value: UInt8, forKey key: Key) throws {
            try entry(key)
            state.w.pointee.writeUnsigned(UInt64(value))
        }

        mutating func encode(_ value: UInt16, forKey key: Key) throws {
            try entry(key)
            state.w.pointee.writeUnsigned(UInt64(value))
        }

        mutating func encode(_ value: UInt32, forKey key: Key) throws {
            try entry(key)
            state.w.pointee.writeUnsigned(UInt64(value))
        }

        mutating func encode(_ value: UInt64, forKey key: Key) throws {
            try entry(key)
            state.w.pointee.writeUnsigned(value)
        }

        mutating func encode(_ value: UInt128, forKey key: Key) throws {
            try entry(key)
            state.w.pointee.writeUnsigned128(value)
        }

        mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
            try entry(key)
            try state.encodeValue(value)
        }

        mutating func encodeIfPresent(_ value: Bool?, forKey key: Key) throws {
            if let value { try encode(value, forKey: key) }
        }

        mutating func encodeIfPresent(_ value: String?, forKey key: Key) throws {
            if let value { try encode(value, forKey: key) }
        }

        mutating func encodeIfPresent(_ value: Double?, forKey key: Key) throws {
            if let value { try encode(value, forKey: key) }
        }

        mutating func encodeIfPresent(_ value: Float?, forKey key: Key) throws {
            if let value { try encode(value, forKey: key) }
        }

        mutating func encodeIfPresent(_ value: Int?, forKey key: Key) throws {
            if let value { try encode(value, forKey: key) }
        }

        mutating func encodeIfPresent(_ value: Int8?, forKey key: Key) throws {
            if let value { try encode(value, forKey: key) }
        }

        mutating func encodeIfPresent(_ value: Int16?, forKey key: Key) throws {
            if let value { try encode(value, forKey: key) }
        }

        mutating func encodeIfPresent(_ value: Int32?, forKey key: Key) throws {
            if let value { try encode(value, forKey: key) }
        }

        mutating func encodeIfPresent(_ value: Int64?, forKey key: Key) throws {
            if let value { try encode(value, forKey: key) }
        }

        mutating func encodeIfPresent(_ value: Int128?, forKey key: Key) throws {
            if let value { try encode(value, forKey: key) }
        }

        mutating func encodeIfPresent(_ value: UInt?, forKey key: Key) throws {
            if let value { try encode(value, forKey: key) }
        }

        mutating func encodeIfPresent(_ value: UInt8?, forKey key: Key) throws {
            if let value { try encode(value, forKey: key) }
        }

        mutating func encodeIfPresent(_ value: UInt16?, forKey key: Key) throws {
            if let value { try encode(value, forKey: key) }
        }

        mutating func encodeIfPresent(_ value: UInt32?, forKey key: Key) throws {
            if let value { try encode(value, forKey: key) }
        }

        mutating func encodeIfPresent(_ value: UInt64?, forKey key: Key) throws {
            if let value { try encode(value, forKey: key) }
        }

        mutating func encodeIfPresent(_ value: UInt128?, forKey key: Key) throws {
            if let value { try encode(value, forKey: key) }
        }

        mutating func encodeIfPresent<T: Encodable>(_ value: T?, forKey key: Key) throws {
            if let value { try encode(value, forKey: key) }
        }

        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key)
            -> KeyedEncodingContainer<NestedKey>
        {
            do {
                try entry(key)
            } catch {
                return KeyedEncodingContainer(KeyedContainer<NestedKey>(state: state, id: 0))
            }
            return KeyedEncodingContainer(KeyedContainer<NestedKey>(state: state, id: state.w.pointee.openContainer(StagingFormat.keyed)))
        }

        mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
            do {
                try entry(key)
            } catch {
                return UnkeyedContainer(state: state, id: 0)
            }
            return UnkeyedContainer(state: state, id: state.w.pointee.openContainer(StagingFormat.unkeyed))
        }

        mutating func superEncoder() -> any Encoder {
            SuperEncoder(state: state, parent: id, key: "super")
        }

        mutating func superEncoder(forKey key: Key) -> any Encoder {
            SuperEncoder(state: state, parent: id, key: key.stringValue)
        }
    }

    struct UnkeyedContainer: UnkeyedEncodingContainer {
        let state: State
        let id: Int
        private(set) var count = 0

        init(state: State, id: Int) {
            self.state = state
            self.id = id
        }

        var codingPath: [any CodingKey] { [] }

        @inline(__always)
        private mutating func element() throws {
            try state.w.pointee.enter(id)
            count += 1
        }

        mutating func encodeNil() throws {
            try element()
            state.w.pointee.writeNil()
        }

        mutating func encode(_ value: Bool) throws {
            try element()
            state.w.pointee.writeBool(value)
        }

        mutating func encode(_ value: String) throws {
            try element()
            state.w.pointee.writeString(value)
        }

        mutating func encode(_ value: Double) throws {
            try element()
            state.w.pointee.writeDouble(value)
        }

        mutating func encode(_ value: Float) throws {
            try element()
            state.w.pointee.writeFloat(value)
        }

        mutating func encode(_ value: Int) throws {
            try element()
            state.w.pointee.writeSigned(Int64(value))
        }

        mutating func encode(_ value: Int8) throws {
            try element()
            state.w.pointee.writeSigned(Int64(value))
        }

        mutating func encode(_ value: Int16) throws {
            try element()
            state.w.pointee.writeSigned(Int64(value))
        }

        mutating func encode(_ value: Int32) throws {
            try element()
            state.w.pointee.writeSigned(Int64(value))
        }

        mutating func encode(_ value: Int64) throws {
            try element()
            state.w.pointee.writeSigned(value)
        }

        mutating func encode(_ value: Int128) throws {
            try element()
            state.w.pointee.writeSigned128(value)
        }

        mutating func encode(_ value: UInt) throws {
            try element()
            state.w.pointee.writeUnsigned(UInt64(value))
        }

        mutating func encode(_ value: UInt8) throws {
            try element()
            state.w.pointee.writeUnsigned(UInt64(value))
        }

        mutating func encode(_ value: UInt16) throws {
            try element()
            state.w.pointee.writeUnsigned(UInt64(value))
        }

        mutating func encode(_ value: UInt32) throws {
            try element()
            state.w.pointee.writeUnsigned(UInt64(value))
        }

        mutating func encode(_ value: UInt64) throws {
            try element()
            state.w.pointee.writeUnsigned(value)
        }

        mutating func encode(_ value: UInt128) throws {
            try element()
            state.w.pointee.writeUnsigned128(value)
        }

        mutating func encode<T: Encodable>(_ value: T) throws {
            try element()
            try state.encodeValue(value)
        }

        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
            do {
                try element()
            } catch {
                return KeyedEncodingContainer(KeyedContainer<NestedKey>(state: state, id: 0))
            }
            return KeyedEncodingContainer(KeyedContainer<NestedKey>(state: state, id: state.w.pointee.openContainer(StagingFormat.keyed)))
        }

        mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
            do {
                try element()
            } catch {
                return UnkeyedContainer(state: state, id: 0)
            }
            return UnkeyedContainer(state: state, id: state.w.pointee.openContainer(StagingFormat.unkeyed))
        }

        mutating func superEncoder() -> any Encoder {
            count += 1
            return SuperEncoder(state: state, parent: id, key: nil)
        }
    }

    /// The container of one value. `owner` is set when the value belongs to a super encoder.
    struct SingleValueContainer: SingleValueEncodingContainer {
        let state: State
        let generation: Int
        let owner: SuperEncoder?

        var codingPath: [any CodingKey] { [] }

        @inline(__always)
        private func begin() throws {
            if let owner { return try owner.beginSingle() }
            guard state.w.pointee.slot.generation == generation, state.w.pointee.slot.filler == 0 else {
                throw state.w.pointee.refuse("A single value container was given a second value")
            }
            state.w.pointee.slot.filler = -1
        }

        mutating func encodeNil() throws {
            try begin()
            state.w.pointee.writeNil()
        }

        mutating func encode(_ value: Bool) throws {
            try begin()
            state.w.pointee.writeBool(value)
        }

        mutating func encode(_ value: String) throws {
            try begin()
            state.w.pointee.writeString(value)
        }

        mutating func encode(_ value: Double) throws {
            try begin()
            state.w.pointee.writeDouble(value)
        }

        mutating func encode(_ value: Float) throws {
            try begin()
            state.w.pointee.writeFloat(value)
        }

        mutating func encode(_ value: Int) throws {
            try begin()
            state.w.pointee.writeSigned(Int64(value))
        }

        mutating func encode(_ value: Int8) throws {
            try begin()
            state.w.pointee.writeSigned(Int64(value))
        }

        mutating func encode(_ value: Int16) throws {
            try begin()
            state.w.pointee.writeSigned(Int64(value))
        }

        mutating func encode(_ value: Int32) throws {
            try begin()
            state.w.pointee.writeSigned(Int64(value))
        }

        mutating func encode(_ value: Int64) throws {
            try begin()
            state.w.pointee.writeSigned(value)
        }

        mutating func encode(_ value: Int128) throws {
            try begin()
            state.w.pointee.writeSigned128(value)
        }

        mutating func encode(_ value: UInt) throws {
            try begin()
            state.w.pointee.writeUnsigned(UInt64(value))
        }

        mutating func encode(_ value: UInt8) throws {
            try begin()
            state.w.pointee.writeUnsigned(UInt64(value))
        }

        mutating func encode(_ value: UInt16) throws {
            try begin()
            state.w.pointee.writeUnsigned(UInt64(value))
        }

        mutating func encode(_ value: UInt32) throws {
            try begin()
            state.w.pointee.writeUnsigned(UInt64(value))
        }

        mutating func encode(_ value: UInt64) throws {
            try begin()
            state.w.pointee.writeUnsigned(value)
        }

        mutating func encode(_ value: UInt128) throws {
            try begin()
            state.w.pointee.writeUnsigned128(value)
        }

        mutating func encode<T: Encodable>(_ value: T) throws {
            try begin()
            try state.encodeValue(value)
        }
    }
}

extension Dictionary: StagingEncoder.Unordered {
    static var stagingPairs: Bool { true }
}

extension Set: StagingEncoder.Unordered {
    static var stagingPairs: Bool { false }
}
