/// Decides which patient entries are one patient: the one linker behind pipe mode and the batch.
///
/// Entries are linked by shared link strings (a reference key, or an identifier `system|value`
/// that ``IdentityRules`` lets link). A link between two groups whose sex or birth date
/// conflict is refused (DESIGN: "never when sex or birth date conflict; a wrong merge is a
/// clinical error"): the groups stay apart and the conflict is reported. Deterministic: entries
/// and their links are taken in the order given. Links are indexed in a hash table, so a
/// thousand entries sharing one link cost a thousand steps, not a million.
public struct PatientLinker {
    /// One entry to link: its link strings, and what is known of who it is.
    public struct Node: Sendable {
        public var links: [String]
        public var gender: String?
        public var birthDate: TimeRange?

        public init(links: [String], gender: String? = nil, birthDate: TimeRange? = nil) {
            self.links = links
            self.gender = gender
            self.birthDate = birthDate
        }
    }

    public struct Result: Sendable {
        /// Per node, the id of its group (the smallest node index in it).
        public let group: [Int]
        /// Per link, the groups of the nodes that carry it (one, unless a conflict split them).
        public let owners: [String: [Int]]
        /// Pairs of groups that share a link but were kept apart for a conflict, smaller id first.
        public let conflicts: [(Int, Int)]
    }

    /// The link string of a reference key.
    public static func keyLink(_ key: String) -> String { "k:" + key }
    /// The link string of an identifier.
    public static func identifierLink(_ id: Identifier) -> String { "i:" + (id.system ?? "") + "|" + id.value }

    /// The link strings an entry carries: its keys, and its identifiers that may link.
    public static func links(of entry: PatientEntry, rules: IdentityRules) -> [String] {
        entry.keys.map(keyLink) + entry.identity.identifiers.filter(rules.links).map(identifierLink)
    }

    /// Links `nodes`; with `checkIdentity` false (the batch's coarse pre-grouping, which the full
    /// linker refines per group) no link is refused.
    public static func link(_ nodes: [Node], checkIdentity: Bool = true) -> Result {
        var parent = Array(nodes.indices)
        var gender: [String?] = nodes.map(\.gender)
        var birth: [TimeRange?] = nodes.map(\.birthDate)
        var first: [String: Int] = [:]
        var refused: [(Int, Int)] = []

        func find(_ x: Int) -> Int {
            var r = x
            while parent[r] != r { r = parent[r] }
            var n = x
            while parent[n] != r { let next = parent[n]; parent[n] = r; n = next }
            return r
        }
        for (i, node) in nodes.enumerated() {
            for link in node.links {
                guard let other = first[link] else {
                    first[link] = i
                    continue
                }
                let (a, b) = (find(i), find(other))
                if a == b { continue }
                if checkIdentity, conflict(gender[a], birth[a], gender[b], birth[b]) {
                    refused.append((min(a, b), max(a, b)))
                    continue
                }
                let (root, child) = (min(a, b), max(a, b))
                parent[child] = root
                gender[root] = known(gender[root]) ? gender[root] : gender[child] ?? gender[root]
                birth[root] = narrower(birth[root], birth[child])
            }
        }
        let group = nodes.indices.map(find)
        var owners: [String: [Int]] = [:]
        for (i, node) in nodes.enumerated() {
            for link in node.links where !(owners[link]?.contains(group[i]) ?? false) {
                owners[link, default: []].append(group[i])
            }
        }
        for k in owners.keys { owners[k]!.sort() }
        var pairs = Set<[Int]>()
        var conflicts: [(Int, Int)] = []
        for (a, b) in refused {
            let pair = [min(find(a), find(b)), max(find(a), find(b))]
            if pair[0] != pair[1], pairs.insert(pair).inserted { conflicts.append((pair[0], pair[1])) }
        }
        return Result(group: group, owners: owners, conflicts: conflicts)
    }

    static func known(_ g: String?) -> Bool { g == "male" || g == "female" }

    /// Sex conflicts when both are male/female and differ; birth dates when both are known and
    /// their ranges cannot be the same day (`1950` and `1950-03-12` agree).
    static func conflict(_ g1: String?, _ b1: TimeRange?, _ g2: String?, _ b2: TimeRange?) -> Bool {
        if let g1, let g2, known(g1), known(g2), g1 != g2 { return true }
        if let b1, let b2, !(b1.start < b2.end && b2.start < b1.end) { return true }
        return false
    }

    /// The more precise of two overlapping birth date ranges.
    static func narrower(_ a: TimeRange?, _ b: TimeRange?) -> TimeRange? {
        guard let a, let b else { return a ?? b }
        let start = max(a.start, b.start)
        let end = min(a.end, b.end)
        return start < end ? TimeRange(start: start, end: end) : a
    }
}
