/// A statement as compact bytes and back, field by field in a fixed order: what the batch and
/// pipe mode's spill stage for every statement, the bulk of what they write and read. Codable
/// through a generic encoder spent most of a spilled run in the runtime's generic machinery;
/// this does the same work with none. Same statement, same bytes; `decode(encode(s)) == s`.
///
/// The first byte is the format's version: bytes of another version (or none of ours) are an
/// error, never a statement read wrongly. Only ever read by the program that wrote them (the
/// staging database is rebuilt when the program changes).
public enum StatementCodec {
    public static let version: UInt8 = 0xC1

    public static func encode(_ statement: Statement) -> [UInt8] {
        var w = CompactWriter()
        w.byte(version)
        switch statement {
        case .condition(let c): w.byte(0); condition(c, &w)
        case .medication(let m): w.byte(1); medication(m, &w)
        case .observation(let o): w.byte(2); observation(o, &w)
        case .procedure(let p): w.byte(3); procedure(p, &w)
        }
        return w.bytes
    }

    public static func decode(_ bytes: UnsafeRawBufferPointer) throws(CompactCodecError) -> Statement {
        var r = CompactReader(bytes)
        guard try r.byte() == version else { throw CompactCodecError(offset: 0, expected: "a statement of version \(version)") }
        let statement: Statement
        switch try r.byte() {
        case 0: statement = .condition(try condition(&r))
        case 1: statement = .medication(try medication(&r))
        case 2: statement = .observation(try observation(&r))
        case 3: statement = .procedure(try procedure(&r))
        default: throw r.fail("a kind of statement")
        }
        guard r.at == bytes.count else { throw r.fail("the end of the statement") }
        return statement
    }

    // MARK: Statements of each kind, without their kind byte (``RecordCodec`` writes them in lists)

    static func condition(_ c: Condition, _ w: inout CompactWriter) {
        concept(c.code, &w)
        w.optionalString(c.clinicalStatus)
        w.optionalString(c.verificationStatus)
        w.optional(c.onset, period)
        w.optional(c.abatement, period)
        w.optional(c.recorded, timeRange)
        w.array(c.bodySites, concept)
        w.array(c.stages, concept)
        usability(c.usability, &w)
        source(c.source, &w)
        w.array(c.otherSources, source)
    }

    static func condition(_ r: inout CompactReader) throws(CompactCodecError) -> Condition {
        var c = Condition(code: try concept(&r), source: SourceRef(file: "", format: .fhirJSON))
        c.clinicalStatus = try r.optionalString()
        c.verificationStatus = try r.optionalString()
        c.onset = try r.present() ? try period(&r) : nil
        c.abatement = try r.present() ? try period(&r) : nil
        c.recorded = try r.present() ? try timeRange(&r) : nil
        c.bodySites = try concepts(&r)
        c.stages = try concepts(&r)
        c.usability = try usability(&r)
        c.source = try source(&r)
        c.otherSources = try sources(&r)
        return c
    }

    static func medication(_ m: MedicationUse, _ w: inout CompactWriter) {
        w.string(m.kind.rawValue)
        concept(m.medication, &w)
        w.optionalString(m.medicationReference)
        w.string(m.actuality.rawValue)
        w.optionalString(m.status)
        w.array(m.statusReasons, concept)
        w.optional(m.effective, period)
        w.optional(m.authored, timeRange)
        w.optional(m.supply, quantity)
        usability(m.usability, &w)
        source(m.source, &w)
        w.array(m.otherSources, source)
    }

    static func medication(_ r: inout CompactReader) throws(CompactCodecError) -> MedicationUse {
        let kind = try raw(MedicationUse.Kind.self, &r)
        var m = MedicationUse(kind: kind, medication: try concept(&r), actuality: .actual, source: SourceRef(file: "", format: .fhirJSON))
        m.medicationReference = try r.optionalString()
        m.actuality = try raw(Actuality.self, &r)
        m.status = try r.optionalString()
        m.statusReasons = try concepts(&r)
        m.effective = try r.present() ? try period(&r) : nil
        m.authored = try r.present() ? try timeRange(&r) : nil
        m.supply = try r.present() ? try quantity(&r) : nil
        m.usability = try usability(&r)
        m.source = try source(&r)
        m.otherSources = try sources(&r)
        return m
    }

