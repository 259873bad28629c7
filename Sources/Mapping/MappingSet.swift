public import ClinicalModel
public import JSONKit

/// Everything `Mappings/` defines, loaded and checked: code-system aliases, value sets with
/// their synonyms, the fact parameters and the (still undecoded) guideline.
///
/// Built from file contents, not paths: this module does no I/O. The CLI passes either the
/// embedded defaults or the files of a `--mappings` folder.
public struct MappingSet: Sendable {
    public let codeSystems: CodeSystemTable
    public let valueSets: [String: ValueSet]
    /// The value set files as written (FHIR ValueSet JSON), in file order: what `ingest
    /// definitions` publishes.
    public let valueSetDocuments: [(id: String, document: JSONValue)]
    /// `text.json`: when a synonym found in free text does not count.
    public let textRules: TextRules
    /// `therapies.json`: how each systemic therapy is given, and when a course ends.
    let therapies: TherapyTable
    /// `identity.json`: identifier values that never link patients.
    public let identityRules: IdentityRules
    /// `facts.json`: per fact id, its label and parameters.
    public let facts: [String: FactDefinition]
    /// `guideline.json`, parsed; decoded by the Guideline module.
    public let guideline: JSONValue
    /// A stable hash of every file: changes whenever any mapping changes.
    public let fingerprint: String

    public struct FactDefinition: Sendable {
        public let id: String
        public let label: String
        /// What the fact means, in one or two sentences (the derived-fact CodeSystem's definition).
        public let definition: String
        public let parameters: JSONObject
    }

    /// Loads from `[path relative to Mappings/: contents]`.
    public init(files: [String: String]) throws(MappingError) {
        var hash = StableHash()
        for path in files.keys.sorted() {
            hash.combine(path)
            hash.combine(files[path]!)
        }
        fingerprint = hash.hex

        func parse(_ path: String) throws(MappingError) -> JSONValue {
            guard let text = files[path] else {
                throw MappingError(file: path, path: "$", message: "the file is missing")
            }
            let bytes = Array(text.utf8)
            do {
                return try JSONValue.parse(bytes)
            } catch {
                let location = bytes.withUnsafeBufferPointer { JSONLocation.locate(offset: error.offset, in: $0) }
                throw MappingError(file: path, path: location.path,
                                   message: "line \(location.line), column \(location.column): \(error.description)")
            }
        }

        codeSystems = try Self.loadCodeSystems(parse("codesystems.json"))
        textRules = try TextRules.load(parse("text.json"))
        let synonyms = try Self.loadSynonyms(parse("synonyms.json"))
        var documents: [(path: String, value: JSONValue)] = []
        for path in files.keys.sorted() where path.hasPrefix("valuesets/") {
            documents.append((path, try parse(path)))
        }
        valueSets = try ValueSetLoader(codeSystems: codeSystems, synonyms: synonyms, rules: textRules).load(documents)
        valueSetDocuments = documents.compactMap { d in d.value["id"]?.stringValue.map { ($0, d.value) } }
        therapies = try TherapyTable(parse("therapies.json"), valueSets: valueSets)
        identityRules = try Self.loadIdentity(parse("identity.json"))
        facts = try Self.loadFacts(parse("facts.json"))
        guideline = try parse("guideline.json")
    }

    /// The value set `id`, or a located error naming who asked for it.
    public func valueSet(_ id: String, requiredBy file: String, at path: String) throws(MappingError) -> ValueSet {
        guard let vs = valueSets[id] else {
            throw MappingError(file: file, path: path, message: "no value set with id \"\(id)\" in valuesets/")
        }
        return vs
    }

    static func loadCodeSystems(_ json: JSONValue) throws(MappingError) -> CodeSystemTable {
        var table = CodeSystemTable()
        let list = json["codeSystems"]?.arrayValue ?? []
        if list.isEmpty {
            throw MappingError(file: "codesystems.json", path: "$.codeSystems", message: "expected a non-empty array")
        }
        for (i, item) in list.enumerated() {
            guard let uri = item["uri"]?.stringValue, let name = item["name"]?.stringValue else {
                throw MappingError(file: "codesystems.json", path: "$.codeSystems[\(i)]",
                                   message: "each code system needs \"uri\" and \"name\" strings")
            }
            var format: CodeSystemTable.CodeFormat? = nil
            if let f = item["codeFormat"]?.stringValue {
                guard let known = CodeSystemTable.CodeFormat(rawValue: f) else {
                    throw MappingError(file: "codesystems.json", path: "$.codeSystems[\(i)].codeFormat",
                                       message: "unknown code format \"\(f)\" (known: icd)")
                }
                format = known
            }
            table.add(
                CodeSystemTable.Entry(canonical: CodeSystem(uri), codePrefix: item["codePrefix"]?.stringValue, name: name,
                                      codeFormat: format),
                aliases: (item["aliases"]?.arrayValue ?? []).compactMap(\.stringValue),
                oids: (item["oids"]?.arrayValue ?? []).compactMap(\.stringValue))
        }
        return table
    }

    static func loadIdentity(_ json: JSONValue) throws(MappingError) -> IdentityRules {
        guard let list = json["placeholderValues"], list.isArray, list.arrayValue.allSatisfy({ $0.stringValue != nil }) else {
            throw MappingError(file: "identity.json", path: "$.placeholderValues", message: "expected an array of strings")
        }
        guard let repeated = json["repeatedCharacterIsPlaceholder"]?.boolValue else {
            throw MappingError(file: "identity.json", path: "$.repeatedCharacterIsPlaceholder", message: "expected true or false")
        }
        return IdentityRules(placeholderValues: list.arrayValue.compactMap(\.stringValue), repeatedCharacterIsPlaceholder: repeated)
    }

    static func loadSynonyms(_ json: JSONValue) throws(MappingError) -> [String: [String]] {
        guard let object = json["synonyms"]?.objectValue else {
            throw MappingError(file: "synonyms.json", path: "$.synonyms",
                               message: "expected an object of value set id → list of terms")
        }
        var result: [String: [String]] = [:]
        for member in object.members {
            guard member.value.isArray, member.value.arrayValue.allSatisfy({ $0.stringValue != nil }) else {
                throw MappingError(file: "synonyms.json", path: "$.synonyms.\(member.key)",
                                   message: "expected an array of strings")
            }
            result[member.key] = member.value.arrayValue.compactMap(\.stringValue)
        }
        return result
    }

    static func loadFacts(_ json: JSONValue) throws(MappingError) -> [String: FactDefinition] {
        var result: [String: FactDefinition] = [:]
        for (i, item) in (json["facts"]?.arrayValue ?? []).enumerated() {
            guard let id = item["id"]?.stringValue, let label = item["label"]?.stringValue else {
                throw MappingError(file: "facts.json", path: "$.facts[\(i)]",
                                   message: "each fact needs \"id\" and \"label\" strings")
            }
            guard let definition = item["definition"]?.stringValue, !definition.isEmpty else {
                throw MappingError(file: "facts.json", path: "$.facts[\(i)].definition",
                                   message: "each fact needs a \"definition\": what it means, for the derived-fact CodeSystem")
            }
            result[id] = FactDefinition(id: id, label: label, definition: definition,
                                        parameters: item["parameters"]?.objectValue ?? JSONObject())
        }
        return result
    }
}
