import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
import TestSupport

/// DESIGN.md "Output contract" and issue 9, checked the way a FHIR server or a user would see the
/// output of the built `ingest` binary: stable CarePlan ids, `created`, the transaction Bundle,
/// the definitions Bundle every canonical resolves in, evidence routing and the narrative.
@Suite(.serialized) struct OutputContractTests {
    typealias Object = [String: Any]

    static let defaultAsOf = "2026-11-27"
    static let defaultBase = "https://clinicalingest.example.org/fhir"
    static let otherBase = "https://x.example/fhir"

    // MARK: - Scenarios and the binary

    struct Scenario: Sendable {
        let name: String
        let input: String
        let asOf: String
    }

    /// Every scenario of Fixtures/scenarios with its input and its as-of date (else 2026-11-27).
    static let scenarios: [Scenario] = {
        let root = TestSupport.path("Fixtures/scenarios")
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []).sorted()
        return names.compactMap { name -> Scenario? in
            let dir = root + "/" + name
            guard let input = ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? [])
                .filter({ $0.hasPrefix("input.") }).sorted().first else { return nil }
            let asOf = (try? String(contentsOfFile: dir + "/as-of", encoding: .utf8))?
                .trimmingCharacters(in: .whitespacesAndNewlines)
            return Scenario(name: name, input: dir + "/" + input, asOf: asOf.flatMap { $0.isEmpty ? nil : $0 } ?? defaultAsOf)
        }
    }()

    final class Results: @unchecked Sendable {
        private let lock = NSLock()
        private var values: [String: TestSupport.RunResult] = [:]
        func set(_ key: String, _ value: TestSupport.RunResult) { lock.withLock { values[key] = value } }
        var all: [String: TestSupport.RunResult] { lock.withLock { values } }
    }

    /// Runs every scenario through the binary (in parallel), with extra arguments.
    static func runScenarios(_ extra: [String] = []) -> [String: TestSupport.RunResult] {
        let results = Results()
        let list = scenarios
        DispatchQueue.concurrentPerform(iterations: list.count) { i in
            let s = list[i]
            if let r = try? TestSupport.runIngest(["--as-of", s.asOf] + extra + [s.input]) { results.set(s.name, r) }
        }
        return results.all
    }

    /// Every scenario's pipe output with the default canonical base, computed once.
    static let scenarioOutputs: [String: TestSupport.RunResult] = runScenarios()

    /// (scenario, CarePlan) for every CarePlan of every scenario.
    static func carePlans(_ outputs: [String: TestSupport.RunResult]) throws -> [(scenario: String, plan: Object)] {
        var all: [(String, Object)] = []
        for name in outputs.keys.sorted() {
            for plan in try objects(outputs[name]!.stdout) { all.append((name, plan)) }
        }
        return all
    }

    static func objects(_ ndjson: String) throws -> [Object] {
        try ndjson.split(separator: "\n").map { try object(String($0)) }
    }

    static func object(_ text: String) throws -> Object {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? Object)
    }

    /// A JSON value as canonical text (sorted keys), to compare subjects and whole resources.
    static func canonical(_ value: Any) -> String {
        guard JSONSerialization.isValidJSONObject(value),
              let data = try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys]) else { return "\(value)" }
        return String(decoding: data, as: UTF8.self)
    }

    static func tempFile(_ text: String, _ name: String) throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ingest-output-contract-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let path = dir.appendingPathComponent(name).path
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// The guideline's recommendation ids and titles, in priority order (Mappings/guidelines/mcrpc-after-enzalutamide.json).
    static let guideline: (id: String, version: String, recommendations: [(id: String, title: String)]) = {
        let data = (try? Data(contentsOf: URL(fileURLWithPath: TestSupport.path("Mappings/guidelines/mcrpc-after-enzalutamide.json")))) ?? Data()
        let g = (try? JSONSerialization.jsonObject(with: data)) as? Object ?? [:]
        let recs = (g["recommendations"] as? [Object] ?? []).map { ($0["id"] as? String ?? "", $0["title"] as? String ?? "") }
        return (g["id"] as? String ?? "", g["version"] as? String ?? "", recs)
    }()

    /// The recommendations that cite sources in Mappings/guidelines/mcrpc-after-enzalutamide.json.
    static let citedRecommendations: Set<String> = {
        let data = (try? Data(contentsOf: URL(fileURLWithPath: TestSupport.path("Mappings/guidelines/mcrpc-after-enzalutamide.json")))) ?? Data()
        let g = (try? JSONSerialization.jsonObject(with: data)) as? Object ?? [:]
        return Set((g["recommendations"] as? [Object] ?? []).filter { !($0["citations"] as? [Any] ?? []).isEmpty }
            .compactMap { $0["id"] as? String })
    }()

    static let factIDs: [String] = {
        let data = (try? Data(contentsOf: URL(fileURLWithPath: TestSupport.path("Mappings/facts.json")))) ?? Data()
        let f = (try? JSONSerialization.jsonObject(with: data)) as? Object ?? [:]
        return (f["facts"] as? [Object] ?? []).compactMap { $0["id"] as? String }
    }()

    /// The recommendation id an activity instantiates (`…/ActivityDefinition/<id>`).
    static func recommendationID(_ activity: Object) -> String? {
        guard let detail = activity["detail"] as? Object, let canonical = (detail["instantiatesCanonical"] as? [String])?.first,
              let range = canonical.range(of: "/ActivityDefinition/") else { return nil }
        return String(canonical[range.upperBound...].split(separator: "|").first ?? "")
    }

    /// An mCRPC patient who progressed on enzalutamide (docetaxel, testing, ADT, palliative care
    /// fire), as one collection Bundle; the Patient's id, identifiers and name are the test's.
    static func patientBundle(id: String, identifiers: [(system: String, value: String)], name: String = "Testpatient",
                              conditionText: String? = nil) -> String {
        var patient: Object = ["resourceType": "Patient", "id": id, "gender": "male", "birthDate": "1950-02-03",
                               "name": [["family": name]]]
        if !identifiers.isEmpty { patient["identifier"] = identifiers.map { ["system": $0.system, "value": $0.value] } }
        let subject = ["reference": "Patient/\(id)"]
        var crpc: Object = ["resourceType": "Condition", "id": "\(id)-c1", "subject": subject,
                            "code": ["coding": [["system": "http://snomed.info/sct", "code": "427492003"]]]]
        if let conditionText { crpc["code"] = ["coding": [["system": "http://snomed.info/sct", "code": "427492003"]], "text": conditionText] }
        let bone: Object = ["resourceType": "Condition", "id": "\(id)-c2", "subject": subject,
                            "code": ["coding": [["system": "http://snomed.info/sct", "code": "94222008"]]]]
        let enza: Object = ["resourceType": "MedicationStatement", "id": "\(id)-m1", "status": "stopped", "subject": subject,
                            "medicationCodeableConcept": ["text": "Xtandi 40 mg capsule"],
                            "effectivePeriod": ["start": "2025-01-10", "end": "2026-06-01"],
                            "statusReason": [["coding": [["system": "http://snomed.info/sct", "code": "266721009"]]]]]
        let bundle: Object = ["resourceType": "Bundle", "type": "collection", "entry": [patient, crpc, bone, enza].map { r in
            ["fullUrl": "http://x.org/fhir/\(r["resourceType"]!)/\(r["id"]!)", "resource": r] as Object
        }]
        return canonical(bundle)
    }

    /// Runs one bundle through the binary: its CarePlans.
    static func plans(_ bundle: String, name: String, asOf: String = defaultAsOf, extra: [String] = []) throws -> [Object] {
        let file = try tempFile(bundle, name)
        let r = try TestSupport.runIngest(["--as-of", asOf] + extra + [file])
        #expect(r.status == 0, "\(name): \(r.stderr)")
        return try objects(r.stdout)
    }

    static func onlyID(_ bundle: String, name: String) throws -> String {
        let p = try plans(bundle, name: name)
        #expect(p.count == 1, "\(name): expected one CarePlan")
        return p.first?["id"] as? String ?? "<none>"
    }

    // MARK: - 1. Id stability

    @Test func theSamePatientOnTwoEvaluationDatesKeepsItsCarePlanID() throws {
        // Scenario 01 (FHIR, reference key) and 68 (C-CDA, identified by urn:oid identifier):
        // their recommendations fire on both dates.
        for scenario in ["01-mcrpc-docetaxel-stop-reason", "68-legacy-ccd-1-0-c32"] {
            let s = try #require(Self.scenarios.first { $0.name == scenario })
            var ids: [String] = []
            var subjects: [String] = []
            for asOf in [s.asOf, "2027-03-01"] {
                let r = try TestSupport.runIngest(["--as-of", asOf, s.input])
                #expect(r.status == 0, "\(r.stderr)")
                let plans = try Self.objects(r.stdout)
                #expect(plans.count == 1, "\(scenario) on \(asOf): expected one CarePlan")
                for p in plans {
                    ids.append(p["id"] as? String ?? "")
                    subjects.append(Self.canonical(p["subject"] ?? [:]))
                    #expect((p["activity"] as? [Any] ?? []).count > 0)
                }
            }
            #expect(ids.count == 2 && Set(ids).count == 1, "\(scenario): CarePlan id changed with --as-of: \(ids)")
            #expect(Set(subjects).count == 1)
        }
    }

    @Test func idsAreValidR4IdsAndNoTwoPatientsShareOneAcrossAllScenarios() throws {
        let all = try Self.carePlans(Self.scenarioOutputs)
        #expect(Self.scenarioOutputs.count == Self.scenarios.count && Self.scenarios.count > 80, "scenarios not all run")
        #expect(all.count > 50, "only \(all.count) CarePlans from \(Self.scenarios.count) scenarios")
        let idPattern = try NSRegularExpression(pattern: "^[A-Za-z0-9\\-.]{1,64}$")
        var subjectsByID: [String: Set<String>] = [:]
        var scenariosByID: [String: Set<String>] = [:]
        for (scenario, plan) in all {
            let id = plan["id"] as? String ?? ""
            let valid = idPattern.firstMatch(in: id, range: NSRange(id.startIndex..., in: id)) != nil
            #expect(valid, "\(scenario): CarePlan id \(id) is not a valid R4 id")
            subjectsByID[id, default: []].insert(Self.canonical(plan["subject"] ?? [:]))
            scenariosByID[id, default: []].insert(scenario)
        }
        for (id, subjects) in subjectsByID where subjects.count > 1 {
            Issue.record("CarePlan id \(id) is shared by \(subjects.count) different patients (\(scenariosByID[id]!.sorted()))")
        }
        // Within one output, one CarePlan per patient and guideline: no id twice.
        for (name, r) in Self.scenarioOutputs {
            let ids = try Self.objects(r.stdout).map { $0["id"] as? String ?? "" }
            #expect(Set(ids).count == ids.count, "\(name): an id appears twice")
        }
    }

    @Test func aPatientWithARealIdentifierIsKeyedByItNeverByAPlaceholder() throws {
        let mrn = "http://hospital.example/mrn"
        // The same real identifier under two different resource ids: one CarePlan id.
        let a = try Self.onlyID(Self.patientBundle(id: "a", identifiers: [(mrn, "MRN-4711")]), name: "id-a.json")
        let b = try Self.onlyID(Self.patientBundle(id: "b", identifiers: [(mrn, "MRN-4711")]), name: "id-b.json")
        #expect(a == b, "same identifier \(mrn)|MRN-4711, different Patient.id: CarePlan ids \(a) and \(b)")
        // The smallest real identifier: order does not matter, a placeholder beside it is ignored.
        let both = try Self.onlyID(Self.patientBundle(id: "c", identifiers: [(mrn, "MRN-9999"), (mrn, "MRN-4711")]), name: "id-c.json")
        let bothReversed = try Self.onlyID(Self.patientBundle(id: "d", identifiers: [(mrn, "MRN-4711"), (mrn, "MRN-9999")]), name: "id-d.json")
        #expect(both == bothReversed)
        let withPlaceholder = try Self.onlyID(Self.patientBundle(id: "e", identifiers: [(mrn, "UNKNOWN"), (mrn, "MRN-4711")]), name: "id-e.json")
        #expect(withPlaceholder == a, "a placeholder identifier changed the CarePlan id")
        // Another real identifier: another patient, another id.
        let other = try Self.onlyID(Self.patientBundle(id: "a", identifiers: [(mrn, "MRN-5000")]), name: "id-other.json")
        #expect(other != a)
        // Placeholders (Mappings/identity.json) never key: two patients whose only identifier is
        // a placeholder keep apart by their reference keys.
        for placeholder in ["UNKNOWN", "000-00-0000", "n/a"] {
            let p = try Self.onlyID(Self.patientBundle(id: "p", identifiers: [(mrn, placeholder)]), name: "ph-p.json")
            let q = try Self.onlyID(Self.patientBundle(id: "q", identifiers: [(mrn, placeholder)]), name: "ph-q.json")
            #expect(p != q, "patients p and q, whose only identifier is the placeholder \(placeholder), share CarePlan id \(p)")
            let bare = try Self.onlyID(Self.patientBundle(id: "p", identifiers: []), name: "ph-bare.json")
            #expect(p == bare, "a placeholder identifier (\(placeholder)) changed the CarePlan id of patient p")
        }
    }

    // MARK: - 2. created (pipe mode)

    @Test func inPipeModeCreatedIsTheEvaluationDate() throws {
        let s = try #require(Self.scenarios.first { $0.name == "01-mcrpc-docetaxel-stop-reason" })
        for asOf in ["2026-11-27", "2027-02-14"] {
            let r = try TestSupport.runIngest(["--as-of", asOf, s.input])
            let plans = try Self.objects(r.stdout)
            #expect(plans.count == 1)
            for p in plans { #expect(p["created"] as? String == asOf) }
        }
    }

    // MARK: - 4. Transaction Bundle (pipe mode)

    /// A FHIR server's state as a dictionary `resourceType/id` → resource; a transaction's PUT
    /// replaces the resource at `request.url`.
    static func apply(_ bundle: Object, to server: inout [String: String]) {
        for entry in bundle["entry"] as? [Object] ?? [] {
            guard let request = entry["request"] as? Object, request["method"] as? String == "PUT",
                  let url = request["url"] as? String, let resource = entry["resource"] else { continue }
            server[url] = canonical(resource)
        }
    }

    /// Checks the shape every transaction Bundle must have: type transaction, every entry
    /// `PUT CarePlan/<id>` whose url is the resource's own type and id, no url twice.
    static func checkTransaction(_ bundle: Object, _ context: String) {
        #expect(bundle["resourceType"] as? String == "Bundle", "\(context)")
        #expect(bundle["type"] as? String == "transaction", "\(context)")
        var urls: [String] = []
        for entry in bundle["entry"] as? [Object] ?? [] {
            let resource = entry["resource"] as? Object ?? [:]
            let request = entry["request"] as? Object ?? [:]
            let type = resource["resourceType"] as? String ?? "?"
            let id = resource["id"] as? String ?? "?"
            #expect(type == "CarePlan", "\(context): entry of type \(type)")
            #expect(request["method"] as? String == "PUT", "\(context): \(type)/\(id) is not PUT")
            #expect(request["url"] as? String == "\(type)/\(id)", "\(context): request.url \(request["url"] ?? "none") for \(type)/\(id)")
            urls.append(request["url"] as? String ?? "")
        }
        #expect(Set(urls).count == urls.count, "\(context): a resource is PUT twice")
    }

    @Test func pipeTransactionBundlePutsEveryCarePlanAndReplaysIdempotently() throws {
        let s = try #require(Self.scenarios.first { $0.name == "32-three-patients" })
        let r = try TestSupport.runIngest(["--as-of", s.asOf, "--bundle", "transaction", s.input])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.split(separator: "\n").count == 1, "a transaction is one JSON document")
        let bundle = try Self.object(r.stdout)
        Self.checkTransaction(bundle, "pipe --bundle transaction")
        let entries = bundle["entry"] as? [Object] ?? []
        // The same CarePlans as the NDJSON output of the same input and date.
        let ndjson = try Self.objects(try TestSupport.runIngest(["--as-of", s.asOf, s.input]).stdout)
        #expect(entries.count == ndjson.count && ndjson.count == 2)
        #expect(Set(entries.map { Self.canonical($0["resource"] ?? [:]) }) == Set(ndjson.map { Self.canonical($0) }))
        var server: [String: String] = [:]
        Self.apply(bundle, to: &server)
        let once = server
        Self.apply(bundle, to: &server)
        #expect(server == once, "replaying the transaction changed the server state")
        #expect(Set(once.keys) == Set(ndjson.map { "CarePlan/\($0["id"] as? String ?? "")" }))
        TestSupport.sinkJSON(r.stdout, name: "pipe-transaction-32")
    }

    // MARK: - 5. Definitions

    /// The resources of a definitions Bundle by canonical url, with their versions.
    static func index(_ definitions: Object) -> [String: [(type: String, version: String?, resource: Object)]] {
        var byURL: [String: [(String, String?, Object)]] = [:]
        for entry in definitions["entry"] as? [Object] ?? [] {
            guard let r = entry["resource"] as? Object, let url = r["url"] as? String else { continue }
            byURL[url, default: []].append((r["resourceType"] as? String ?? "", r["version"] as? String, r))
        }
        return byURL
    }

    /// Whether `canonical` (`url` or `url|version`) names a resource of `type` in the index.
    static func resolves(_ canonical: String, type: String,
                         in index: [String: [(type: String, version: String?, resource: Object)]]) -> Object? {
        let parts = canonical.split(separator: "|", maxSplits: 1).map(String.init)
        return index[parts[0]]?.first { $0.type == type && (parts.count == 1 || $0.version == parts[1]) }?.resource
    }

    /// Every canonical one CarePlan names, with the resource type it must resolve to (and, for a
    /// fact coding, the code that must be a concept of the CodeSystem).
    static func canonicals(_ plan: Object) -> [(canonical: String, type: String, code: String?)] {
        var out: [(String, String, String?)] = []
        for c in plan["instantiatesCanonical"] as? [String] ?? [] { out.append((c, "PlanDefinition", nil)) }
        for a in plan["activity"] as? [Object] ?? [] {
            for c in (a["detail"] as? Object)?["instantiatesCanonical"] as? [String] ?? [] { out.append((c, "ActivityDefinition", nil)) }
        }
        for r in plan["contained"] as? [Object] ?? [] where r["resourceType"] as? String == "Observation" {
            for coding in (r["code"] as? Object)?["coding"] as? [Object] ?? [] {
                if let system = coding["system"] as? String { out.append((system, "CodeSystem", coding["code"] as? String)) }
            }
        }
        return out
    }

    static func checkResolution(_ plans: [(scenario: String, plan: Object)], _ definitions: Object, base: String) {
        let idx = index(definitions)
        var checked = 0
        for (scenario, plan) in plans {
            let named = canonicals(plan)
            #expect(named.contains { $0.type == "PlanDefinition" && $0.canonical.contains("|") },
                    "\(scenario): instantiatesCanonical has no |version")
            for (canonical, type, code) in named {
                checked += 1
                #expect(canonical.hasPrefix(base + "/"), "\(scenario): \(canonical) is not under \(base)")
                guard let resource = resolves(canonical, type: type, in: idx) else {
                    Issue.record("\(scenario): \(type) \(canonical) does not resolve in the definitions Bundle")
                    continue
                }
                if let code {
                    let concepts = (resource["concept"] as? [Object] ?? []).compactMap { $0["code"] as? String }
                    #expect(concepts.contains(code), "\(scenario): fact \(code) is not a concept of \(canonical)")
                }
            }
        }
        #expect(checked > 1000)
    }

    @Test func definitionsResolveEveryCanonicalTheScenarioCarePlansName() throws {
        let r = try TestSupport.runIngest(["definitions"])
        #expect(r.status == 0, "\(r.stderr)")
        let definitions = try Self.object(r.stdout)
        #expect(definitions["resourceType"] as? String == "Bundle")
        TestSupport.sinkJSON(r.stdout, name: "definitions-default-base")
        let resources = (definitions["entry"] as? [Object] ?? []).compactMap { $0["resource"] as? Object }
        func ofType(_ t: String) -> [Object] { resources.filter { $0["resourceType"] as? String == t } }

        Self.checkResolution(try Self.carePlans(Self.scenarioOutputs), definitions, base: Self.defaultBase)

        // The PlanDefinition: the guideline's id and version, actions in priority order, each
        // with its ActivityDefinition (which resolves, version included) and its condition.
        let pds = ofType("PlanDefinition")
        #expect(pds.count == 1)
        let pd = try #require(pds.first)
        #expect(pd["url"] as? String == "\(Self.defaultBase)/PlanDefinition/\(Self.guideline.id)")
        #expect(pd["version"] as? String == Self.guideline.version)
        let actions = pd["action"] as? [Object] ?? []
        let idx = Self.index(definitions)
        var actionRecs: [String] = []
        for action in actions {
            let canonical = action["definitionCanonical"] as? String ?? ""
            #expect(!canonical.isEmpty, "action \(action["id"] ?? "?") has no definitionCanonical")
            let ad = Self.resolves(canonical, type: "ActivityDefinition", in: idx)
            #expect(ad != nil, "definitionCanonical \(canonical) does not resolve")
            actionRecs.append(ad?["id"] as? String ?? canonical.components(separatedBy: "/").last ?? "")
            let condition = (action["condition"] as? [Object] ?? []).first
            #expect(((condition?["expression"] as? Object)?["description"] as? String)?.isEmpty == false,
                    "action \(action["id"] ?? "?") has no condition text")
        }
        #expect(actionRecs == Self.guideline.recommendations.map(\.id), "PlanDefinition actions are not in priority order")

        // One ActivityDefinition per recommendation.
        let ads = ofType("ActivityDefinition")
        #expect(ads.count == Self.guideline.recommendations.count)
        #expect(Set(ads.compactMap { $0["url"] as? String })
            == Set(Self.guideline.recommendations.map { "\(Self.defaultBase)/ActivityDefinition/\($0.id)" }))
        for ad in ads {
            #expect(ad["kind"] is String && ad["code"] is Object && (ad["description"] as? String)?.isEmpty == false,
                    "ActivityDefinition \(ad["id"] ?? "?") lacks kind, code or description")
            let cited = Self.citedRecommendations.contains(ad["id"] as? String ?? "")
            #expect(!cited || !(ad["relatedArtifact"] as? [Any] ?? []).isEmpty,
                    "ActivityDefinition \(ad["id"] ?? "?") does not carry its citations as relatedArtifact")
        }

        // The derived-fact CodeSystem: one concept per fact, each with its definition.
        let css = ofType("CodeSystem")
        #expect(css.count == 1)
        let cs = try #require(css.first)
        #expect(cs["url"] as? String == "\(Self.defaultBase)/CodeSystem/derived-fact")
        let concepts = cs["concept"] as? [Object] ?? []
        #expect(concepts.compactMap { $0["code"] as? String }.sorted() == Self.factIDs.sorted())
        #expect(concepts.count == Self.factIDs.count)
        for c in concepts {
            #expect((c["definition"] as? String)?.isEmpty == false, "concept \(c["code"] ?? "?") has no definition")
        }

        // The value sets of Mappings/.
        let valueSetFiles = TestSupport.files(under: TestSupport.path("Mappings/valuesets"), suffix: ".json")
        #expect(ofType("ValueSet").count == valueSetFiles.count)
    }

    @Test func aCanonicalBaseChangesEveryCanonicalInDefinitionsAndCarePlansAlike() throws {
        let r = try TestSupport.runIngest(["definitions", "--canonical-base", Self.otherBase])
        #expect(r.status == 0, "\(r.stderr)")
        let definitions = try Self.object(r.stdout)
        TestSupport.sinkJSON(r.stdout, name: "definitions-other-base")
        #expect(!r.stdout.contains(Self.defaultBase), "the definitions still name \(Self.defaultBase)")
        for entry in definitions["entry"] as? [Object] ?? [] {
            let url = (entry["resource"] as? Object)?["url"] as? String ?? ""
            #expect(url.hasPrefix(Self.otherBase + "/"), "\(url) is not under \(Self.otherBase)")
        }
        let outputs = Self.runScenarios(["--canonical-base", Self.otherBase])
        for (name, out) in outputs {
            #expect(!out.stdout.contains(Self.defaultBase), "\(name): a CarePlan still names \(Self.defaultBase)")
        }
        let plans = try Self.carePlans(outputs)
        #expect(plans.count == (try Self.carePlans(Self.scenarioOutputs)).count)
        Self.checkResolution(plans, definitions, base: Self.otherBase)
        TestSupport.sinkCarePlans(outputs.keys.sorted().map { outputs[$0]!.stdout }.joined(), name: "careplans-other-base")
    }

    // MARK: - Evidence routing

    static let derivedFromTypes: Set<String> = [
        "Observation", "DocumentReference", "ImagingStudy", "Media", "QuestionnaireResponse", "MolecularSequence",
    ]

    /// Every Reference in a JSON tree, with its path.
    static func references(_ value: Any, path: String, into out: inout [(path: String, ref: Object)]) {
        if let o = value as? Object {
            if o["reference"] is String || (o["identifier"] is Object && o.keys.allSatisfy { ["identifier", "type", "display"].contains($0) }) {
                out.append((path, o))
            }
            for (k, v) in o { references(v, path: path + "." + k, into: &out) }
        } else if let a = value as? [Any] {
            for (i, v) in a.enumerated() { references(v, path: path + "[\(i)]", into: &out) }
        }
    }

    @Test func evidenceGoesOnlyWhereR4AllowsItsTypeAndEveryReferenceSaysItsType() throws {
        let relative = try NSRegularExpression(pattern: "^[A-Z][A-Za-z]+/[A-Za-z0-9\\-.]{1,64}(/_history/[A-Za-z0-9\\-.]{1,64})?$")
        var provenances = 0
        for (scenario, plan) in try Self.carePlans(Self.scenarioOutputs) {
            let contained = plan["contained"] as? [Object] ?? []
            let containedIDs = Set(contained.compactMap { $0["id"] as? String })
            let supporting = Set((plan["supportingInfo"] as? [Object] ?? []).compactMap { $0["reference"] as? String })
            for r in contained {
                let type = r["resourceType"] as? String ?? ""
                let id = r["id"] as? String ?? ""
                switch type {
                case "Observation":
                    for d in r["derivedFrom"] as? [Object] ?? [] {
                        let t = d["type"] as? String ?? "<none>"
                        #expect(Self.derivedFromTypes.contains(t), "\(scenario): \(id).derivedFrom points at a \(t)")
                    }
                case "Provenance":
                    provenances += 1
                    #expect(id.hasPrefix("evidence-"), "\(scenario): Provenance \(id)")
                    let fact = String(id.dropFirst("evidence-".count))
                    let targets = (r["target"] as? [Object] ?? []).compactMap { $0["reference"] as? String }
                    #expect(targets == ["#fact-\(fact)"] && containedIDs.contains("fact-\(fact)"), "\(scenario): \(id) targets \(targets)")
                    let entities = r["entity"] as? [Object] ?? []
                    #expect(!entities.isEmpty)
                    for e in entities {
                        let what = e["what"] as? Object ?? [:]
                        #expect(what["type"] is String, "\(scenario): \(id).entity.what has no type")
                    }
                    for agent in r["agent"] as? [Object] ?? [] {
                        let who = ((agent["who"] as? Object)?["reference"] as? String) ?? ""
                        let device = contained.first { "#" + ($0["id"] as? String ?? "") == who }
                        #expect(device?["resourceType"] as? String == "Device", "\(scenario): \(id).agent.who \(who) is not a contained Device")
                    }
                    #expect(supporting.contains("#\(id)"), "\(scenario): \(id) is not in CarePlan.supportingInfo")
                case "Device":
                    break
                default:
                    Issue.record("\(scenario): unexpected contained \(type)")
                }
            }
            // A reference whose target type the reference itself does not tell carries `type`;
            // every '#' reference resolves to a contained resource.
            var refs: [(path: String, ref: Object)] = []
            Self.references(plan, path: "CarePlan", into: &refs)
            for (path, ref) in refs {
                if let r = ref["reference"] as? String {
                    if r.hasPrefix("#") {
                        #expect(containedIDs.contains(String(r.dropFirst())), "\(scenario): \(path) \(r) does not resolve")
                        continue
                    }
                    if relative.firstMatch(in: r, range: NSRange(r.startIndex..., in: r)) != nil { continue }
                }
                #expect(ref["type"] is String, "\(scenario): \(path) (\(ref["reference"] ?? "identifier")) has no type")
            }
        }
        #expect(provenances > 0)
    }

    // MARK: - 6. Narrative

    /// What an XML parser sees in an XHTML div: its root (name and namespace), the text of each
    /// `<li>` of its `<ol>`, and all its text.
    final class DivReader: NSObject, XMLParserDelegate {
        var root: (name: String, namespace: String?)?
        var items: [String] = []
        var text = ""
        var olDepth = 0
        var li: String?
        func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                    attributes: [String: String] = [:]) {
            if root == nil { root = (name, namespaceURI) }
            if name == "ol" { olDepth += 1 }
            if name == "li" && olDepth > 0 { li = "" }
        }
        func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
            if name == "ol" { olDepth -= 1 }
            if name == "li", let l = li { items.append(l); li = nil }
        }
        func parser(_ parser: XMLParser, foundCharacters string: String) {
            text += string
            if li != nil { li! += string }
        }
    }

    /// Parses a div; nil (and an issue) when it is not well-formed XML.
    static func read(_ div: String, _ context: String) -> DivReader? {
        let parser = XMLParser(data: Data(div.utf8))
        parser.shouldProcessNamespaces = true
        let reader = DivReader()
        parser.delegate = reader
        guard parser.parse() else {
            Issue.record("\(context): text.div is not well-formed XML: \(parser.parserError.map { "\($0)" } ?? "?")")
            return nil
        }
        return reader
    }

    static func scalars(_ s: String) -> [UInt32] { s.unicodeScalars.map(\.value) }

    static func containsScalars(_ haystack: String, _ needle: String) -> Bool {
        let h = scalars(haystack), n = scalars(needle)
        guard n.count <= h.count else { return false }
        return (0...(h.count - n.count)).contains { Array(h[$0..<($0 + n.count)]) == n }
    }

    @Test func everyCarePlanHasAGeneratedXHTMLNarrativeListingItsRecommendationsInPriorityOrder() throws {
        let priority = Dictionary(uniqueKeysWithValues: Self.guideline.recommendations.enumerated().map { ($1.id, $0) })
        let titles = Dictionary(uniqueKeysWithValues: Self.guideline.recommendations.map { ($0.id, $0.title) })
        for (scenario, plan) in try Self.carePlans(Self.scenarioOutputs) {
            let text = plan["text"] as? Object ?? [:]
            #expect(text["status"] as? String == "generated", "\(scenario): text.status \(text["status"] ?? "missing")")
            let div = text["div"] as? String ?? ""
            guard let reader = Self.read(div, scenario) else { continue }
            #expect(reader.root?.name == "div" && reader.root?.namespace == "http://www.w3.org/1999/xhtml",
                    "\(scenario): root \(reader.root?.name ?? "?") in \(reader.root?.namespace ?? "no namespace")")
            let recs = (plan["activity"] as? [Object] ?? []).compactMap(Self.recommendationID)
            let ranks = recs.map { priority[$0] ?? -1 }
            #expect(ranks == ranks.sorted() && !ranks.contains(-1), "\(scenario): activities not in priority order: \(recs)")
            #expect(reader.items.count == recs.count, "\(scenario): \(reader.items.count) narrative items for \(recs.count) activities")
            for (item, rec) in zip(reader.items, recs) {
                #expect(item.contains(titles[rec] ?? "\u{0}"), "\(scenario): narrative item \"\(item)\" is not \(rec)")
            }
        }
    }

    static let hostile = "<script>alert(1)</script> & Co \"\u{338} <\u{338} >\u{338}"

    @Test func narrativeTextIsEscapedAndNoInputTextReachesIt() throws {
        // What reaches the narrative are the Mappings' words (guideline and recommendation
        // titles): a Mappings folder whose titles hold markup must still give a well-formed div
        // that shows them as text.
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ingest-narrative-mappings-\(getpid())")
        try? FileManager.default.removeItem(at: dir)
        try FileManager.default.copyItem(at: URL(fileURLWithPath: TestSupport.path("Mappings")), to: dir)
        let file = dir.appendingPathComponent("guidelines/mcrpc-after-enzalutamide.json")
        var g = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: file)) as? Object)
        let hostileTitle = "Docetaxel " + Self.hostile
        var recs = g["recommendations"] as? [Object] ?? []
        for i in recs.indices where recs[i]["id"] as? String == "docetaxel" { recs[i]["title"] = hostileTitle }
        g["recommendations"] = recs
        try JSONSerialization.data(withJSONObject: g).write(to: file)
        let s = try #require(Self.scenarios.first { $0.name == "01-mcrpc-docetaxel-stop-reason" })
        let r = try TestSupport.runIngest(["--as-of", s.asOf, "--mappings", dir.path, s.input])
        #expect(r.status == 0, "\(r.stderr)")
        let plans = try Self.objects(r.stdout)
        #expect(plans.count == 1)
        for plan in plans {
            let div = (plan["text"] as? Object)?["div"] as? String ?? ""
            if let reader = Self.read(div, "hostile title") {
                #expect(reader.root?.name == "div" && reader.root?.namespace == "http://www.w3.org/1999/xhtml")
                #expect(Self.containsScalars(reader.items.first ?? "", hostileTitle), "the title does not read back as text: \(reader.items.first ?? "none")")
            }
            for raw in ["<script", "<\u{338}", "\"\u{338}", ">\u{338}", "& Co"] {
                #expect(!Self.containsScalars(div, raw), "the div holds \(raw.debugDescription) unescaped")
            }
        }
        TestSupport.sinkCarePlans(r.stdout, name: "narrative-hostile-mappings")

        // Patient text (name, identifier, a condition's text) never reaches the narrative.
        let bundle = Self.patientBundle(id: "h1", identifiers: [("http://hospital.example/mrn", "MRN-" + Self.hostile)],
                                        name: Self.hostile, conditionText: "CRPC " + Self.hostile)
        let hostilePlans = try Self.plans(bundle, name: "hostile-patient.json")
        #expect(hostilePlans.count == 1)
        for plan in hostilePlans {
            let div = (plan["text"] as? Object)?["div"] as? String ?? ""
            if let reader = Self.read(div, "hostile patient") {
                #expect(reader.root?.namespace == "http://www.w3.org/1999/xhtml")
                #expect(!Self.containsScalars(reader.text, "alert(1)"), "patient text reached the narrative")
            }
            for raw in ["<script", "alert(1)", "<\u{338}", "\"\u{338}", "& Co"] {
                #expect(!Self.containsScalars(div, raw), "the div holds \(raw.debugDescription)")
            }
            TestSupport.sinkCarePlans(Self.canonical(plan) + "\n", name: "narrative-hostile-patient")
        }
    }
}