    static func observation(_ o: Observation, _ w: inout CompactWriter) {
        w.string(o.kind.rawValue)
        concept(o.code, &w)
        w.optionalString(o.status)
        w.array(o.categories, concept)
        w.optional(o.value, value)
        w.array(o.interpretation, concept)
        w.array(o.components) { c, w in
            concept(c.code, &w)
            w.optional(c.value, value)
            w.array(c.interpretation, concept)
        }
        w.array(o.conclusions, concept)
        w.optionalString(o.conclusionText)
        w.optional(o.effective, period)
        w.array(o.bodySites, concept)
        usability(o.usability, &w)
        source(o.source, &w)
        w.array(o.otherSources, source)
    }

    static func observation(_ r: inout CompactReader) throws(CompactCodecError) -> Observation {
        let kind = try raw(Observation.Kind.self, &r)
        var o = Observation(kind: kind, code: try concept(&r), source: SourceRef(file: "", format: .fhirJSON))
        o.status = try r.optionalString()
        o.categories = try concepts(&r)
        o.value = try r.present() ? try value(&r) : nil
        o.interpretation = try concepts(&r)
        o.components = try r.list { (r: inout CompactReader) throws(CompactCodecError) in
            let code = try concept(&r)
            let v = try r.present() ? try value(&r) : nil
            return ObservationComponent(code: code, value: v, interpretation: try concepts(&r))
        }
        o.conclusions = try concepts(&r)
        o.conclusionText = try r.optionalString()
        o.effective = try r.present() ? try period(&r) : nil
        o.bodySites = try concepts(&r)
        o.usability = try usability(&r)
        o.source = try source(&r)
        o.otherSources = try sources(&r)
        return o
    }

    static func procedure(_ p: Procedure, _ w: inout CompactWriter) {
        w.string(p.kind.rawValue)
        concept(p.code, &w)
        w.optionalString(p.status)
        w.string(p.actuality.rawValue)
        w.optional(p.performed, period)
        w.optional(p.authored, timeRange)
        w.array(p.bodySites, concept)
        w.array(p.reasons, concept)
        w.array(p.intents, concept)
        usability(p.usability, &w)
        source(p.source, &w)
        w.array(p.otherSources, source)
    }

    static func procedure(_ r: inout CompactReader) throws(CompactCodecError) -> Procedure {
        let kind = try raw(Procedure.Kind.self, &r)
        var p = Procedure(kind: kind, code: try concept(&r), actuality: .actual, source: SourceRef(file: "", format: .fhirJSON))
        p.status = try r.optionalString()
        p.actuality = try raw(Actuality.self, &r)
        p.performed = try r.present() ? try period(&r) : nil
        p.authored = try r.present() ? try timeRange(&r) : nil
        p.bodySites = try concepts(&r)
        p.reasons = try concepts(&r)
        p.intents = try concepts(&r)
        p.usability = try usability(&r)
        p.source = try source(&r)
        p.otherSources = try sources(&r)
        return p
    }

    // MARK: Parts, written and read in the same order

    static func concept(_ c: Concept, _ w: inout CompactWriter) {
        w.array(c.codings) { coding, w in
            w.optionalString(coding.system?.rawValue)
            w.string(coding.code)
            w.optionalString(coding.display)
        }
        w.optionalString(c.text)
    }

    static func concept(_ r: inout CompactReader) throws(CompactCodecError) -> Concept {
        let codings = try r.list { r throws(CompactCodecError) in
            let system = try r.optionalString().map(CodeSystem.init(rawValue:))
            let code = try r.string()
            return Coding(system: system, code: code, display: try r.optionalString())
        }
        return Concept(codings: codings, text: try r.optionalString())
    }

    static func concepts(_ r: inout CompactReader) throws(CompactCodecError) -> [Concept] { try r.list(concept) }

