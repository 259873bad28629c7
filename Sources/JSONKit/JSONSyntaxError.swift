/// A JSON text that is not well formed, with the byte offset where reading stopped.
///
/// The message never quotes the input: a clinical record's strings are patient data.
/// Turn the offset into a line, column and JSON path with ``JSONLocation``.
public struct JSONSyntaxError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        case unexpectedEnd
        case unexpectedByte(UInt8, expected: String)
        case controlCharacterInString
        case invalidEscape
        case invalidUTF8
        case invalidNumber
        case invalidLiteral
        case tooDeep(limit: Int)
        case trailingContent
        case emptyInput
        /// A member name repeated in one object: readers disagree on which one counts (the first
        /// here, the last in Python), so the text cannot be read one way.
        case duplicateKey
        /// A UTF-16 or UTF-32 text (told by its byte order mark or its zero bytes): JSON is UTF-8.
        case notUTF8(encoding: String)
        /// A string longer than the reader's limit (bytes).
        case stringTooLong(limit: Int)
    }

    public var kind: Kind
    /// Byte offset from the start of the buffer that was being read.
    public var offset: Int

    public init(_ kind: Kind, at offset: Int) {
        self.kind = kind
        self.offset = offset
    }

    public var description: String {
        switch kind {
        case .unexpectedEnd: "the JSON text ends in the middle of a value"
        case .unexpectedByte(let byte, let expected): "expected \(expected) but found \(Self.describe(byte))"
        case .controlCharacterInString: "a string contains an unescaped control character"
        case .invalidEscape: "a string contains an invalid escape sequence"
        case .invalidUTF8: "a string is not valid UTF-8"
        case .invalidNumber: "a number is malformed"
        case .invalidLiteral: "expected true, false or null"
        case .tooDeep(let limit): "values are nested deeper than \(limit) levels"
        case .trailingContent: "more content follows the end of the JSON value"
        case .emptyInput: "the input holds no JSON value"
        case .duplicateKey: "a member name appears twice in one object (readers disagree on which counts)"
        case .stringTooLong(let limit): "a string is longer than the limit of \(limit) bytes"
        case .notUTF8(let encoding): "the text is \(encoding); FHIR JSON must be UTF-8 (convert it, e.g. iconv -f \(encoding) -t UTF-8)"
        }
    }

    /// Names a byte without echoing content: punctuation is shown, letters and digits are not.
    static func describe(_ byte: UInt8) -> String {
        switch byte {
        case UInt8(ascii: "{"), UInt8(ascii: "}"), UInt8(ascii: "["), UInt8(ascii: "]"),
            UInt8(ascii: ","), UInt8(ascii: ":"), UInt8(ascii: "\""):
            "'\(Character(Unicode.Scalar(byte)))'"
        case UInt8(ascii: "<"): "'<' (is this XML?)"
        case 0x30...0x39: "a digit"
        case 0x41...0x5A, 0x61...0x7A: "a letter"
        case 0x80...0xFF: "a non-ASCII byte"
        default: "byte 0x\(String(byte, radix: 16))"
        }
    }
}
