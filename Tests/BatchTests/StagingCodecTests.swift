@testable import Batch
import ClinicalModel
import Foundation
import TestSupport
import XCTest

/// The staging codec: what the batch writes to and reads from its scratch database.
final class StagingCodecTests: XCTestCase {
    let encoder = StagingEncoder()
    let decoder = StagingDecoder()

    // MARK: Fixtures

    static let day = TimeRange.day(Instant(year: 2024, month: 3, day: 4))
    static let year = TimeRange(start: Instant(year: 2019, month: 1, day: 1), end: Instant(year: 2020, month: 1, day: 1))
    static let fullSource = SourceRef(file: "bundle.json", format: .fhirJSON, reference: "Condition/1", line: 12,
                                      path: "$.entry[3].resource", resourceType: "Condition")
    static let bareSource = SourceRef(file: "-", format: .cda)
    static let concept = Concept(
        codings: [Coding(system: .snomed, code: "254637007", display: "Non-small cell lung cancer"),
                  Coding(system: CodeSystem("urn:oid:2.16.840.1.113883.6.96"), code: "x"), Coding(system: nil, code: "")],
        text: "Cancer du poumon – stade IV, 東京 🙂")

    static let conditions: [Condition] = {
        var full = Condition(code: concept, clinicalStatus: "active", verificationStatus: "confirmed",
                             onset: Period(start: day, end: nil), abatement: Period(at: year), recorded: day,
                             bodySites: [concept, Concept()], stages: [Concept(text: "IV")], usability: .excluded(.refuted),
                             source: fullSource)
        full.otherSources = [bareSource, fullSource]
        return [full, Condition(code: Concept(), source: bareSource),
                Condition(code: Concept(text: ""), verificationStatus: "provisional", onset: Period(start: nil, end: day),
                          usability: .excluded(.unconfirmed), source: bareSource)]
    }()

    static let medications: [MedicationUse] = {
        var full = MedicationUse(kind: .request, medication: concept, medicationReference: "Medication/7", actuality: .planned,
                                 status: "active", statusReasons: [Concept(text: "nausea")], effective: Period(start: day, end: year),
                                 authored: year, supply: Quantity(value: 30, text: "30", unit: "d", comparator: nil),
                                 usability: .usable, source: fullSource)
        full.otherSources = [bareSource]
        return [full, MedicationUse(kind: .cdaActivity, medication: Concept(), actuality: .actual, source: bareSource),
                MedicationUse(kind: .dispense, medication: concept, actuality: .actual,
                              supply: Quantity(value: -0.0, text: "-0", unit: nil, comparator: ">="), usability: .excluded(.notTaken),
                              source: bareSource)]
    }()

    static let observations: [Observation] = {
        var full = Observation(
            kind: .report, code: concept, status: "final", categories: [Concept(codings: [Coding(system: .loinc, code: "LAB")])],
            value: .quantity(Quantity(value: 0.010, text: "0.010", unit: "ng/mL", comparator: "<")), interpretation: [concept],
            components: [ObservationComponent(code: concept, value: .boolean(true), interpretation: [Concept(text: "H")]),
                         ObservationComponent(code: Concept(), value: nil),
                         ObservationComponent(code: concept, value: .integer(-5)),
                         ObservationComponent(code: concept, value: .integer(Int.max)),
                         ObservationComponent(code: concept, value: .text("é")),
                         ObservationComponent(code: concept, value: .text("")),
                         ObservationComponent(code: concept, value: .other("Range")),
                         ObservationComponent(code: concept, value: .concept(concept))],
            conclusions: [concept], conclusionText: "No evidence of disease", effective: Period(at: day), bodySites: [concept],
            usability: .excluded(.noResult), source: fullSource)
        full.otherSources = [bareSource]
        return [full, Observation(code: Concept(), source: bareSource),
                Observation(code: concept, value: .boolean(false), source: bareSource)]
    }()

