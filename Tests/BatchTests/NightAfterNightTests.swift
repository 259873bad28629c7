import Batch
import ClinicalModel
import Foundation
import IngestKit
import Testing
import TestSupport

/// What a FHIR server receives from the nightly batch night after night (DESIGN "Output
/// contract", "Batch mode"; issue 9): one CarePlan per patient and guideline, updated in place —
/// `created` and the bytes kept while the recommendations are unchanged, a withdrawn CarePlan
/// written again as revoked with the same id, and a transaction Bundle holding only what changed.
@Suite(.serialized) struct NightAfterNightTests {
    typealias Object = [String: Any]

    static let night1 = Instant(year: 2026, month: 11, day: 27)
    static let night2 = Instant(year: 2026, month: 11, day: 28)
    static let night1Date = "2026-11-27"
    static let night2Date = "2026-11-28"

    static let s01 = "Fixtures/scenarios/01-mcrpc-docetaxel-stop-reason/input.json"  // Patient/p01
    static let s08 = "Fixtures/scenarios/08-lu177-psma-positive/input.json"
    /// p81e's enzalutamide ended 28 days before night 1: on-enzalutamide (and
    /// docetaxel-with-enzalutamide) on night 1, not on night 2. The other p81 patients are unchanged.
    static let s81 = "Fixtures/scenarios/81-on-enzalutamide-course-end-window/input.json"

    static func temp(_ name: String) throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("nights-\(name)-\(getpid())").path
        try? FileManager.default.removeItem(atPath: dir)
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    static func copy(_ relative: String, to dir: String, as name: String) throws {
        try FileManager.default.copyItem(atPath: TestSupport.path(relative), toPath: dir + "/" + name)
    }

    @discardableResult
    static func run(_ inputs: [String], out: String, asOf: Instant, fullExport: Bool = false,
                    transaction: Bool = false) throws -> BatchReport {
        var options = BatchOptions(inputs: inputs, outDir: out, evaluation: EvaluationOptions(asOf: asOf), jobs: 2, quiet: true)
        options.fullExport = fullExport
        options.transactionBundle = transaction
        return try BatchRunner(options: options).run()
    }

    static func read(_ path: String) -> String { (try? String(contentsOfFile: path, encoding: .utf8)) ?? "<missing>" }

