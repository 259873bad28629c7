import ClinicalModel
import JSONKit

/// Reads FHIR ValueSet resources (`compose.include[].concept[]`, and `compose.include[].valueSet[]`
/// to include other value sets by url or id) and flattens includes, with their synonyms.
struct ValueSetLoader {
    let codeSystems: CodeSystemTable
    let synonyms: [String: [String]]
    let rules: TextRules

    struct Raw {
        let file: String
        let id: String
        let url: String?
        let title: String
        var codes: Set<ValueSet.CodeKey>
        var opposites: Set<ValueSet.CodeKey> = []
        var includes: [(ref: String, path: String)]
    }

    /// The concepts of one `compose.include[]` or `compose.exclude[]` element.
    func concepts(_ element: JSONValue, file: String, path: String) throws(MappingError) -> [ValueSet.CodeKey] {
        let concepts = element["concept"]?.arrayValue ?? []
        if concepts.isEmpty { return [] }
        guard let systemText = element["system"]?.stringValue else {
            throw MappingError(file: file, path: "\(path).system", message: "an include with concepts needs a system")
        }
        let system = codeSystems.canonical(systemText)
        var keys: [ValueSet.CodeKey] = []
        for (k, concept) in concepts.enumerated() {
            guard let code = concept["code"]?.stringValue, !code.isEmpty else {
                throw MappingError(file: file, path: "\(path).concept[\(k)].code", message: "expected a code")
            }
            keys.append(ValueSet.CodeKey(system: system, code: codeSystems.normalizedCode(code, system: system)))
        }
        return keys
    }

    func load(_ documents: [(path: String, value: JSONValue)]) throws(MappingError) -> [String: ValueSet] {
        var raws: [String: Raw] = [:]
        var byURL: [String: String] = [:]
        for (file, json) in documents {
            guard json["resourceType"]?.stringValue == "ValueSet" else {
                throw MappingError(file: file, path: "$.resourceType", message: "expected a FHIR ValueSet")
            }
            guard let id = json["id"]?.stringValue, !id.isEmpty else {
                throw MappingError(file: file, path: "$.id", message: "a value set needs an id")
            }
            if raws[id] != nil {
                throw MappingError(file: file, path: "$.id", message: "value set id \"\(id)\" is defined twice")
            }
            var raw = Raw(file: file, id: id, url: json["url"]?.stringValue,
                          title: json["title"]?.stringValue ?? json["name"]?.stringValue ?? id, codes: [], includes: [])
            let includes = json["compose"]?["include"]?.arrayValue ?? []
            for (i, include) in includes.enumerated() {
                let path = "$.compose.include[\(i)]"
                for (k, vs) in (include["valueSet"]?.arrayValue ?? []).enumerated() {
                    guard let ref = vs.stringValue else {
                        throw MappingError(file: file, path: "\(path).valueSet[\(k)]", message: "expected a string")
                    }
                    raw.includes.append((ref, "\(path).valueSet[\(k)]"))
                }
                raw.codes.formUnion(try concepts(include, file: file, path: path))
            }
            for (i, exclude) in (json["compose"]?["exclude"]?.arrayValue ?? []).enumerated() {
                raw.opposites.formUnion(try concepts(exclude, file: file, path: "$.compose.exclude[\(i)]"))
            }
            if let url = raw.url { byURL[url] = id }
            raws[id] = raw
        }
        for key in synonyms.keys.sorted() where raws[key] == nil {
            throw MappingError(file: "synonyms.json", path: "$.synonyms.\(key)",
                               message: "no value set with id \"\(key)\" in valuesets/")
        }

        var result: [String: ValueSet] = [:]
        func flatten(_ id: String, _ visiting: [String]) throws(MappingError)
            -> (codes: Set<ValueSet.CodeKey>, opposites: Set<ValueSet.CodeKey>, terms: [String])
        {
            let raw = raws[id]!
            if visiting.contains(id) {
                throw MappingError(file: raw.file, path: "$.compose", message: "value set includes itself: \((visiting + [id]).joined(separator: " → "))")
            }
            var codes = raw.codes
            var opposites = raw.opposites
            var terms = synonyms[id] ?? []
            for (ref, path) in raw.includes {
                guard let target = byURL[ref] ?? (raws[ref] != nil ? ref : nil) else {
                    throw MappingError(file: raw.file, path: path, message: "no value set with url or id \"\(ref)\"")
                }
                let inner = try flatten(target, visiting + [id])
                codes.formUnion(inner.codes)
                opposites.formUnion(inner.opposites)
                terms += inner.terms
            }
            // FHIR: an excluded code is never a member, whichever include brought it.
            return (codes.subtracting(raw.opposites), opposites.subtracting(codes.subtracting(raw.opposites)), terms)
        }
        for id in raws.keys.sorted() {
            let flat = try flatten(id, [])
            result[id] = ValueSet(id: id, title: raws[id]!.title, codes: flat.codes, opposites: flat.opposites,
                                  synonyms: flat.terms, rules: rules)
        }
        return result
    }
}