    static let procedures: [Procedure] = {
        var full = Procedure(kind: .serviceRequest, code: concept, status: "active", actuality: .planned,
                             performed: Period(start: day, end: day), authored: year, bodySites: [concept], reasons: [concept],
                             usability: .excluded(.cancelled), source: fullSource)
        full.intents = [Concept(text: "palliative")]
        full.otherSources = [bareSource, bareSource]
        return [full, Procedure(kind: .procedure, code: Concept(), actuality: .actual, source: bareSource)]
    }()

    static let statements: [Statement] =
        conditions.map(Statement.condition) + medications.map(Statement.medication)
        + observations.map(Statement.observation) + procedures.map(Statement.procedure)

    static let identities = [
        PatientIdentity(subject: .reference("Patient/1"),
                        identifiers: [Identifier(system: "urn:oid:1.2.3", value: "123"), Identifier(system: nil, value: "x")],
                        gender: "female", birthDate: year, deceased: .on(day), isDescribed: true),
        PatientIdentity(subject: .identifier(Identifier(system: "http://hospital/mrn", value: "A-1")), deceased: .yes),
        PatientIdentity(subject: .reference(""), deceased: .no),
        PatientIdentity(subject: .identifier(Identifier(system: nil, value: ""))),
    ]

    static let record: PatientRecord = {
        var r = PatientRecord(key: "k:Patient/1", identity: identities[0], conditions: conditions, medications: medications,
                              observations: observations, procedures: procedures, sources: [fullSource, bareSource])
        r.incomplete = ["a record naming the patient was rejected"]
        return r
    }()

    /// `n` statements, each a little different (their source line).
    static func sampleStatements(_ n: Int) -> [Statement] {
        (0..<n).map { i in
            switch statements[i % statements.count] {
            case .condition(var c):
                c.source.line = i
                return .condition(c)
            case .medication(var m):
                m.source.line = i
                return .medication(m)
            case .observation(var o):
                o.source.line = i
                return .observation(o)
            case .procedure(var p):
                p.source.line = i
                return .procedure(p)
            }
        }
    }

    func roundTrip<T: Codable & Equatable>(_ value: T, file: StaticString = #filePath, line: UInt = #line) throws {
        let bytes = try encoder.encode(value)
        XCTAssertEqual(try decoder.decode(T.self, from: bytes), value, file: file, line: line)
        XCTAssertEqual(try decoder.decode(T.self, from: Data(bytes)), value, "from Data", file: file, line: line)
        XCTAssertEqual(try encoder.encode(value), bytes, "encoding is deterministic", file: file, line: line)
    }

    // MARK: Model values

    func testStatementsOfEveryKindRoundTrip() throws {
        let kinds = Set(Self.statements.map { s -> String in
            switch s {
            case .condition: "condition"
            case .medication: "medication"
            case .observation: "observation"
            case .procedure: "procedure"
            }
        })
        XCTAssertEqual(kinds.count, 4)
        for s in Self.statements { try roundTrip(s) }
        try roundTrip(Self.statements)
    }

    func testPatientEntriesRecordsAndLinksRoundTrip() throws {
        for (i, identity) in Self.identities.enumerated() {
            try roundTrip(PatientEntry(keys: ["Patient/\(i)", "urn:uuid:\(i)"], identity: identity, source: Self.fullSource))
        }
        try roundTrip(PatientEntry(keys: [], identity: Self.identities[3], source: Self.bareSource))
        try roundTrip(Self.record)
        try roundTrip(PatientRecord(key: "", identity: Self.identities[1]))
        try roundTrip(MedicationDefinition(keys: ["Medication/7", "urn:uuid:7"], concept: Self.concept))
        try roundTrip(MedicationDefinition(keys: [], concept: Concept()))
        let links: [PatientLink] = [.key("urn:uuid:1"), .identifier(Identifier(system: "urn:oid:1.2", value: "9")),
                                    .identifier(Identifier(system: nil, value: "9"))]
        for link in links {
            try roundTrip(link)
            try roundTrip(RejectedLink(link: link, kind: "invalid-json", place: "a.ndjson:3"))
        }
    }

