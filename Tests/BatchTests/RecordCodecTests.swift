@testable import Batch
import ClinicalModel
import Foundation
import IngestKit
import TestSupport
import XCTest

/// The compact codec of the whole patient record the batch keeps in its ledger for
/// `explain --state`: a record comes back equal, ledgers of earlier releases are still read,
/// and no corruption crashes or decodes silently into another record.
final class RecordCodecTests: XCTestCase {
    func decode(_ bytes: [UInt8]) throws -> PatientRecord {
        try bytes.withUnsafeBytes { try RecordCodec.decode($0) }
    }

    /// Records with every identity shape, every optional present and absent, and none empty.
    static var records: [PatientRecord] {
        var all = [StagingCodecTests.record, PatientRecord(key: "", identity: StagingCodecTests.identities[3])]
        for (i, identity) in StagingCodecTests.identities.enumerated() {
            var r = StagingCodecTests.record
            r.key = "key \(i) – 東京"
            r.identity = identity
            if i % 2 == 1 { r.incomplete = [] }
            if i == 2 { r.sources = [] }
            all.append(r)
        }
        return all
    }

    func testEveryIdentityAndEveryOptionalRoundTrips() throws {
        for record in Self.records {
            let bytes = RecordCodec.encode(record)
            XCTAssertEqual(bytes.first, RecordCodec.version)
            XCTAssertEqual(try decode(bytes), record)
            XCTAssertEqual(RecordCodec.encode(record), bytes, "deterministic")
        }
    }

    /// Every record assembled from the fixtures and the shared corpus (FHIR and C-CDA).
    func testEveryRecordAssembledFromRealRecordsRoundTrips() throws {
        let readers = Readers(mappings: TestSupport.mappings)
        var roots = [TestSupport.path("Fixtures/scenarios"), TestSupport.path("Fixtures/safety")]
        if let corpus = TestSupport.corpusRoot { roots.append(corpus) }
        var records = 0
        var statements = 0
        for root in roots {
            for file in ["json", "ndjson", "xml"].flatMap({ TestSupport.files(under: root, suffix: "." + $0) }) {
                var assembler = RecordAssembler()
                assembler.add(RecordCollector.extract(try TestSupport.bytes(file), file: file, readers: readers))
                for record in assembler.records() {
                    XCTAssertEqual(try decode(RecordCodec.encode(record)), record, file)
                    records += 1
                    statements += record.statementCount
                }
            }
        }
        // The fixtures alone hold a few thousand statements; with the shared corpus, over 10,000.
        XCTAssertGreaterThan(records, 100)
        XCTAssertGreaterThan(statements, TestSupport.corpusRoot == nil ? 1_000 : 10_000)
    }

    /// A ledger keeps bodies across releases: the compact body, the generic staging body and the
    /// JSON body of one record all read back as that record.
    func testLedgerReadsTheBodiesOfEveryRelease() throws {
        for record in Self.records {
            let compact = Data(RecordCodec.encode(record))
            let staged = Data(try StagingEncoder().encode(record))
            let json = try JSONEncoder().encode(record)
            XCTAssertEqual(staged.first, StagingFormat.version)
            XCTAssertEqual(json.first, UInt8(ascii: "{"))
            for body in [compact, staged, json] {
                XCTAssertEqual(try LedgerRecords.decode(body), record)
            }
        }
    }

    func testEveryTruncationAnotherVersionAndATrailingByteThrow() throws {
        let bytes = RecordCodec.encode(StagingCodecTests.record)
        for n in 0..<bytes.count {
            XCTAssertThrowsError(try decode(Array(bytes.prefix(n))), "cut at \(n)")
        }
        XCTAssertThrowsError(try decode(bytes + [0]), "a byte too many")
        for version in [StagingFormat.version, StatementCodec.version, UInt8(ascii: "{")] {
            var other = bytes
            other[0] = version
            XCTAssertThrowsError(try decode(other), "version \(version)")
        }
        // A statement's bytes are not a record.
        XCTAssertThrowsError(try decode(StatementCodec.encode(StagingCodecTests.statements[0])))
    }

    /// Every single byte changed to a few telling values: an error or a record, never a crash or
    /// a hang, and more errors than bytes.
    func testEverySingleByteChangeIsSafe() throws {
        let bytes = RecordCodec.encode(StagingCodecTests.record)
        var caught = 0
        for i in bytes.indices {
            for v in [0, 1, 2, 3, 0x7F, 0x80, 0xFF] as [UInt8] where bytes[i] != v {
                var changed = bytes
                changed[i] = v
                if (try? decode(changed)) == nil { caught += 1 }
            }
        }
        XCTAssertGreaterThan(caught, bytes.count)
    }
}
