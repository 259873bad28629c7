import JSONKit

/// One line of `changes.ndjson`: how a patient's recommendations differ from the previous run.
enum Change {
    /// nil when nothing changed. `before`/`after` are ledger `recs` documents.
    static func compare(before: String?, after: String?) -> JSONValue? {
        func parse(_ s: String?) -> (subject: JSONValue?, recs: [(id: String, description: String)], deceased: Bool) {
            guard let s, let v = try? JSONValue.parse(Array(s.utf8)) else { return (nil, [], false) }
            let recs = v["recommendations"]?.arrayValue.compactMap { r -> (String, String)? in
                guard let id = r["id"]?.stringValue else { return nil }
                return (id, r["description"]?.stringValue ?? "")
            } ?? []
            return (v["subject"], recs, v["deceased"]?.boolValue ?? false)
        }
        let b = parse(before)
        let a = parse(after)
        let beforeIDs = Dictionary(b.recs.map { ($0.id, $0.description) }, uniquingKeysWith: { x, _ in x })
        let afterIDs = Dictionary(a.recs.map { ($0.id, $0.description) }, uniquingKeysWith: { x, _ in x })
        let added = a.recs.map(\.id).filter { beforeIDs[$0] == nil }
        let removed = b.recs.map(\.id).filter { afterIDs[$0] == nil }
        let changed = a.recs.filter { r in beforeIDs[r.id].map { $0 != r.description } ?? false }.map(\.id)
        guard !added.isEmpty || !removed.isEmpty || !changed.isEmpty else { return nil }
        // Withdrawn: nothing applies any more (the patient is gone from the export, or nothing fires,
        // or he died — then the reason says so).
        let status: String = a.recs.isEmpty ? "withdrawn" : b.recs.isEmpty ? "new" : "changed"
        var members: [JSONObject.Member] = [
            .init(key: "subject", value: a.subject ?? b.subject ?? .null),
            .init(key: "status", value: .string(status)),
            .init(key: "added", value: .array(added.map { .string($0) })),
            .init(key: "removed", value: .array(removed.map { .string($0) })),
            .init(key: "changed", value: .array(changed.map { .string($0) })),
        ]
        if a.deceased { members.append(.init(key: "reason", value: "deceased")) }
        return .object(JSONObject(members: members))
    }
}
