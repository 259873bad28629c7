/// A whole patient record as compact bytes and back: what the batch keeps in its ledger for
/// `explain --state`, one per patient evaluated tonight. Its statements are written as
/// ``StatementCodec`` writes them; the rest field by field in a fixed order. Written through the
/// generic staging encoder, this record was the largest single cost of a batch (Codable's
/// keyed containers, one dynamic dispatch per field). Same record, same bytes;
/// `decode(encode(r)) == r`.
///
/// The first byte is the format's version, distinct from every other body a ledger may hold
/// (the generic staging format's `1`, JSON's `{`), so a ledger written by an earlier release is
/// still read (`LedgerRecords.decode`).
public enum RecordCodec {
    public static let version: UInt8 = 0xC2

    public static func encode(_ record: PatientRecord) -> [UInt8] {
        var w = CompactWriter(capacity: 1024 + 256 * record.statementCount)
        w.byte(version)
        w.string(record.key)
        identity(record.identity, &w)
        w.array(record.conditions, StatementCodec.condition)
        w.array(record.medications, StatementCodec.medication)
        w.array(record.observations, StatementCodec.observation)
        w.array(record.procedures, StatementCodec.procedure)
        w.array(record.sources, StatementCodec.source)
        w.array(record.incomplete) { s, w in w.string(s) }
        return w.bytes
    }

    public static func decode(_ bytes: UnsafeRawBufferPointer) throws(CompactCodecError) -> PatientRecord {
        var r = CompactReader(bytes)
        guard try r.byte() == version else { throw CompactCodecError(offset: 0, expected: "a patient record of version \(version)") }
        let key = try r.string()
        var record = PatientRecord(key: key, identity: try identity(&r))
        record.conditions = try r.list(StatementCodec.condition)
        record.medications = try r.list(StatementCodec.medication)
        record.observations = try r.list(StatementCodec.observation)
        record.procedures = try r.list(StatementCodec.procedure)
        record.sources = try StatementCodec.sources(&r)
        record.incomplete = try r.list { (r: inout CompactReader) throws(CompactCodecError) in try r.string() }
        guard r.at == bytes.count else { throw r.fail("the end of the patient record") }
        return record
    }

    // MARK: The identity, written and read in the same order

    static func identity(_ i: PatientIdentity, _ w: inout CompactWriter) {
        switch i.subject {
        case .reference(let reference):
            w.byte(0)
            w.string(reference)
        case .identifier(let id):
            w.byte(1)
            identifier(id, &w)
        }
        w.array(i.identifiers, identifier)
        w.optionalString(i.gender)
        w.optional(i.birthDate, StatementCodec.timeRange)
        w.optional(i.deceased) { d, w in
            switch d {
            case .no: w.byte(0)
            case .yes: w.byte(1)
            case .on(let t):
                w.byte(2)
                StatementCodec.timeRange(t, &w)
            }
        }
        w.bool(i.isDescribed)
    }

    static func identity(_ r: inout CompactReader) throws(CompactCodecError) -> PatientIdentity {
        let subject: SubjectReference
        switch try r.byte() {
        case 0: subject = .reference(try r.string())
        case 1: subject = .identifier(try identifier(&r))
        default: throw r.fail("a kind of subject reference")
        }
        let identifiers = try r.list(identifier)
        let gender = try r.optionalString()
        let birthDate = try r.present() ? try StatementCodec.timeRange(&r) : nil
        var deceased: Deceased?
        if try r.present() {
            switch try r.byte() {
            case 0: deceased = .no
            case 1: deceased = .yes
            case 2: deceased = .on(try StatementCodec.timeRange(&r))
            default: throw r.fail("a kind of deceased")
            }
        }
        return PatientIdentity(subject: subject, identifiers: identifiers, gender: gender, birthDate: birthDate,
                               deceased: deceased, isDescribed: try r.bool())
    }

    static func identifier(_ id: Identifier, _ w: inout CompactWriter) {
        w.optionalString(id.system)
        w.string(id.value)
    }

    static func identifier(_ r: inout CompactReader) throws(CompactCodecError) -> Identifier {
        let system = try r.optionalString()
        return Identifier(system: system, value: try r.string())
    }
}
