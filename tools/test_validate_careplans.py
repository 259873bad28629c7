#!/usr/bin/env python3
"""Self-test of validate_careplans.py on hand-made minimal resources.

Run: .venv/bin/python tools/test_validate_careplans.py   (or: .venv/bin/python -m pytest tools/)
"""
import copy
import io
import json
import pathlib
import sys
import tempfile
from contextlib import redirect_stderr, redirect_stdout

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import validate_careplans as V  # noqa: E402

BASE = "https://clinicalingest.example.org/fhir"
XHTML_DIV = '<div xmlns="http://www.w3.org/1999/xhtml"><p>Docetaxel 75 mg/m² &amp; prednisone</p></div>'


def fact(fid, value=True, derived=None):
    o = {"resourceType": "Observation", "id": f"fact-{fid}", "status": "final",
         "code": {"coding": [{"system": f"{BASE}/CodeSystem/derived-fact", "code": fid}], "text": fid},
         "subject": {"reference": "Patient/p1"}, "effectiveDateTime": "2026-11-27",
         "note": [{"text": "decided from the record"}]}
    if value is None:
        o["dataAbsentReason"] = {"coding": [{"system": V.DAR, "code": "unknown", "display": "Unknown"}]}
    elif isinstance(value, bool):
        o["valueBoolean"] = value
    else:
        o["valueInteger"] = value
    if derived is not None:
        o["derivedFrom"] = derived
    return o


def activity(rec, facts, kind="MedicationRequest", system="http://www.nlm.nih.gov/research/umls/rxnorm"):
    return {"detail": {
        "kind": kind, "instantiatesCanonical": [f"{BASE}/ActivityDefinition/{rec}"],
        "code": {"coding": [{"system": system, "code": "72962"}], "text": rec},
        "status": "not-started", "doNotPerform": rec == "no-pelvic-imrt",
        "description": "regimen, rationale, citation",
        "reasonReference": [{"reference": f"#fact-{f}"} for f in facts]}}


def careplan():
    """A minimal CarePlan that meets the whole contract: fact Observations, a Provenance per fact for
    evidence derivedFrom may not name (Condition), a Device as its agent, a narrative."""
    return {
        "resourceType": "CarePlan", "id": "cp-0123456789abcdef",
        "text": {"status": "generated", "div": XHTML_DIV},
        "contained": [
            fact("mcrpc", True, derived=[{"reference": "Observation/psa1"},
                                         {"reference": "http://example.org/fhir/DocumentReference/d1"}]),
            fact("progressed-on-enzalutamide", True),
            fact("prior-docetaxel", False),
            fact("enzalutamide-line", 2),
            fact("psma-positive", None),
            {"resourceType": "Provenance", "id": "prov-mcrpc", "target": [{"reference": "#fact-mcrpc"}],
             "recorded": "2026-11-27T00:00:00Z",
             "agent": [{"who": {"reference": "#ingest"}}],
             "entity": [{"role": "source", "what": {"reference": "Condition/c1"}},
                        {"role": "source", "what": {"reference": "urn:uuid:7f8e4a8a-1c2b-4c1e-9d2a-1b2c3d4e5f60"}},
                        {"role": "source", "what": {"identifier": {"system": "urn:oid:1.2.3", "value": "x"}}}]},
            {"resourceType": "Device", "id": "ingest", "deviceName": [{"name": "ClinicalIngest", "type": "user-friendly-name"}]},
        ],
        "instantiatesCanonical": [f"{BASE}/PlanDefinition/mcrpc-after-enzalutamide|1.1.0"],
        "status": "draft", "intent": "proposal", "title": "t",
        "subject": {"reference": "Patient/p1"}, "created": "2026-11-27",
        "supportingInfo": [{"reference": "#fact-enzalutamide-line"}, {"reference": "#fact-psma-positive"},
                           {"reference": "#prov-mcrpc"}],
        "activity": [activity("docetaxel", ["mcrpc", "progressed-on-enzalutamide", "prior-docetaxel"]),
                     activity("psma-pet", ["mcrpc", "psma-positive"], kind="ServiceRequest",
                              system="http://snomed.info/sct")],
    }