    static func object(_ text: Substring) throws -> Object {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? Object)
    }

    /// careplans.ndjson: each CarePlan's line (its exact bytes) and parsed form, by id.
    static func carePlans(_ out: String) throws -> [String: (line: Substring, plan: Object)] {
        var byID: [String: (Substring, Object)] = [:]
        for line in read(out + "/careplans.ndjson").split(separator: "\n") {
            let plan = try object(line)
            let id = plan["id"] as? String ?? ""
            #expect(byID[id] == nil, "CarePlan id \(id) appears twice in careplans.ndjson")
            byID[id] = (line, plan)
        }
        return byID
    }

    static func subject(_ plan: Object) -> String { (plan["subject"] as? Object)?["reference"] as? String ?? "" }

    static func id(of subject: String, in plans: [String: (line: Substring, plan: Object)]) -> String? {
        plans.first { Self.subject($0.value.plan) == subject }?.key
    }

    static func changes(_ out: String) throws -> [Object] {
        try read(out + "/changes.ndjson").split(separator: "\n").map(object)
    }

    static func change(of subject: String, in changes: [Object]) -> Object? {
        changes.first { ($0["subject"] as? Object)?["reference"] as? String == subject }
    }

    /// Writes scenario 01's bundle with Patient p01 deceased on `date`.
    static func writeDeceased(_ date: String, to path: String) throws {
        var bundle = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: TestSupport.path(s01)))) as? Object)
        var entries = try #require(bundle["entry"] as? [Object])
        var edited = 0
        for i in entries.indices {
            guard var r = entries[i]["resource"] as? Object, r["resourceType"] as? String == "Patient" else { continue }
            r["deceasedDateTime"] = date
            entries[i]["resource"] = r
            edited += 1
        }
        #expect(edited == 1)
        bundle["entry"] = entries
        try JSONSerialization.data(withJSONObject: bundle, options: [.sortedKeys]).write(to: URL(fileURLWithPath: path))
    }

    // MARK: - 2. created

    @Test func anUnchangedCarePlanKeepsCreatedAndItsBytesAChangedOneIsCreatedTonight() throws {
        let export = try Self.temp("created-in")
        let out = try Self.temp("created-out")
        try Self.copy(Self.s01, to: export, as: "s01.json")
        try Self.copy(Self.s81, to: export, as: "s81.json")
        try Self.run([export], out: out, asOf: Self.night1)
        let first = try Self.carePlans(out)
        #expect(first.count == 7)  // p01 and p81a…f
        for (id, p) in first { #expect(p.plan["created"] as? String == Self.night1Date, "\(id): created on night 1") }
        TestSupport.sinkCarePlans(Self.read(out + "/careplans.ndjson"), name: "nights-created-night1")

        try Self.run([export], out: out, asOf: Self.night2)
        let second = try Self.carePlans(out)
        #expect(Set(second.keys) == Set(first.keys), "the CarePlan ids changed between nights")
        let changedID = try #require(Self.id(of: "Patient/p81e", in: second))
        let changedActivities = (second[changedID]?.plan["activity"] as? [Object] ?? []).count
        #expect(changedActivities == (first[changedID]?.plan["activity"] as? [Object] ?? []).count - 1,
                "p81e should lose docetaxel-with-enzalutamide on night 2")
        for (id, now) in second {
            let subject = Self.subject(now.plan)
            if id == changedID {
                #expect(now.plan["created"] as? String == Self.night2Date, "\(subject): recommendations changed, created must be night 2")
                #expect(now.line != first[id]?.line)
            } else {
                #expect(now.plan["created"] as? String == Self.night1Date, "\(subject): unchanged, created must stay night 1")
                #expect(now.line == first[id]?.line, "\(subject): an unchanged CarePlan is not the same bytes on night 2")
            }
            #expect(now.plan["status"] as? String == "draft")
        }
        let changes = try Self.changes(out)
        #expect(changes.count == 1 && Self.change(of: "Patient/p81e", in: changes)?["status"] as? String == "changed")
        TestSupport.sinkCarePlans(Self.read(out + "/careplans.ndjson"), name: "nights-created-night2")
    }

    // MARK: - 3. Revoked

    @Test func aWithdrawnCarePlanIsWrittenAgainRevokedWithTheSameID() throws {
        let export = try Self.temp("revoked-in")
        let out = try Self.temp("revoked-out")
        try Self.copy(Self.s01, to: export, as: "s01.json")
        try Self.copy(Self.s08, to: export, as: "s08.json")
        try Self.run([export], out: out, asOf: Self.night1)
        let first = try Self.carePlans(out)
        let id = try #require(Self.id(of: "Patient/p01", in: first))
        // Before night 2 the patient dies: every recommendation is withdrawn.
        try Self.writeDeceased(Self.night2Date, to: export + "/s01.json")
        let report = try Self.run([export], out: out, asOf: Self.night2)
        #expect(report.revoked == 1)
        let second = try Self.carePlans(out)
        #expect(Set(second.keys) == Set(first.keys))
        let revoked = try #require(second[id], "night 2's careplans.ndjson does not hold p01's CarePlan \(id)")
        #expect(revoked.plan["status"] as? String == "revoked")
        #expect(Self.subject(revoked.plan) == "Patient/p01")
        #expect(((revoked.plan["text"] as? Object)?["status"] as? String) == "generated")
        for (other, p) in second where other != id {
            #expect(p.line == first[other]?.line, "\(Self.subject(p.plan)) changed although his input did not")
        }
        let change = try #require(Self.change(of: "Patient/p01", in: try Self.changes(out)), "changes.ndjson does not list p01")
        #expect(change["status"] as? String == "withdrawn")
        #expect(change["carePlan"] as? String == "CarePlan/\(id)")
        TestSupport.sinkCarePlans(String(revoked.line) + "\n", name: "nights-revoked-deceased")
    }

    @Test func aPatientAbsentTonightIsNotSeenAndKeptUnlessTheExportIsFull() throws {
        let export = try Self.temp("absent-in")
        let partial = try Self.temp("absent-out-partial")
        let full = try Self.temp("absent-out-full")
        try Self.copy(Self.s01, to: export, as: "s01.json")
        try Self.copy(Self.s08, to: export, as: "s08.json")
        for out in [partial, full] { try Self.run([export], out: out, asOf: Self.night1) }
        let first = try Self.carePlans(partial)
        let id = try #require(Self.id(of: "Patient/p01", in: first))
        try FileManager.default.removeItem(atPath: export + "/s01.json")

        // A partial export: p01 is "not seen" and keeps his CarePlan, the same bytes.
        let report = try Self.run([export], out: partial, asOf: Self.night2)
        #expect(report.notSeen == 1 && report.revoked == 0)
        let kept = try Self.carePlans(partial)
        #expect(kept[id]?.line == first[id]?.line, "a patient merely absent tonight must keep his CarePlan unchanged")
        #expect(kept[id]?.plan["status"] as? String == "draft")
        #expect(Self.change(of: "Patient/p01", in: try Self.changes(partial)) == nil, "an absent patient is not withdrawn")

        // --full-export: tonight's inputs are everyone, so his absence withdraws his CarePlan.
        let fullReport = try Self.run([export], out: full, asOf: Self.night2, fullExport: true)
        #expect(fullReport.revoked == 1 && fullReport.notSeen == 0)
        let revoked = try Self.carePlans(full)
        #expect(revoked[id]?.plan["status"] as? String == "revoked", "with --full-export the absent patient's CarePlan is revoked")
        #expect(Self.change(of: "Patient/p01", in: try Self.changes(full))?["status"] as? String == "withdrawn")
        TestSupport.sinkCarePlans(Self.read(full + "/careplans.ndjson"), name: "nights-revoked-full-export")
    }

    @Test func whenAPatientsCarePlanIDChangesTheOldOneIsRevoked() throws {
        // Night 1 p01 has no identifier (his id rests on his reference key); by night 2 a real
        // identifier is recorded, so his CarePlan id changes (DESIGN: "the old one is written as revoked").
        let export = try Self.temp("relinked-in")
        let out = try Self.temp("relinked-out")
        try Self.copy(Self.s01, to: export, as: "s01.json")
        try Self.run([export], out: out, asOf: Self.night1, transaction: true)
        let oldID = try #require(Self.id(of: "Patient/p01", in: try Self.carePlans(out)))
        var bundle = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: export + "/s01.json"))) as? Object)
        var entries = try #require(bundle["entry"] as? [Object])
        for i in entries.indices {
            guard var r = entries[i]["resource"] as? Object, r["resourceType"] as? String == "Patient" else { continue }
            r["identifier"] = [["system": "http://hospital.example/mrn", "value": "MRN-310152"]]
            entries[i]["resource"] = r
        }
        bundle["entry"] = entries
        try JSONSerialization.data(withJSONObject: bundle, options: [.sortedKeys]).write(to: URL(fileURLWithPath: export + "/s01.json"))
        try Self.run([export], out: out, asOf: Self.night2, transaction: true)
        let plans = try Self.carePlans(out)
        #expect(plans.count == 2)
        let newID = try #require(plans.first { $0.key != oldID && $0.value.plan["status"] as? String == "draft" }?.key)
        #expect(plans[oldID]?.plan["status"] as? String == "revoked", "the CarePlan under the old id must be written again as revoked")
        #expect(Set(try Self.transaction(out).urls) == ["CarePlan/" + oldID, "CarePlan/" + newID])
        TestSupport.sinkCarePlans(Self.read(out + "/careplans.ndjson"), name: "nights-relinked")
    }

    // MARK: - 4. Transaction Bundle

    /// A FHIR server as a dictionary `resourceType/id` → resource; PUT replaces.
    static func apply(_ bundle: Object, to server: inout [String: String]) {
        for entry in bundle["entry"] as? [Object] ?? [] {
            guard let request = entry["request"] as? Object, request["method"] as? String == "PUT",
                  let url = request["url"] as? String, let resource = entry["resource"] else { continue }
            server[url] = canonical(resource)
        }
    }

    static func canonical(_ value: Any) -> String {
        guard let data = try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys]) else { return "\(value)" }
        return String(decoding: data, as: UTF8.self)
    }

    /// transaction.json, checked: type transaction, every entry `PUT CarePlan/<id>` of its own
    /// resource, no url twice. Returns the Bundle and its PUT urls.
    static func transaction(_ out: String) throws -> (bundle: Object, urls: [String]) {
        let text = read(out + "/transaction.json")
        let bundle = try object(Substring(text))
        #expect(bundle["resourceType"] as? String == "Bundle" && bundle["type"] as? String == "transaction")
        var urls: [String] = []
        for entry in bundle["entry"] as? [Object] ?? [] {
            let resource = entry["resource"] as? Object ?? [:]
            let request = entry["request"] as? Object ?? [:]
            let type = resource["resourceType"] as? String ?? "?"
            let id = resource["id"] as? String ?? "?"
            #expect(type == "CarePlan")
            #expect(request["method"] as? String == "PUT")
            #expect(request["url"] as? String == "\(type)/\(id)", "request.url \(request["url"] ?? "none") for \(type)/\(id)")
            urls.append(request["url"] as? String ?? "")
        }
        #expect(Set(urls).count == urls.count, "a resource is PUT twice")
        return (bundle, urls)
    }

    @Test func theTransactionBundlePutsOnlyWhatChangedAndReplaysIdempotently() throws {
        let export = try Self.temp("tx-in")
        let out = try Self.temp("tx-out")
        try Self.copy(Self.s01, to: export, as: "s01.json")
        try Self.copy(Self.s08, to: export, as: "s08.json")
        try Self.copy(Self.s81, to: export, as: "s81.json")

        // Night 1: every CarePlan is new, so every one is PUT.
        try Self.run([export], out: out, asOf: Self.night1, transaction: true)
        let plans1 = try Self.carePlans(out)
        let (tx1, urls1) = try Self.transaction(out)
        #expect(Set(urls1) == Set(plans1.keys.map { "CarePlan/" + $0 }))
        TestSupport.sinkJSON(Self.read(out + "/transaction.json"), name: "nights-transaction-night1")
        var server: [String: String] = [:]
        Self.apply(tx1, to: &server)
        let once = server
        Self.apply(tx1, to: &server)
        #expect(server == once, "replaying night 1's transaction changed the server state")
        #expect(once == Dictionary(uniqueKeysWithValues: plans1.map { ("CarePlan/" + $0.key, Self.canonical($0.value.plan)) }))

        // A reviewer edits an unchanged CarePlan on the server (p01's stays unchanged tonight).
        let p08 = try #require(Self.id(of: "Patient/p08", in: plans1))
        var edited = try Self.object(Substring(server["CarePlan/" + p08]!))
        edited["note"] = [["text": "Reviewed by Dr. Who: discuss at tumour board."]]
        server["CarePlan/" + p08] = Self.canonical(edited)

        // Night 2: p81e changes (a date window closes), p01 dies (revoked), the rest is unchanged.
        try Self.writeDeceased(Self.night2Date, to: export + "/s01.json")
        try Self.run([export], out: out, asOf: Self.night2, transaction: true)
        let plans2 = try Self.carePlans(out)
        let changed = try #require(Self.id(of: "Patient/p81e", in: plans2))
        let revoked = try #require(Self.id(of: "Patient/p01", in: plans2))
        #expect(plans2[revoked]?.plan["status"] as? String == "revoked")
        let (tx2, urls2) = try Self.transaction(out)
        #expect(Set(urls2) == ["CarePlan/" + changed, "CarePlan/" + revoked],
                "night 2's transaction must PUT exactly the changed and the revoked CarePlan, not \(urls2)")
        for entry in tx2["entry"] as? [Object] ?? [] {
            let resource = entry["resource"] as? Object ?? [:]
            let id = resource["id"] as? String ?? ""
            #expect(Self.canonical(resource) == plans2[id].map { Self.canonical($0.plan) }, "\(id): transaction and careplans.ndjson differ")
        }
        TestSupport.sinkJSON(Self.read(out + "/transaction.json"), name: "nights-transaction-night2")
        let before = server
        Self.apply(tx2, to: &server)
        let afterOnce = server
        Self.apply(tx2, to: &server)
        #expect(server == afterOnce, "replaying night 2's transaction changed the server state")
        #expect(server["CarePlan/" + p08] == before["CarePlan/" + p08], "the reviewer's edit of an unchanged CarePlan was overwritten")
        #expect(server["CarePlan/" + revoked].flatMap { try? Self.object(Substring($0)) }?["status"] as? String == "revoked")
        #expect(server.count == plans2.count)

        // A rerun of night 2 gives night 2's transaction again (changes are against night 1).
        try Self.run([export], out: out, asOf: Self.night2, transaction: true)
        #expect(Set(try Self.transaction(out).urls) == Set(urls2))
    }

    @Test func aRunWithoutBundleRemovesAStaleTransaction() throws {
        let export = try Self.temp("stale-in")
        let out = try Self.temp("stale-out")
        try Self.copy(Self.s01, to: export, as: "s01.json")
        try Self.run([export], out: out, asOf: Self.night1, transaction: true)
        #expect(FileManager.default.fileExists(atPath: out + "/transaction.json"))
        try Self.run([export], out: out, asOf: Self.night2)
        #expect(!FileManager.default.fileExists(atPath: out + "/transaction.json"),
                "a transaction.json left from an earlier night would put old CarePlans back when replayed")
    }
}
