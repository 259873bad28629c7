/// A fact's wording, from its `notes` in `facts.json`: the clinical words a note uses ("a
/// prostate neoplasm", "a treatment only prostate cancer gets") are data, like its codes. Each
/// template may hold `{placeholders}` the kind fills in; a kind's own default, used when a
/// template is not given, names the fact only by its label.
struct FactNotes: Sendable {
    let templates: [String: String]

    static let none = FactNotes(templates: [:])

    /// The template `key` (else `fallback`) with `{name}` replaced by `values[name]`.
    /// One pass over the template: a value that itself holds braces (a record's text) is never
    /// read as a placeholder.
    func text(_ key: String, _ fallback: String, _ values: [String: String] = [:]) -> String {
        let template = templates[key] ?? fallback
        var bytes = template
        // An ASCII template (all of Mappings/') is filled on bytes, where each byte is a
        // Character; any other goes Character by Character, as `{` then a combining mark is a
        // Character that opens nothing.
        return bytes.withUTF8 { b in
            if b.contains(where: { $0 >= 0x80 }) { return Self.fill(template, values) }
            var out: [UInt8] = []
            out.reserveCapacity(b.count + 64)
            var literal = 0
            var i = 0
            while i < b.count {
                guard b[i] == UInt8(ascii: "{") else { i += 1; continue }
                out.append(contentsOf: UnsafeBufferPointer(rebasing: b[literal..<i]))
                var close = i + 1
                while close < b.count, b[close] != UInt8(ascii: "}") { close += 1 }
                if close == b.count {  // unclosed: written as it is
                    literal = i
                    break
                }
                let name = String(decoding: UnsafeBufferPointer(rebasing: b[(i + 1)..<close]), as: UTF8.self)
                if let value = values[name] {
                    out.append(contentsOf: value.utf8)
                } else {
                    out.append(contentsOf: UnsafeBufferPointer(rebasing: b[i...close]))
                }
                i = close + 1
                literal = i
            }
            if literal < b.count { out.append(contentsOf: UnsafeBufferPointer(rebasing: b[literal..<b.count])) }
            return String(decoding: out, as: UTF8.self)
        }
    }

    /// The definition, Character by Character.
    static func fill(_ template: String, _ values: [String: String]) -> String {
        var out = ""
        var name: String? = nil
        for ch in template {
            if var n = name {
                if ch == "}" {
                    out += values[n] ?? "{\(n)}"
                    name = nil
                } else {
                    n.append(ch)
                    name = n
                }
            } else if ch == "{" {
                name = ""
            } else {
                out.append(ch)
            }
        }
        if let n = name { out += "{" + n }
        return out
    }
}