def issues(resource):
    return V.check_resource(resource)


def kinds(resource):
    return sorted({i.kind for i in issues(resource)})


def messages(resource, kind=None):
    return [f"{V.format_path(resource, i.path)}: {i.msg}" for i in issues(resource) if kind in (None, i.kind)]


def has(resource, kind, *words):
    found = messages(resource, kind)
    assert any(all(w in m for w in words) for m in found), (kind, words, found)


# --- what must pass ----------------------------------------------------------------------------
def test_minimal_careplan_passes():
    assert messages(careplan()) == []


def test_revoked_careplan_passes():
    cp = careplan()
    cp["status"] = "revoked"
    assert messages(cp) == []


def test_urn_uuid_with_type_and_into_any_pass():
    cp = careplan()
    cp["contained"][0]["derivedFrom"].append({"reference": "urn:uuid:0b5b1bb2-9a9c-4a4b-8f2c-5b7c1d2e3f40",
                                              "type": "Observation"})
    cp["supportingInfo"].append({"reference": "urn:uuid:0b5b1bb2-9a9c-4a4b-8f2c-5b7c1d2e3f41"})  # Any
    cp["contained"][1]["derivedFrom"] = [{"identifier": {"system": "urn:oid:1.2", "value": "v"},
                                          "type": "ImagingStudy"},
                                         {"reference": "http://example.org/fhir/Observation/o9/_history/2"}]
    assert messages(cp) == []


def test_definitions_bundle_passes():
    bundle = {"resourceType": "Bundle", "id": "definitions", "type": "collection", "entry": [
        {"fullUrl": f"{BASE}/PlanDefinition/mcrpc-after-enzalutamide", "resource": {
            "resourceType": "PlanDefinition", "id": "mcrpc-after-enzalutamide",
            "url": f"{BASE}/PlanDefinition/mcrpc-after-enzalutamide", "version": "1.1.0", "status": "active",
            "action": [{"title": "docetaxel", "definitionCanonical": f"{BASE}/ActivityDefinition/docetaxel|1.1.0",
                        "condition": [{"kind": "applicability",
                                       "expression": {"language": "text/cql", "description": "mcrpc",
                                                      "expression": "\"mcrpc\""}}]}]}},
        {"fullUrl": f"{BASE}/ActivityDefinition/docetaxel", "resource": {
            "resourceType": "ActivityDefinition", "id": "docetaxel", "url": f"{BASE}/ActivityDefinition/docetaxel",
            "version": "1.1.0", "status": "active", "kind": "MedicationRequest",
            "relatedArtifact": [{"type": "citation", "citation": "Tannock 2004"}]}},
        {"fullUrl": f"{BASE}/CodeSystem/derived-fact", "resource": {
            "resourceType": "CodeSystem", "id": "derived-fact", "url": f"{BASE}/CodeSystem/derived-fact",
            "version": "1.1.0", "status": "active", "content": "complete",
            "text": {"status": "generated", "div": '<div xmlns="http://www.w3.org/1999/xhtml">facts</div>'},
            "concept": [{"code": "mcrpc", "display": "mCRPC", "definition": "metastatic CRPC"}]}},
        {"fullUrl": f"{BASE}/ValueSet/adt", "resource": {
            "resourceType": "ValueSet", "id": "adt", "url": f"{BASE}/ValueSet/adt", "status": "active",
            "compose": {"include": [{"system": "http://www.nlm.nih.gov/research/umls/rxnorm",
                                     "concept": [{"code": "50610"}]}]}}},
    ]}
    assert messages(bundle) == []


def transaction(*careplans):
    return {"resourceType": "Bundle", "id": "tonight", "type": "transaction", "entry": [
        {"fullUrl": f"{BASE}/CarePlan/{cp['id']}", "resource": cp,
         "request": {"method": "PUT", "url": f"CarePlan/{cp['id']}"}} for cp in careplans]}


def test_transaction_bundle_passes():
    other = careplan()
    other["id"] = "cp-fedcba9876543210"
    b = transaction(careplan(), other)
    b["entry"][1]["fullUrl"] = "urn:uuid:3a4b5c6d-1111-4222-8333-944455556666"
    assert messages(b) == []


