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
    /// `statuses.json`: what record statuses mean, for both readers.
    public let statuses: StatusSemantics
    /// `cda.json`: the C-CDA section and entry templates the CDA reader recognizes.
    public let cdaTemplates: CDATemplateTable
    /// `facts.json`: per fact id, its label and parameters.
    public let facts: [String: FactDefinition]
    /// The facts in the order `facts.json` lists them: the order of explain and of a CarePlan's
    /// contained Observations.
    public let factList: [FactDefinition]
    /// `guidelines/*.json`, parsed, in file-name order; decoded by the Guideline module.
    public let guidelines: [(file: String, json: JSONValue)]
    /// A stable hash of every file: changes whenever any mapping changes.
    public let fingerprint: String

    public struct FactDefinition: Sendable {
        public let id: String
        public let label: String
        /// What the fact means, in one or two sentences (the derived-fact CodeSystem's definition).
        public let definition: String
        /// How it is derived: a kind of ``FactKinds`` (its Swift code), and the kind's parameters.
        public let kind: String
        public let parameters: JSONObject
        /// Its wording: templates of the notes its kind writes.
        public let notes: [String: String]
        /// Its index among all facts (facts.json first, then facts/*.json).
        public let index: Int
        /// The file that defines it, and its position there (`$.facts[position]`), for located errors.
        public let file: String
        public let position: Int
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
        statuses = try Self.loadStatuses(parse("statuses.json"))
        cdaTemplates = try Self.loadCDATemplates(parse("cda.json"))
        // facts.json, then each facts/*.json in file-name order: a guideline added as data can
        // bring its own facts without editing the others' file.
        var factList = try Self.loadFacts(parse("facts.json"), file: "facts.json")
        for path in files.keys.sorted() where path.hasPrefix("facts/") && path.hasSuffix(".json") {
            let more = try Self.loadFacts(parse(path), file: path, indexBase: factList.count)
            for f in more where factList.contains(where: { $0.id == f.id }) {
                throw MappingError(file: path, path: "$.facts", message: "fact \"\(f.id)\" is already defined")
            }
            factList += more
        }
        self.factList = factList
        facts = Dictionary(factList.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        var guidelines: [(file: String, json: JSONValue)] = []
        for path in files.keys.sorted() where path.hasPrefix("guidelines/") && path.hasSuffix(".json") {
            guidelines.append((path, try parse(path)))
        }
        if guidelines.isEmpty {
            throw MappingError(file: "guidelines/", path: "$", message: "no guideline: add at least one guidelines/<id>.json")
        }
        self.guidelines = guidelines
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

    static func loadFacts(_ json: JSONValue, file: String, indexBase: Int = 0) throws(MappingError) -> [FactDefinition] {
        var result: [FactDefinition] = []
        var seen = Set<String>()
        for (i, item) in (json["facts"]?.arrayValue ?? []).enumerated() {
            guard let id = item["id"]?.stringValue, !id.isEmpty, let label = item["label"]?.stringValue else {
                throw MappingError(file: file, path: "$.facts[\(i)]",
                                   message: "each fact needs \"id\" and \"label\" strings")
            }
            guard seen.insert(id).inserted else {
                throw MappingError(file: file, path: "$.facts[\(i)].id", message: "fact \"\(id)\" is defined twice")
            }
            guard id.utf8.allSatisfy({ ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2D }) else {
                throw MappingError(file: file, path: "$.facts[\(i)].id",
                                   message: "a fact id is lower-case letters, digits and '-' (it is a FHIR code and an Observation id)")
            }
            guard let definition = item["definition"]?.stringValue, !definition.isEmpty else {
                throw MappingError(file: file, path: "$.facts[\(i)].definition",
                                   message: "each fact needs a \"definition\": what it means, for the derived-fact CodeSystem")
            }
            guard let kind = item["kind"]?.stringValue, !kind.isEmpty else {
                throw MappingError(file: file, path: "$.facts[\(i)].kind",
                                   message: "each fact names its \"kind\": how it is derived (see Mappings/README.md)")
            }
            var notes: [String: String] = [:]
            if let n = item["notes"] {
                guard let o = n.objectValue, o.members.allSatisfy({ $0.value.stringValue != nil }) else {
                    throw MappingError(file: file, path: "$.facts[\(i)].notes", message: "expected an object of note templates (strings)")
                }
                for m in o.members { notes[m.key] = m.value.stringValue! }
            }
            result.append(FactDefinition(id: id, label: label, definition: definition, kind: kind,
                                         parameters: item["parameters"]?.objectValue ?? JSONObject(), notes: notes, index: indexBase + i, file: file, position: i))
        }
        if result.isEmpty { throw MappingError(file: file, path: "$.facts", message: "expected a non-empty array of facts") }
        return result
    }
}

// MARK: The readers' tables (statuses.json, cda.json)

extension MappingSet {
    /// `statuses.json` → ``StatusSemantics`` (Mappings/README.md "statuses.json"). Every statement
    /// kind a reader produces must have its rules, and a rule may test only an element the reader
    /// reads for that kind (``StatusSemantics/readElements``): anything else would be silently ignored.
    static func loadStatuses(_ json: JSONValue) throws(MappingError) -> StatusSemantics {
        typealias S = StatusSemantics
        let file = "statuses.json"
        var rules: [S.Format: [S.Kind: S.Rules]] = [:]
        var problemStatus: S.ProblemStatus? = nil
        for format in S.Format.allCases {
            let base = "$.\(format.rawValue)"
            guard let object = json[format.rawValue]?.objectValue else {
                throw MappingError(file: file, path: base, message: "expected an object of statement kind → rules")
            }
            let readable = S.readElements[format] ?? [:]
            var kinds: [S.Kind: S.Rules] = [:]
            for member in object.members where member.key != "about" && !(format == .cda && member.key == "moodCodes") {
                let path = base + "." + member.key
                guard let kind = S.Kind(rawValue: member.key), let elements = readable[kind] else {
                    throw MappingError(file: file, path: path, message: "\"\(member.key)\" is not a statement kind the \(format == .fhir ? "FHIR" : "C-CDA") reader produces (known: \(readable.keys.map(\.rawValue).sorted().joined(separator: ", ")))")
                }
                guard kinds[kind] == nil else { throw MappingError(file: file, path: path, message: "\(member.key) is listed twice") }
                guard let o = member.value.objectValue else { throw MappingError(file: file, path: path, message: "expected an object") }
                var allowed: Set<String> = ["about", "excluded", format == .fhir ? "planned" : "fhirStatus"]
                if format == .cda && kind == .condition { allowed.insert("clinicalStatus") }
                for m in o.members where !allowed.contains(m.key) {
                    throw MappingError(file: file, path: path + "." + m.key, message: "unknown key (known: \(allowed.sorted().joined(separator: ", ")))")
                }
                var r = S.Rules()
                for (i, item) in try arrayOf(o["excluded"], file, path + ".excluded").enumerated() {
                    let p = "\(path).excluded[\(i)]"
                    guard let name = item["as"]?.stringValue, let reason = S.exclusionNames[name] else {
                        throw MappingError(file: file, path: p + ".as", message: "expected one of \(S.exclusionNames.keys.sorted().joined(separator: ", "))")
                    }
                    r.excluded.append((try statusTest(item, except: "as", elements, file, p), reason))
                }
                if let planned = o["planned"] {
                    if planned.stringValue == "always" {
                        r.alwaysPlanned = true
                    } else {
                        for (i, item) in try arrayOf(planned, file, path + ".planned", orAlways: true).enumerated() {
                            r.planned.append(try statusTest(item, except: nil, elements, file, "\(path).planned[\(i)]"))
                        }
                    }
                }
                if let map = o["fhirStatus"] {
                    r.fhirStatus = try stringMap(map, file, path + ".fhirStatus", lowercasingKeys: true)
                }
                if let c = o["clinicalStatus"] {
                    let p = path + ".clinicalStatus"
                    guard let high = c["withEffectiveTimeHigh"]?.stringValue, !high.isEmpty else {
                        throw MappingError(file: file, path: p + ".withEffectiveTimeHigh", message: "expected a clinical status (a string)")
                    }
                    problemStatus = S.ProblemStatus(
                        values: try stringMap(c["problemStatusValues"], file, p + ".problemStatusValues", lowercasingKeys: false),
                        withEffectiveTimeHigh: high,
                        concernStatusCodes: try stringMap(c["concernStatusCodes"], file, p + ".concernStatusCodes", lowercasingKeys: true))
                }
                kinds[kind] = r
            }
            for kind in S.Kind.allCases where readable[kind] != nil && kinds[kind] == nil {
                throw MappingError(file: file, path: base, message: "no rules for \(kind.rawValue), a statement kind the reader produces (an empty object means none apply)")
            }
            rules[format] = kinds
        }
        guard let problemStatus else {
            throw MappingError(file: file, path: "$.cda.Condition.clinicalStatus",
                               message: "expected how a Problem Observation's clinical status is read (problemStatusValues, withEffectiveTimeHigh, concernStatusCodes)")
        }
        let moods = "$.cda.moodCodes"
        let event = Set(try nonEmptyStrings(json["cda"]?["moodCodes"]?["event"], file, moods + ".event"))
        let planned = Set(try nonEmptyStrings(json["cda"]?["moodCodes"]?["planned"], file, moods + ".planned"))
        if let both = event.intersection(planned).sorted().first {
            throw MappingError(file: file, path: moods, message: "moodCode \"\(both)\" is listed as both an event and planned")
        }
        return S(rules: rules, eventMoodCodes: event, plannedMoodCodes: planned, problemStatus: problemStatus)
    }

    /// One rule: a single element the reader reads for the kind, with `true` (a boolean element)
    /// or its codes; `except` is the key beside it (`as`).
    private static func statusTest(_ item: JSONValue, except: String?, _ elements: Set<StatusSemantics.Element>,
                                   _ file: String, _ path: String) throws(MappingError) -> StatusSemantics.Test {
        let keys = (item.objectValue?.members ?? []).filter { $0.key != except }
        let known = elements.map(\.rawValue).sorted().joined(separator: ", ")
        guard keys.count == 1, let member = keys.first else {
            throw MappingError(file: file, path: path, message: "expected an object naming one element (\(known))" + (except.map { " and \"\($0)\"" } ?? ""))
        }
        guard let element = StatusSemantics.Element(rawValue: member.key), elements.contains(element) else {
            throw MappingError(file: file, path: path + "." + member.key, message: "not an element the reader reads for this kind (known: \(known))")
        }
        if element.isBoolean {
            guard member.value.boolValue == true else {
                throw MappingError(file: file, path: path + "." + member.key, message: "\(member.key) is a boolean: the rule holds when it is true (write true)")
            }
            return StatusSemantics.Test(element: element)
        }
        return StatusSemantics.Test(element: element, codes: Set(try nonEmptyStrings(member.value, file, path + "." + member.key)))
    }

    /// `cda.json` → ``CDATemplateTable`` (Mappings/README.md "cda.json"): every section and entry
    /// kind the reader knows must be listed, and a templateId root or section code may belong to
    /// one kind only.
    static func loadCDATemplates(_ json: JSONValue) throws(MappingError) -> CDATemplateTable {
        typealias T = CDATemplateTable
        let file = "cda.json"
        let codeSystems = try nonEmptyStrings(json["sectionCodeSystems"], file, "$.sectionCodeSystems")
        guard let sectionObject = json["sections"]?.objectValue else {
            throw MappingError(file: file, path: "$.sections", message: "expected an object of section kind → templateIds and codes")
        }
        var sections: [T.SectionKind: T.Section] = [:]
        var sectionOwner: [String: String] = [:]
        for member in sectionObject.members where member.key != "about" {
            let path = "$.sections." + member.key
            guard let kind = T.SectionKind(rawValue: member.key) else {
                throw MappingError(file: file, path: path, message: "not a section kind the reader knows (known: \(T.SectionKind.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            guard sections[kind] == nil else { throw MappingError(file: file, path: path, message: "\(member.key) is listed twice") }
            try onlyKeys(member.value, ["about", "templateIds", "codes", "observationCategory"], file, path)
            let templates = try strings(member.value["templateIds"], file, path + ".templateIds")
            let codes = try strings(member.value["codes"], file, path + ".codes")
            for (i, t) in templates.enumerated() {
                if let other = sectionOwner.updateValue(member.key, forKey: "templateId " + t) {
                    throw MappingError(file: file, path: "\(path).templateIds[\(i)]", message: "templateId \(t) is already listed under \(other)")
                }
            }
            for (i, c) in codes.enumerated() {
                if let other = sectionOwner.updateValue(member.key, forKey: "code " + c) {
                    throw MappingError(file: file, path: "\(path).codes[\(i)]", message: "code \(c) is already listed under \(other)")
                }
            }
            var category: Coding? = nil
            if let c = member.value["observationCategory"] {
                guard let system = c["system"]?.stringValue, !system.isEmpty, let code = c["code"]?.stringValue, !code.isEmpty else {
                    throw MappingError(file: file, path: path + ".observationCategory", message: "expected {\"system\": …, \"code\": …}")
                }
                category = Coding(system: CodeSystem(system), code: code)
            }
            sections[kind] = T.Section(templateIDs: templates, codes: codes, observationCategory: category)
        }
        if let missing = T.SectionKind.allCases.first(where: { sections[$0] == nil }) {
            throw MappingError(file: file, path: "$.sections", message: "no entry for section kind \(missing.rawValue) (empty lists turn it off)")
        }
        guard let entryObject = json["entries"]?.objectValue else {
            throw MappingError(file: file, path: "$.entries", message: "expected an object of entry kind → templateIds")
        }
        var entries: [T.EntryKind: [String]] = [:]
        var entryOwner: [String: String] = [:]
        for member in entryObject.members where member.key != "about" {
            let path = "$.entries." + member.key
            guard let kind = T.EntryKind(rawValue: member.key) else {
                throw MappingError(file: file, path: path, message: "not an entry kind the reader knows (known: \(T.EntryKind.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            guard entries[kind] == nil else { throw MappingError(file: file, path: path, message: "\(member.key) is listed twice") }
            try onlyKeys(member.value, ["about", "templateIds"], file, path)
            let templates = try strings(member.value["templateIds"], file, path + ".templateIds")
            for (i, t) in templates.enumerated() {
                if let other = entryOwner.updateValue(member.key, forKey: t) {
                    throw MappingError(file: file, path: "\(path).templateIds[\(i)]", message: "templateId \(t) is already listed under \(other)")
                }
            }
            entries[kind] = templates
        }
        if let missing = T.EntryKind.allCases.first(where: { entries[$0] == nil }) {
            throw MappingError(file: file, path: "$.entries", message: "no entry for entry kind \(missing.rawValue) (an empty templateIds turns it off)")
        }
        let gender = json["administrativeGender"]
        guard let otherwise = gender?["otherwise"]?.stringValue, !otherwise.isEmpty else {
            throw MappingError(file: file, path: "$.administrativeGender.otherwise", message: "expected the gender of any other code (a string)")
        }
        return T(sections: sections, sectionCodeSystems: codeSystems, entries: entries,
                 genders: try stringMap(gender?["codes"], file, "$.administrativeGender.codes", lowercasingKeys: false),
                 otherGender: otherwise)
    }

    private static func arrayOf(_ v: JSONValue?, _ file: String, _ path: String, orAlways: Bool = false) throws(MappingError) -> [JSONValue] {
        guard let v else { return [] }
        guard v.isArray else {
            throw MappingError(file: file, path: path, message: orAlways ? "expected \"always\" or an array of rules" : "expected an array of rules")
        }
        return v.arrayValue
    }

    /// An array of non-empty strings (it may be empty).
    private static func strings(_ v: JSONValue?, _ file: String, _ path: String) throws(MappingError) -> [String] {
        guard let v, v.isArray, v.arrayValue.allSatisfy({ !($0.stringValue ?? "").isEmpty }) else {
            throw MappingError(file: file, path: path, message: "expected an array of non-empty strings")
        }
        return v.arrayValue.compactMap(\.stringValue)
    }

    private static func nonEmptyStrings(_ v: JSONValue?, _ file: String, _ path: String) throws(MappingError) -> [String] {
        let list = try strings(v, file, path)
        if list.isEmpty { throw MappingError(file: file, path: path, message: "expected a non-empty array of strings") }
        return list
    }

    private static func stringMap(_ v: JSONValue?, _ file: String, _ path: String, lowercasingKeys: Bool) throws(MappingError) -> [String: String] {
        guard let o = v?.objectValue, o.members.allSatisfy({ !$0.key.isEmpty && !($0.value.stringValue ?? "").isEmpty }) else {
            throw MappingError(file: file, path: path, message: "expected an object of code → non-empty string")
        }
        var result: [String: String] = [:]
        for m in o.members {
            let key = lowercasingKeys ? m.key.lowercased() : m.key
            guard result.updateValue(m.value.stringValue!, forKey: key) == nil else {
                throw MappingError(file: file, path: path + "." + m.key, message: "\(m.key) is listed twice")
            }
        }
        return result
    }

    private static func onlyKeys(_ v: JSONValue, _ allowed: Set<String>, _ file: String, _ path: String) throws(MappingError) {
        guard let o = v.objectValue else { throw MappingError(file: file, path: path, message: "expected an object") }
        for m in o.members where !allowed.contains(m.key) {
            throw MappingError(file: file, path: path + "." + m.key, message: "unknown key (known: \(allowed.sorted().joined(separator: ", ")))")
        }
    }
}
