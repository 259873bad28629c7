@testable import Batch
import ClinicalModel
import Foundation
import IngestKit
import Testing
import TestSupport

/// The staging database kept from one run to the next (issue 11): an input with the same name
/// and bytes as last run's is not read again, and a patient whose rows are all unchanged since a
/// run of the same night is skipped before any of them is decoded. The oracle is a run from
/// nothing: the same nights in a second output folder whose staging database is deleted before
/// every run must give the same outputs, byte for byte.
@Suite(.serialized) struct StagingReuseTests {
    static let night1 = Instant(year: 2026, month: 11, day: 27)
    static let night2 = Instant(year: 2026, month: 11, day: 28)

    static func temp(_ name: String) throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("reuse-\(name)-\(getpid())").path
        try? FileManager.default.removeItem(atPath: dir)
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    /// Eight scenarios as bundles of an export folder, and one NDJSON file of several patients.
    static func export() throws -> String {
        let dir = try temp("export")
        let scenarios = ["01-mcrpc-docetaxel-stop-reason", "03-cabazitaxel-prior-docetaxel-administration",
                         "04-radium-symptomatic-bone-only", "05-radium-not-with-liver-mets", "08-lu177-psma-positive",
                         "13-no-pelvic-imrt-mcrpc", "81-on-enzalutamide-course-end-window"]
        for (i, s) in scenarios.enumerated() {
            try FileManager.default.copyItem(atPath: TestSupport.path("Fixtures/scenarios/\(s)/input.json"),
                                             toPath: dir + "/b\(i).json")
        }
        let ndjson = #"{"resourceType": "Patient", "id": "nd1", "gender": "male"}"# + "\n"
            + #"{"resourceType": "Condition", "code": {"coding": [{"system": "http://snomed.info/sct", "code": "399068003"}]}, "subject": {"reference": "Patient/nd1"}}"# + "\n"
            + #"{"resourceType": "Patient", "id": "nd2", "gender": "male"}"# + "\n"
        try Data(ndjson.utf8).write(to: URL(fileURLWithPath: dir + "/lines.ndjson"))
        return dir
    }

    static func run(_ inputs: [String], out: String, asOf: Instant, maxStatements: Int? = nil, chunks: Int? = nil) throws -> BatchReport {
        var evaluation = EvaluationOptions(asOf: asOf)
        if let maxStatements { evaluation.limits.maxStatementsPerPatient = maxStatements }
        var options = BatchOptions(inputs: inputs, outDir: out, evaluation: evaluation, jobs: 2, quiet: true)
        // Every input over `chunks` bytes read in chunks of that many: other row numbers.
        if let chunks {
            options.largeFileBytes = chunks
            options.chunkBytes = chunks
        }
        return try BatchRunner(options: options).run()
    }

    static func read(_ path: String) -> String { (try? String(contentsOfFile: path, encoding: .utf8)) ?? "<missing>" }

    /// report.json without what measures the run (its timings and throughput) or the reuse itself.
    static func report(_ out: String) throws -> NSDictionary {
        let object = try #require(try JSONSerialization.jsonObject(with: Data(read(out + "/report.json").utf8)) as? [String: Any])
        var r = object
        r["timings"] = nil
        r["throughput"] = nil
        var inputs = r["inputs"] as? [String: Any] ?? [:]
        inputs["filesReusedUnread"] = nil
        r["inputs"] = inputs
        var patients = r["patients"] as? [String: Any] ?? [:]
        patients["unchangedNotAssembled"] = nil
        r["patients"] = patients
        return r as NSDictionary
    }

    /// One night in `kept` (staging kept from earlier nights) and in `fresh` (staging deleted
    /// first): the outputs must be the same. Returns the kept run's report.
    static func night(_ inputs: [String], kept: String, fresh: String, asOf: Instant, chunks: Int? = nil,
                      sourceLocation: SourceLocation = #_sourceLocation) throws -> BatchReport {
        for suffix in ["", "-wal", "-shm", "-journal"] { unlink(fresh + "/.staging.sqlite" + suffix) }
        let r = try run(inputs, out: kept, asOf: asOf, chunks: chunks)
        let f = try run(inputs, out: fresh, asOf: asOf, chunks: chunks)
        #expect(f.reusedFiles == 0, sourceLocation: sourceLocation)
        // Compared as booleans: a failure names the file instead of printing both.
        for name in ["careplans.ndjson", "changes.ndjson"] {
            let same = read(kept + "/" + name) == read(fresh + "/" + name)
            #expect(same, "\(name) differs from a run from nothing", sourceLocation: sourceLocation)
        }
        let sameReport = try report(kept) == report(fresh)
        #expect(sameReport, "report.json differs from a run from nothing", sourceLocation: sourceLocation)
        #expect(r.patients == f.patients && r.carePlans == f.carePlans, sourceLocation: sourceLocation)
        return r
    }

