import ClinicalModel
import JSONKit

/// Typed access to one fact's `parameters` in `facts.json`; every lookup that fails names
/// the file and JSON path, so a broken mapping is found at start-up, not mid-run.
struct FactParameters {
    let mappings: MappingSet
    let definition: MappingSet.FactDefinition
    var fact: String { definition.id }
    /// The file that defines the fact (facts.json or facts/<name>.json).
    var file: String { definition.file }
    var id: FactID { FactID(definition.id) }
    /// The fact's wording (`notes`).
    var notes: FactNotes { FactNotes(templates: definition.notes) }

    init(_ mappings: MappingSet, _ definition: MappingSet.FactDefinition) {
        self.mappings = mappings
        self.definition = definition
        self.parameters = definition.parameters
        self.base = "$.facts[id=\(definition.id)].parameters"
    }

    private init(_ parent: FactParameters, _ object: JSONObject, base: String) {
        mappings = parent.mappings
        definition = parent.definition
        parameters = object
        self.base = base
    }

    private let parameters: JSONObject
    /// JSON path of `parameters` (or of a nested object of them).
    private let base: String

    /// Whether an optional parameter is given.
    func has(_ name: String) -> Bool { parameters[name] != nil }

    func path(_ name: String) -> String { "\(base).\(name)" }

    /// A nested object of parameters, read with the same located errors.
    func nested(_ name: String) throws(MappingError) -> FactParameters {
        FactParameters(self, try object(name), base: path(name))
    }

    /// Each member of a nested object (`{"bone": {…}, "visceral": {…}}`), in file order.
    func members(_ name: String) throws(MappingError) -> [(key: String, parameters: FactParameters)] {
        let o = try object(name)
        var result: [(key: String, parameters: FactParameters)] = []
        for m in o.members {
            guard let inner = m.value.objectValue else {
                throw MappingError(file: definition.file, path: "\(path(name)).\(m.key)", message: "expected an object")
            }
            result.append((m.key, FactParameters(self, inner, base: "\(path(name)).\(m.key)")))
        }
        return result
    }

    /// Another fact this one reads (a dependency), by id; it must be defined.
    func factID(_ name: String) throws(MappingError) -> FactID {
        guard let id = try value(name).stringValue else {
            throw MappingError(file: definition.file, path: path(name), message: "expected a fact id")
        }
        guard mappings.facts[id] != nil else {
            throw MappingError(file: definition.file, path: path(name), message: "no fact \"\(id)\" is defined")
        }
        return FactID(id)
    }

    func string(_ name: String) throws(MappingError) -> String {
        guard let s = try value(name).stringValue, !s.isEmpty else {
            throw MappingError(file: definition.file, path: path(name), message: "expected a non-empty string")
        }
        return s
    }

    /// A rule over other facts (the language of the guidelines).
    func rule(_ name: String) throws(MappingError) -> Rule {
        try Rule.decode(try value(name), path: path(name), known: Set(mappings.factList.map { FactID($0.id) }), file: definition.file)
    }

    func object(_ name: String) throws(MappingError) -> JSONObject {
        guard let o = try value(name).objectValue else {
            throw MappingError(file: definition.file, path: path(name), message: "expected an object")
        }
        return o
    }

    func value(_ name: String) throws(MappingError) -> JSONValue {
        guard let v = parameters[name] else {
            throw MappingError(file: definition.file, path: path(name), message: "the parameter is missing")
        }
        return v
    }

    func valueSet(_ name: String) throws(MappingError) -> ValueSet {
        guard let id = try value(name).stringValue else {
            throw MappingError(file: definition.file, path: path(name), message: "expected a value set id")
        }
        return try mappings.valueSet(id, requiredBy: definition.file, at: path(name))
    }

    func valueSets(_ name: String) throws(MappingError) -> [ValueSet] {
        let list = try value(name).arrayValue
        var result: [ValueSet] = []
        for (i, item) in list.enumerated() {
            guard let id = item.stringValue else {
                throw MappingError(file: definition.file, path: "\(path(name))[\(i)]", message: "expected a value set id")
            }
            result.append(try mappings.valueSet(id, requiredBy: definition.file, at: "\(path(name))[\(i)]"))
        }
        if result.isEmpty { throw MappingError(file: definition.file, path: path(name), message: "expected a non-empty list") }
        return result
    }

    func strings(_ name: String) throws(MappingError) -> [String] {
        let list = try value(name).arrayValue
        guard try value(name).isArray, list.allSatisfy({ $0.stringValue != nil }) else {
            throw MappingError(file: definition.file, path: path(name), message: "expected an array of strings")
        }
        return list.compactMap(\.stringValue)
    }

    func number(_ name: String) throws(MappingError) -> Double {
        guard let n = try value(name).numberValue?.double else {
            throw MappingError(file: definition.file, path: path(name), message: "expected a number")
        }
        return n
    }

    func int(_ name: String) throws(MappingError) -> Int {
        let n = try number(name)
        guard n == n.rounded(), n >= 0 else {
            throw MappingError(file: definition.file, path: path(name), message: "expected a whole number")
        }
        return Int(n)
    }

    /// An object of unit → factor, e.g. `{"nmol/L": 28.84}`; keys compared case-insensitively.
    func unitFactors(_ name: String) throws(MappingError) -> UnitTable {
        guard let object = try value(name).objectValue, !object.members.isEmpty else {
            throw MappingError(file: definition.file, path: path(name), message: "expected an object of unit → factor")
        }
        var factors: [String: Double] = [:]
        for m in object.members {
            guard let f = m.value.numberValue?.double, f > 0 else {
                throw MappingError(file: definition.file, path: "\(path(name)).\(m.key)", message: "expected a positive number")
            }
            factors[UnitTable.key(m.key)] = f
        }
        return UnitTable(factors: factors)
    }

    func objects(_ name: String) throws(MappingError) -> [(JSONObject, String)] {
        let list = try value(name).arrayValue
        var result: [(JSONObject, String)] = []
        for (i, item) in list.enumerated() {
            guard let o = item.objectValue else {
                throw MappingError(file: definition.file, path: "\(path(name))[\(i)]", message: "expected an object")
            }
            result.append((o, "\(path(name))[\(i)]"))
        }
        return result
    }
}

/// Converts a quantity to one reference unit with factors from `facts.json`.
struct UnitTable: Sendable {
    let factors: [String: Double]

    static func key(_ unit: String) -> String {
        String(decoding: unit.utf8.filter { $0 != 0x20 }.map { $0 >= 0x41 && $0 <= 0x5A ? $0 + 0x20 : $0 }, as: UTF8.self)
    }

    /// The value in the reference unit, or nil when the unit is missing or not listed.
    func convert(_ q: Quantity) -> Double? {
        guard let unit = q.unit, let f = factors[Self.key(unit)] else { return nil }
        return q.value * f
    }
}