# --- what must fail ----------------------------------------------------------------------------
def test_derived_from_condition_fails():
    cp = careplan()
    cp["contained"][0]["derivedFrom"].append({"reference": "http://example.org/fhir/Condition/c1"})
    has(cp, "reference", "contained[0]{Observation/fact-mcrpc}.derivedFrom[2]",
        "Observation.derivedFrom may not point at Condition")
    cp = careplan()
    cp["contained"][0]["derivedFrom"] = [{"reference": "MedicationStatement/m1"}]
    has(cp, "reference", "may not point at MedicationStatement")
    cp = careplan()  # the type said by Reference.type alone
    cp["contained"][0]["derivedFrom"] = [{"identifier": {"system": "urn:oid:1.2", "value": "v"}, "type": "Condition"}]
    has(cp, "reference", "may not point at Condition")


def test_urn_uuid_without_type_fails():
    cp = careplan()
    cp["contained"][0]["derivedFrom"] = [{"reference": "urn:uuid:0b5b1bb2-9a9c-4a4b-8f2c-5b7c1d2e3f40"}]
    has(cp, "reference", "derivedFrom[0]", "target type cannot be told", "urn:")


def test_identifier_only_and_display_only_without_type_fail():
    cp = careplan()
    cp["contained"][0]["derivedFrom"] = [{"identifier": {"system": "urn:oid:1.2", "value": "v"}},
                                         {"display": "C-CDA entry at line 7"}]
    has(cp, "reference", "derivedFrom[0]", "cannot be told", "identifier-only")
    has(cp, "reference", "derivedFrom[1]", "cannot be told", "display-only")


def test_type_disagreeing_with_reference_fails():
    cp = careplan()
    cp["contained"][0]["derivedFrom"] = [{"reference": "Observation/o1", "type": "DocumentReference"}]
    has(cp, "reference", "disagrees")


def test_reference_type_must_be_an_r4_type():
    cp = careplan()  # Ingredient exists in R4B only; supportingInfo takes Any
    cp["supportingInfo"].append({"reference": "urn:uuid:0b5b1bb2-9a9c-4a4b-8f2c-5b7c1d2e3f42", "type": "Ingredient"})
    has(cp, "reference", "supportingInfo[3]", "'Ingredient' is not an R4 resource type")


def test_contained_meta_rules():
    cp = careplan()
    cp["contained"][0]["meta"] = {"versionId": "1"}
    has(cp, "contained", "dom-4")
    cp = careplan()
    cp["contained"][0]["contained"] = [fact("mcrpc")]
    has(cp, "contained", "dom-2")


def test_r4_not_r4b_observation_subject():
    cp = careplan()  # R4B allows an Organization as Observation.subject, R4 does not
    cp["contained"][0]["subject"] = {"reference": "Organization/o1"}
    has(cp, "reference", "Observation.subject may not point at Organization")


def test_unresolved_and_unreferenced_contained_fail():
    cp = careplan()
    cp["supportingInfo"].append({"reference": "#fact-nowhere"})
    has(cp, "reference", "#fact-nowhere does not resolve")
    cp = careplan()
    cp["supportingInfo"] = [r for r in cp["supportingInfo"] if r["reference"] != "#prov-mcrpc"]
    has(cp, "reference", "Provenance/prov-mcrpc is referenced from nowhere (dom-3)")


def test_missing_narrative_fails():
    cp = careplan()
    del cp["text"]
    has(cp, "narrative", "needs a generated XHTML narrative")
    cp = careplan()
    cp["text"]["status"] = "additional"
    has(cp, "narrative", "text.status must be generated")


