@testable import Batch
import ClinicalModel
import Foundation
import IngestKit
import TestSupport
import XCTest

/// The compact statement codec the staging store writes every statement with: a statement
/// comes back equal, bytes never decode into something else silently, and no corruption crashes.
final class StatementCodecTests: XCTestCase {
    func decode(_ bytes: [UInt8]) throws -> Statement {
        try bytes.withUnsafeBytes { try StatementCodec.decode($0) }
    }

    func testEveryKindAndEveryOptionalRoundTrips() throws {
        for s in StagingCodecTests.statements {
            let bytes = StatementCodec.encode(s)
            XCTAssertEqual(try decode(bytes), s)
            XCTAssertEqual(StatementCodec.encode(s), bytes, "deterministic")
        }
    }

    /// Every statement the readers make of the fixtures and the shared corpus (FHIR and C-CDA).
    func testEveryStatementReadFromRealRecordsRoundTrips() throws {
        let readers = Readers(mappings: TestSupport.mappings)
        var roots = [TestSupport.path("Fixtures/scenarios"), TestSupport.path("Fixtures/safety")]
        if let corpus = TestSupport.corpusRoot { roots.append(corpus) }
        var checked = 0
        var kinds = Set<String>()
        for root in roots {
            for file in ["json", "ndjson", "xml"].flatMap({ TestSupport.files(under: root, suffix: "." + $0) }) {
                let extract = RecordCollector.extract(try TestSupport.bytes(file), file: file, readers: readers)
                for (_, s) in extract.statements {
                    XCTAssertEqual(try decode(StatementCodec.encode(s)), s, file)
                    kinds.insert(String(describing: s).prefix(while: { $0 != "(" }).description)
                    checked += 1
                }
            }
        }
        XCTAssertGreaterThan(checked, 10_000)
        XCTAssertEqual(kinds.count, 4, "\(kinds)")
    }

    func testNumbersKeepTheirBitsAndExtremes() throws {
        for v in [-Double.infinity, .infinity, -0.0, .leastNonzeroMagnitude, .greatestFiniteMagnitude, .nan] {
            let s = Statement.medication(MedicationUse(kind: .request, medication: Concept(), actuality: .actual,
                                                       supply: Quantity(value: v, text: "x", unit: nil), source: StagingCodecTests.bareSource))
            guard case .medication(let m) = try decode(StatementCodec.encode(s)) else { return XCTFail("kind") }
            XCTAssertEqual(m.supply?.value.bitPattern, v.bitPattern)
        }
        var far = Condition(code: Concept(), recorded: TimeRange(start: Instant(seconds: .min), end: Instant(seconds: .max)),
                            source: SourceRef(file: "f", format: .ndjson, line: Int.min))
        far.otherSources = [SourceRef(file: "", format: .cda, line: Int.max)]
        XCTAssertEqual(try decode(StatementCodec.encode(.condition(far))), .condition(far))
    }

    func testEveryTruncationAndAnotherVersionThrow() throws {
        let bytes = StatementCodec.encode(StagingCodecTests.statements[0])
        for n in 0..<bytes.count {
            XCTAssertThrowsError(try decode(Array(bytes.prefix(n))), "cut at \(n)")
        }
        XCTAssertThrowsError(try decode(bytes + [0]), "a byte too many")
        var other = bytes
        other[0] = 1  // the generic staging encoder's version byte
        XCTAssertThrowsError(try decode(other))
    }

    /// Every single byte changed to every value: an error or a statement, never a crash or a hang.
    func testEverySingleByteChangeIsSafe() throws {
        let bytes = StatementCodec.encode(StagingCodecTests.statements[6])
        var decoded = 0
        for i in bytes.indices {
            for v in [0, 1, 2, 0x7F, 0x80, 0xFF] as [UInt8] where bytes[i] != v {
                var changed = bytes
                changed[i] = v
                if (try? decode(changed)) != nil { decoded += 1 }
            }
        }
        XCTAssertLessThan(decoded, bytes.count * 6)
    }
}