    /// Printed, not asserted.
    func testSizeComparedWithJSON() throws {
        let json = JSONEncoder()
        json.outputFormatting = [.sortedKeys]
        let jsonBytes = try Self.statements.reduce(0) { $0 + (try json.encode($1)).count }
        let stagedBytes = try Self.statements.reduce(0) { $0 + (try encoder.encode($1)).count }
        let recordJSON = try json.encode(Self.record).count
        let recordStaged = try encoder.encode(Self.record).count
        print("staging codec: \(Self.statements.count) statements \(stagedBytes) bytes (JSON \(jsonBytes)); "
              + "a record \(recordStaged) bytes (JSON \(recordJSON))")
    }

    // MARK: Other Codable values

    enum Shape: Codable, Equatable {
        case circle(radius: Double)
        case rect(width: Int, height: Int)
        case labelled(String, tag: Int?)
        case nested(inner: Inner, shapes: [Shape])
        case empty
    }

    struct Inner: Codable, Equatable {
        var a: Int8
        var b: UInt16
        var c: Float
        var d: [Bool]
        var e: Int128?
        var f: UInt128
        var g: UInt32?
    }

    struct Outer: Codable, Equatable {
        var name: String
        var inner: Inner
        var shapes: [Shape]
        var optionalInner: Inner?
        var table: [String: [Int]]
        var grid: [[Int]]
        var maybe: [String?]
    }

    func testGenericValuesRoundTrip() throws {
        try roundTrip(["a": 1, "": 0, "zèbre": -7, "long key with spaces": Int.max, "min": Int.min])
        try roundTrip([String: Int]())
        try roundTrip([3: "c", 1: "a", -20: "t", Int.max: ""])
        try roundTrip([[1, 2, 3], [], [-1], [Int](repeating: 300, count: 200)])
        try roundTrip([[[Int]]]([[[]], [], [[1], [2, 3]]]))
        try roundTrip(["a", nil, "", nil, "東京"] as [String?])
        try roundTrip([nil, nil] as [Int?])
        try roundTrip([Int64.min, Int64.max, 0, -1, 1])
        try roundTrip(Int64.min)
        try roundTrip(Int64.max)
        try roundTrip(UInt64.max)
        try roundTrip([UInt64.max, 0, 1 << 63])
        try roundTrip([Int8.min, Int8.max])
        try roundTrip([Int128.min, Int128.max, 0, -1])
        try roundTrip([UInt128.max, 0])
        try roundTrip("")
        try roundTrip("naïve – 東京 🙂 \u{0}\u{FFFF}")
        try roundTrip(String(repeating: "x", count: 200_000))
        try roundTrip(true)
        try roundTrip([Float(1.5), -.infinity, .leastNonzeroMagnitude])
        try roundTrip([1.0, .pi, -.greatestFiniteMagnitude, .infinity])
        try roundTrip(Set(["b", "a", "c"]))
        try roundTrip([Identifier(system: nil, value: "a"): 1, Identifier(system: "s", value: "b"): 2])

        let inner = Inner(a: -128, b: 65535, c: -0.5, d: [true, false], e: Int128.min, f: UInt128.max, g: nil)
        let outer = Outer(name: "outer", inner: inner,
                          shapes: [.circle(radius: 2.5), .rect(width: -3, height: 4), .labelled("x", tag: nil), .labelled("", tag: 7),
                                   .nested(inner: inner, shapes: [.empty, .nested(inner: inner, shapes: [])]), .empty],
                          optionalInner: nil, table: ["a": [1, 2], "b": []], grid: [[1], [], [2, 3]], maybe: [nil, "m"])
        try roundTrip(outer)
        var other = outer
        other.optionalInner = inner
        other.inner.e = nil
        other.inner.g = 0
        try roundTrip(other)
    }

    func testDoublesKeepTheirBitPattern() throws {
        let nan = Double(bitPattern: 0x7FF8_0000_0000_1234)
        for d in [-0.0, 0.0, nan, -nan, Double.signalingNaN, .infinity, .leastNonzeroMagnitude] {
            let back = try decoder.decode(Double.self, from: encoder.encode(d))
            XCTAssertEqual(back.bitPattern, d.bitPattern)
            let inArray = try decoder.decode([Double].self, from: encoder.encode([d]))
            XCTAssertEqual(inArray.map(\.bitPattern), [d.bitPattern])
        }
        let q = Quantity(value: -0.0, text: "-0", unit: nil)
        let back = try decoder.decode(Quantity.self, from: encoder.encode(q))
        XCTAssertEqual(back.value.sign, .minus)
    }

