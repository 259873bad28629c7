public import ClinicalModel

/// `ingest explain --patient REF`: one patient, named as the CarePlan and the batch name him —
/// a reference key (`Patient/123`, a fullUrl) or an identifier `system|value`.
///
/// Told apart by the `|`: R4 references never hold one, and an identifier is always written
/// with it (`urn:oid:2.16.840.1.113883.19.5|12345`, `|12345` for one without a system).
public struct PatientSelector: Sendable, Hashable {
    public enum Kind: Sendable, Hashable {
        case reference(String)
        case identifier(system: String?, value: String)
    }

    public let kind: Kind

    public init?(_ text: String) {
        guard !text.isEmpty else { return nil }
        if let bar = text.firstIndex(of: "|") {
            let system = String(text[..<bar])
            let value = String(text[text.index(after: bar)...])
            guard !value.isEmpty else { return nil }
            kind = .identifier(system: system.isEmpty ? nil : system, value: value)
        } else {
            kind = .reference(text)
        }
    }

    /// Whether the record is this patient's: his key, his subject, a key that ends in the
    /// relative reference given (`Patient/123` names `http://x.org/fhir/Patient/123`), or one of
    /// his identifiers (system and value both equal; `urn:oid:` optional on an OID system).
    public func matches(_ r: PatientRecord) -> Bool {
        switch kind {
        case .reference(let ref):
            if r.key == ref { return true }
            if case .reference(let s) = r.identity.subject, s == ref || s.hasSuffix("/" + ref) { return true }
            return r.key.hasSuffix("/" + ref)
        case .identifier(let system, let value):
            return r.identity.identifiers.contains { id in
                id.value == value && Self.sameSystem(id.system, system)
            }
        }
    }

    static func sameSystem(_ a: String?, _ b: String?) -> Bool {
        func bare(_ s: String?) -> String? { s.map { $0.hasPrefix("urn:oid:") ? String($0.dropFirst(8)) : $0 } }
        return bare(a) == bare(b)
    }
}
