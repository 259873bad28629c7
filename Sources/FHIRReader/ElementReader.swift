import ClinicalModel
import JSONKit

/// Reads FHIR data types out of a decoded resource, folding code systems and recording a
/// located warning (never the value) when an element has the wrong shape.
///
/// Unknown elements and primitive extensions (`_birthDate`) are simply never asked for.
struct ElementReader {
    let codeSystems: CodeSystemTable
    /// Shared by every resource the walker reads.
    let systems: SystemResolutions
    let file: String
    /// Location of the resource, for warnings.
    let line: Int?
    let resourcePath: String
    var warnings: [Diagnostic] = []

    init(codeSystems: CodeSystemTable, systems: SystemResolutions, file: String, line: Int?, resourcePath: String) {
        self.codeSystems = codeSystems
        self.systems = systems
        self.file = file
        self.line = line
        self.resourcePath = resourcePath
    }

    mutating func warn(_ element: String, kind: String = "invalid-element", _ message: String) {
        warnings.append(Diagnostic(kind: kind, severity: .warning, file: file, line: line,
                                   path: resourcePath + "." + element, message: message))
    }

    /// A string element; warns when present with another type.
    mutating func string(_ value: JSONNode?, _ element: @autoclosure () -> String) -> String? {
        guard let value else { return nil }
        if let s = value.stringValue { return s }
        if value.isNull { return nil }
        warn(element(), "\(element()) should be a string but is \(value.typeName); it was ignored.")
        return nil
    }

    mutating func object(_ value: JSONNode?, _ element: @autoclosure () -> String) -> JSONNode? {
        guard let value else { return nil }
        if let o = value.objectValue { return o }
        if value.isNull { return nil }
        warn(element(), "\(element()) should be an object but is \(value.typeName); it was ignored.")
        return nil
    }

    /// Elements of a repeating element; a single object where an array belongs is accepted.
    mutating func array(_ value: JSONNode?, _ element: @autoclosure () -> String) -> JSONNode.Elements {
        guard let value else { return JSONNode.Elements() }
        if value.isArray { return value.elements }
        if value.objectValue != nil { return value.single }
        if value.isNull { return JSONNode.Elements() }
        warn(element(), "\(element()) should be an array but is \(value.typeName); it was ignored.")
        return JSONNode.Elements()
    }

    mutating func coding(_ value: JSONNode, _ element: @autoclosure () -> String) -> Coding? {
        guard let o = object(value, element()) else { return nil }
        guard let code = string(o["code"], element() + ".code"), !code.isEmpty else { return nil }
        let system = resolvedSystem(o["system"], element() + ".system")
        return codeSystems.coding(system, code: code, display: string(o["display"], element() + ".display"))
    }

    /// A coding's `system`, resolved; a string of plain ASCII is looked up by its bytes among
    /// those the reader has resolved already.
    mutating func resolvedSystem(_ value: JSONNode?, _ element: @autoclosure () -> String) -> CodeSystemTable.Resolution? {
        if let bytes = value?.plainBytes { return systems.resolution(of: bytes, in: codeSystems) }
        return string(value, element()).map { codeSystems.resolve($0) }
    }

    mutating func concept(_ value: JSONNode?, _ element: @autoclosure () -> String) -> Concept? {
        guard let o = object(value, element()) else { return nil }
        var codings: [Coding] = []
        for (i, c) in array(o["coding"], element() + ".coding").enumerated() {
            if let coding = coding(c, "\(element()).coding[\(i)]") { codings.append(coding) }
        }
        let c = Concept(codings: codings, text: string(o["text"], element() + ".text"))
        return c.isEmpty ? nil : c
    }

    mutating func concepts(_ value: JSONNode?, _ element: @autoclosure () -> String) -> [Concept] {
        array(value, element()).enumerated().compactMap { i, v in concept(v, "\(element())[\(i)]") }
    }

    /// The first code of a status-like CodeableConcept (clinicalStatus, verificationStatus).
    mutating func statusCode(_ value: JSONNode?, _ element: @autoclosure () -> String) -> String? {
        guard let c = concept(value, element()) else { return nil }
        return c.codings.first?.code.lowercased()
    }

    mutating func dateTime(_ value: JSONNode?, _ element: @autoclosure () -> String) -> TimeRange? {
        guard let s = string(value, element()) else { return nil }
        guard let r = TimeRange.parseFHIR(s) else {
            warn(element(), "\(element()) is not a valid FHIR date or dateTime; it was ignored.")
            return nil
        }
        return r
    }

