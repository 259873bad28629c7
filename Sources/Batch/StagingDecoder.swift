import Foundation

/// Decodes a Codable value from the staging format (``StagingFormat``), straight from the bytes:
/// no tree is built. Malformed or truncated input throws a `DecodingError`; nothing is read
/// outside the buffer. Stateless.
struct StagingDecoder {
    func decode<T: Decodable>(_ type: T.Type, from bytes: [UInt8]) throws -> T {
        try bytes.withUnsafeBytes { try decode(type, from: $0) }
    }

    /// The blob GRDB hands back.
    func decode<T: Decodable>(_ type: T.Type, from data: Data) throws -> T {
        try data.withUnsafeBytes { try decode(type, from: $0) }
    }

    /// The bytes need only stay valid during the call.
    func decode<T: Decodable>(_ type: T.Type, from buffer: UnsafeRawBufferPointer) throws -> T {
        guard let raw = buffer.baseAddress, buffer.count > 1 else {
            throw StagingFormat.corrupted("A staged value is empty")
        }
        guard buffer.count <= Int(UInt32.max) else { throw StagingFormat.corrupted("A staged value is over 4 GiB") }
        let base = raw.assumingMemoryBound(to: UInt8.self)
        guard base[0] == StagingFormat.version else {
            throw StagingFormat.corrupted("Not a staged value of format version \(StagingFormat.version) (first byte \(base[0]))")
        }
        let end = try StagingFormat.skip(base, 1, buffer.count)
        guard end == buffer.count else { throw StagingFormat.corrupted("Bytes after the end of a staged value") }
        let state = State(base: base)
        // A Decoder kept past the call would read freed memory: it throws instead.
        defer { state.r.pointee.base = nil }
        return try state.decodeValue(type, 1, end, depth: 0)
    }

    /// The decoder's mutable state, reached through a pointer, never as class properties, so that
    /// reads pay no dynamic exclusivity checks: the bytes, the value the Decoder methods read, and
    /// each keyed container's search position.
    struct Reader {
        /// A keyed container's memory, per nesting level: where the entry after the last one found
        /// starts, so that keys asked for in their encoding order are found at once; and, after a
        /// key was not found (the whole container was read), a 64-bit filter of the keys present,
        /// so that the next absent ones are mostly known absent at once.
        struct Cursor {
            var id: Int
            var position: Int
            var keyFilter: UInt64
            var filtered: Bool
        }

        /// Nil once the decode call has returned.
        var base: UnsafePointer<UInt8>?
        var at = 0
        var limit = 0
        var depth = 0
        var cursors: [Cursor] = []
        var nextID = 1

        init(base: UnsafePointer<UInt8>) {
            self.base = base
            cursors.reserveCapacity(16)
        }

        /// A new keyed container's id, its cursor at its first entry.
        mutating func newCursor(level: Int, at start: Int) -> Int {
            let id = nextID
            nextID += 1
            let cursor = Cursor(id: id, position: start, keyFilter: 0, filtered: false)
            if level < cursors.count {
                cursors[level] = cursor
            } else {
                while cursors.count < level { cursors.append(Cursor(id: 0, position: 0, keyFilter: 0, filtered: false)) }
                cursors.append(cursor)
            }
            return id
        }

        /// Where the value for `key` lies in the keyed container `start..<end`; nil when absent.
        mutating func find(_ key: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, _ level: Int, _ id: Int) throws
            -> (value: Int, end: Int)?
        {
            guard let base else { throw State.expired }
            var from = start
            let mine = level < cursors.count && cursors[level].id == id
            let bit = key.isEmpty ? Self.filterBit(0, 0, 0) : Self.filterBit(key.count, key[0], key[key.count - 1])
            if mine {
                if cursors[level].filtered && cursors[level].keyFilter & bit == 0 { return nil }
                from = cursors[level].position
            }
            var seen: UInt64 = 0
            var p = from
            while p < end {
                let e = try StagingFormat.entry(base, p, end)
                if Self.equal(base, e.keyStart, e.keyCount, key) {
                    found(level, id, mine, e.end)
                    return (e.value, e.end)
                }
                seen |= Self.filterBit(base, e.keyStart, e.keyCount)
                p = e.end
            }
            p = start
            while p < from {
                let e = try StagingFormat.entry(base, p, from)
                if Self.equal(base, e.keyStart, e.keyCount, key) {
                    found(level, id, mine, e.end)
                    return (e.value, e.end)
                }
                seen |= Self.filterBit(base, e.keyStart, e.keyCount)
                p = e.end
            }
            if mine {
                cursors[level].keyFilter = seen
                cursors[level].filtered = true
            }
            return nil
        }

        @inline(__always)
        private mutating func found(_ level: Int, _ id: Int, _ mine: Bool, _ next: Int) {
            if mine {
                cursors[level].position = next
            } else if level < cursors.count {
                cursors[level] = Cursor(id: id, position: next, keyFilter: 0, filtered: false)
            }
        }