    static func timeRange(_ t: TimeRange, _ w: inout CompactWriter) {
        w.int(t.start.seconds)
        w.int(t.end.seconds)
    }

    static func timeRange(_ r: inout CompactReader) throws(CompactCodecError) -> TimeRange {
        let start = Instant(seconds: try r.int())
        var t = TimeRange(start: start, end: start)
        t.end = Instant(seconds: try r.int())
        return t
    }

    static func period(_ p: Period, _ w: inout CompactWriter) {
        w.optional(p.start, timeRange)
        w.optional(p.end, timeRange)
    }

    static func period(_ r: inout CompactReader) throws(CompactCodecError) -> Period {
        let start = try r.present() ? try timeRange(&r) : nil
        var p = Period(start: start, end: nil)
        p.end = try r.present() ? try timeRange(&r) : nil
        return p
    }

    static func quantity(_ q: Quantity, _ w: inout CompactWriter) {
        w.double(q.value)
        w.string(q.text)
        w.optionalString(q.unit)
        w.optionalString(q.comparator)
    }

    static func quantity(_ r: inout CompactReader) throws(CompactCodecError) -> Quantity {
        let v = try r.double()
        let text = try r.string()
        let unit = try r.optionalString()
        var q = Quantity(value: v, text: text, unit: unit)
        q.value = v
        q.comparator = try r.optionalString()
        return q
    }

    static func value(_ v: ObservationValue, _ w: inout CompactWriter) {
        switch v {
        case .quantity(let q): w.byte(0); quantity(q, &w)
        case .concept(let c): w.byte(1); concept(c, &w)
        case .text(let s): w.byte(2); w.string(s)
        case .boolean(let b): w.byte(3); w.bool(b)
        case .integer(let i): w.byte(4); w.int(Int64(i))
        case .other(let s): w.byte(5); w.string(s)
        }
    }

    static func value(_ r: inout CompactReader) throws(CompactCodecError) -> ObservationValue {
        switch try r.byte() {
        case 0: return .quantity(try quantity(&r))
        case 1: return .concept(try concept(&r))
        case 2: return .text(try r.string())
        case 3: return .boolean(try r.bool())
        case 4:
            let i = try r.int()
            guard let n = Int(exactly: i) else { throw r.fail("an integer that fits") }
            return .integer(n)
        case 5: return .other(try r.string())
        default: throw r.fail("a kind of value")
        }
    }

    static func usability(_ u: Usability, _ w: inout CompactWriter) {
        switch u {
        case .usable: w.optionalString(nil)
        case .excluded(let reason): w.optionalString(reason.rawValue)
        }
    }

    static func usability(_ r: inout CompactReader) throws(CompactCodecError) -> Usability {
        guard let reason = try r.optionalString() else { return .usable }
        guard let known = ExclusionReason(rawValue: reason) else { throw r.fail("a reason for exclusion") }
        return .excluded(known)
    }

    static func source(_ s: SourceRef, _ w: inout CompactWriter) {
        w.string(s.file)
        w.string(s.format.rawValue)
        w.optionalString(s.reference)
        w.optional(s.line) { line, w in w.int(Int64(line)) }
        w.optionalString(s.path)
        w.optionalString(s.resourceType)
    }

    static func source(_ r: inout CompactReader) throws(CompactCodecError) -> SourceRef {
        let file = try r.string()
        let format = try raw(SourceRef.Format.self, &r)
        let reference = try r.optionalString()
        var line: Int?
        if try r.present() {
            guard let n = Int(exactly: try r.int()) else { throw r.fail("a line number that fits") }
            line = n
        }
        let path = try r.optionalString()
        return SourceRef(file: file, format: format, reference: reference, line: line, path: path,
                         resourceType: try r.optionalString())
    }

    static func sources(_ r: inout CompactReader) throws(CompactCodecError) -> [SourceRef] { try r.list(source) }

    static func raw<T: RawRepresentable>(_ type: T.Type, _ r: inout CompactReader) throws(CompactCodecError) -> T
    where T.RawValue == String {
        guard let v = T(rawValue: try r.string()) else { throw r.fail("a known \(T.self)") }
        return v
    }
}
