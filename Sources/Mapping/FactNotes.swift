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