        /// One of 64 bits for a key: of its length, first and last byte.
        @inline(__always)
        static func filterBit(_ base: UnsafePointer<UInt8>, _ p: Int, _ count: Int) -> UInt64 {
            count == 0 ? filterBit(0, 0, 0) : filterBit(count, base[p], base[p + count - 1])
        }

        @inline(__always)
        static func filterBit(_ count: Int, _ first: UInt8, _ last: UInt8) -> UInt64 {
            1 << ((UInt64(truncatingIfNeeded: count) &* 7 &+ UInt64(first) &* 3 &+ UInt64(last)) & 63)
        }

        @inline(__always)
        static func equal(_ base: UnsafePointer<UInt8>, _ p: Int, _ n: Int, _ key: UnsafeBufferPointer<UInt8>) -> Bool {
            guard n == key.count else { return false }
            var i = 0
            while i < n {
                if base[p + i] != key[i] { return false }
                i += 1
            }
            return true
        }

        /// Every key of the keyed container `start..<end`, as far as it is well-formed.
        func forEachKey(_ start: Int, _ end: Int, _ body: (String) -> Void) {
            guard let base else { return }
            var p = start
            while p < end, let e = try? StagingFormat.entry(base, p, end) {
                body(String(decoding: UnsafeBufferPointer(start: base + e.keyStart, count: e.keyCount), as: UTF8.self))
                p = e.end
            }
        }
    }

    /// The Decoder every value is given (one per decode call): owns the ``StagingDecoder/Reader``.
    final class State: Decoder {
        /// Deeper nesting throws instead of exhausting the stack (the model nests about 10 deep).
        static let maxDepth = 256

        let r: UnsafeMutablePointer<Reader>

        init(base: UnsafePointer<UInt8>) {
            r = UnsafeMutablePointer<Reader>.allocate(capacity: 1)
            r.initialize(to: Reader(base: base))
        }

        deinit {
            r.deinitialize(count: 1)
            r.deallocate()
        }

        var codingPath: [any CodingKey] { [] }
        var userInfo: [CodingUserInfoKey: Any] { [:] }

        func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
            try keyedContainer(Key.self, r.pointee.at, r.pointee.limit, r.pointee.depth)
        }

