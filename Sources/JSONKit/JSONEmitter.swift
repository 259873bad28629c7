/// Writes JSON as it is produced, name by name and value by value, without a ``JSONValue`` tree
/// in between: the bytes are those ``JSONWriter`` writes for the tree the same calls describe
/// (``JSONWriter/serialize(_:style:indent:)`` is this emitter walking a tree).
///
/// A CarePlan is thousands of short strings; building it as a tree and then writing the tree
/// cost more than twice what writing it directly does, so the CarePlan builder emits.
///
/// Calls must nest as JSON does: inside an object, every value follows a ``name(_:)``; inside an
/// array, values follow one another. Not copyable, because two copies would write into one
/// buffer with two different ideas of where they are.
public struct JSONEmitter: ~Copyable {
    public let style: JSONWriter.Style
    private let out: ByteOutput
    /// The nesting level of the first value (what pretty style indents by).
    private let base: Int
    /// Containers begun and not yet ended.
    private var open = 0
    /// Whether the innermost open container has an element yet (a comma goes before the next).
    /// A container that ends is an element of the one around it, so writing needs no stack
    /// (the one below is debug builds' check only).
    private var hasElements = false
    /// A name was written and its value is next: the value needs no comma or newline.
    private var afterName = false
    #if DEBUG
    /// The open containers, innermost last (true: an object), so that debug builds, and every
    /// test, stop at calls that do not nest as JSON does.
    private var objects: [Bool] = []
    #endif

    public init(style: JSONWriter.Style = .compact, indent: Int = 0, capacity: Int = 4096) {
        self.style = style
        base = indent
        out = ByteOutput(capacity: capacity)
    }

    /// The bytes written.
    public consuming func bytes() -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(out.count + 1)
        out.copy(into: &bytes)
        return bytes
    }

    // MARK: Containers

    public mutating func beginObject() { begin(UInt8(ascii: "{")) }

    public mutating func endObject() { close(UInt8(ascii: "}")) }

    public mutating func beginArray() { begin(UInt8(ascii: "[")) }

    public mutating func endArray() { close(UInt8(ascii: "]")) }

    private mutating func begin(_ bracket: UInt8) {
        beforeValue()
        #if DEBUG
        objects.append(bracket == UInt8(ascii: "{"))
        #endif
        out.append(bracket)
        open += 1
        hasElements = false
    }

    /// An empty container is `{}` or `[]` in both styles; a full one ends on a line of its own
    /// in pretty style.
    private mutating func close(_ bracket: UInt8) {
        #if DEBUG
        // Popped outside the assert: an assert's condition is not evaluated in every build
        // that defines DEBUG (-O), and the stack must still shrink there.
        let closed = objects.popLast()
        assert(closed == (bracket == UInt8(ascii: "}")) && !afterName, "an end that closes nothing open, or a name without its value")
        #endif
        if hasElements { newline(base + open - 1) }
        open -= 1
        out.append(bracket)
        hasElements = true
    }

    // MARK: Names

    /// A member's name that needs no escape (a literal of ours: ASCII letters and digits).
    public mutating func name(_ n: StaticString) {
        checkName()
        beforeElement()
        assert(Self.isPlain(n), "a literal name that needs an escape")
        out.append(UInt8(ascii: "\""))
        out.append(n)
        out.append(UInt8(ascii: "\""))
        afterNameSeparator()
    }

    /// A member's name, escaped as needed.
    public mutating func name(escaping n: String) {
        checkName()
        beforeElement()
        JSONWriter.writeString(n, into: out)
        afterNameSeparator()
    }

    /// A name goes in an object, and not right after another name.
    @inline(__always)
    private func checkName() {
        #if DEBUG
        assert(objects.last == true && !afterName, "a name outside an object, or after a name")
        #endif
    }

    private mutating func afterNameSeparator() {
        out.append(UInt8(ascii: ":"))
        if style == .pretty { out.append(UInt8(ascii: " ")) }
        afterName = true
    }

    // MARK: Values

    public mutating func string(_ s: String) {
        beforeValue()
        JSONWriter.writeString(s, into: out)
    }

    /// A string literal of ours that needs no escape.
    public mutating func literal(_ s: StaticString) {
        beginString()
        append(s)
        endString()
    }

    public mutating func bool(_ b: Bool) {
        beforeValue()
        out.append(b ? "true" as StaticString : "false")
    }

    public mutating func null() {
        beforeValue()
        out.append("null" as StaticString)
    }

    public mutating func integer(_ n: Int) {
        beforeValue()
        appendDecimal(n)
    }

    /// A number as its literal text (a ``JSONNumber``'s).
    public mutating func number(_ n: JSONNumber) {
        beforeValue()
        out.append(n.text)
    }

    /// A whole tree, written as ``JSONWriter`` writes it.
    public mutating func value(_ v: JSONValue) {
        switch v {
        case .null: null()
        case .bool(let b): bool(b)
        case .number(let n): number(n)
        case .string(let s): string(s)
        case .array(let elements):
            beginArray()
            for element in elements { value(element) }
            endArray()
        case .object(let object):
            beginObject()
            for member in object.members {
                name(escaping: member.key)
                value(member.value)
            }
            endObject()
        }
    }

    // MARK: A string written in parts

    /// Opens a string whose content follows as ``append(_:)`` calls, up to ``endString()``: for
    /// values like `#fact-<id>` that would otherwise be made as a String only to be copied here.
    public mutating func beginString() {
        beforeValue()
        out.append(UInt8(ascii: "\""))
    }

    /// A literal part that needs no escape.
    public mutating func append(_ s: StaticString) {
        assert(Self.isPlain(s), "a literal part that needs an escape")
        out.append(s)
    }

    /// A part escaped as needed.
    public mutating func append(escaping s: String) { JSONWriter.writeStringContent(s, into: out) }

    /// A decimal integer, in a string or as a number. (`String(n)` of an Int is a small
    /// string: no allocation.)
    public mutating func appendDecimal(_ n: Int) { out.append(String(n)) }

    public mutating func endString() { out.append(UInt8(ascii: "\"")) }

    // MARK: Separators

    /// Before a value: nothing after a name; a comma and (pretty) a new line inside an array.
    private mutating func beforeValue() {
        if afterName {
            afterName = false
        } else if open > 0 {
            #if DEBUG
            assert(objects.last == false, "a value in an object without its name")
            #endif
            beforeElement()
        }
    }

    /// Before an array's value or an object's name.
    private mutating func beforeElement() {
        if hasElements { out.append(UInt8(ascii: ",")) }
        hasElements = true
        newline(base + open)
    }

    @inline(__always)
    private func newline(_ level: Int) {
        guard style == .pretty else { return }
        out.append(0x0A)
        for _ in 0..<(level * 2) { out.append(UInt8(ascii: " ")) }
    }

    static func isPlain(_ s: StaticString) -> Bool {
        UnsafeBufferPointer(start: s.utf8Start, count: s.utf8CodeUnitCount).allSatisfy {
            $0 >= 0x20 && $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "\\")
        }
    }
}
