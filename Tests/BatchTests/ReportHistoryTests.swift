@testable import Batch
import ClinicalModel
import Foundation
import IngestKit
import Testing
import TestSupport

/// The report's history and the night changes compare with (issue 12, DESIGN "Batch mode"):
/// one point per night in the ledger, a rerun of a night replaces its point instead of adding
/// one, and keeps the night's changes against the last completed night with an earlier date.
@Suite(.serialized) struct ReportHistoryTests {
    static let nights = ["2026-11-25", "2026-11-26", "2026-11-27"]
    static let inputs = [
        "Fixtures/scenarios/01-mcrpc-docetaxel-stop-reason/input.json",
        // p81e's enzalutamide ended 28 days before 2026-11-27: the nights differ.
        "Fixtures/scenarios/81-on-enzalutamide-course-end-window/input.json",
        "Fixtures/report/hostile-display-text.json",
    ].map(TestSupport.path)

    static func temp(_ name: String) throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("history-\(name)-\(getpid())").path
        try? FileManager.default.removeItem(atPath: dir)
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    @discardableResult
    static func run(out: String, night: String) throws -> BatchReport {
        let options = BatchOptions(inputs: inputs, outDir: out, evaluation: EvaluationOptions(asOf: EvaluationOptions.parseDate(night)!),
                                   jobs: 2, quiet: true)
        return try BatchRunner(options: options).run()
    }

    static func read(_ path: String) throws -> String { try String(contentsOfFile: path, encoding: .utf8) }

    @Test func threeNightsGiveThreePointsAndARerunAddsNoneAndKeepsTheNightsChanges() throws {
        let out = try Self.temp("three")
        for night in Self.nights { try Self.run(out: out, night: night) }
        let ledger = try Ledger(path: out + "/state.sqlite")
        let points = try ledger.history()
        #expect(points.map(\.asOf) == Self.nights)
        #expect(points.allSatisfy { $0.carePlans >= 3 && $0.patients >= $0.carePlans })
        let changes = try Self.read(out + "/changes.ndjson")
        #expect(!changes.isEmpty, "the third night moves p81e out of on-enzalutamide")

        let rerun = try Self.run(out: out, night: Self.nights[2])
        #expect(try ledger.history().map(\.asOf) == Self.nights, "a rerun of a night must not add a point")
        #expect(try Self.read(out + "/changes.ndjson") == changes, "a rerun of a night keeps its changes")
        #expect(rerun.baselineNight == Self.nights[1])
        // Each change says which night it compares with.
        for line in changes.split(separator: "\n") {
            let o = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            #expect(o["since"] as? String == Self.nights[1])
        }
        let page = try Self.read(out + "/report.html")
        #expect(page.contains("compared with the night of 2026-11-26"))
        #expect(rerun.history.map(\.asOf) == Self.nights, "the page draws the three nights")
    }

    @Test func theReportHasOneRowAndOneExplanationPerCarePlanAndEscapesInputs() throws {
        let out = try Self.temp("rows")
        let report = try Self.run(out: out, night: Self.nights[2])
        let page = try Self.read(out + "/report.html")
        let plans = try Self.read(out + "/careplans.ndjson").split(separator: "\n").filter { !$0.contains(#""status":"revoked""#) }
        func count(_ s: String) -> Int { page.components(separatedBy: s).count - 1 }
        #expect(report.carePlans == plans.count)
        #expect(count("<tbody class=\"patient\"") == plans.count)
        #expect(count("<details id=\"p") == plans.count)
        #expect(!page.contains("<details id=\"p0\" open"))
        // The hostile display text is escaped wherever it lands; the page has one script, ours.
        #expect(!page.contains("<script>alert"))
        #expect(page.contains("&lt;script&gt;alert(&quot;xss&quot;)&lt;/script&gt;"))
        #expect(count("<script>") == 1)
        // Recommendations by title, not by id.
        #expect(page.contains(">Docetaxel with prednisone<"))
        for secret in ["1952-04-11", "Dent"] { #expect(!page.contains(secret), "the page shows a name or birth date") }
    }
}