        func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
            try unkeyedContainer(r.pointee.at, r.pointee.limit, r.pointee.depth)
        }

        func singleValueContainer() throws -> any SingleValueDecodingContainer {
            SingleValueContainer(state: self, at: UInt32(truncatingIfNeeded: r.pointee.at),
                                       end: UInt32(truncatingIfNeeded: r.pointee.limit), depth: r.pointee.depth)
        }

        static let expired = StagingFormat.corrupted("A staging decoder was used after its decode call returned")

        @inline(__always)
        var memory: UnsafePointer<UInt8> {
            get throws {
                guard let base = r.pointee.base else { throw Self.expired }
                return base
            }
        }

        // MARK: Values

        /// Decodes the value that spans `p..<end`, `depth` containers deep.
        func decodeValue<T: Decodable>(_ type: T.Type, _ p: Int, _ end: Int, depth: Int) throws -> T {
            // The common leaves, without a trip through a single-value container.
            if T.self == String.self {
                var q = p
                return try Leaves.string(memory, &q, end) as! T
            }
            if T.self == Int.self {
                var q = p
                return try Leaves.signed(Int.self, memory, &q, end) as! T
            }
            if T.self == Int64.self {
                var q = p
                return try Leaves.signed(Int64.self, memory, &q, end) as! T
            }
            if T.self == Bool.self {
                var q = p
                return try Leaves.bool(memory, &q, end) as! T
            }
            if T.self == Double.self {
                var q = p
                return try Leaves.double(memory, &q, end) as! T
            }
            if T.self == UInt8.self {
                var q = p
                return try Leaves.unsigned(UInt8.self, memory, &q, end) as! T
            }
            let saved = (r.pointee.at, r.pointee.limit, r.pointee.depth)
            r.pointee.at = p
            r.pointee.limit = end
            r.pointee.depth = depth
            defer { (r.pointee.at, r.pointee.limit, r.pointee.depth) = saved }
            return try T(from: self)
        }

        func keyedContainer<Key: CodingKey>(_ type: Key.Type, _ p: Int, _ end: Int, _ level: Int) throws
            -> KeyedDecodingContainer<Key>
        {
            let base = try memory
            let contents = try Self.contents(of: StagingFormat.keyed, { KeyedDecodingContainer<Key>.self }, base, p, end, level)
            let id = r.pointee.newCursor(level: level, at: contents.lowerBound)
            return KeyedDecodingContainer(
                KeyedContainer<Key>(state: self, start: contents.lowerBound, end: contents.upperBound, level: level, id: id))
        }

        func unkeyedContainer(_ p: Int, _ end: Int, _ level: Int) throws -> any UnkeyedDecodingContainer {
            let base = try memory
            let contents = try Self.contents(of: StagingFormat.unkeyed, { (any UnkeyedDecodingContainer).self }, base, p, end, level)
            return UnkeyedContainer(state: self, position: contents.lowerBound, end: contents.upperBound, level: level)
        }

        /// The contents of the container value at `p`. (`type` names it in errors only: a generic
        /// type's metadata is looked up only then.)
        @inline(__always)
        static func contents(of tag: UInt8, _ type: () -> Any.Type, _ base: UnsafePointer<UInt8>, _ p: Int, _ end: Int,
                             _ level: Int) throws -> Range<Int>
        {
            guard level <= maxDepth else {
                throw StagingFormat.corrupted("Values nested more than \(maxDepth) deep")
            }
            guard p < end else { throw missing(type(), "found the end of the enclosing container") }
            guard base[p] == tag else { throw mismatch(type(), base[p]) }
            var q = p + 1
            let n = try StagingFormat.length(base, &q, end)
            return q..<(q + n)
        }

        // MARK: Errors

        static func mismatch(_ type: Any.Type, _ tag: UInt8) -> DecodingError {
            if tag == StagingFormat.null { return missing(type, "found nil") }
            return DecodingError.typeMismatch(
                type, DecodingError.Context(codingPath: [], debugDescription: "Expected \(type), found \(StagingFormat.name(ofTag: tag))"))
        }

        static func missing(_ type: Any.Type, _ what: String) -> DecodingError {
            DecodingError.valueNotFound(type, DecodingError.Context(codingPath: [], debugDescription: "Expected \(type), \(what)"))
        }

        static func doesNotFit(_ value: some BinaryInteger, _ type: Any.Type) -> DecodingError {
            StagingFormat.corrupted("Number \(value) does not fit in \(type)")
        }
    }

    /// Readers of one leaf value at `p` (advanced past it), which must end by `end`.
    enum Leaves {
        @inline(__always)
        static func bool(_ base: UnsafePointer<UInt8>, _ p: inout Int, _ end: Int) throws -> Bool {
            guard p < end else { throw State.missing(Bool.self, "found the end of the enclosing container") }
            switch base[p] {
            case StagingFormat.trueValue:
                p += 1
                return true
            case StagingFormat.falseValue:
                p += 1
                return false
            case let tag:
                throw State.mismatch(Bool.self, tag)
            }
        }

        @inline(__always)
        static func string(_ base: UnsafePointer<UInt8>, _ p: inout Int, _ end: Int) throws -> String {
            guard p < end else { throw State.missing(String.self, "found the end of the enclosing container") }
            guard base[p] == StagingFormat.string else { throw State.mismatch(String.self, base[p]) }
            var q = p + 1
            let n = try StagingFormat.length(base, &q, end)
            let utf8 = UnsafeBufferPointer(start: base + q, count: n)
            let s: String
            if isASCII(base + q, n) {
                s = String(decoding: utf8, as: UTF8.self)
            } else {
                // The validating initializer is generic, and slow: only for text that needs it.
                guard let valid = String(validating: utf8, as: UTF8.self) else {
                    throw StagingFormat.corrupted("A string is not valid UTF-8")
                }
                s = valid
            }
            p = q + n
            return s
        }

        @inline(__always)
        static func isASCII(_ p: UnsafePointer<UInt8>, _ n: Int) -> Bool {
            let raw = UnsafeRawPointer(p)
            var i = 0
            var bits: UInt64 = 0
            while i + 8 <= n {
                bits |= raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)
                i += 8
            }
            while i < n {
                bits |= UInt64(p[i])
                i += 1
            }
            return bits & 0x8080_8080_8080_8080 == 0
        }

        @inline(__always)
        static func double(_ base: UnsafePointer<UInt8>, _ p: inout Int, _ end: Int) throws -> Double {
            guard p < end else { throw State.missing(Double.self, "found the end of the enclosing container") }
            let q = p + 1
            switch base[p] {
            case StagingFormat.double:
                guard end - q >= 8 else { throw StagingFormat.corrupted("Truncated Double") }
                p = q + 8
                return Double(bitPattern: UInt64(littleEndian: UnsafeRawPointer(base + q).loadUnaligned(as: UInt64.self)))
            case StagingFormat.float:
                guard end - q >= 4 else { throw StagingFormat.corrupted("Truncated Float") }
                p = q + 4
                return Double(Float(bitPattern: UInt32(littleEndian: UnsafeRawPointer(base + q).loadUnaligned(as: UInt32.self))))
            case let tag:
                throw State.mismatch(Double.self, tag)
            }
        }

        static func float(_ base: UnsafePointer<UInt8>, _ p: inout Int, _ end: Int) throws -> Float {
            guard p < end else { throw State.missing(Float.self, "found the end of the enclosing container") }
            if base[p] == StagingFormat.double {
                let d = try double(base, &p, end)
                let f = Float(d)
                guard d.isNaN || Double(f) == d else {
                    throw StagingFormat.corrupted("Number \(d) does not fit in Float")
                }
                return f
            }
            guard base[p] == StagingFormat.float else { throw State.mismatch(Float.self, base[p]) }
            let q = p + 1
            guard end - q >= 4 else { throw StagingFormat.corrupted("Truncated Float") }
            p = q + 4
            return Float(bitPattern: UInt32(littleEndian: UnsafeRawPointer(base + q).loadUnaligned(as: UInt32.self)))
        }

        @inline(__always)
        static func signed<I: FixedWidthInteger & SignedInteger>(_ type: I.Type, _ base: UnsafePointer<UInt8>, _ p: inout Int, _ end: Int)
            throws -> I
        {
            guard p < end else { throw State.missing(I.self, "found the end of the enclosing container") }
            let tag = base[p]
            var q = p + 1
            let v: Int64
            if tag == StagingFormat.signed {
                let u: UInt64
                if q < end, base[q] < 0x80 {
                    u = UInt64(base[q])
                    q += 1
                } else {
                    u = try Self.integer(base, &q, end, I.self)
                }
                v = Int64(bitPattern: (u >> 1) ^ (0 &- (u & 1)))
            } else if tag == StagingFormat.unsigned {
                let u = try Self.integer(base, &q, end, I.self)
                guard u <= UInt64(Int64.max) else { throw State.doesNotFit(u, I.self) }
                v = Int64(u)
            } else {
                throw State.mismatch(I.self, tag)
            }
            guard let r = I(exactly: v) else { throw State.doesNotFit(v, I.self) }
            p = q
            return r
        }

        @inline(__always)
        static func unsigned<U: FixedWidthInteger & UnsignedInteger>(_ type: U.Type, _ base: UnsafePointer<UInt8>, _ p: inout Int, _ end: Int)
            throws -> U
        {
            guard p < end else { throw State.missing(U.self, "found the end of the enclosing container") }
            let tag = base[p]
            var q = p + 1
            let u: UInt64
            if tag == StagingFormat.unsigned {
                u = try Self.integer(base, &q, end, U.self)
            } else if tag == StagingFormat.signed {
                let z = try Self.integer(base, &q, end, U.self)
                let v = Int64(bitPattern: (z >> 1) ^ (0 &- (z & 1)))
                guard v >= 0 else { throw State.doesNotFit(v, U.self) }
                u = UInt64(v)
            } else {
                throw State.mismatch(U.self, tag)
            }
            guard let r = U(exactly: u) else { throw State.doesNotFit(u, U.self) }
            p = q
            return r
        }

        static func signed128(_ base: UnsafePointer<UInt8>, _ p: inout Int, _ end: Int) throws -> Int128 {
            guard p < end else { throw State.missing(Int128.self, "found the end of the enclosing container") }
            let tag = base[p]
            var q = p + 1
            let u = try Self.varint128(base, &q, end)
            let v: Int128
            if tag == StagingFormat.signed {
                v = Int128(bitPattern: (u >> 1) ^ (0 &- (u & 1)))
            } else if tag == StagingFormat.unsigned {
                guard u <= UInt128(Int128.max) else { throw State.doesNotFit(u, Int128.self) }
                v = Int128(u)
            } else {
                throw State.mismatch(Int128.self, tag)
            }
            p = q
            return v
        }

        static func unsigned128(_ base: UnsafePointer<UInt8>, _ p: inout Int, _ end: Int) throws -> UInt128 {
            guard p < end else { throw State.missing(UInt128.self, "found the end of the enclosing container") }
            let tag = base[p]
            var q = p + 1
            let u = try Self.varint128(base, &q, end)
            let v: UInt128
            if tag == StagingFormat.unsigned {
                v = u
            } else if tag == StagingFormat.signed {
                let s = Int128(bitPattern: (u >> 1) ^ (0 &- (u & 1)))
                guard s >= 0 else { throw State.doesNotFit(s, UInt128.self) }
                v = UInt128(s)
            } else {
                throw State.mismatch(UInt128.self, tag)
            }
            p = q
            return v
        }

        /// A LEB128 of at most 64 bits; a longer one does not fit the type asked for.
        static func integer(_ base: UnsafePointer<UInt8>, _ p: inout Int, _ end: Int, _ type: Any.Type) throws -> UInt64 {
            let start = p
            do {
                return try StagingFormat.varint(base, &p, end)
            } catch {
                var q = start
                if (try? varint128(base, &q, end)) != nil {
                    throw StagingFormat.corrupted("Number does not fit in \(type)")
                }
                throw error
            }
        }

        static func varint128(_ base: UnsafePointer<UInt8>, _ p: inout Int, _ end: Int) throws -> UInt128 {
            var v: UInt128 = 0
            var shift: UInt128 = 0
            while p < end {
                let b = base[p]
                p += 1
                if shift == 126 && b > 3 { break }
                v |= UInt128(b & 0x7F) << shift
                if b < 0x80 { return v }
                shift += 7
                if shift > 126 { break }
            }
            throw StagingFormat.corrupted("Truncated integer, or one that does not fit in 128 bits")
        }
    }

    /// A coding key for an unkeyed container's element, in error paths.
    struct IndexKey: CodingKey {
        let intValue: Int?
        var stringValue: String { "Index \(intValue ?? 0)" }
        init(intValue: Int) { self.intValue = intValue }
        init?(stringValue: String) { nil }
    }

    /// A Decoder of its own for one value: what `superDecoder` hands out.
    final class SubDecoder: Decoder {
        let state: State
        let at: Int
        let limit: Int
        let depth: Int

        init(state: State, at: Int, limit: Int, depth: Int) {
            self.state = state
            self.at = at
            self.limit = limit
            self.depth = depth
        }

        var codingPath: [any CodingKey] { [] }
        var userInfo: [CodingUserInfoKey: Any] { [:] }

        func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
            try state.keyedContainer(Key.self, at, limit, depth)
        }

        func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
            try state.unkeyedContainer(at, limit, depth)
        }

        func singleValueContainer() throws -> any SingleValueDecodingContainer {
            SingleValueContainer(state: state, at: UInt32(truncatingIfNeeded: at), end: UInt32(truncatingIfNeeded: limit), depth: depth)
        }
    }

    struct KeyedContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
        let state: State
        let start: Int
        let end: Int
        let level: Int
        let id: Int

        var codingPath: [any CodingKey] { [] }

        var allKeys: [Key] {
            var keys: [Key] = []
            state.r.pointee.forEachKey(start, end) { if let key = Key(stringValue: $0) { keys.append(key) } }
            return keys
        }

        func contains(_ key: Key) -> Bool { (try? find(key)) != nil }

        @inline(__always)
        private func find(_ key: Key) throws -> (value: Int, end: Int)? {
            var name = key.stringValue
            // Locals, so that the closure does not capture (and copy, retaining) `self`.
            let (r, start, end, level, id) = (state.r, start, end, level, id)
            return try name.withUTF8 { try r.pointee.find($0, start, end, level, id) }
        }

        @inline(__always)
        private func required(_ key: Key, _ type: Any.Type) throws -> (value: Int, end: Int) {
            guard let v = try find(key) else {
                throw DecodingError.keyNotFound(
                    key, DecodingError.Context(codingPath: [], debugDescription: "No value for key \"\(key.stringValue)\" (expected \(type))"))
            }
            return v
        }

        /// Reads a leaf for `key`, errors located at the key.
        @inline(__always)
        private func leaf<T>(_ key: Key, _ read: (UnsafePointer<UInt8>, inout Int, Int) throws -> T) throws -> T {
            let v = try required(key, T.self)
            do {
                var p = v.value
                return try read(state.memory, &p, v.end)
            } catch let error as DecodingError {
                throw error.prefixed(by: key)
            }
        }

        /// Reads a leaf for `key` if present and not nil.
        @inline(__always)
        private func optionalLeaf<T>(_ key: Key, _ read: (UnsafePointer<UInt8>, inout Int, Int) throws -> T) throws -> T? {
            guard let v = try find(key) else { return nil }
            do {
                let base = try state.memory
                if base[v.value] == StagingFormat.null { return nil }
                var p = v.value
                return try read(base, &p, v.end)
            } catch let error as DecodingError {
                throw error.prefixed(by: key)
            }
        }

        func decodeNil(forKey key: Key) throws -> Bool {
            let v = try required(key, Optional<Any>.self)
            return try state.memory[v.value] == StagingFormat.null
        }

        func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool {
            try leaf(key) { try Leaves.bool($0, &$1, $2) }
        }

        func decode(_ type: String.Type, forKey key: Key) throws -> String {
            try leaf(key) { try Leaves.string($0, &$1, $2) }
        }

        func decode(_ type: Double.Type, forKey key: Key) throws -> Double {
            try leaf(key) { try Leaves.double($0, &$1, $2) }
        }

        func decode(_ type: Float.Type, forKey key: Key) throws -> Float {
            try leaf(key) { try Leaves.float($0, &$1, $2) }
        }

        func decode(_ type: Int.Type, forKey key: Key) throws -> Int {
            try leaf(key) { try Leaves.signed(Int.self, $0, &$1, $2) }
        }

        func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 {
            try leaf(key) { try Leaves.signed(Int8.self, $0, &$1, $2) }
        }

        func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 {
            try leaf(key) { try Leaves.signed(Int16.self, $0, &$1, $2) }
        }

        func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 {
            try leaf(key) { try Leaves.signed(Int32.self, $0, &$1, $2) }
        }

        func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 {
            try leaf(key) { try Leaves.signed(Int64.self, $0, &$1, $2) }
        }

        func decode(_ type: Int128.Type, forKey key: Key) throws -> Int128 {
            try leaf(key) { try Leaves.signed128($0, &$1, $2) }
        }

        func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt {
            try leaf(key) { try Leaves.unsigned(UInt.self, $0, &$1, $2) }
        }

        func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 {
            try leaf(key) { try Leaves.unsigned(UInt8.self, $0, &$1, $2) }
        }

        func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 {
            try leaf(key) { try Leaves.unsigned(UInt16.self, $0, &$1, $2) }
        }

        func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 {
            try leaf(key) { try Leaves.unsigned(UInt32.self, $0, &$1, $2) }
        }

        func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 {
            try leaf(key) { try Leaves.unsigned(UInt64.self, $0, &$1, $2) }
        }

        func decode(_ type: UInt128.Type, forKey key: Key) throws -> UInt128 {
            try leaf(key) { try Leaves.unsigned128($0, &$1, $2) }
        }

        func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
            let v = try required(key, type)
            do {
                return try state.decodeValue(type, v.value, v.end, depth: level + 1)
            } catch let error as DecodingError {
                throw error.prefixed(by: key)
            }
        }

        func decodeIfPresent(_ type: Bool.Type, forKey key: Key) throws -> Bool? {
            try optionalLeaf(key) { try Leaves.bool($0, &$1, $2) }
        }

        func decodeIfPresent(_ type: String.Type, forKey key: Key) throws -> String? {
            try optionalLeaf(key) { try Leaves.string($0, &$1, $2) }
        }

        func decodeIfPresent(_ type: Double.Type, forKey key: Key) throws -> Double? {
            try optionalLeaf(key) { try Leaves.double($0, &$1, $2) }
        }

        func decodeIfPresent(_ type: Float.Type, forKey key: Key) throws -> Float? {
            try optionalLeaf(key) { try Leaves.float($0, &$1, $2) }
        }

        func decodeIfPresent(_ type: Int.Type, forKey key: Key) throws -> Int? {
            try optionalLeaf(key) { try Leaves.signed(Int.self, $0, &$1, $2) }
        }

        func decodeIfPresent(_ type: Int8.Type, forKey key: Key) throws -> Int8? {
            try optionalLeaf(key) { try Leaves.signed(Int8.self, $0, &$1, $2) }
        }

        func decodeIfPresent(_ type: Int16.Type, forKey key: Key) throws -> Int16? {
            try optionalLeaf(key) { try Leaves.signed(Int16.self, $0, &$1, $2) }
        }

        func decodeIfPresent(_ type: Int32.Type, forKey key: Key) throws -> Int32? {
            try optionalLeaf(key) { try Leaves.signed(Int32.self, $0, &$1, $2) }
        }

        func decodeIfPresent(_ type: Int64.Type, forKey key: Key) throws -> Int64? {
            try optionalLeaf(key) { try Leaves.signed(Int64.self, $0, &$1, $2) }
        }

        func decodeIfPresent(_ type: Int128.Type, forKey key: Key) throws -> Int128? {
            try optionalLeaf(key) { try Leaves.signed128($0, &$1, $2) }
        }

        func decodeIfPresent(_ type: UInt.Type, forKey key: Key) throws -> UInt? {
            try optionalLeaf(key) { try Leaves.unsigned(UInt.self, $0, &$1, $2) }
        }

        func decodeIfPresent(_ type: UInt8.Type, forKey key: Key) throws -> UInt8? {
            try optionalLeaf(key) { try Leaves.unsigned(UInt8.self, $0, &$1, $2) }
        }

        func decodeIfPresent(_ type: UInt16.Type, forKey key: Key) throws -> UInt16? {
            try optionalLeaf(key) { try Leaves.unsigned(UInt16.self, $0, &$1, $2) }
        }

        func decodeIfPresent(_ type: UInt32.Type, forKey key: Key) throws -> UInt32? {
            try optionalLeaf(key) { try Leaves.unsigned(UInt32.self, $0, &$1, $2) }
        }

        func decodeIfPresent(_ type: UInt64.Type, forKey key: Key) throws -> UInt64? {
            try optionalLeaf(key) { try Leaves.unsigned(UInt64.self, $0, &$1, $2) }
        }

        func decodeIfPresent(_ type: UInt128.Type, forKey key: Key) throws -> UInt128? {
            try optionalLeaf(key) { try Leaves.unsigned128($0, &$1, $2) }
        }

        func decodeIfPresent<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? {
            guard let v = try find(key) else { return nil }
            do {
                if try state.memory[v.value] == StagingFormat.null { return nil }
                return try state.decodeValue(type, v.value, v.end, depth: level + 1)
            } catch let error as DecodingError {
                throw error.prefixed(by: key)
            }
        }

        func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws
            -> KeyedDecodingContainer<NestedKey>
        {
            let v = try required(key, NestedKey.self)
            do {
                return try state.keyedContainer(NestedKey.self, v.value, v.end, level + 1)
            } catch let error as DecodingError {
                throw error.prefixed(by: key)
            }
        }

        func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
            let v = try required(key, (any UnkeyedDecodingContainer).self)
            do {
                return try state.unkeyedContainer(v.value, v.end, level + 1)
            } catch let error as DecodingError {
                throw error.prefixed(by: key)
            }
        }

        func superDecoder() throws -> any Decoder {
            guard let key = Key(stringValue: "super") else {
                throw DecodingError.keyNotFound(
                    SuperKey(), DecodingError.Context(codingPath: [], debugDescription: "No \"super\" key in \(Key.self)"))
            }
            return try superDecoder(forKey: key)
        }

        func superDecoder(forKey key: Key) throws -> any Decoder {
            let v = try required(key, (any Decoder).self)
            return SubDecoder(state: state, at: v.value, limit: v.end, depth: level + 1)
        }
    }

    struct SuperKey: CodingKey {
        var stringValue: String { "super" }
        var intValue: Int? { nil }
        init() {}
        init?(stringValue: String) { nil }
        init?(intValue: Int) { nil }
    }

    /// Positions are kept in 32 bits (blobs are under 4 GiB) so that the container fits an
    /// existential's inline buffer: no allocation per array decoded.
    struct UnkeyedContainer: UnkeyedDecodingContainer {
        let state: State
        private var position: UInt32
        private let endPosition: UInt32
        private var index: UInt32 = 0
        private let level: UInt32

        init(state: State, position: Int, end: Int, level: Int) {
            self.state = state
            self.position = UInt32(truncatingIfNeeded: position)
            self.endPosition = UInt32(truncatingIfNeeded: end)
            self.level = UInt32(truncatingIfNeeded: level)
        }

        var codingPath: [any CodingKey] { [] }
        var currentIndex: Int { Int(index) }
        var isAtEnd: Bool { position >= endPosition }

        /// Elements read so far plus those left (counted by skipping them); nil when malformed.
        var count: Int? {
            guard let base = state.r.pointee.base else { return nil }
            var n = Int(index)
            var p = Int(position)
            let end = Int(endPosition)
            while p < end {
                guard let next = try? StagingFormat.skip(base, p, end) else { return nil }
                p = next
                n += 1
            }
            return n
        }

        @inline(__always)
        private mutating func leaf<T>(_ read: (UnsafePointer<UInt8>, inout Int, Int) throws -> T) throws -> T {
            guard position < endPosition else {
                throw DecodingError.valueNotFound(
                    T.self, DecodingError.Context(codingPath: [], debugDescription: "Expected \(T.self), the unkeyed container is at its end"))
            }
            do {
                var p = Int(position)
                let value = try read(state.memory, &p, Int(endPosition))
                position = UInt32(truncatingIfNeeded: p)
                index += 1
                return value
            } catch let error as DecodingError {
                throw error.prefixed(by: IndexKey(intValue: Int(index)))
            }
        }

        /// The extent of the next element.
        private func next(_ type: Any.Type) throws -> (start: Int, end: Int) {
            guard position < endPosition else {
                throw DecodingError.valueNotFound(
                    type, DecodingError.Context(codingPath: [], debugDescription: "Expected \(type), the unkeyed container is at its end"))
            }
            let p = Int(position)
            return (p, try StagingFormat.skip(state.memory, p, Int(endPosition)))
        }

        mutating func decodeNil() throws -> Bool {
            let base = try state.memory
            guard position < endPosition else {
                throw DecodingError.valueNotFound(
                    Optional<Any>.self, DecodingError.Context(codingPath: [], debugDescription: "The unkeyed container is at its end"))
            }
            guard base[Int(position)] == StagingFormat.null else { return false }
            position += 1
            index += 1
            return true
        }

        mutating func decode(_ type: Bool.Type) throws -> Bool { try leaf { try Leaves.bool($0, &$1, $2) } }
        mutating func decode(_ type: String.Type) throws -> String { try leaf { try Leaves.string($0, &$1, $2) } }
        mutating func decode(_ type: Double.Type) throws -> Double { try leaf { try Leaves.double($0, &$1, $2) } }
        mutating func decode(_ type: Float.Type) throws -> Float { try leaf { try Leaves.float($0, &$1, $2) } }
        mutating func decode(_ type: Int.Type) throws -> Int { try leaf { try Leaves.signed(Int.self, $0, &$1, $2) } }
        mutating func decode(_ type: Int8.Type) throws -> Int8 { try leaf { try Leaves.signed(Int8.self, $0, &$1, $2) } }
        mutating func decode(_ type: Int16.Type) throws -> Int16 { try leaf { try Leaves.signed(Int16.self, $0, &$1, $2) } }
        mutating func decode(_ type: Int32.Type) throws -> Int32 { try leaf { try Leaves.signed(Int32.self, $0, &$1, $2) } }
        mutating func decode(_ type: Int64.Type) throws -> Int64 { try leaf { try Leaves.signed(Int64.self, $0, &$1, $2) } }
        mutating func decode(_ type: Int128.Type) throws -> Int128 { try leaf { try Leaves.signed128($0, &$1, $2) } }
        mutating func decode(_ type: UInt.Type) throws -> UInt { try leaf { try Leaves.unsigned(UInt.self, $0, &$1, $2) } }
        mutating func decode(_ type: UInt8.Type) throws -> UInt8 { try leaf { try Leaves.unsigned(UInt8.self, $0, &$1, $2) } }
        mutating func decode(_ type: UInt16.Type) throws -> UInt16 { try leaf { try Leaves.unsigned(UInt16.self, $0, &$1, $2) } }
        mutating func decode(_ type: UInt32.Type) throws -> UInt32 { try leaf { try Leaves.unsigned(UInt32.self, $0, &$1, $2) } }
        mutating func decode(_ type: UInt64.Type) throws -> UInt64 { try leaf { try Leaves.unsigned(UInt64.self, $0, &$1, $2) } }
        mutating func decode(_ type: UInt128.Type) throws -> UInt128 { try leaf { try Leaves.unsigned128($0, &$1, $2) } }

        mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
            do {
                let (start, end) = try next(type)
                let value = try state.decodeValue(type, start, end, depth: Int(level) + 1)
                position = UInt32(truncatingIfNeeded: end)
                index += 1
                return value
            } catch let error as DecodingError {
                throw error.prefixed(by: IndexKey(intValue: Int(index)))
            }
        }

        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
            do {
                let (start, end) = try next(NestedKey.self)
                let container = try state.keyedContainer(NestedKey.self, start, end, Int(level) + 1)
                position = UInt32(truncatingIfNeeded: end)
                index += 1
                return container
            } catch let error as DecodingError {
                throw error.prefixed(by: IndexKey(intValue: Int(index)))
            }
        }

        mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
            do {
                let (start, end) = try next((any UnkeyedDecodingContainer).self)
                let container = try state.unkeyedContainer(start, end, Int(level) + 1)
                position = UInt32(truncatingIfNeeded: end)
                index += 1
                return container
            } catch let error as DecodingError {
                throw error.prefixed(by: IndexKey(intValue: Int(index)))
            }
        }

        mutating func superDecoder() throws -> any Decoder {
            let (start, end) = try next((any Decoder).self)
            position = UInt32(truncatingIfNeeded: end)
            index += 1
            return SubDecoder(state: state, at: start, limit: end, depth: Int(level) + 1)
        }
    }

    /// Positions in 32 bits, as ``StagingDecoder/UnkeyedContainer``: the container fits an existential.
    struct SingleValueContainer: SingleValueDecodingContainer {
        let state: State
        let at: UInt32
        let end: UInt32
        let depth: Int

        var codingPath: [any CodingKey] { [] }

        @inline(__always)
        private func leaf<T>(_ read: (UnsafePointer<UInt8>, inout Int, Int) throws -> T) throws -> T {
            var p = Int(at)
            return try read(state.memory, &p, Int(end))
        }

        func decodeNil() -> Bool {
            guard let base = state.r.pointee.base, at < end else { return false }
            return base[Int(at)] == StagingFormat.null
        }

        func decode(_ type: Bool.Type) throws -> Bool { try leaf { try Leaves.bool($0, &$1, $2) } }
        func decode(_ type: String.Type) throws -> String { try leaf { try Leaves.string($0, &$1, $2) } }
        func decode(_ type: Double.Type) throws -> Double { try leaf { try Leaves.double($0, &$1, $2) } }
        func decode(_ type: Float.Type) throws -> Float { try leaf { try Leaves.float($0, &$1, $2) } }
        func decode(_ type: Int.Type) throws -> Int { try leaf { try Leaves.signed(Int.self, $0, &$1, $2) } }
        func decode(_ type: Int8.Type) throws -> Int8 { try leaf { try Leaves.signed(Int8.self, $0, &$1, $2) } }
        func decode(_ type: Int16.Type) throws -> Int16 { try leaf { try Leaves.signed(Int16.self, $0, &$1, $2) } }
        func decode(_ type: Int32.Type) throws -> Int32 { try leaf { try Leaves.signed(Int32.self, $0, &$1, $2) } }
        func decode(_ type: Int64.Type) throws -> Int64 { try leaf { try Leaves.signed(Int64.self, $0, &$1, $2) } }
        func decode(_ type: Int128.Type) throws -> Int128 { try leaf { try Leaves.signed128($0, &$1, $2) } }
        func decode(_ type: UInt.Type) throws -> UInt { try leaf { try Leaves.unsigned(UInt.self, $0, &$1, $2) } }
        func decode(_ type: UInt8.Type) throws -> UInt8 { try leaf { try Leaves.unsigned(UInt8.self, $0, &$1, $2) } }
        func decode(_ type: UInt16.Type) throws -> UInt16 { try leaf { try Leaves.unsigned(UInt16.self, $0, &$1, $2) } }
        func decode(_ type: UInt32.Type) throws -> UInt32 { try leaf { try Leaves.unsigned(UInt32.self, $0, &$1, $2) } }
        func decode(_ type: UInt64.Type) throws -> UInt64 { try leaf { try Leaves.unsigned(UInt64.self, $0, &$1, $2) } }
        func decode(_ type: UInt128.Type) throws -> UInt128 { try leaf { try Leaves.unsigned128($0, &$1, $2) } }

        func decode<T: Decodable>(_ type: T.Type) throws -> T {
            try state.decodeValue(type, Int(at), Int(end), depth: depth)
        }
    }
}

extension DecodingError {
    /// The error as seen from the container holding the value under `key`.
    fileprivate func prefixed(by key: any CodingKey) -> DecodingError {
        func with(_ c: Context) -> Context {
            Context(codingPath: [key] + c.codingPath, debugDescription: c.debugDescription, underlyingError: c.underlyingError)
        }
        switch self {
        case .typeMismatch(let type, let c): return .typeMismatch(type, with(c))
        case .valueNotFound(let type, let c): return .valueNotFound(type, with(c))
        case .keyNotFound(let k, let c): return .keyNotFound(k, with(c))
        case .dataCorrupted(let c): return .dataCorrupted(with(c))
        @unknown default: return self
        }
    }
}