    func testTopLevelOptionals() throws {
        let none: Int? = nil
        let bytes = try encoder.encode(none)
        XCTAssertEqual(bytes, [StagingFormat.version, StagingFormat.null])
        XCTAssertNil(try decoder.decode(Int?.self, from: bytes))
        XCTAssertEqual(try decoder.decode(Int?.self, from: encoder.encode(Int?.some(-3))), -3)
        XCTAssertThrowsError(try decoder.decode(Int.self, from: bytes)) { error in
            guard case DecodingError.valueNotFound = error else { return XCTFail("\(error)") }
        }
    }

    // MARK: Keys

    struct V1: Codable, Equatable {
        var a: Int
    }

    struct V2: Codable, Equatable {
        var a: Int
        var b: String?
        var c: [Int]?
        var d: Inner?
    }

    struct Needs: Codable, Equatable {
        var a: Int
        var c: String
    }

    struct Wrapper<T: Codable & Equatable>: Codable, Equatable {
        var inner: T
    }

    func testMissingOptionalKeyDecodesAsNil() throws {
        let bytes = try encoder.encode(V1(a: 4))
        XCTAssertEqual(try decoder.decode(V2.self, from: bytes), V2(a: 4, b: nil, c: nil, d: nil))
        // encodeIfPresent leaves nil out: the same bytes as a struct without the property.
        XCTAssertEqual(try encoder.encode(V2(a: 4, b: nil, c: nil, d: nil)), bytes)
    }

    func testMissingRequiredKeyThrowsKeyNotFound() throws {
        let bytes = try encoder.encode(V1(a: 4))
        XCTAssertThrowsError(try decoder.decode(Needs.self, from: bytes)) { error in
            guard case DecodingError.keyNotFound(let key, let context) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(key.stringValue, "c")
            XCTAssertTrue(context.debugDescription.contains("\"c\""), context.debugDescription)
        }
        // Nested: the path says where.
        let nested = try encoder.encode(Wrapper(inner: [V1(a: 1)]))
        XCTAssertThrowsError(try decoder.decode(Wrapper<[Needs]>.self, from: nested)) { error in
            guard case DecodingError.keyNotFound(let key, let context) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(key.stringValue, "c")
            XCTAssertEqual(context.codingPath.map(\.stringValue), ["inner", "Index 0"])
        }
    }

    func testTypeMismatchNamesTheKey() throws {
        let bytes = try encoder.encode(Wrapper(inner: 5))
        XCTAssertThrowsError(try decoder.decode(Wrapper<String>.self, from: bytes)) { error in
            guard case DecodingError.typeMismatch(_, let context) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(context.codingPath.map(\.stringValue), ["inner"])
            XCTAssertTrue(context.debugDescription.contains("String"), context.debugDescription)
        }
        XCTAssertThrowsError(try decoder.decode(Wrapper<UInt8>.self, from: encoder.encode(Wrapper(inner: 256)))) { error in
            guard case DecodingError.dataCorrupted = error else { return XCTFail("\(error)") }
        }
        XCTAssertThrowsError(try decoder.decode(Wrapper<Int64>.self, from: encoder.encode(Wrapper(inner: UInt64.max))))
        XCTAssertEqual(try decoder.decode(Wrapper<UInt64>.self, from: encoder.encode(Wrapper(inner: Int64(7)))).inner, 7)
    }