def test_bad_xhtml_div_fails():
    for div, words in [
        ('<div xmlns="http://www.w3.org/1999/xhtml"><p>unclosed</div>', "not well-formed"),
        ("<div><p>no namespace</p></div>", "namespace"),
        ('<p xmlns="http://www.w3.org/1999/xhtml">not a div</p>', "root element must be div"),
        ('<div xmlns="http://www.w3.org/1999/xhtml"><script>x()</script>text</div>', "script is not allowed"),
        ('<div xmlns="http://www.w3.org/1999/xhtml"><p onclick="x()">text</p></div>', "onclick"),
        ('<div xmlns="http://www.w3.org/1999/xhtml">&nbsp;</div>', "not well-formed"),
        ('<div xmlns="http://www.w3.org/1999/xhtml"> <p/> </div>', "no text"),
        ("docetaxel", "not well-formed"),
    ]:
        cp = careplan()
        cp["text"]["div"] = div
        has(cp, "narrative", "text.div", words)


def test_transaction_entry_with_wrong_url_fails():
    b = transaction(careplan())
    b["entry"][0]["request"]["url"] = "CarePlan/cp-other"
    has(b, "bundle", "entry[0].request.url", "must be CarePlan/cp-0123456789abcdef")
    b = transaction(careplan())
    b["entry"][0]["request"]["method"] = "POST"
    has(b, "bundle", "request.method must be PUT")
    b = transaction(careplan())
    b["entry"][0]["fullUrl"] = f"{BASE}/CarePlan/cp-other"
    has(b, "bundle", "fullUrl")
    b = transaction(careplan(), careplan())
    has(b, "bundle", "also written by entry[0]")


def test_careplan_inside_a_bundle_is_checked():
    cp = careplan()
    cp["contained"][0]["derivedFrom"] = [{"reference": "Condition/c1"}]
    del cp["text"]
    b = transaction(cp)
    has(b, "reference", "entry[0].resource{CarePlan/cp-0123456789abcdef}.contained[0]{Observation/fact-mcrpc}",
        "Condition")
    has(b, "narrative", "entry[0].resource")


def test_schema_errors_name_the_place_but_no_patient_data():
    cp = careplan()
    cp["contained"][0]["valueBoolean"] = "SECRET-PATIENT-TEXT"
    cp["contained"][1]["status"] = "bogus"
    cp["contained"][2]["favouriteColour"] = "blue"
    has(cp, "schema", "contained[0]{Observation/fact-mcrpc}.valueBoolean", "boolean")
    has(cp, "schema", "contained[1]{Observation/fact-progressed-on-enzalutamide}.status", "'bogus'")
    has(cp, "schema", "favouriteColour")
    has(cp, "model", "valueBoolean")
    assert not any("SECRET" in m for m in messages(cp)), messages(cp)


def test_unknown_resource_type_fails():
    has({"resourceType": "Nonsense", "id": "x"}, "schema", "not an R4 resource type")
    has({"resourceType": "Nonsense", "id": "x"}, "model", "no R4B model")


def test_contract_checks_fail():
    cp = careplan()
    cp["status"] = "active"
    has(cp, "contract", "status must be draft")
    cp = careplan()
    cp["intent"] = "plan"
    has(cp, "contract", "intent must be proposal")
    cp = careplan()
    cp["contained"].append({"resourceType": "Condition", "id": "c9", "subject": {"reference": "Patient/p1"}})
    cp["supportingInfo"].append({"reference": "#c9"})
    has(cp, "contract", "contained Condition is not one the output contract allows")
    cp = careplan()
    cp["activity"].reverse()
    has(cp, "contract", "out of priority order")
    cp = careplan()
    cp["activity"][0]["detail"]["doNotPerform"] = True
    has(cp, "contract", "doNotPerform is true for no-pelvic-imrt")
    cp = careplan()
    cp["activity"][0]["detail"]["reasonReference"] = [{"reference": "#prov-mcrpc"}]
    has(cp, "contract", "reasonReference must be a contained #fact-")
    cp = careplan()
    cp["contained"][3]["valueBoolean"] = True
    del cp["contained"][3]["valueInteger"]
    has(cp, "contract", "integer fact takes valueInteger")
    cp = careplan()
    cp["contained"][0]["code"]["coding"][0]["code"] = "metastatic"
    has(cp, "contract", "derived-fact|mcrpc")
    cp = careplan()
    del cp["contained"][0]["note"]
    has(cp, "contract", "a note must say")
    cp = careplan()
    cp["contained"][5]["target"] = [{"reference": "#ingest"}]
    has(cp, "contract", "must target a contained #fact-")
    cp = careplan()
    cp["subject"] = {"reference": "Group/g1"}
    has(cp, "contract", "subject must be the source Patient")
    cp = careplan()
    cp["instantiatesCanonical"] = [f"{BASE}/PlanDefinition/mcrpc-after-enzalutamide"]
    has(cp, "contract", "|<version>")


