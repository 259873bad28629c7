/// Turns FHIR references into comparable keys, following the Bundle resolution rules:
/// a relative reference inside an entry whose fullUrl is RESTful resolves against that
/// fullUrl's base; `urn:uuid:`/`urn:oid:` and absolute URLs stand for themselves; anything
/// else is `Type/id`. Version suffixes (`/_history/2`) are dropped.
enum ReferenceKeys {
    /// The base of a RESTful fullUrl (`http://x/fhir` of `http://x/fhir/Patient/1`), or nil.
    static func restBase(ofFullUrl fullUrl: String?) -> String? {
        guard let fullUrl else { return nil }
        var bytes = fullUrl
        let ascii = bytes.withUTF8 { b in !b.contains { $0 >= 0x80 } }
        return ascii ? asciiRestBase(fullUrl) : restBaseOfText(fullUrl)
    }

    /// ``restBaseOfText(_:)`` on the bytes of an ASCII fullUrl (every one seen in practice),
    /// where each byte is a Character.
    static func asciiRestBase(_ fullUrl: String) -> String? {
        var s = fullUrl
        return s.withUTF8 { b -> String? in
            guard b.starts(with: "http://".utf8) || b.starts(with: "https://".utf8) else { return nil }
            let end = find("/_history/", in: fullUrl) ?? b.count
            // The base ends at the second-to-last slash, and at least four slashes are needed
            // (the parts between them: `http:`, ``, host, …, Type, id).
            var slashes = 0
            var last = -1, secondLast = -1
            for i in 0..<end where b[i] == UInt8(ascii: "/") {
                slashes += 1
                secondLast = last
                last = i
            }
            guard slashes >= 4, b[secondLast + 1] >= 0x41 && b[secondLast + 1] <= 0x5A else { return nil }
            return String(decoding: UnsafeBufferPointer(rebasing: b[0..<secondLast]), as: UTF8.self)
        }
    }

    /// The definition, on Characters.
    static func restBaseOfText(_ fullUrl: String) -> String? {
        guard fullUrl.hasPrefix("http://") || fullUrl.hasPrefix("https://") else { return nil }
        var parts = withoutHistory(fullUrl).split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count >= 5, let type = parts[parts.count - 2].first, type.isUppercase else { return nil }
        parts.removeLast(2)
        return parts.joined(separator: "/")
    }

    static func withoutHistory(_ reference: String) -> String {
        guard let i = find("/_history/", in: reference) else { return reference }
        return String(reference.utf8.prefix(i))!
    }

    /// Byte offset of `needle` in `haystack` (ASCII needles; no String-processing machinery on
    /// this hot path: every reference of every resource comes through here).
    static func find(_ needle: StaticString, in haystack: String) -> Int? {
        var h = haystack
        return h.withUTF8 { bytes -> Int? in
            let n = needle.utf8CodeUnitCount
            guard bytes.count >= n else { return nil }
            let p = needle.utf8Start
            var i = 0
            while i <= bytes.count - n {
                if bytes[i] == p[0] {
                    var k = 1
                    while k < n && bytes[i + k] == p[k] { k += 1 }
                    if k == n { return i }
                }
                i += 1
            }
            return nil
        }
    }

    /// The key a literal reference resolves to, or nil for a contained (`#id`) reference.
    static func key(for literal: String, base: String?) -> String? {
        let r = withoutHistory(literal)
        if r.hasPrefix("#") { return nil }
        if r.hasPrefix("urn:") || find("://", in: r) != nil { return r }
        if let base { return base + "/" + r }
        return r
    }

    /// The resource type a reference names when it says (`Patient/1`, `http://x/Patient/1`), else nil.
    static func type(of literal: String) -> Substring? {
        let r = withoutHistory(literal)
        if r.hasPrefix("urn:") || r.hasPrefix("#") { return nil }
        let parts = r.split(separator: "/")
        guard parts.count >= 2 else { return nil }
        return parts[parts.count - 2]
    }

    /// Every key another resource may use for this one.
    static func keys(type: String, id: String?, fullUrl: String?) -> [String] {
        var keys: [String] = []
        if let fullUrl, !fullUrl.isEmpty { keys.append(withoutHistory(fullUrl)) }
        if let id, !id.isEmpty {
            let relative = type + "/" + id
            if !keys.contains(relative) { keys.append(relative) }
        }
        return keys
    }
}
