public import JSONKit
import ClinicalModel

/// A FHIR R4 `transaction` Bundle that writes CarePlans with `PUT <type>/<id>`: ready to POST to
/// a server's base URL. PUT of a whole resource by id is idempotent, so replaying the Bundle
/// leaves the server as one application did. Only what changed goes in (the caller's choice), so
/// a reviewer's edits on the server to an unchanged CarePlan survive.
public enum TransactionBundle {
    /// Entries in the order given; a resource without `resourceType` and `id` cannot be PUT and
    /// is left out (the builder never makes one).
    public static func bundle(_ resources: [JSONValue]) -> JSONValue {
        ["resourceType": "Bundle", "type": "transaction", "entry": .array(resources.compactMap(entry))]
    }

    /// The bytes of `bundle(_:)` written entry by entry, for outputs that never hold every
    /// entry at once: `head`, then each `element` of `entryBytes`, then `tail`.
    public struct Writer: Sendable {
        public let style: JSONWriter.Style

        public init(style: JSONWriter.Style) { self.style = style }

        /// Everything before the first entry.
        public var head: [UInt8] {
            var empty = JSONWriter.serialize(bundle([]), style: style)
            // `…"entry":[]}`: up to and with the `[`.
            let open = empty.lastIndex(of: UInt8(ascii: "["))!
            empty.removeSubrange((open + 1)...)
            return empty
        }

        /// One entry's bytes as they stand in the Bundle's `entry` array (nested two deep).
        public func entryBytes(_ resource: JSONValue) -> [UInt8]? {
            entry(resource).map { JSONWriter.serialize($0, style: style, indent: 2) }
        }

        /// What precedes the entry at `index`.
        public func separator(_ index: Int) -> [UInt8] {
            (index > 0 ? [UInt8(ascii: ",")] : []) + (style == .pretty ? Array("\n    ".utf8) : [])
        }

        /// Everything after `count` entries.
        public func tail(count: Int) -> [UInt8] {
            (count > 0 && style == .pretty ? Array("\n  ".utf8) : []) + Array((style == .pretty ? "]\n}" : "]}").utf8)
        }
    }

    /// One entry: `fullUrl`, the resource, and `request: PUT <type>/<id>`.
    public static func entry(_ resource: JSONValue) -> JSONValue? {
        guard let type = resource["resourceType"]?.stringValue, let id = resource["id"]?.stringValue else { return nil }
        return [
            "fullUrl": .string(fullUrl(type: type, id: id)),
            "resource": resource,
            "request": ["method": "PUT", "url": .string("\(type)/\(id)")],
        ]
    }

    /// R4 wants a fullUrl on every entry but a create's; the server's own URL for the resource
    /// is not known here, so a `urn:uuid:` that only this type and id give (a name-based UUID,
    /// RFC 9562 version 8), the same every night.
    static func fullUrl(type: String, id: String) -> String {
        let h = Array(StableHash.hex128(of: type, id))
        func part(_ r: Range<Int>) -> String { String(h[r]) }
        let variant = "89ab"[("89ab".index("89ab".startIndex, offsetBy: Int(String(h[16]), radix: 16)! % 4))]
        return "urn:uuid:\(part(0..<8))-\(part(8..<12))-8\(part(13..<16))-\(variant)\(part(17..<20))-\(part(20..<32))"
    }
}