# --- the command -----------------------------------------------------------------------------
def run(directory, *args):
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        rc = V.main(["validate_careplans.py", *args, str(directory)])
    return rc, out.getvalue(), err.getvalue()


def test_command_over_ndjson_and_json_files():
    with tempfile.TemporaryDirectory() as d:
        d = pathlib.Path(d)
        good, bad = careplan(), careplan()
        bad["contained"][0]["derivedFrom"] = [{"reference": "Condition/c1"}]
        (d / "a.ndjson").write_text(json.dumps(good) + "\n\n" + json.dumps(bad) + "\n", encoding="utf-8")
        rc, out, err = run(d)
        assert rc == 1 and out.strip() == "careplans: 1 passed, 1 failed", (rc, out, err)
        assert f"{d / 'a.ndjson'}:3: CarePlan/cp-0123456789abcdef: reference:" in err, err
        (d / "a.ndjson").write_text(json.dumps(good) + "\n", encoding="utf-8")
        rc, out, err = run(d)
        assert rc == 0 and out.strip() == "careplans: 1 passed, 0 failed", (rc, out, err)
        sub = d / "bundles"
        sub.mkdir()
        (sub / "transaction.json").write_text(json.dumps(transaction(copy.deepcopy(good)), indent=1), encoding="utf-8")
        rc, out, err = run(d)
        assert rc == 0 and out.strip().splitlines()[-1] == "resources: 2 passed, 0 failed", (rc, out, err)
        assert "CarePlans, top-level and in Bundles: 2 passed, 0 failed" in out, out
        (sub / "broken.json").write_text("{not json", encoding="utf-8")
        rc, out, err = run(d)
        assert rc == 1 and out.strip().splitlines()[-1] == "resources: 2 passed, 1 failed", (rc, out, err)
        assert "broken.json: (unparsed): json: (resource): not valid JSON" in err, err


def test_command_fails_when_nothing_was_validated():
    with tempfile.TemporaryDirectory() as d:
        rc, out, err = run(d)
        assert rc == 1 and "no resource found" in err, (rc, out, err)


def test_command_on_several_processes_gives_the_same_answer():
    with tempfile.TemporaryDirectory() as d:
        d = pathlib.Path(d)
        lines = []
        for n in range(70):
            cp = careplan()
            cp["id"] = f"cp-{n:016x}"
            if n % 7 == 0:
                cp["contained"][0]["derivedFrom"] = [{"reference": "Condition/c1"}]
            lines.append(json.dumps(cp))
        (d / "many.ndjson").write_text("\n".join(lines) + "\n", encoding="utf-8")
        one = run(d, "--jobs", "1")
        two = run(d, "--jobs", "2")
        assert one == two and one[1].strip() == "careplans: 60 passed, 10 failed", one[:2]


def test_schema_file_is_a_valid_draft6_schema():
    V.setup()
    V.jsonschema.Draft6Validator.check_schema(V.SCHEMA.schema)


def test_every_type_we_write_has_an_r4b_model():
    for t in ("CarePlan", "Observation", "Provenance", "Device", "Bundle", "PlanDefinition",
              "ActivityDefinition", "CodeSystem", "ValueSet"):
        assert V.get_fhir_model_class(t).__module__.startswith("fhir.resources.R4B."), t


if __name__ == "__main__":
    tests = [(n, f) for n, f in sorted(globals().items()) if n.startswith("test_") and callable(f)]
    failed = 0
    for name, f in tests:
        try:
            f()
        except Exception as e:  # report every failing test, not just the first
            failed += 1
            print(f"FAIL {name}: {type(e).__name__}: {e}", file=sys.stderr)
    print(f"test_validate_careplans: {len(tests) - failed} passed, {failed} failed")
    sys.exit(1 if failed else 0)
