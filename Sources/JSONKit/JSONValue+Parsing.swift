extension JSONValue {
    /// Parses a complete JSON text (one value, optional BOM and whitespace around it).
    public static func parse(_ bytes: [UInt8], maxDepth: Int = 256) throws(JSONSyntaxError) -> JSONValue {
        do {
            return try bytes.withUnsafeBufferPointer { buffer throws(JSONSyntaxError) in
                var cursor = JSONCursor(buffer, offset: bomLength(buffer), maxDepth: maxDepth)
                guard cursor.peek() != nil else { throw JSONSyntaxError(.emptyInput, at: cursor.offset) }
                let value = try cursor.parseValue()
                try cursor.expectEnd()
                return value
            }
        }
    }

    /// 3 when the buffer starts with a UTF-8 byte-order mark, else 0.
    public static func bomLength(_ buffer: UnsafeBufferPointer<UInt8>) -> Int {
        buffer.count >= 3 && buffer[0] == 0xEF && buffer[1] == 0xBB && buffer[2] == 0xBF ? 3 : 0
    }
}
