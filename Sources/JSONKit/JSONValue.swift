/// A parsed JSON value.
///
/// Numbers keep their original text: FHIR decimals carry precision (`0.010` is not `0.01`),
/// and a value that is only compared needs no conversion until it is used.
public enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case number(JSONNumber)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)

    /// The member named `key` when this is an object, else `nil`.
    @inlinable
    public subscript(key: String) -> JSONValue? {
        if case .object(let object) = self { return object[key] }
        return nil
    }

    @inlinable public var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    @inlinable public var objectValue: JSONObject? {
        if case .object(let o) = self { return o }
        return nil
    }

    /// The elements when this is an array; an empty array for anything else.
    @inlinable public var arrayValue: [JSONValue] {
        if case .array(let a) = self { return a }
        return []
    }

    @inlinable public var isArray: Bool {
        if case .array = self { return true }
        return false
    }

    @inlinable public var boolValue: Bool? {
        if case .bool(let b) = self { return b }
        return nil
    }

    @inlinable public var numberValue: JSONNumber? {
        if case .number(let n) = self { return n }
        return nil
    }

    /// A short name of the JSON type, for error messages.
    public var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "boolean"
        case .number: "number"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }
}

/// A JSON number as written in the source.
public struct JSONNumber: Sendable, Hashable, CustomStringConvertible {
    /// The literal text, e.g. `"0.010"` or `"-3e2"`.
    public let text: String

    public init(text: String) { self.text = text }

    public var double: Double? { Double(text) }

    /// The value when the literal is an integer that fits in `Int`.
    public var int: Int? { Int(text) }

    public var description: String { text }
}

/// A JSON object with its members in source order.
///
/// FHIR objects are small, so lookup is a linear scan: cheaper than hashing for
/// a handful of keys and it keeps duplicates visible.
public struct JSONObject: Sendable, Equatable {
    public struct Member: Sendable, Equatable {
        public var key: String
        public var value: JSONValue
        public init(key: String, value: JSONValue) {
            self.key = key
            self.value = value
        }
    }

    public var members: [Member]

    public init(members: [Member] = []) { self.members = members }

    @inlinable
    public subscript(key: String) -> JSONValue? {
        for member in members where member.key == key { return member.value }
        return nil
    }
}