    @Test func anUnchangedExportIsNotReadAgainAndItsPatientsWithoutCarePlanAreNotAssembled() throws {
        let export = try Self.export()
        let kept = try Self.temp("kept")
        let fresh = try Self.temp("fresh")
        let files = try FileManager.default.contentsOfDirectory(atPath: export).count
        let first = try Self.night([export], kept: kept, fresh: fresh, asOf: Self.night1)
        #expect(first.reusedFiles == 0)
        #expect(first.unassembled == 0)
        #expect(first.evaluated == first.patients)
        let rerun = try Self.night([export], kept: kept, fresh: fresh, asOf: Self.night1)
        #expect(rerun.reusedFiles == files)
        #expect(rerun.evaluated == 0)
        // A patient with a CarePlan is assembled for the report's explanation; every other one is not.
        #expect(rerun.carePlans > 0)
        #expect(rerun.unassembled > 0)
        #expect(rerun.unassembled == rerun.patients - rerun.carePlans)
        // Another night: the same rows, but everyone is evaluated again.
        let next = try Self.night([export], kept: kept, fresh: fresh, asOf: Self.night2)
        #expect(next.reusedFiles == files)
        #expect(next.evaluated == next.patients)
        #expect(next.unassembled == 0)
    }

    @Test func changedRemovedRenamedAndRewrittenInputsGiveWhatARunFromNothingGives() throws {
        let export = try Self.export()
        let kept = try Self.temp("kept2")
        let fresh = try Self.temp("fresh2")
        let fm = FileManager.default
        // A bulk export too: a patient's rows in several files, one of which changes.
        var bulkFiles = 0
        if let corpus = TestSupport.corpusRoot {
            try fm.createDirectory(atPath: export + "/bulk", withIntermediateDirectories: true)
            for name in ["Patient.ndjson", "Condition.ndjson", "MedicationRequest.ndjson", "Observation.ndjson"] {
                try fm.copyItem(atPath: corpus + "/bulk-ndjson/synthea-v2.5_bulk-data-server_20-patients/" + name,
                                toPath: export + "/bulk/" + name)
            }
            bulkFiles = 4
        }
        _ = try Self.night([export], kept: kept, fresh: fresh, asOf: Self.night1)
        if bulkFiles > 0 {
            // Conditions re-exported in another order: staged again, after the kept files' rows.
            let lines = Self.read(export + "/bulk/Condition.ndjson").split(separator: "\n")
            try Data((lines.reversed().joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: export + "/bulk/Condition.ndjson"))
        }
        // One bundle changed (its patient's docetaxel entered in error), one gone, one renamed
        // (its name is in its rows), one rewritten with the same bytes, and one new.
        var bundle = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: export + "/b1.json"))) as? [String: Any])
        var entries = try #require(bundle["entry"] as? [[String: Any]])
        for i in entries.indices {
            guard var r = entries[i]["resource"] as? [String: Any], r["resourceType"] as? String == "MedicationAdministration" else { continue }
            r["status"] = "entered-in-error"
            entries[i]["resource"] = r
        }
        bundle["entry"] = entries
        try JSONSerialization.data(withJSONObject: bundle, options: [.sortedKeys]).write(to: URL(fileURLWithPath: export + "/b1.json"))
        try fm.removeItem(atPath: export + "/b2.json")
        try fm.moveItem(atPath: export + "/b3.json", toPath: export + "/a3.json")
        let same = try Data(contentsOf: URL(fileURLWithPath: export + "/b4.json"))
        try fm.removeItem(atPath: export + "/b4.json")
        try same.write(to: URL(fileURLWithPath: export + "/b4.json"))
        try fm.copyItem(atPath: TestSupport.path("Fixtures/scenarios/02-mcrpc-docetaxel-disease-status/input.json"),
                        toPath: export + "/b9.json")
        let rerun = try Self.night([export], kept: kept, fresh: fresh, asOf: Self.night1)
        // Read again: b1 (changed), a3 (a new name), b9 (new); b4 and the rest are reused.
        let files = try fm.contentsOfDirectory(atPath: export).count - (bulkFiles > 0 ? 1 : 0) + bulkFiles
        #expect(rerun.reusedFiles == files - 3 - (bulkFiles > 0 ? 1 : 0))
        #expect(rerun.evaluated > 0 && rerun.evaluated < rerun.patients)
        // The next night, in another order of names: still what a run from nothing gives.
        try fm.moveItem(atPath: export + "/b0.json", toPath: export + "/z0.json")
        _ = try Self.night([export], kept: kept, fresh: fresh, asOf: Self.night2)
        // And inputs given as files, the same one twice: its second place is read again.
        let twice = [export + "/b5.json", export + "/lines.ndjson", export + "/b5.json"]
        _ = try Self.night(twice, kept: kept, fresh: fresh, asOf: Self.night2)
        // Rerun with the NDJSON inputs read in small chunks: their rows are numbered otherwise,
        // so nothing staged or decided before may stand for them.
        let chunked = try Self.night([export], kept: kept, fresh: fresh, asOf: Self.night2, chunks: 4096)
        #expect(chunked.reusedFiles == 0)
        #expect(chunked.evaluated == chunked.patients)
        // And its baseline night run again after it: what incomplete patients keep and `created`
        // come from that night, so nobody keeps tonight's earlier outcome unassembled.
        _ = try Self.night([export], kept: kept, fresh: fresh, asOf: Self.night2)
        #expect(try Self.night([export], kept: kept, fresh: fresh, asOf: Self.night2).unassembled > 0)
        _ = try Self.night([export], kept: kept, fresh: fresh, asOf: Self.night1)
        let rebased = try Self.night([export], kept: kept, fresh: fresh, asOf: Self.night2)
        #expect(rebased.unassembled == 0)
    }

    @Test func anotherLimitOrADamagedStagingDatabaseStagesEverythingAgain() throws {
        let export = try Self.export()
        let out = try Self.temp("out3")
        let files = try FileManager.default.contentsOfDirectory(atPath: export).count
        let first = try Self.run([export], out: out, asOf: Self.night1)
        let plans = Self.read(out + "/careplans.ndjson")
        #expect(try Self.run([export], out: out, asOf: Self.night1).reusedFiles == files)
        // What decides what an input stages changed: nothing staged before is used.
        let limited = try Self.run([export], out: out, asOf: Self.night1, maxStatements: 100_000)
        #expect(limited.reusedFiles == 0)
        #expect(limited.evaluated == limited.patients)
        // Not a database any more: rebuilt from nothing, the same outputs.
        try Data("not a database".utf8).write(to: URL(fileURLWithPath: out + "/.staging.sqlite"))
        let rebuilt = try Self.run([export], out: out, asOf: Self.night1)
        #expect(rebuilt.reusedFiles == 0)
        #expect(rebuilt.patients == first.patients)
        #expect(Self.read(out + "/careplans.ndjson") == plans)
    }
}

