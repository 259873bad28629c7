/// Turns FHIR references into comparable keys, following the Bundle resolution rules:
/// a relative reference inside an entry whose fullUrl is RESTful resolves against that
/// fullUrl's base; `urn:uuid:`/`urn:oid:` and absolute URLs stand for themselves; anything
/// else is `Type/id`. Version suffixes (`/_history/2`) are dropped.
enum ReferenceKeys {
    /// The base of a RESTful fullUrl (`http://x/fhir` of `http://x/fhir/Patient/1`), or nil.
    static func restBase(ofFullUrl fullUrl: String?) -> String? {
        guard let fullUrl, fullUrl.hasPrefix("http://") || fullUrl.hasPrefix("https://") else { return nil }
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
