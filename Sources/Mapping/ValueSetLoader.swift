import ClinicalModel
import JSONKit

/// Reads FHIR ValueSet resources (`compose.include[].concept[]`, and `compose.include[].valueSet[]`
/// to include other value sets by url or id) and flattens includes, with their synonyms.
struct ValueSetLoader {
    let codeSystems: CodeSystemTable
    let synonyms: [String: [String]]

    struct Raw {
        let file: String
        let id: String
        let url: String?
        let title: String
        var codes: Set<ValueSet.CodeKey>
        var includes: [(ref: String, path: String)]
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
                let concepts = include["concept"]?.arrayValue ?? []
                if concepts.isEmpty { continue }
                guard let systemText = include["system"]?.stringValue else {
                    throw MappingError(file: file, path: "\(path).system", message: "an include with concepts needs a system")
                }
                let system = codeSystems.canonical(systemText)
                for (k, concept) in concepts.enumerated() {
                    guard let code = concept["code"]?.stringValue, !code.isEmpty else {
                        throw MappingError(file: file, path: "\(path).concept[\(k)].code", message: "expected a code")
                    }
                    raw.codes.insert(ValueSet.CodeKey(system: system, code: codeSystems.normalizedCode(code, system: system)))
                }
            }
            if let url = raw.url { byURL[url] = id }
            raws[id] = raw
        }
        for key in synonyms.keys where raws[key] == nil {
            throw MappingError(file: "synonyms.json", path: "$.synonyms.\(key)",
                               message: "no value set with id \"\(key)\" in valuesets/")
        }

        var result: [String: ValueSet] = [:]
        func flatten(_ id: String, _ visiting: [String]) throws(MappingError) -> (Set<ValueSet.CodeKey>, [String]) {
            let raw = raws[id]!
            if visiting.contains(id) {
                throw MappingError(file: raw.file, path: "$.compose", message: "value set includes itself: \((visiting + [id]).joined(separator: " → "))")
            }
            var codes = raw.codes
            var terms = synonyms[id] ?? []
            for (ref, path) in raw.includes {
                guard let target = byURL[ref] ?? (raws[ref] != nil ? ref : nil) else {
                    throw MappingError(file: raw.file, path: path, message: "no value set with url or id \"\(ref)\"")
                }
                let (c, t) = try flatten(target, visiting + [id])
                codes.formUnion(c)
                terms += t
            }
            return (codes, terms)
        }
        for id in raws.keys.sorted() {
            let (codes, terms) = try flatten(id, [])
            result[id] = ValueSet(id: id, title: raws[id]!.title, codes: codes, synonyms: terms)
        }
        return result
    }
}