/// `explain --state` reads records a batch staged in the ledger: JSON from releases before the
/// staging format, the staging format since.
@Suite struct LedgerRecordFormatTests {
    @Test func aRecordStagedAsJSONByAnEarlierReleaseOrInTheStagingFormatReadsTheSame() throws {
        var record = PatientRecord(key: "Patient/p1", identity: PatientIdentity(subject: .reference("Patient/p1")))
        record.incomplete = ["a reason"]
        let json = try JSONEncoder().encode(record)
        let staged = Data(try StagingEncoder().encode(record))
        #expect(json.first == UInt8(ascii: "{"))
        #expect(staged.first != UInt8(ascii: "{"))
        #expect(try LedgerRecords.decode(json) == record)
        #expect(try LedgerRecords.decode(staged) == record)
        #expect(throws: (any Error).self) { try LedgerRecords.decode(Data([0x7B, 0x22])) }
    }
}

/// The batch's ordered parallel work (`OrderedWork`): results consumed in order, and a failure
/// while consuming stops the work and is rethrown, with no thread left behind and no trap.
@Suite struct OrderedWorkTests {
    struct Stop: Error {}

    @Test func resultsAreConsumedInOrderWhateverFinishesFirst() {
        var seen: [Int] = []
        OrderedWork.forEach(count: 200, jobs: 3, window: 6, work: { i in
            if i % 7 == 0 { usleep(200) }
            return i * i
        }, consume: { i, square in
            #expect(square == i * i)
            seen.append(i)
        })
        #expect(seen == Array(0..<200))
        #expect(OrderedWork.map(count: 50, jobs: 2) { $0 + 1 } == Array(1...50))
    }

    @Test func aFailureWhileConsumingStopsTheWorkAndIsRethrown() {
        for jobs in [1, 2, 4] {
            var consumed = 0
            #expect(throws: Stop.self) {
                try OrderedWork.forEach(count: 1000, jobs: jobs, window: 2 * jobs, work: { i in i }, consume: { i, _ in
                    consumed += 1
                    if i == 3 { throw Stop() }
                })
            }
            #expect(consumed == 4)
        }
    }
}
