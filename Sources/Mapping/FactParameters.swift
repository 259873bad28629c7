import ClinicalModel
import JSONKit

/// Typed access to one fact's `parameters` in `facts.json`; every lookup that fails names
/// the file and JSON path, so a broken mapping is found at start-up, not mid-run.
struct FactParameters {
    let mappings: MappingSet
    let fact: String

    init(_ mappings: MappingSet, _ fact: FactID) throws(MappingError) {
        guard let definition = mappings.facts[fact.rawValue] else {
            throw MappingError(file: "facts.json", path: "$.facts", message: "fact \"\(fact.rawValue)\" is not defined")
        }
        self.mappings = mappings
        self.fact = fact.rawValue
        self.parameters = definition.parameters
    }

    private let parameters: JSONObject

    /// Whether an optional parameter is given.
    func has(_ name: String) -> Bool { parameters[name] != nil }

    private func path(_ name: String) -> String { "$.facts[id=\(fact)].parameters.\(name)" }

    private func value(_ name: String) throws(MappingError) -> JSONValue {
        guard let v = parameters[name] else {
            throw MappingError(file: "facts.json", path: path(name), message: "the parameter is missing")
        }
        return v
    }

    func valueSet(_ name: String) throws(MappingError) -> ValueSet {
        guard let id = try value(name).stringValue else {
            throw MappingError(file: "facts.json", path: path(name), message: "expected a value set id")
        }
        return try mappings.valueSet(id, requiredBy: "facts.json", at: path(name))
    }

    func valueSets(_ name: String) throws(MappingError) -> [ValueSet] {
        let list = try value(name).arrayValue
        var result: [ValueSet] = []
        for (i, item) in list.enumerated() {
            guard let id = item.stringValue else {
                throw MappingError(file: "facts.json", path: "\(path(name))[\(i)]", message: "expected a value set id")
            }
            result.append(try mappings.valueSet(id, requiredBy: "facts.json", at: "\(path(name))[\(i)]"))
        }
        if result.isEmpty { throw MappingError(file: "facts.json", path: path(name), message: "expected a non-empty list") }
        return result
    }

    func number(_ name: String) throws(MappingError) -> Double {
        guard let n = try value(name).numberValue?.double else {
            throw MappingError(file: "facts.json", path: path(name), message: "expected a number")
        }
        return n
    }

    func int(_ name: String) throws(MappingError) -> Int {
        let n = try number(name)
        guard n == n.rounded(), n >= 0 else {
            throw MappingError(file: "facts.json", path: path(name), message: "expected a whole number")
        }
        return Int(n)
    }

    /// An object of unit → factor, e.g. `{"nmol/L": 28.84}`; keys compared case-insensitively.
    func unitFactors(_ name: String) throws(MappingError) -> UnitTable {
        guard let object = try value(name).objectValue, !object.members.isEmpty else {
            throw MappingError(file: "facts.json", path: path(name), message: "expected an object of unit → factor")
        }
        var factors: [String: Double] = [:]
        for m in object.members {
            guard let f = m.value.numberValue?.double, f > 0 else {
                throw MappingError(file: "facts.json", path: "\(path(name)).\(m.key)", message: "expected a positive number")
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
                throw MappingError(file: "facts.json", path: "\(path(name))[\(i)]", message: "expected an object")
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
