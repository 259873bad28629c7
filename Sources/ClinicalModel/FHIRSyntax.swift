/// R4's rules for what may stand in an id or a reference: what the reader warns about, and what
/// may be copied from an input into a CarePlan (a server rejects the rest, and an id such as
/// `../../../tmp/pwned`, a newline or a right-to-left mark must never travel further).
public enum FHIRSyntax {
    /// R4 `id`: `[A-Za-z0-9\-\.]{1,64}`.
    public static func isID(_ s: Substring) -> Bool {
        let u = s.utf8
        guard !u.isEmpty, u.count <= 64 else { return false }
        return u.allSatisfy(isIDByte)
    }

    /// `[A-Za-z0-9\-\.]`
    @inline(__always)
    static func isIDByte(_ b: UInt8) -> Bool {
        (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == 0x2D || b == 0x2E
    }

    public static func isID(_ s: String) -> Bool {
        // The same test over the String's own bytes: a Substring's view is walked index by index.
        var s = s
        return s.withUTF8 { u in
            guard !u.isEmpty, u.count <= 64 else { return false }
            return u.allSatisfy(isIDByte)
        }
    }

    /// Longest URI copied into an output (a fullUrl, an absolute reference).
    public static let maxURILength = 4096

    /// An absolute URI a reference or fullUrl may be: `http(s)://…`, `urn:uuid:…`, `urn:oid:…`,
    /// in printable ASCII without spaces, quotes or angle brackets, at most ``maxURILength``.
    public static func isAbsoluteURI(_ s: String) -> Bool {
        guard s.utf8.count <= maxURILength,
              s.hasPrefix("http://") || s.hasPrefix("https://") || s.hasPrefix("urn:uuid:") || s.hasPrefix("urn:oid:")
        else { return false }
        var bytes = s
        return bytes.withUTF8 { u in
            u.allSatisfy { b in b > 0x20 && b < 0x7F && b != 0x22 && b != 0x3C && b != 0x3E && b != 0x5C && b != 0x60 }
        }
    }

    /// A literal reference R4 allows: `Type/id` (with `/_history/v`), an absolute URL ending in
    /// `Type/id`, a `urn:uuid:`/`urn:oid:`, or `#id` of a contained resource.
    public static func isReference(_ s: String) -> Bool {
        if s.hasPrefix("#") { return s.utf8.count == 1 || isID(s.dropFirst()) }
        if s.hasPrefix("urn:") { return isAbsoluteURI(s) }
        var parts = s.split(separator: "/", omittingEmptySubsequences: false)
        if parts.count >= 4, parts[parts.count - 2] == "_history" {
            guard isID(parts[parts.count - 1]) else { return false }
            parts.removeLast(2)
        }
        guard parts.count >= 2, isType(parts[parts.count - 2]), isID(parts[parts.count - 1]) else { return false }
        if parts.count == 2 { return true }
        return isAbsoluteURI(s)
    }

    /// A resource type's shape: an ASCII capital, then letters (the reader checks the name itself
    /// against R4's list where it matters).
    static func isType(_ s: Substring) -> Bool {
        guard let first = s.utf8.first, first >= 0x41 && first <= 0x5A, s.utf8.count <= 64 else { return false }
        return s.utf8.allSatisfy { b in (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) }
    }

    /// What an identifier's system may be copied as: R4's `uri` is any run of non-space
    /// characters (a C-CDA root such as `ProviderID` included); printable ASCII here, at most
    /// ``maxURILength``.
    public static func isURI(_ s: String) -> Bool {
        !s.isEmpty && s.utf8.count <= maxURILength && s.utf8.allSatisfy { b in b > 0x20 && b < 0x7F }
    }

    /// True when a subject can be written into a CarePlan as it is.
    public static func isWritable(_ subject: SubjectReference) -> Bool {
        switch subject {
        case .reference(let r): return isReference(r) && !r.hasPrefix("#")
        case .identifier(let id):
            return !id.value.isEmpty && id.value.utf8.count <= maxURILength && (id.system.map(isURI) ?? true)
        }
    }
}