    mutating func period(_ value: JSONNode?, _ element: @autoclosure () -> String) -> Period? {
        guard let o = object(value, element()) else { return nil }
        let p = Period(start: dateTime(o["start"], element() + ".start"), end: dateTime(o["end"], element() + ".end"))
        return p.start == nil && p.end == nil ? nil : p
    }

    /// The names of a `[x]` choice of time: `<prefix>DateTime`, `<prefix>Period`, `<prefix>Instant`,
    /// written out so that no name is put together for every resource read.
    struct TimeChoice {
        let dateTime: String, period: String, instant: String

        static let onset = TimeChoice(dateTime: "onsetDateTime", period: "onsetPeriod", instant: "onsetInstant")
        static let abatement = TimeChoice(dateTime: "abatementDateTime", period: "abatementPeriod", instant: "abatementInstant")
        static let effective = TimeChoice(dateTime: "effectiveDateTime", period: "effectivePeriod", instant: "effectiveInstant")
        static let performed = TimeChoice(dateTime: "performedDateTime", period: "performedPeriod", instant: "performedInstant")
        static let occurrence = TimeChoice(dateTime: "occurrenceDateTime", period: "occurrencePeriod", instant: "occurrenceInstant")
    }

    /// A `[x]` choice of time, the first of its names present.
    mutating func timeChoice(_ o: JSONNode, _ names: TimeChoice) -> Period? {
        if let t = dateTime(o[names.dateTime], names.dateTime) { return Period(at: t) }
        if let p = period(o[names.period], names.period) { return p }
        if let t = dateTime(o[names.instant], names.instant) { return Period(at: t) }
        return nil
    }

    mutating func quantity(_ value: JSONNode?, _ element: @autoclosure () -> String) -> Quantity? {
        guard let o = object(value, element()) else { return nil }
        guard let raw = o["value"] else { return nil }
        guard let n = raw.numberValue, let v = n.double else {
            warn(element() + ".value", "\(element()).value should be a number but is \(raw.typeName); it was ignored.")
            return nil
        }
        if !v.isFinite {
            warn(element() + ".value", "\(element()).value is outside the range of a number (overflow); the result is not used.")
        } else if v.sign == .minus {
            warn(element() + ".value", "\(element()).value is negative; the result is not used as a measurement.")
        }
        let unit = string(o["code"], element() + ".code") ?? string(o["unit"], element() + ".unit")
        return Quantity(value: v, text: n.text, unit: unit, comparator: string(o["comparator"], element() + ".comparator"))
    }

    /// An observation `value[x]` under `prefix` ("value").
    mutating func valueChoice(_ o: JSONNode, _ prefix: String = "value") -> ObservationValue? {
        let lead = prefix.utf8.first
        for member in o.members {
            // A key that starts with another ASCII byte than the prefix cannot start with the
            // prefix (no Character starting with that byte equals the prefix's first): most
            // members are passed over without making their name a String.
            if let lead, lead < 0x80, let first = member.name.firstStringByte, first < 0x80, first != lead { continue }
            let key = member.name.stringValue!
            guard key.hasPrefix(prefix) else { continue }
            let type = key.dropFirst(prefix.count)
            guard let first = type.first, first.isUppercase else { continue }
            switch type {
            case "Quantity": return quantity(member.value, key).map { .quantity($0) }
            case "CodeableConcept": return concept(member.value, key).map { .concept($0) }
            case "String": return string(member.value, key).map { .text($0) }
            case "Boolean":
                if let b = member.value.boolValue { return .boolean(b) }
                warn(key, "\(key) should be a boolean but is \(member.value.typeName); it was ignored.")
                return nil
            case "Integer":
                if let n = member.value.numberValue?.int { return .integer(n) }
                warn(key, "\(key) should be an integer but is \(member.value.typeName); it was ignored.")
                return nil
            default: return .other(String(type))
            }
        }
        return nil
    }

    /// A Reference's target as written: `reference`, or a logical `identifier`.
    mutating func reference(_ value: JSONNode?, _ element: @autoclosure () -> String) -> ReferenceTarget? {
        guard let o = object(value, element()) else { return nil }
        if let r = string(o["reference"], element() + ".reference"), !r.isEmpty { return .literal(r) }
        if let id = object(o["identifier"], element() + ".identifier"),
            let v = string(id["value"], element() + ".identifier.value")
        {
            return .identifier(Identifier(system: string(id["system"], element() + ".identifier.system"), value: v))
        }
        return nil
    }
}

/// What a FHIR Reference points at, before resolution.
enum ReferenceTarget: Hashable {
    case literal(String)
    case identifier(Identifier)
}