    /// Records what a keyed container reports.
    struct KeyProbe: Decodable {
        enum Keys: String, CodingKey { case a, b, z }
        var keys: [String]
        var hasB: Bool
        var hasZ: Bool
        var bIsNil: Bool
        var aAfterB: Int

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: Keys.self)
            keys = c.allKeys.map(\.stringValue)
            hasB = c.contains(.b)
            hasZ = c.contains(.z)
            bIsNil = try c.decodeNil(forKey: .b)
            aAfterB = try c.decode(Int.self, forKey: .a)  // out of order: found by wrapping around
            XCTAssertThrowsError(try c.decodeNil(forKey: .z))
            XCTAssertNil(try c.decodeIfPresent(String.self, forKey: .b))
            XCTAssertNil(try c.decodeIfPresent(V1.self, forKey: .b))
            XCTAssertNil(try c.decodeIfPresent(String.self, forKey: .z))
        }
    }

    struct Explicit: Encodable {
        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: KeyProbe.Keys.self)
            try c.encode(3, forKey: .a)
            try c.encodeNil(forKey: .b)
            var extra = encoder.container(keyedBy: AnyKey.self)  // the same container again
            try extra.encode("ignored", forKey: AnyKey(stringValue: "unknown"))
        }
    }

    struct AnyKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    func testKeyedContainerQueries() throws {
        let probe = try decoder.decode(KeyProbe.self, from: encoder.encode(Explicit()))
        XCTAssertEqual(probe.keys, ["a", "b"])  // "unknown" is not a key of Keys
        XCTAssertTrue(probe.hasB)
        XCTAssertFalse(probe.hasZ)
        XCTAssertTrue(probe.bIsNil)
        XCTAssertEqual(probe.aAfterB, 3)
    }

    // MARK: Containers written by hand

    /// Nested containers left open and closed by the parent's next entry, a nested unkeyed
    /// container inside an unkeyed one, a super encoder, contents over 128 and 16 KiB.
    struct Handmade: Codable, Equatable {
        enum Keys: String, CodingKey { case first, list, after, big, medium, parent }
        enum NestedKeys: String, CodingKey { case x, y }
        var x: Int
        var y: [String]
        var rows: [[Int]]
        var big: [String]
        var medium: String
        var parent: V1

        init(x: Int, y: [String], rows: [[Int]], big: [String], medium: String, parent: V1) {
            self.x = x
            self.y = y
            self.rows = rows
            self.big = big
            self.medium = medium
            self.parent = parent
        }

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: Keys.self)
            var first = c.nestedContainer(keyedBy: NestedKeys.self, forKey: .first)
            try first.encode(x, forKey: .x)
            var ys = first.nestedUnkeyedContainer(forKey: .y)
            for s in y { try ys.encode(s) }
            var list = c.nestedUnkeyedContainer(forKey: .list)  // closes `first` and `ys`
            for row in rows {
                var r = list.nestedUnkeyedContainer()
                for v in row { try r.encode(v) }
            }
            try c.encode(true, forKey: .after)
            var big = c.nestedUnkeyedContainer(forKey: .big)
            for s in self.big { try big.encode(s) }
            try c.encode(medium, forKey: .medium)
            try parent.encode(to: c.superEncoder(forKey: .parent))
        }

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: Keys.self)
            let first = try c.nestedContainer(keyedBy: NestedKeys.self, forKey: .first)
            x = try first.decode(Int.self, forKey: .x)
            var ys = try first.nestedUnkeyedContainer(forKey: .y)
            y = []
            while !ys.isAtEnd { y.append(try ys.decode(String.self)) }
            var list = try c.nestedUnkeyedContainer(forKey: .list)
            XCTAssertEqual(list.count, 3)
            rows = []
            while !list.isAtEnd {
                var r = try list.nestedUnkeyedContainer()
                var row: [Int] = []
                while !r.isAtEnd { row.append(try r.decode(Int.self)) }
                rows.append(row)
            }
            XCTAssertTrue(try c.decode(Bool.self, forKey: .after))
            big = try c.decode([String].self, forKey: .big)
            medium = try c.decode(String.self, forKey: .medium)
            parent = try V1(from: c.superDecoder(forKey: .parent))
        }
    }

    func testHandwrittenNestedContainers() throws {
        let value = Handmade(x: 7, y: ["p", "q"], rows: [[1, 2], [], [3]],
                             big: (0..<400).map { String(repeating: "b", count: $0 % 90) }, medium: String(repeating: "m", count: 1000),
                             parent: V1(a: -1))
        try roundTrip(value)
        try roundTrip([value, value])
        try roundTrip(Wrapper(inner: Wrapper(inner: value)))
        try roundTrip(Data((0..<300).map { UInt8(truncatingIfNeeded: $0) }))
    }

    struct WritesAfterClose: Encodable {
        var swallow: Bool

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: KeyProbe.Keys.self)
            var nested = c.nestedContainer(keyedBy: KeyProbe.Keys.self, forKey: .a)
            try nested.encode(1, forKey: .a)
            try c.encode(2, forKey: .b)  // closes `nested`
            if swallow {
                try? nested.encode(3, forKey: .b)
            } else {
                try nested.encode(3, forKey: .b)
            }
        }
    }

    struct TwoSingleValues: Encodable {
        func encode(to encoder: any Encoder) throws {
            var c = encoder.singleValueContainer()
            try c.encode(1)
            try? c.encode(2)
        }
    }

    func testWritingToAClosedContainerThrows() {
        for swallow in [false, true] {
            XCTAssertThrowsError(try encoder.encode(WritesAfterClose(swallow: swallow))) { error in
                guard case EncodingError.invalidValue = error else { return XCTFail("\(error)") }
            }
            XCTAssertThrowsError(try encoder.encode([WritesAfterClose(swallow: swallow)]))
        }
        XCTAssertThrowsError(try encoder.encode(TwoSingleValues()))
    }

    // MARK: Determinism

    func testDeterministicBytes() throws {
        XCTAssertNotNil(StagingEncoder.State.dictionaryKeyType, "Dictionary's coding key type is recognized")
        let statements = Self.sampleStatements(50)
        XCTAssertEqual(try statements.map(encoder.encode), try statements.map(encoder.encode))
        // Hash-table order does not leak: equal dictionaries and sets built differently encode alike.
        var a: [String: Int] = [:]
        var b: [String: Int] = [:]
        b.reserveCapacity(1000)
        for i in 0..<100 { a["k\(i)"] = i }
        for i in (0..<100).reversed() { b["k\(i)"] = i }
        XCTAssertNotEqual(Array(a.keys), Array(b.keys), "the two hash tables iterate in different orders")
        XCTAssertEqual(try encoder.encode(a), try encoder.encode(b))
        let intKeyed1 = Dictionary(uniqueKeysWithValues: (0..<50).map { ($0 * 37, "\($0)") })
        var intKeyed2 = [Int: String](minimumCapacity: 400)
        for (k, v) in intKeyed1.sorted(by: { $0.key > $1.key }) { intKeyed2[k] = v }
        XCTAssertEqual(try encoder.encode(intKeyed1), try encoder.encode(intKeyed2))
        XCTAssertEqual(try encoder.encode(Wrapper(inner: a)), try encoder.encode(Wrapper(inner: b)))
        var s1 = Set<Int>()
        var s2 = Set<Int>(minimumCapacity: 500)
        for i in 0..<60 { s1.insert(i * 7) }
        for i in (0..<60).reversed() { s2.insert(i * 7) }
        XCTAssertNotEqual(Array(s1), Array(s2))
        XCTAssertEqual(try encoder.encode(s1), try encoder.encode(s2))
        let pairs1 = Dictionary(uniqueKeysWithValues: (0..<40).map { (Identifier(system: nil, value: "\($0)"), $0) })
        var pairs2: [Identifier: Int] = [:]
        pairs2.reserveCapacity(300)
        for (k, v) in pairs1.sorted(by: { $0.value > $1.value }) { pairs2[k] = v }
        XCTAssertEqual(try encoder.encode(pairs1), try encoder.encode(pairs2))
    }

    // MARK: Malformed input

    func testEveryTruncationThrows() throws {
        let bytes = try encoder.encode(Self.statements[0])
        XCTAssertGreaterThan(bytes.count, 300)
        for n in 0..<bytes.count {
            XCTAssertThrowsError(try decoder.decode(Statement.self, from: Array(bytes[..<n])), "prefix of \(n) bytes")
        }
        XCTAssertThrowsError(try decoder.decode(Statement.self, from: bytes + [0]), "a byte too many")
        let record = try encoder.encode(Self.record)
        for n in stride(from: 0, to: record.count, by: 7) {
            XCTAssertThrowsError(try decoder.decode(PatientRecord.self, from: Array(record[..<n])))
        }
    }

    func testRandomCorruptionNeverCrashes() throws {
        var rng = SplitMix64(seed: 0x5EED)
        let samples = try Self.statements.map { try encoder.encode($0) }
        let record = try encoder.encode(Self.record)
        var thrown = 0
        for i in 0..<600 {
            var bytes = i % 5 == 0 ? record : samples[i % samples.count]
            for _ in 0...Int.random(in: 0...3, using: &rng) {
                let k = Int.random(in: 0..<bytes.count, using: &rng)
                switch Int.random(in: 0..<3, using: &rng) {
                case 0: bytes[k] = UInt8.random(in: 0...255, using: &rng)
                case 1: bytes[k] ^= 1 << UInt8.random(in: 0...7, using: &rng)
                default: bytes[k] = [0, 0x7F, 0x80, 0xFF][Int.random(in: 0..<4, using: &rng)]
                }
            }
            do {
                if i % 5 == 0 {
                    _ = try decoder.decode(PatientRecord.self, from: bytes)
                } else {
                    _ = try decoder.decode(Statement.self, from: bytes)
                }
            } catch is DecodingError {
                thrown += 1
            }
        }
        XCTAssertGreaterThan(thrown, 300)
        // Noise, not our bytes at all.
        for n in 0..<200 {
            var noise = [StagingFormat.version]
            for _ in 0..<n { noise.append(UInt8.random(in: 0...255, using: &rng)) }
            XCTAssertThrowsError(try decoder.decode(Statement.self, from: noise))
            _ = try? decoder.decode([[String: [Int?]]].self, from: noise)
        }
    }

    /// Every byte of an encoded statement set to values that mean something to the format
    /// (tags, one-byte and continued lengths), one at a time.
    func testEverySingleByteChangeIsSafe() throws {
        let bytes = try encoder.encode(Self.statements[0])
        var decoded = 0
        for k in bytes.indices {
            for v: UInt8 in [0, 3, 7, 8, 9, 0x7F, 0x80, 0xFF, bytes[k] &+ 1] where v != bytes[k] {
                var changed = bytes
                changed[k] = v
                if (try? decoder.decode(Statement.self, from: changed)) != nil { decoded += 1 }
            }
        }
        XCTAssertGreaterThan(decoded, 0)  // some changes only alter a string, or a number
    }

    /// A Decodable that keeps its Decoder past the decode call.
    struct Escapes: Decodable {
        nonisolated(unsafe) static var kept: (any Decoder)?
        init(from decoder: any Decoder) throws { Self.kept = decoder }
    }

    func testDecoderKeptPastTheCallThrows() throws {
        _ = try decoder.decode(Escapes.self, from: encoder.encode(5))
        XCTAssertThrowsError(try Escapes.kept?.singleValueContainer().decode(Int.self))
        XCTAssertThrowsError(try Escapes.kept?.container(keyedBy: AnyKey.self))
        Escapes.kept = nil
    }

    // MARK: Throughput

    /// Not a timed test: run `swift test --filter StagingCodecTests.testThroughput` and compare
    /// the two durations XCTest reports.
    func testThroughputStagingCodec() throws {
        let statements = Self.sampleStatements(10_000)
        var total = 0
        for s in statements {
            let bytes = try encoder.encode(s)
            total &+= bytes.count
            let back = try decoder.decode(Statement.self, from: Data(bytes))
            if case .condition = back { total &+= 1 }
        }
        XCTAssertGreaterThan(total, 0)
    }

    func testThroughputFoundationJSON() throws {
        let statements = Self.sampleStatements(10_000)
        let json = JSONEncoder()
        json.outputFormatting = [.sortedKeys]
        let jsonDecoder = JSONDecoder()
        var total = 0
        for s in statements {
            let data = try json.encode(s)
            total &+= data.count
            let back = try jsonDecoder.decode(Statement.self, from: data)
            if case .condition = back { total &+= 1 }
        }
        XCTAssertGreaterThan(total, 0)
    }
}
