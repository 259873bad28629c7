@testable import JSONKit

/// The tree parser JSONCursor had before it read values through a tape, kept as the oracle the
/// tape is held to: written the plain way (arrays, a linear search for repeated names), from
/// the grammar and the cursor's own scanners.
extension JSONCursor {
    mutating func referenceParseValue() throws(JSONSyntaxError) -> JSONValue {
        guard let b = peek() else { throw JSONSyntaxError(.unexpectedEnd, at: offset) }
        switch b {
        case UInt8(ascii: "{"):
            offset += 1
            try push()
            var members: [JSONObject.Member] = []
            var first = true
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
                let key = try scanString()
                try expect(UInt8(ascii: ":"), "':'")
                if firstDuplicateKey == nil, members.contains(where: { $0.key == key }) { firstDuplicateKey = keyOffset }
                members.append(JSONObject.Member(key: key, value: try referenceParseValue()))
            }
            depth -= 1
            return .object(JSONObject(members: members))
        case UInt8(ascii: "["):
            offset += 1
            try push()
            var elements: [JSONValue] = []
            var first = true
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
                elements.append(try referenceParseValue())
            }
            depth -= 1
            return .array(elements)
        case UInt8(ascii: "\""):
            return .string(try scanString())
        case UInt8(ascii: "t"):
            try literal("true")
            return .bool(true)
        case UInt8(ascii: "f"):
            try literal("false")
            return .bool(false)
        case UInt8(ascii: "n"):
            try literal("null")
            return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            let start = offset
            let end = try scanNumberEnd()
            return .number(JSONNumber(text: String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self)))
        default:
            throw JSONSyntaxError(.unexpectedByte(b, expected: "a JSON value"), at: offset)
        }
    }
}
