public import JSONKit
import ClinicalModel

/// A FHIR R4 `transaction` Bundle that writes CarePlans with `PUT <type>/<id>`: ready to POST to
/// a server's base URL. PUT of a whole resource by id is idempotent, so replaying the Bundle
/// leaves the server as one application did. Only what changed goes in (the caller's choice), so
/// a reviewer's edits on the server to an unchanged CarePlan survive.
public enum TransactionBundle {
    /// The Bundle's bytes written entry by entry, for outputs that never hold every entry at
    /// once: `head`, then each entry (`entryBytes`) after its `separator`, then `tail`.
    public struct Writer: Sendable {
        public let style: JSONWriter.Style

        public init(style: JSONWriter.Style) { self.style = style }

        /// Everything before the first entry: `{"resourceType":"Bundle","type":"transaction","entry":[`.
        public var head: [UInt8] {
            var e = JSONEmitter(style: style)
            e.beginObject()
            e.name("resourceType"); e.literal("Bundle")
            e.name("type"); e.literal("transaction")
            e.name("entry")
            e.beginArray()
            return e.bytes()
        }

        /// One entry's bytes as they stand in the Bundle's `entry` array (nested two deep); nil
        /// for a resource without `resourceType` and `id`, which cannot be PUT (the builder
        /// never makes one).
        public func entryBytes(_ resource: JSONValue) -> [UInt8]? {
            guard let type = resource["resourceType"]?.stringValue, let id = resource["id"]?.stringValue else { return nil }
            return entryBytes(type: type, id: id) { $0.value(resource) }
        }

        /// One entry: `fullUrl`, the resource of that type and id (which `resource` writes),
        /// and `request: PUT <type>/<id>`.
        public func entryBytes(type: String, id: String, resource: (inout JSONEmitter) -> Void) -> [UInt8] {
            var e = JSONEmitter(style: style, indent: 2, capacity: 16384)
            e.beginObject()
            e.name("fullUrl"); e.string(TransactionBundle.fullUrl(type: type, id: id))
            e.name("resource"); resource(&e)
            e.name("request")
            e.beginObject()
            e.name("method"); e.literal("PUT")
            e.name("url"); e.beginString(); e.append(escaping: type); e.append("/"); e.append(escaping: id); e.endString()
            e.endObject()
            e.endObject()
            return e.bytes()
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
