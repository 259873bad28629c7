import ClinicalModel
import JSONKit

/// `Mappings/therapies.json`: how each systemic therapy is given and whether it is a line of
/// therapy, plus the status lists and duration units that decide when a course ends.
struct TherapyTable: Sendable {
    enum Schedule: Sendable, Equatable {
        /// Taken every day until stopped (enzalutamide, abiraterone, ADT, PARP inhibitors).
        case continuous
        /// A finite regimen given in cycles of this many days (docetaxel q3w, radium-223 q4w).
        case cycles(days: Int)
    }

    struct Therapy: Sendable {
        let valueSet: ValueSet
        /// As notes name it ("enzalutamide", "177Lu-PSMA-617").
        let name: String
        let schedule: Schedule
        let lineAgent: Bool
    }

    let therapies: [Therapy]
    /// Statuses that say a course is going on (MedicationStatement/Request `active`, …).
    let currentStatuses: Set<String>
    /// Statuses that say a course has ended (`stopped`, `completed`, …).
    let endedStatuses: Set<String>
    /// Line agents starting within this many days of a regimen's first agent belong to it.
    let sameRegimenDays: Int
    /// An administration of a continuous drug covers this many days from the day it was given.
    let administrationCoverDays: Int
    let durationUnits: UnitTable

    func therapy(_ vs: ValueSet) -> Therapy? { therapies.first { $0.valueSet.id == vs.id } }

    var lineAgents: [Therapy] { therapies.filter(\.lineAgent) }

    /// A supply (days supply, expected supply duration, bounds duration) in whole days; nil when
    /// its unit is not a duration listed in `durationUnitsToDays` or the value is not positive.
    func days(_ supply: Quantity?) -> Int? {
        guard let supply, let d = durationUnits.convert(supply), d.isFinite, d > 0, d < 36_500 else { return nil }
        return Int(d.rounded(.up))
    }

    init(_ json: JSONValue, valueSets: [String: ValueSet]) throws(MappingError) {
        let file = "therapies.json"
        func strings(_ key: String) throws(MappingError) -> Set<String> {
            guard let list = json[key], list.isArray, list.arrayValue.allSatisfy({ $0.stringValue != nil }) else {
                throw MappingError(file: file, path: "$.\(key)", message: "expected an array of status codes")
            }
            return Set(list.arrayValue.compactMap { $0.stringValue?.lowercased() })
        }
        currentStatuses = try strings("currentStatuses")
        endedStatuses = try strings("endedStatuses")
        guard let same = json["sameRegimenWithinDays"]?.numberValue?.int, same >= 0 else {
            throw MappingError(file: file, path: "$.sameRegimenWithinDays", message: "expected a whole number of days")
        }
        sameRegimenDays = same
        guard let cover = json["administrationCoverDays"]?.numberValue?.int, cover >= 0 else {
            throw MappingError(file: file, path: "$.administrationCoverDays", message: "expected a whole number of days")
        }
        administrationCoverDays = cover
        guard let units = json["durationUnitsToDays"]?.objectValue, !units.members.isEmpty else {
            throw MappingError(file: file, path: "$.durationUnitsToDays", message: "expected an object of unit → days")
        }
        var factors: [String: Double] = [:]
        for m in units.members {
            guard let f = m.value.numberValue?.double, f > 0 else {
                throw MappingError(file: file, path: "$.durationUnitsToDays.\(m.key)", message: "expected a positive number")
            }
            factors[UnitTable.key(m.key)] = f
        }
        durationUnits = UnitTable(factors: factors)
        var list: [Therapy] = []
        for (i, t) in (json["therapies"]?.arrayValue ?? []).enumerated() {
            let path = "$.therapies[\(i)]"
            guard let id = t["valueSet"]?.stringValue else {
                throw MappingError(file: file, path: "\(path).valueSet", message: "expected a value set id")
            }
            guard let vs = valueSets[id] else {
                throw MappingError(file: file, path: "\(path).valueSet", message: "no value set with id \"\(id)\" in valuesets/")
            }
            guard let name = t["name"]?.stringValue, !name.isEmpty else {
                throw MappingError(file: file, path: "\(path).name", message: "expected the therapy's name")
            }
            let schedule: Schedule
            switch t["schedule"]?.stringValue {
            case "continuous": schedule = .continuous
            case "cycles":
                guard let days = t["cycleDays"]?.numberValue?.int, days > 0 else {
                    throw MappingError(file: file, path: "\(path).cycleDays", message: "a regimen of cycles needs cycleDays")
                }
                schedule = .cycles(days: days)
            default:
                throw MappingError(file: file, path: "\(path).schedule", message: "expected \"continuous\" or \"cycles\"")
            }
            guard let line = t["lineAgent"]?.boolValue else {
                throw MappingError(file: file, path: "\(path).lineAgent", message: "expected true or false")
            }
            if list.contains(where: { $0.valueSet.id == id }) {
                throw MappingError(file: file, path: "\(path).valueSet", message: "value set \"\(id)\" is listed twice")
            }
            list.append(Therapy(valueSet: vs, name: name, schedule: schedule, lineAgent: line))
        }
        if list.isEmpty { throw MappingError(file: file, path: "$.therapies", message: "expected a non-empty array") }
        therapies = list
    }
}
