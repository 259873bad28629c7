#!/usr/bin/env python3
"""Generate the input side of the ClinicalIngest SAFETY SUITE.

Writes Fixtures/safety/cases.json and one input file per case (a FHIR R4
collection Bundle, or a C-CDA document) under Fixtures/safety/<family>/.

Built from the specification only (../shared/DESIGN.md, ../shared/TERMINOLOGY.md,
../shared/terminology/icd10cm-secondary-neoplasm-sites.tsv, docs/terminology-additions.md);
it does not read the implementation. Python 3 standard library only, deterministic:
same inputs -> same bytes (no clock, no randomness, sorted/ordered output).

Every family starts with a `control`: the unmutated base patient that DOES fire the
family's therapy per DESIGN (mustFire), so the suite can fail. Each mutation changes
as little as possible and lists in mustNotFire every recommendation DESIGN then
withholds. The runner (not here) evaluates each file at `asOf` and checks that nothing
in mustNotFire fires and everything in mustFire fires.

Usage:  python3 tools/make_safety_fixtures.py [--out DIR] [--tsv PATH]
"""

import argparse
import copy
import hashlib
import json
import re
import shutil
import sys
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

ROOT = Path(__file__).resolve().parents[1]          # .../main
DEFAULT_OUT = ROOT / "Fixtures" / "safety"
DEFAULT_TSV = ROOT.parent / "shared" / "terminology" / "icd10cm-secondary-neoplasm-sites.tsv"

ASOF = "2026-11-27"

# Recommendation ids, DESIGN priority order.
ALL_RECS = [
    "no-pelvic-imrt", "docetaxel", "docetaxel-with-enzalutamide", "cabazitaxel",
    "radium-223", "lu177-psma-617", "psma-pet", "olaparib", "somatic-genetic-testing",
    "palliative-bone-radiation", "continue-adt", "palliative-care", "local-salvage-radiation",
]
SYSTEMIC = ["docetaxel", "docetaxel-with-enzalutamide", "cabazitaxel", "radium-223",
            "lu177-psma-617", "psma-pet", "olaparib"]
# Everything whose DESIGN condition starts with `mcrpc`.
MCRPC_RECS = [r for r in ALL_RECS if r != "local-salvage-radiation"]

# ---------------------------------------------------------------------------
# Code systems (TERMINOLOGY.md section 1, terminology-additions.md section 6)
SCT = "http://snomed.info/sct"
ICD = "http://hl7.org/fhir/sid/icd-10-cm"
LOINC = "http://loinc.org"
RXN = "http://www.nlm.nih.gov/research/umls/rxnorm"
HCPCS = "http://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets"
HCPCS_VSAC = "http://www.nlm.nih.gov/research/umls/hcpcs"
UCUM = "http://unitsofmeasure.org"
HGNC = "http://www.genenames.org"
V3OI = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"
COND_CLIN = "http://terminology.hl7.org/CodeSystem/condition-clinical"
COND_VER = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
COND_CAT = "http://terminology.hl7.org/CodeSystem/condition-category"
OBS_CAT = "http://terminology.hl7.org/CodeSystem/observation-category"
V2_0074 = "http://terminology.hl7.org/CodeSystem/v2-0074"
BASE_URL = "http://example.org/fhir"
MRN_SYSTEM = "https://clinicalingest.example.org/safety/mrn"

OID = {SCT: "2.16.840.1.113883.6.96", ICD: "2.16.840.1.113883.6.90",
       LOINC: "2.16.840.1.113883.6.1", RXN: "2.16.840.1.113883.6.88"}
OID_NAME = {SCT: "SNOMED CT", ICD: "ICD-10-CM", LOINC: "LOINC", RXN: "RxNorm"}


# ---------------------------------------------------------------------------
# FHIR resource helpers. Resources are built without id/subject; `emit_bundle`
# assigns `<pid>-<tag>` ids and the subject reference.

def cc(codings=(), text=None):
    out = {}
    if codings:
        out["coding"] = [{"system": s, "code": c, "display": d} for (s, c, d) in codings]
    if text is not None:
        out["text"] = text
    return out


def condition(codings, text, onset, clinical="active", verification="confirmed",
              category="problem-list-item", body_site=None, abatement=None):
    r = {"resourceType": "Condition",
         "clinicalStatus": {"coding": [{"system": COND_CLIN, "code": clinical}]},
         "verificationStatus": {"coding": [{"system": COND_VER, "code": verification}]},
         "category": [{"coding": [{"system": COND_CAT, "code": category}]}],
         "code": cc(codings, text)}
    if body_site is not None:
        r["bodySite"] = body_site
    r["onsetDateTime"] = onset
    if abatement:
        r["abatementDateTime"] = abatement
    r["recordedDate"] = onset
    return r


def med_statement(codings, text, start, end=None, status="active", reason=None, asserted=None):
    r = {"resourceType": "MedicationStatement", "status": status,
         "medicationCodeableConcept": cc(codings, text)}
    period = {"start": start}
    if end:
        period["end"] = end
    r["effectivePeriod"] = period
    r["dateAsserted"] = asserted or end or start
    if reason is not None:
        r["statusReason"] = reason
    return r


def med_admin(codings, text, when, status="completed"):
    return {"resourceType": "MedicationAdministration", "status": status,
            "medicationCodeableConcept": cc(codings, text),
            "effectiveDateTime": when}


def med_request(codings, text, authored, status="active", intent="order", dosage=None):
    r = {"resourceType": "MedicationRequest", "status": status, "intent": intent,
         "medicationCodeableConcept": cc(codings, text), "authoredOn": authored}
    if dosage:
        r["dosageInstruction"] = [{"text": dosage}]
    return r


def observation(code_codings, code_text, when, category="laboratory", value=None,
                components=None, interpretation=None, status="final", method=None):
    r = {"resourceType": "Observation", "status": status,
         "category": [{"coding": [{"system": OBS_CAT, "code": category}]}],
         "code": cc(code_codings, code_text), "effectiveDateTime": when}
    if value is not None:
        r.update(value)
    if interpretation is not None:
        r["interpretation"] = [cc([interpretation])]
    if method is not None:
        r["method"] = cc([method])
    if components:
        r["component"] = components
    return r


def vq(value, unit):
    return {"valueQuantity": {"value": value, "unit": unit, "system": UCUM, "code": unit}}


def vcc(system, code, display):
    return {"valueCodeableConcept": cc([(system, code, display)])}


def psa(when, value):
    return observation([(LOINC, "2857-1", "Prostate specific Ag [Mass/volume] in Serum or Plasma")],
                       "PSA", when, value=vq(value, "ng/mL"))


def testosterone(when, value):
    return observation([(LOINC, "2986-8", "Testosterone [Mass/volume] in Serum or Plasma")],
                       "Testosterone, total", when, value=vq(value, "ng/dL"))


DISEASE_STATUS = {
    "worsened": ("271299001", "Patient's condition worsened (finding)"),
    "improved": ("268910001", "Patient's condition improved (finding)"),
    "stable": ("359746009", "Patient's condition stable (finding)"),
    "undetermined": ("709137006", "Patient condition undetermined (finding)"),
}


def disease_status(when, which):
    code, disp = DISEASE_STATUS[which]
    return observation([(LOINC, "97509-4", "Cancer disease progression")], "Cancer disease status",
                       when, category="survey", value=vcc(SCT, code, disp))


M_VALUES = {
    "cM0": ("1229901006", "American Joint Committee on Cancer cM0 (qualifier value)"),
    "cM1": ("1229903009", "American Joint Committee on Cancer cM1 (qualifier value)"),
    "cM1a": ("1229904003", "American Joint Committee on Cancer cM1a"),
    "cM1b": ("1229907005", "American Joint Committee on Cancer cM1b (qualifier value)"),
    "cM1c": ("1229910003", "American Joint Committee on Cancer cM1c"),
    "pM1": ("1229916009", "American Joint Committee on Cancer pM1 (qualifier value)"),
    "pM1c": ("1229923005", "pM1c"),
}
M_CODE_LOINC_CLIN = (LOINC, "21907-1", "Distant metastases.clinical [Class] Cancer")
M_CODE_LOINC_PATH = (LOINC, "21901-4", "Distant metastases.pathology [Class] Cancer")
M_CODE_SCT_CLIN = (SCT, "399387003", "cM category")
AJCC8 = (SCT, "897275008", "American Joint Commission on Cancer, Cancer Staging Manual, 8th edition "
                            "neoplasm staging system (tumor staging)")


def m_stage(when, which, code=None):
    if code is None:
        code = M_CODE_LOINC_PATH if which.startswith("p") else M_CODE_LOINC_CLIN
    c, d = M_VALUES[which]
    return observation([code], None, when, category="survey", value=vcc(SCT, c, d), method=AJCC8)


def variant(gene_code, gene_disp, sig_code, sig_disp, when="2026-08-12", status="final",
            present=True, origin=None):
    comps = [
        {"code": cc([(LOINC, "48018-6", "Gene studied [ID]")]),
         "valueCodeableConcept": cc([(HGNC, gene_code, gene_disp)])},
    ]
    if sig_code is not None:
        comps.append({"code": cc([(LOINC, "53037-8", "Genetic variation clinical significance [Imp]")]),
                      "valueCodeableConcept": cc([(LOINC, sig_code, sig_disp)])})
    if origin is not None:
        comps.append({"code": cc([(LOINC, "48002-0", "Genomic source class")]),
                      "valueCodeableConcept": cc([(LOINC, origin[0], origin[1])])})
    val = vcc(LOINC, "LA9633-4", "Present") if present else vcc(LOINC, "LA9634-2", "Absent")
    return observation([(LOINC, "69548-6", "Genetic variant assessment")], None, when,
                       value=val, components=comps, status=status)


def psma_report(when, result="positive", status="final", code=None, conclusion=None):
    r = {"resourceType": "DiagnosticReport", "status": status,
         "category": [cc([(V2_0074, "NMS", "Nuclear Medicine Scan")])],
         "code": code if code is not None else {"text": "PSMA PET/CT skull base to mid-thigh (Ga-68 PSMA-11)"},
         "effectiveDateTime": when, "issued": when + "T16:00:00Z"}
    if result == "positive":
        r["conclusion"] = conclusion or "PSMA-avid osseous lesions."
        r["conclusionCode"] = [cc([(SCT, "10828004", "Positive (qualifier value)")])]
    elif result == "negative":
        r["conclusion"] = conclusion or "No PSMA-avid disease."
        r["conclusionCode"] = [cc([(SCT, "260385009", "Negative (qualifier value)")])]
    return r


def service_request_rt(body_site, text, authored="2026-11-10", status="active", intent="order"):
    return {"resourceType": "ServiceRequest", "status": status, "intent": intent,
            "category": [cc([(SCT, "108290001", "Radiation oncology AND/OR radiotherapy (procedure)")])],
            "code": cc([(SCT, "441799006", "Intensity modulated radiation therapy (procedure)")], text),
            "authoredOn": authored,
            "bodySite": [cc([body_site])]}


def procedure(codings, text, start, end, status="completed", body_site=None, category=None):
    r = {"resourceType": "Procedure", "status": status}
    if category:
        r["category"] = cc([category])
    r["code"] = cc(codings, text)
    r["performedPeriod"] = {"start": start, "end": end}
    if body_site:
        r["bodySite"] = [cc([body_site])]
    return r


# Frequently used codings
C61 = (ICD, "C61", "Malignant neoplasm of prostate")
SCT_PCA = (SCT, "399068003", "Malignant tumor of prostate (disorder)")
BONE_MET = [(SCT, "94222008", "Secondary malignant neoplasm of bone (disorder)"),
            (ICD, "C79.51", "Secondary malignant neoplasm of bone")]
CRPC = (SCT, "427492003", "Hormone refractory prostate cancer (disorder)")
HSPC = (SCT, "722103009", "Hormone sensitive prostate cancer (disorder)")
BONE_PAIN = (SCT, "12584003", "Bone pain (finding)")
LEUPROLIDE = (RXN, "42375", "Leuprolide")
ENZA = (RXN, "1307298", "Enzalutamide")
DOCETAXEL = (RXN, "72962", "DOCEtaxel")
NO_RESPONSE = (SCT, "266721009", "No response to treatment (situation)")
TX_COMPLETED = (SCT, "182992009", "Treatment completed (situation)")
PROSTATE_SITE = (SCT, "41216001", "Prostatic structure (body structure)")
PELVIS_SITE = (SCT, "12921003", "Pelvic structure (body structure)")
IMRT = (SCT, "441799006", "Intensity modulated radiation therapy (procedure)")
RT_CATEGORY = (SCT, "108290001", "Radiation oncology AND/OR radiotherapy (procedure)")
RECURRENT_PCA = (SCT, "1098981000119101", "Recurrent malignant neoplasm of prostate (disorder)")
MET_NOS = (SCT, "128462008", "Secondary malignant neoplastic disease (disorder)")

ENZA_START = "2025-01-20"
ENZA_END = "2026-11-15"   # 12 days before as-of: on-enzalutamide true (ended <= 28 days before)


def enzalutamide(reason="default", status="stopped", start=ENZA_START, end=ENZA_END):
    if reason == "default":
        reason = [cc([NO_RESPONSE], "Stopped: disease progression")]
    return med_statement([ENZA], "Enzalutamide 160 mg daily", start, end, status=status, reason=reason)


# ---------------------------------------------------------------------------
# Records: an ordered list of [tag, resource]; the Patient is kept separately.

class Record:
    def __init__(self, entries, patient_extra=None):
        self.entries = [[t, r] for t, r in entries]
        self.patient_extra = dict(patient_extra or {})

    def copy(self):
        return Record(copy.deepcopy(self.entries), copy.deepcopy(self.patient_extra))

    def tags(self):
        return [t for t, _ in self.entries]

    def get(self, tag):
        for t, r in self.entries:
            if t == tag:
                return r
        raise KeyError(tag)

    def replace(self, tag, res):
        for e in self.entries:
            if e[0] == tag:
                e[1] = res
                return self
        raise KeyError(tag)

    def remove(self, *tags):
        for tag in tags:
            if tag not in self.tags():
                raise KeyError(tag)
        self.entries = [e for e in self.entries if e[0] not in tags]
        return self

    def add(self, tag, res):
        if tag in self.tags():
            raise KeyError("duplicate tag " + tag)
        self.entries.append([tag, res])
        return self

    def edit(self, tag, fn):
        fn(self.get(tag))
        return self

    def patient(self, **kw):
        self.patient_extra.update(kw)
        return self


def core_entries():
    """mCRPC progressed on enzalutamide (coded stop reason), castrate on ongoing ADT."""
    return [
        ["con-pca", condition([C61, SCT_PCA], "Prostate cancer", "2019-01-15", category="encounter-diagnosis")],
        ["con-bonemet", condition(BONE_MET, "Bone metastases", "2021-03-10")],
        ["con-crpc", condition([CRPC], "Castration-resistant prostate cancer", "2024-11-02")],
        ["med-adt", med_statement([LEUPROLIDE], "Leuprolide 22.5 mg IM every 3 months", "2019-02-01")],
        ["obs-testo", testosterone("2026-10-05", 18)],
        ["med-enza", enzalutamide()],
    ]


def docetaxel_base():
    return Record(core_entries())


def radium_base():
    return Record(core_entries() + [
        ["con-bonepain", condition([BONE_PAIN], "Bone pain, lumbar spine and pelvis", "2026-09-01")],
    ])


def lu177_base():
    return Record(core_entries() + [
        ["med-docetaxel", med_statement([DOCETAXEL], "Docetaxel 75 mg/m2 IV every 3 weeks", "2023-04-03",
                                        "2023-08-14", status="completed")],
        ["dr-psma", psma_report("2026-11-20")],
    ])


def olaparib_base():
    return Record(core_entries() + [
        ["obs-brca2", variant("HGNC:1101", "BRCA2", "LA6668-3", "Pathogenic")],
    ])


def imrt_base():
    return Record(core_entries() + [
        ["sr-imrt", service_request_rt(PELVIS_SITE, "IMRT to pelvis")],
    ])


def salvage_base():
    return Record([
        ["con-pca", condition([C61], "Prostate cancer", "2017-11-20", category="encounter-diagnosis")],
        ["pro-rt", procedure([IMRT], "IMRT to prostate, 78 Gy / 39 fractions", "2018-01-08", "2018-03-02",
                             body_site=PROSTATE_SITE, category=RT_CATEGORY)],
        ["con-recurrence", condition([RECURRENT_PCA], "Local recurrence of prostate cancer", "2026-08-20")],
        ["obs-psa1", psa("2025-06-10", 1.1)],
        ["obs-psa2", psa("2026-07-30", 4.2)],
        ["obs-m", m_stage("2026-09-05", "cM0")],
    ])


# ---------------------------------------------------------------------------
# Emitting

def slug_pid(case_id):
    s = re.sub(r"[^A-Za-z0-9.\-]", "-", case_id)
    s = re.sub(r"-+", "-", s).strip("-")
    return ("sf-" + s)[:64]


def emit_bundle(pid, rec, case_id):
    patient = {"resourceType": "Patient", "id": pid,
               "identifier": [{"system": MRN_SYSTEM, "value": pid}],
               "active": True,
               "name": [{"family": "Safety", "given": ["Case"]}],
               "gender": "male", "birthDate": "1952-04-11"}
    patient.update(rec.patient_extra)
    entries = [{"fullUrl": f"{BASE_URL}/Patient/{pid}", "resource": patient}]
    # Resource ids: a short, stable prefix of the case id plus the entry tag (unique per bundle
    # and across the suite; never truncated).
    prefix = "sf" + hashlib.sha1(case_id.encode("utf-8")).hexdigest()[:10]
    seen = set()
    for tag, res in rec.entries:
        r = copy.deepcopy(res)
        rid = f"{prefix}-{tag}"
        if len(rid) > 64 or rid in seen:
            raise SystemExit(f"bad resource id {rid} in {case_id}")
        seen.add(rid)
        body = {"resourceType": r.pop("resourceType"), "id": rid}
        body.update(r)
        body["subject"] = {"reference": f"Patient/{pid}"}
        entries.append({"fullUrl": f"{BASE_URL}/{body['resourceType']}/{rid}", "resource": body})
    return {"resourceType": "Bundle", "id": "b-" + pid[:60], "type": "collection",
            "timestamp": "2026-11-26T08:00:00Z", "entry": entries}


# ---------------------------------------------------------------------------
# C-CDA (R2.1 templates from TERMINOLOGY.md 1b; shape as Fixtures/twins/01-*)

def cda_ts(date):
    return date.replace("-", "")


def cda_code(elem, system, code, display, extra="", translation=None, original_ref=None):
    inner = ""
    if original_ref:
        inner += f'<originalText><reference value="#{original_ref}"/></originalText>'
    if translation:
        ts, tc, td = translation
        inner += (f'<translation code={quoteattr(tc)} codeSystem="{OID[ts]}" '
                  f'codeSystemName="{OID_NAME[ts]}" displayName={quoteattr(td)}/>')
    return (f'<{elem}{extra} code={quoteattr(code)} codeSystem="{OID[system]}" '
            f'codeSystemName="{OID_NAME[system]}" displayName={quoteattr(display)}>{inner}</{elem}>')


def cda_problem_entry(pid, n, p):
    ref = f"problem{n}"
    value = cda_code("value", p["system"], p["code"], p["display"], extra=' xsi:type="CD"',
                     translation=p.get("translation"), original_ref=ref)
    low = cda_ts(p["onset"])
    return f"""          <entry typeCode="DRIV">
            <act classCode="ACT" moodCode="EVN">
              <templateId root="2.16.840.1.113883.10.20.22.4.3"/>
              <templateId root="2.16.840.1.113883.10.20.22.4.3" extension="2015-08-01"/>
              <id root="2.16.840.1.113883.19.5.99999.2" extension="{pid}-concern{n}"/>
              <code code="CONC" codeSystem="2.16.840.1.113883.5.6" displayName="Concern"/>
              <statusCode code="active"/>
              <effectiveTime><low value="{low}"/></effectiveTime>
              <entryRelationship typeCode="SUBJ">
                <observation classCode="OBS" moodCode="EVN">
                  <templateId root="2.16.840.1.113883.10.20.22.4.4"/>
                  <templateId root="2.16.840.1.113883.10.20.22.4.4" extension="2015-08-01"/>
                  <id root="2.16.840.1.113883.19.5.99999.2" extension="{pid}-problem{n}"/>
                  <code code="55607006" codeSystem="2.16.840.1.113883.6.96" codeSystemName="SNOMED CT" displayName="Problem"><translation code="75326-9" codeSystem="2.16.840.1.113883.6.1" codeSystemName="LOINC" displayName="Problem"/></code>
                  <text><reference value="#{ref}"/></text>
                  <statusCode code="completed"/>
                  <effectiveTime><low value="{low}"/></effectiveTime>
                  {value}
                </observation>
              </entryRelationship>
            </act>
          </entry>
"""


def cda_med_entry(pid, n, m):
    ref = f"med{n}"
    high = f'<high value="{cda_ts(m["high"])}"/>' if m.get("high") else ""
    code = cda_code("code", RXN, m["code"], m["display"], original_ref=ref)
    return f"""          <entry typeCode="DRIV">
            <substanceAdministration classCode="SBADM" moodCode="EVN">
              <templateId root="2.16.840.1.113883.10.20.22.4.16"/>
              <templateId root="2.16.840.1.113883.10.20.22.4.16" extension="2014-06-09"/>
              <id root="2.16.840.1.113883.19.5.99999.2" extension="{pid}-med{n}"/>
              <text><reference value="#{ref}"/></text>
              <statusCode code="{m['status']}"/>
              <effectiveTime xsi:type="IVL_TS"><low value="{cda_ts(m['low'])}"/>{high}</effectiveTime>
              <doseQuantity value="{m['dose']}" unit="mg"/>
              <consumable>
                <manufacturedProduct classCode="MANU">
                  <templateId root="2.16.840.1.113883.10.20.22.4.23"/>
                  <templateId root="2.16.840.1.113883.10.20.22.4.23" extension="2014-06-09"/>
                  <manufacturedMaterial>
                    {code}
                  </manufacturedMaterial>
                </manufacturedProduct>
              </consumable>
            </substanceAdministration>
          </entry>
"""


def cda_result_entry(pid, n, r):
    ref = f"result{n}"
    ts = cda_ts(r["date"])
    code = cda_code("code", LOINC, r["code"], r["display"], original_ref=ref)
    org_code = cda_code("code", LOINC, r["code"], r["display"])
    if r["kind"] == "PQ":
        value = f'<value xsi:type="PQ" value="{r["value"]}" unit="{r["unit"]}"/>'
    else:
        s, c, d = r["value"]
        value = cda_code("value", s, c, d, extra=' xsi:type="CD"')
    return f"""          <entry typeCode="DRIV">
            <organizer classCode="BATTERY" moodCode="EVN">
              <templateId root="2.16.840.1.113883.10.20.22.4.1"/>
              <templateId root="2.16.840.1.113883.10.20.22.4.1" extension="2015-08-01"/>
              <id root="2.16.840.1.113883.19.5.99999.2" extension="{pid}-org{n}"/>
              {org_code}
              <statusCode code="completed"/>
              <effectiveTime><low value="{ts}"/><high value="{ts}"/></effectiveTime>
              <component>
                <observation classCode="OBS" moodCode="EVN">
                  <templateId root="2.16.840.1.113883.10.20.22.4.2"/>
                  <templateId root="2.16.840.1.113883.10.20.22.4.2" extension="2015-08-01"/>
                  <id root="2.16.840.1.113883.19.5.99999.2" extension="{pid}-result{n}"/>
                  {code}
                  <text><reference value="#{ref}"/></text>
                  <statusCode code="completed"/>
                  <effectiveTime value="{ts}"/>
                  {value}
                </observation>
              </component>
            </organizer>
          </entry>
"""


def cda_radium_base():
    return {
        "problems": [
            {"system": SCT, "code": "399068003", "display": "Malignant tumor of prostate (disorder)",
             "translation": C61, "text": "Prostate cancer", "onset": "2019-01-15"},
            {"system": SCT, "code": "94222008", "display": "Secondary malignant neoplasm of bone (disorder)",
             "translation": (ICD, "C79.51", "Secondary malignant neoplasm of bone"),
             "text": "Bone metastases", "onset": "2021-03-10"},
            {"system": SCT, "code": "427492003", "display": "Hormone refractory prostate cancer (disorder)",
             "text": "Castration-resistant prostate cancer", "onset": "2024-11-02"},
            {"system": SCT, "code": "12584003", "display": "Bone pain (finding)",
             "text": "Bone pain, lumbar spine and pelvis", "onset": "2026-09-01"},
        ],
        "meds": [
            {"code": "42375", "display": "Leuprolide", "text": "Leuprolide 22.5 mg IM every 3 months",
             "status": "active", "low": "2019-02-01", "dose": "22.5"},
            {"code": "1307298", "display": "Enzalutamide", "text": "Enzalutamide 160 mg daily",
             "status": "aborted", "low": ENZA_START, "high": ENZA_END, "dose": "160"},
        ],
        "results": [
            {"code": "2986-8", "display": "Testosterone [Mass/volume] in Serum or Plasma",
             "text": "Testosterone, total", "date": "2026-10-05", "kind": "PQ", "value": "18",
             "unit": "ng/dL", "shown": "18 ng/dL"},
            {"code": "97509-4", "display": "Cancer disease progression", "text": "Cancer disease status",
             "date": "2026-10-15", "kind": "CD",
             "value": (SCT, "271299001", "Patient's condition worsened (finding)"),
             "shown": "Patient's condition worsened (finding)"},
        ],
        "deceased_ind": None, "deceased_time": None,
    }


def emit_cda(pid, doc):
    prob_rows = "".join(
        f'              <tr><td><content ID="problem{i}">{escape(p["text"])}</content></td>'
        f'<td>active</td><td>{p["onset"]}</td></tr>\n' for i, p in enumerate(doc["problems"], 1))
    med_rows = "".join(
        f'              <tr><td><content ID="med{i}">{escape(m["text"])}</content></td>'
        f'<td>{m["status"]}</td><td>{m["low"]}</td><td>{m.get("high", "")}</td></tr>\n'
        for i, m in enumerate(doc["meds"], 1))
    res_rows = "".join(
        f'              <tr><td><content ID="result{i}">{escape(r["text"])}</content></td>'
        f'<td>{escape(r["shown"])}</td><td>{r["date"]}</td></tr>\n' for i, r in enumerate(doc["results"], 1))
    problems = "".join(cda_problem_entry(pid, i, p) for i, p in enumerate(doc["problems"], 1))
    meds = "".join(cda_med_entry(pid, i, m) for i, m in enumerate(doc["meds"], 1))
    results = "".join(cda_result_entry(pid, i, r) for i, r in enumerate(doc["results"], 1))
    deceased = ""
    if doc.get("deceased_ind") is not None:
        deceased += f'\n        <sdtc:deceasedInd value="{doc["deceased_ind"]}"/>'
    if doc.get("deceased_time") is not None:
        deceased += f'\n        <sdtc:deceasedTime value="{cda_ts(doc["deceased_time"])}"/>'
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<!-- ClinicalIngest safety suite, generated by tools/make_safety_fixtures.py: one patient ({pid}). -->
<ClinicalDocument xmlns="urn:hl7-org:v3" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:sdtc="urn:hl7-org:sdtc">
  <realmCode code="US"/>
  <typeId root="2.16.840.1.113883.1.3" extension="POCD_HD000040"/>
  <templateId root="2.16.840.1.113883.10.20.22.1.1"/>
  <templateId root="2.16.840.1.113883.10.20.22.1.1" extension="2015-08-01"/>
  <templateId root="2.16.840.1.113883.10.20.22.1.2"/>
  <templateId root="2.16.840.1.113883.10.20.22.1.2" extension="2015-08-01"/>
  <id root="2.16.840.1.113883.19.5.99999.1" extension="{pid}"/>
  <code code="34133-9" codeSystem="2.16.840.1.113883.6.1" codeSystemName="LOINC" displayName="Summarization of Episode Note"/>
  <title>Continuity of Care Document</title>
  <effectiveTime value="202611260300-0500"/>
  <confidentialityCode code="N" codeSystem="2.16.840.1.113883.5.25"/>
  <languageCode code="en-US"/>
  <recordTarget>
    <patientRole>
      <id root="2.16.840.1.113883.19.5" extension="{pid}"/>
      <addr use="HP"><streetAddressLine>42 Test Street</streetAddressLine><city>Springfield</city><state>IL</state><postalCode>62701</postalCode><country>US</country></addr>
      <telecom use="HP" value="tel:+1(555)555-0142"/>
      <patient>
        <name use="L"><given>Case</given><family>Safety</family></name>
        <administrativeGenderCode code="M" codeSystem="2.16.840.1.113883.5.1" displayName="Male"/>
        <birthTime value="19520411"/>{deceased}
        <raceCode nullFlavor="UNK"/>
        <ethnicGroupCode nullFlavor="UNK"/>
        <languageCommunication><languageCode code="en"/></languageCommunication>
      </patient>
    </patientRole>
  </recordTarget>
  <author>
    <time value="202611260300-0500"/>
    <assignedAuthor>
      <id root="2.16.840.1.113883.4.6" extension="1234567893"/>
      <addr><streetAddressLine>1 Oncology Way</streetAddressLine><city>Springfield</city><state>IL</state><postalCode>62702</postalCode><country>US</country></addr>
      <telecom use="WP" value="tel:+1(555)555-0100"/>
      <assignedPerson><name><given>Test</given><family>Oncologist</family></name></assignedPerson>
    </assignedAuthor>
  </author>
  <custodian>
    <assignedCustodian>
      <representedCustodianOrganization>
        <id root="2.16.840.1.113883.19.5"/>
        <name>ClinicalIngest Test Oncology Center</name>
        <telecom use="WP" value="tel:+1(555)555-0100"/>
        <addr><streetAddressLine>1 Oncology Way</streetAddressLine><city>Springfield</city><state>IL</state><postalCode>62702</postalCode><country>US</country></addr>
      </representedCustodianOrganization>
    </assignedCustodian>
  </custodian>
  <documentationOf>
    <serviceEvent classCode="PCPR">
      <effectiveTime><low value="19520411"/><high value="202611260300-0500"/></effectiveTime>
    </serviceEvent>
  </documentationOf>
  <component>
    <structuredBody>
      <component>
        <section>
          <templateId root="2.16.840.1.113883.10.20.22.2.5.1"/>
          <templateId root="2.16.840.1.113883.10.20.22.2.5.1" extension="2015-08-01"/>
          <code code="11450-4" codeSystem="2.16.840.1.113883.6.1" codeSystemName="LOINC" displayName="Problem list - Reported"/>
          <title>Problems</title>
          <text>
            <table border="1" width="100%">
              <thead><tr><th>Problem</th><th>Status</th><th>Onset</th></tr></thead>
              <tbody>
{prob_rows}              </tbody>
            </table>
          </text>
{problems}        </section>
      </component>
      <component>
        <section>
          <templateId root="2.16.840.1.113883.10.20.22.2.1.1"/>
          <templateId root="2.16.840.1.113883.10.20.22.2.1.1" extension="2014-06-09"/>
          <code code="10160-0" codeSystem="2.16.840.1.113883.6.1" codeSystemName="LOINC" displayName="History of Medication use Narrative"/>
          <title>Medications</title>
          <text>
            <table border="1" width="100%">
              <thead><tr><th>Medication</th><th>Status</th><th>Start</th><th>Stop</th></tr></thead>
              <tbody>
{med_rows}              </tbody>
            </table>
          </text>
{meds}        </section>
      </component>
      <component>
        <section>
          <templateId root="2.16.840.1.113883.10.20.22.2.3.1"/>
          <templateId root="2.16.840.1.113883.10.20.22.2.3.1" extension="2015-08-01"/>
          <code code="30954-2" codeSystem="2.16.840.1.113883.6.1" codeSystemName="LOINC" displayName="Relevant diagnostic tests/laboratory data Narrative"/>
          <title>Results</title>
          <text>
            <table border="1" width="100%">
              <thead><tr><th>Test</th><th>Result</th><th>Date</th></tr></thead>
              <tbody>
{res_rows}              </tbody>
            </table>
          </text>
{results}        </section>
      </component>
    </structuredBody>
  </component>
</ClinicalDocument>
"""


# ---------------------------------------------------------------------------
# Case collection

class Suite:
    def __init__(self):
        self.cases = []
        self.files = {}      # relative path -> text
        self.pids = set()

    def add(self, case_id, rec, why, must_fire=(), must_not=(), cda=None):
        family, name = case_id.split("/", 1)
        pid = slug_pid(case_id)
        if pid in self.pids:
            raise SystemExit("duplicate patient id " + pid)
        self.pids.add(pid)
        if cda is not None:
            rel = f"{family}/{name}.xml"
            text = emit_cda(pid, cda)
        else:
            rel = f"{family}/{name}.json"
            text = json.dumps(emit_bundle(pid, rec, case_id), indent=1, ensure_ascii=False) + "\n"
        if rel in self.files:
            raise SystemExit("duplicate file " + rel)
        overlap = set(must_fire) & set(must_not)
        if overlap:
            raise SystemExit(f"{case_id}: both must and must-not fire: {overlap}")
        for r in list(must_fire) + list(must_not):
            if r not in ALL_RECS:
                raise SystemExit(f"{case_id}: unknown recommendation {r}")
        self.files[rel] = text
        order = {r: i for i, r in enumerate(ALL_RECS)}
        self.cases.append({
            "id": case_id, "file": rel, "asOf": ASOF,
            "mustFire": sorted(set(must_fire), key=order.get),
            "mustNotFire": sorted(set(must_not), key=order.get),
            "why": why,
        })


def load_tsv(path):
    rows = []
    with open(path, encoding="utf-8") as f:
        header = f.readline().rstrip("\n").split("\t")
        if header[:3] != ["code", "site_class", "description"]:
            raise SystemExit(f"unexpected TSV header in {path}: {header}")
        for line in f:
            line = line.rstrip("\n")
            if not line.strip():
                continue
            code, site_class, desc = line.split("\t")[:3]
            rows.append((code, site_class, desc))
    return rows


# ---------------------------------------------------------------------------
# Families

def family_radium(s, tsv):
    F = "radium-223"
    R = ["radium-223"]
    base_why = ("mCRPC (C61, CRPC 427492003, castrate testosterone 18 ng/dL 53 days ago, leuprolide ongoing), "
                "enzalutamide stopped 12 days ago for 266721009, bone metastasis 94222008/C79.51 with bone pain "
                "12584003, no visceral disease, no abiraterone, no prior radium")
    s.add(f"{F}/control", radium_base(),
          "base patient: " + base_why + ". DESIGN radium-223 = mcrpc AND progressed AND symptomatic-bone "
          "AND NOT visceral AND NOT prior-radium AND NOT on-abiraterone -> fires",
          must_fire=R)

    # Visceral disease, every ICD-10-CM code of the TSV whose site_class is visceral.
    for code, site_class, desc in tsv:
        if site_class != "visceral":
            continue
        rec = radium_base().add("con-visceral", condition([(ICD, code, desc)], desc, "2026-10-01"))
        s.add(f"{F}/visceral-icd-{code}", rec,
              f"visceral metastasis ICD-10-CM {code} ({desc}; site_class visceral in the TSV) -> "
              "visceral-metastases true -> radium-223 withheld", must_not=R)

    snomed_visceral = [
        ("94381002", "Secondary malignant neoplasm of liver (disorder)", "liver"),
        ("94391008", "Secondary malignant neoplasm of lung (disorder)", "lung"),
        ("94493005", "Secondary malignant neoplasm of pleura (disorder)", "pleura"),
        ("94161006", "Secondary malignant neoplasm of adrenal gland (disorder)", "adrenal"),
        ("94225005", "Secondary malignant neoplasm of brain (disorder)", "brain"),
    ]
    for code, disp, organ in snomed_visceral:
        rec = radium_base().add("con-visceral", condition([(SCT, code, disp)], f"Metastasis to {organ}",
                                                          "2026-10-01"))
        s.add(f"{F}/visceral-sct-{code}-{organ}", rec,
              f"visceral metastasis SNOMED {code} ({disp}) -> visceral true -> radium-223 withheld",
              must_not=R)

    # 128462008 + bodySite: TERMINOLOGY.md verifies no visceral body-structure code, so the
    # organ is given as bodySite text only: visceral true (if the text is read) or the site is
    # unrecognised -> visceral unknown. Either way radium-223 waits.
    rec = radium_base().add("con-visceral", condition([MET_NOS], "Metastatic disease", "2026-10-01",
                                                      body_site=[{"text": "Liver"}]))
    s.add(f"{F}/met-128462008-bodysite-text-liver", rec,
          "128462008 with bodySite text 'Liver' (no verified liver body-structure code exists in the "
          "terminology files): visceral true, or a lesion of unrecognised site -> visceral unknown; "
          "either way radium-223 withheld", must_not=R)

    rec = radium_base().add("con-visceral", condition([(ICD, "C79.9", "Secondary malignant neoplasm of unspecified site")],
                                                      "Secondary malignant neoplasm of unspecified site", "2026-10-01"))
    s.add(f"{F}/site-unstated-icd-C79.9", rec,
          "C79.9 lesion of unstated site -> the other site facts (visceral) become unknown, never false -> "
          "radium-223 withheld", must_not=R)
    rec = radium_base().add("con-visceral", condition([MET_NOS], "Metastatic disease", "2026-10-01"))
    s.add(f"{F}/site-unstated-sct-128462008", rec,
          "128462008 without bodySite: lesion of unstated site -> visceral unknown -> radium-223 withheld",
          must_not=R)

    # AJCC staging read the AJCC way: M1c = visceral.
    s.add(f"{F}/staging-cM1c", radium_base().add("obs-m", m_stage("2026-11-01", "cM1c")),
          "current AJCC cM1c (LOINC 21907-1 = SNOMED 1229910003): M1c = visceral -> radium-223 withheld",
          must_not=R)
    s.add(f"{F}/staging-pM1c", radium_base().add("obs-m", m_stage("2026-11-01", "pM1c")),
          "current AJCC pM1c (LOINC 21901-4 = SNOMED 1229923005): M1c = visceral -> radium-223 withheld",
          must_not=R)
    s.add(f"{F}/staging-cM1c-sct-category-code",
          radium_base().add("obs-m", m_stage("2026-11-01", "cM1c", code=M_CODE_SCT_CLIN)),
          "cM1c recorded under the newer mCODE staging code SNOMED 399387003 'cM category' -> visceral "
          "-> radium-223 withheld", must_not=R)
    s.add(f"{F}/staging-pM1c-old", radium_base().add("obs-m", m_stage("2021-03-10", "pM1c")),
          "pM1c from 2021: the 180-day currency rule only limits what may make a site fact FALSE; an old "
          "M1c still documents visceral disease (true or at least unknown) -> radium-223 withheld",
          must_not=R)

    # Text-only visceral conditions (no coding).
    for slug, text in [("liver-metastases", "Liver metastases"),
                       ("metastatic-disease-to-lung", "Metastatic disease to lung")]:
        rec = radium_base().add("con-visceral", condition([], text, "2026-10-01"))
        s.add(f"{F}/text-only-{slug}", rec,
              f"uncoded condition '{text}': a visceral metastasis read from text (fallback) or a "
              "documented metastasis of unrecognised site -> visceral true or unknown -> radium-223 withheld",
              must_not=R)

    # C-CDA: control and visceral problems.
    s.add(f"{F}/ccda-control", None,
          "C-CDA twin of the base patient (progression by disease status 97509-4 = 271299001 on 2026-10-15 "
          "while on enzalutamide 2025-01-20..2026-11-15) -> radium-223 fires", must_fire=R,
          cda=cda_radium_base())
    cda_visceral = [
        ("C78.7", ICD, "C78.7", "Secondary malignant neoplasm of liver and intrahepatic bile duct", None),
        ("C79.31", ICD, "C79.31", "Secondary malignant neoplasm of brain", None),
        ("sct-94381002", SCT, "94381002", "Secondary malignant neoplasm of liver (disorder)",
         (ICD, "C78.7", "Secondary malignant neoplasm of liver and intrahepatic bile duct")),
    ]
    for slug, system, code, disp, trans in cda_visceral:
        doc = cda_radium_base()
        p = {"system": system, "code": code, "display": disp, "text": disp, "onset": "2026-10-01"}
        if trans:
            p["translation"] = trans
        doc["problems"].append(p)
        s.add(f"{F}/ccda-visceral-{slug}", None,
              f"C-CDA Problem Observation valued {OID_NAME[system]} {code} ({disp}) -> visceral -> "
              "radium-223 withheld", must_not=R, cda=doc)

    # Prior radium-223.
    s.add(f"{F}/prior-radium-hcpcs-A9606",
          radium_base().add("mad-radium", med_admin([(HCPCS, "A9606", "Radium ra223 dichloride, therapeutic, per uci")],
                                                    "Radium-223 dichloride", "2024-03-04")),
          "prior radium-223 administration coded HCPCS A9606 -> prior-radium-223 true -> radium-223 withheld",
          must_not=R)
    s.add(f"{F}/prior-radium-text-xofigo",
          radium_base().add("med-radium", med_statement([], "Xofigo 55 kBq/kg IV every 4 weeks x 6", "2024-03-04",
                                                        "2024-07-22", status="completed")),
          "prior radium-223 recorded only as text 'Xofigo' -> prior-radium-223 true -> radium-223 withheld",
          must_not=R)
    s.add(f"{F}/prior-radium-procedure-sct-700357007",
          radium_base().add("pro-radium", procedure([(SCT, "700357007", "Radium 223 brachytherapy (procedure)")],
                                                    "Radium-223 x 6", "2024-03-04", "2024-07-22")),
          "completed Procedure SNOMED 700357007 Radium 223 brachytherapy -> prior-radium-223 -> radium-223 withheld",
          must_not=R)

    # Current abiraterone.
    s.add(f"{F}/on-abiraterone-statement",
          radium_base().add("med-abi", med_statement([(RXN, "1100072", "Abiraterone")],
                                                     "Abiraterone acetate 1000 mg daily with prednisone 5 mg twice daily",
                                                     "2026-11-16")),
          "abiraterone (RxNorm 1100072) active since 2026-11-16 -> on-abiraterone true -> radium-223 withheld "
          "(ERA 223 / label)", must_not=R)
    s.add(f"{F}/on-abiraterone-zytiga-request",
          radium_base().add("mrq-abi", med_request([(RXN, "1100076", "Zytiga")], "Zytiga 250 mg tablets",
                                                   "2026-11-16", dosage="1000 mg orally once daily")),
          "active MedicationRequest for Zytiga (brand RxNorm 1100076) authored 2026-11-16 -> current abiraterone "
          "course -> radium-223 withheld", must_not=R)
    # Bone pain absent / resolved.
    RP = ["radium-223", "palliative-bone-radiation"]
    s.add(f"{F}/bone-pain-absent", radium_base().remove("con-bonepain"),
          "no bone pain, fracture or cord compression documented -> symptomatic-bone-metastases false -> "
          "radium-223 and palliative-bone-radiation withheld", must_not=RP)

    def resolve(c):
        c["clinicalStatus"]["coding"][0]["code"] = "resolved"
        c["abatementDateTime"] = "2026-10-01"
    s.add(f"{F}/bone-pain-resolved", radium_base().edit("con-bonepain", resolve),
          "bone pain clinicalStatus resolved (abated 2026-10-01): no current bone pain -> symptomatic false "
          "-> radium-223 and palliative-bone-radiation withheld", must_not=RP)

    def refute(c):
        c["verificationStatus"]["coding"][0]["code"] = "refuted"
    s.add(f"{F}/bone-pain-refuted", radium_base().edit("con-bonepain", refute),
          "bone pain verificationStatus refuted -> kept out of fact derivation -> symptomatic false -> "
          "radium-223 and palliative-bone-radiation withheld", must_not=RP)

    s.add(f"{F}/bone-pain-observation-negative",
          radium_base().remove("con-bonepain").add(
              "obs-bonepain", observation([BONE_PAIN], "Bone pain", "2026-11-01", category="exam",
                                          value=vcc(SCT, "260385009", "Negative (qualifier value)"))),
          "bone pain only as an Observation 12584003 valued Negative 260385009 -> no documented pain -> "
          "radium-223 and palliative-bone-radiation withheld", must_not=RP)
    s.add(f"{F}/bone-pain-text-denies",
          radium_base().replace("con-bonepain", condition([], "Denies bone pain", "2026-09-01")),
          "uncoded condition 'Denies bone pain' (pre-trigger 'denies') -> negated text is never evidence -> "
          "symptomatic false -> radium-223 and palliative-bone-radiation withheld", must_not=RP)


def family_lu177(s):
    F = "lu177-psma-617"
    L = ["lu177-psma-617"]
    LP = ["lu177-psma-617", "psma-pet"]
    s.add(f"{F}/control", lu177_base(),
          "base patient: mCRPC progressed on enzalutamide (stop reason 266721009), docetaxel completed 2023, "
          "PSMA PET/CT (code text 'PSMA') with conclusionCode 10828004 Positive on 2026-11-20, no prior "
          "177Lu-PSMA. DESIGN lu177-psma-617 = mcrpc AND progressed AND prior-docetaxel AND psma-positive "
          "AND NOT prior-lu177 -> fires", must_fire=L)
    s.add(f"{F}/psma-negative-conclusion-260385009",
          lu177_base().replace("dr-psma", psma_report("2026-11-20", result="negative")),
          "PSMA PET conclusionCode 260385009 Negative -> psma-positive false -> lu177 (needs true) and "
          "psma-pet (needs unknown) withheld", must_not=LP)
    s.add(f"{F}/psma-negative-interpretation-NEG",
          lu177_base().replace("dr-psma", observation(
              [(HCPCS, "A9595", "Piflufolastat f-18, diagnostic, 1 millicurie")], "F-18 piflufolastat PET/CT",
              "2026-11-20", category="imaging", interpretation=(V3OI, "NEG", "Negative"))),
          "PSMA PET recognised by tracer HCPCS A9595, interpretation NEG -> psma-positive false -> lu177 and "
          "psma-pet withheld", must_not=LP)
    s.add(f"{F}/psma-not-detected-interpretation-ND",
          lu177_base().replace("dr-psma", observation(
              [(HCPCS, "A9593", "Gallium ga-68 psma-11, diagnostic, (ucsf), 1 millicurie")], "Ga-68 PSMA-11 PET/CT",
              "2026-11-20", category="imaging", interpretation=(V3OI, "ND", "Not detected"))),
          "PSMA PET (HCPCS A9593) interpretation ND (subsumed by NEG) -> psma-positive false or at worst "
          "unknown -> lu177 withheld", must_not=L)
    s.add(f"{F}/psma-pet-without-result",
          lu177_base().replace("dr-psma", psma_report("2026-11-20", result=None)),
          "PSMA PET report with no conclusion, conclusionCode, value or interpretation -> psma-positive "
          "unknown -> lu177 withheld (psma-pet may ask for it)", must_not=L)
    s.add(f"{F}/no-psma-pet", lu177_base().remove("dr-psma"),
          "no PSMA PET on record -> psma-positive unknown -> lu177 withheld", must_not=L)
    s.add(f"{F}/psma-pet-entered-in-error",
          lu177_base().edit("dr-psma", lambda r: r.__setitem__("status", "entered-in-error")),
          "the only (positive) PSMA PET is entered-in-error -> kept out -> psma-positive unknown -> lu177 withheld",
          must_not=L)
    s.add(f"{F}/psma-latest-negative",
          lu177_base().add("dr-psma2", psma_report("2026-11-25", result="negative")),
          "a later PSMA PET (2026-11-25) is Negative after the positive one -> latest result decides -> "
          "psma-positive false -> lu177 and psma-pet withheld", must_not=LP)
    s.add(f"{F}/fdg-pet-positive-not-psma",
          lu177_base().replace("dr-psma", psma_report(
              "2026-11-20", code=cc([(SCT, "443271005", "Positron emission tomography with computed tomography "
                                     "using fluorodeoxyglucose (18-F)")], "FDG PET/CT skull base to mid-thigh"),
              conclusion="FDG-avid osseous lesions.")),
          "a positive FDG PET/CT (443271005) is not a PSMA PET -> psma-positive unknown -> lu177 withheld",
          must_not=L)
    s.add(f"{F}/prior-lu177-hcpcs-A9607",
          lu177_base().add("mad-lu", med_admin([(HCPCS, "A9607", "Lutetium lu 177 vipivotide tetraxetan, therapeutic, 1 millicurie")],
                                               "Lu-177 PSMA-617 cycle 1", "2026-11-24")),
          "177Lu-PSMA-617 cycle 1 given 2026-11-24 (HCPCS A9607) -> prior-lu177-psma true -> lu177 and psma-pet "
          "withheld", must_not=LP)
    s.add(f"{F}/prior-lu177-text-pluvicto",
          lu177_base().add("med-lu", med_statement([], "Pluvicto 7.4 GBq IV every 6 weeks", "2026-11-24")),
          "177Lu-PSMA-617 recorded only as text 'Pluvicto' (no RxNorm IN verified) -> prior-lu177-psma true "
          "-> lu177 and psma-pet withheld", must_not=LP)
    LPC = ["lu177-psma-617", "psma-pet", "cabazitaxel"]
    s.add(f"{F}/no-prior-docetaxel", lu177_base().remove("med-docetaxel"),
          "no docetaxel ever -> prior-docetaxel false -> lu177, psma-pet and cabazitaxel withheld", must_not=LPC)
    s.add(f"{F}/docetaxel-not-taken",
          lu177_base().edit("med-docetaxel", lambda r: r.__setitem__("status", "not-taken")),
          "the only docetaxel entry is not-taken -> no real exposure -> prior-docetaxel false -> lu177, "
          "psma-pet and cabazitaxel withheld", must_not=LPC)


def family_olaparib(s):
    F = "olaparib"
    O = ["olaparib"]
    s.add(f"{F}/control", olaparib_base(),
          "base patient: mCRPC progressed on enzalutamide (266721009) with a genomics-reporting variant "
          "69548-6: 48018-6 = HGNC:1101 (BRCA2), 53037-8 = LA6668-3 Pathogenic, no PARP inhibitor. DESIGN "
          "olaparib = mcrpc AND progressed AND brca-alteration AND NOT prior-parp -> fires", must_fire=O)
    s.add(f"{F}/no-testing", olaparib_base().remove("obs-brca2"),
          "no genomic testing -> brca-alteration unknown -> olaparib withheld", must_not=O)
    for slug, code, disp in [("vus", "LA26333-7", "Uncertain significance"),
                             ("benign", "LA6675-8", "Benign")]:
        s.add(f"{F}/brca2-{slug}",
              olaparib_base().replace("obs-brca2", variant("HGNC:1101", "BRCA2", code, disp)),
              f"BRCA2 variant classified {code} {disp} -> not pathogenic/likely pathogenic; BRCA1 not covered "
              "-> brca-alteration unknown (never true) -> olaparib withheld", must_not=O)
    for gene, hgnc in [("ATM", "HGNC:795"), ("PALB2", "HGNC:26144")]:
        s.add(f"{F}/only-{gene.lower()}-pathogenic",
              olaparib_base().replace("obs-brca2", variant(hgnc, gene, "LA6668-3", "Pathogenic")),
              f"pathogenic variant in {gene} ({hgnc}) only; other HRR genes are out of scope (BRCA1/2 wording) "
              "-> brca-alteration not true -> olaparib withheld", must_not=O)
    s.add(f"{F}/brca-negative-somatic-both-genes",
          olaparib_base().replace("obs-brca2", variant("HGNC:1101", "BRCA2", None, None, present=False,
                                                       origin=("LA6684-0", "Somatic")))
                         .add("obs-brca1", variant("HGNC:1100", "BRCA1", None, None, present=False,
                                                   origin=("LA6684-0", "Somatic"))),
          "somatic testing of BRCA1 and BRCA2 found no variant (69548-6 = LA9634-2 Absent, origin LA6684-0) "
          "-> brca-alteration false -> olaparib withheld", must_not=O)
    s.add(f"{F}/brca-negative-germline-only",
          olaparib_base().replace("obs-brca2", variant("HGNC:1101", "BRCA2", None, None, present=False,
                                                       origin=("LA6683-2", "Germline")))
                         .add("obs-brca1", variant("HGNC:1100", "BRCA1", None, None, present=False,
                                                   origin=("LA6683-2", "Germline"))),
          "germline-only negative BRCA1/BRCA2 test -> brca-alteration unknown (never true) -> olaparib withheld",
          must_not=O)
    s.add(f"{F}/brca2-negative-problem-412739004",
          olaparib_base().replace("obs-brca2", condition([(SCT, "412739004", "BRCA2 gene mutation negative (finding)")],
                                                         "BRCA2 negative", "2026-08-12")),
          "coded problem BRCA2 gene mutation negative (412739004) only -> no pathogenic variant -> "
          "brca-alteration false/unknown -> olaparib withheld", must_not=O)
    s.add(f"{F}/brca2-variant-entered-in-error",
          olaparib_base().edit("obs-brca2", lambda r: r.__setitem__("status", "entered-in-error")),
          "the pathogenic BRCA2 result is entered-in-error -> kept out -> brca-alteration unknown -> olaparib withheld",
          must_not=O)
    s.add(f"{F}/prior-olaparib",
          olaparib_base().add("med-parp", med_statement([(RXN, "1597582", "Olaparib")], "Olaparib 300 mg twice daily",
                                                        "2026-11-16")),
          "olaparib (RxNorm 1597582) already started 2026-11-16 -> prior-parp-inhibitor true -> olaparib withheld",
          must_not=O)
    s.add(f"{F}/prior-rucaparib",
          olaparib_base().add("med-parp", med_statement([(RXN, "1862579", "Rucaparib")], "Rucaparib 600 mg twice daily",
                                                        "2024-02-01", "2024-09-30", status="completed")),
          "rucaparib (RxNorm 1862579) 2024 -> prior-parp-inhibitor -> olaparib withheld", must_not=O)
    s.add(f"{F}/prior-talazoparib",
          olaparib_base().add("med-parp", med_statement([(RXN, "2099704", "Talazoparib")], "Talazoparib 0.5 mg daily",
                                                        ENZA_START, ENZA_END, status="stopped")),
          "talazoparib (RxNorm 2099704) given with enzalutamide 2025-2026 -> prior-parp-inhibitor -> olaparib withheld",
          must_not=O)
    s.add(f"{F}/prior-niraparib-text",
          olaparib_base().add("med-parp", med_statement([], "Zejula (niraparib) 200 mg daily", "2024-02-01",
                                                        "2024-09-30", status="completed")),
          "niraparib recorded as text only (RxNorm IN unverified) -> prior-parp-inhibitor -> olaparib withheld",
          must_not=O)


def family_progression(s):
    F = "no-progression"
    S = SYSTEMIC
    s.add(f"{F}/control", docetaxel_base(),
          "base patient (docetaxel control): mCRPC, enzalutamide 2025-01-20..2026-11-15 stopped with statusReason "
          "266721009 'No response to treatment', no docetaxel. DESIGN docetaxel = mcrpc AND progressed AND NOT "
          "prior-docetaxel -> fires; ended 12 days ago (<= 28) so on-enzalutamide -> docetaxel-with-enzalutamide "
          "fires", must_fire=["docetaxel", "docetaxel-with-enzalutamide"])

    def text_reason(slug, text, trig, kind):
        rec = docetaxel_base().replace("med-enza", enzalutamide(reason=[{"text": text}]))
        s.add(f"{F}/stop-text-{kind}-{slug}", rec,
              f"coded progression replaced by stop-reason text '{text}' ({kind}-trigger '{trig}') -> negated "
              "text never counts -> progressed not true -> every systemic option withheld", must_not=S)

    pre = [
        ("no", "No disease progression", "no"),
        ("no-evidence-of", "No evidence of disease progression", "no evidence of"),
        ("without", "Stopped without disease progression", "without"),
        ("negative-for", "Restaging negative for progression", "negative for"),
        ("denies", "Denies progression; stopped at patient request", "denies"),
        ("free-of", "Free of progression; stopped for fatigue", "free of"),
        ("ruled-out", "Ruled out progression; stopped for rash", "ruled out"),
        ("rule-out", "Rule out progression", "rule out"),
        ("r-o", "R/O progression", "r/o"),
        ("not", "Not due to progression; stopped for fatigue", "not"),
        ("absence-of", "Absence of progression on imaging; stopped for fatigue", "absence of"),
    ]
    post = [
        ("ruled-out", "Disease progression ruled out", "ruled out"),
        ("excluded", "Disease progression excluded", "excluded"),
        ("not-seen", "Progression not seen on bone scan", "not seen"),
        ("unlikely", "Progression unlikely", "unlikely"),
        ("was-negative", "Restaging for progression was negative", "was negative"),
    ]
    for slug, text, trig in pre:
        text_reason(slug, text, trig, "pre")
    for slug, text, trig in post:
        text_reason(slug, text, trig, "post")

    s.add(f"{F}/stop-coded-completed-with-progression-text",
          docetaxel_base().replace("med-enza", enzalutamide(reason=[cc([TX_COMPLETED], "Disease progression")])),
          "statusReason coded 182992009 Treatment completed with text 'Disease progression': text is a fallback "
          "only when no coding matches and never overrides the code -> progressed not true -> systemic withheld",
          must_not=S)
    def psa_case(slug, series, why):
        rec = docetaxel_base().replace("med-enza", enzalutamide(reason=None))
        for i, (d, v) in enumerate(series, 1):
            rec.add(f"obs-psa{i}", psa(d, v))
        s.add(f"{F}/{slug}", rec, why + " -> no PCWG3 progression, no other progression evidence -> "
              "progressed false/unknown -> every systemic option withheld", must_not=S)

    psa_case("psa-rise-below-25-percent",
             [("2025-01-10", 14.0), ("2025-05-01", 10.0), ("2025-09-01", 10.5), ("2026-03-02", 12.2),
              ("2026-04-06", 12.4), ("2026-07-01", 12.45)],
             "stop reason removed; PSA nadir 10.0 then confirmed rises of +2.2..+2.45 ng/mL (all >= 2 ng/mL "
             "but only 22-24.5 %, below 25 %)")
    psa_case("psa-rise-below-2-ngml",
             [("2025-01-10", 3.0), ("2025-05-01", 0.8), ("2026-03-02", 1.9), ("2026-04-06", 2.6),
              ("2026-07-01", 2.7)],
             "stop reason removed; PSA nadir 0.8 then confirmed rises of +1.1..+1.9 ng/mL (>= 25 % but below "
             "2 ng/mL absolute)")
    psa_case("psa-rise-only-first-12-weeks",
             [("2025-01-10", 5.0), ("2025-02-17", 8.0), ("2025-03-24", 9.5), ("2025-06-02", 3.0),
              ("2025-10-01", 1.8), ("2026-03-02", 1.9), ("2026-07-01", 1.9)],
             "stop reason removed; the only confirmed rise (8.0 -> 9.5) lies before start + 84 days "
             "(2025-04-14) and is ignored; later values fall to 1.8 and stay flat")
    psa_case("psa-rise-unconfirmed-fell-back",
             [("2025-01-10", 8.0), ("2025-05-01", 2.0), ("2025-10-01", 2.1), ("2026-06-01", 5.0),
              ("2026-07-06", 2.4), ("2026-10-05", 2.5)],
             "stop reason removed; one rise to 5.0 (+3.0, 150 %) never confirmed: the next value 35 days later "
             "fell back to 2.4")
    psa_case("psa-confirmation-20-days",
             [("2025-01-10", 8.0), ("2025-05-01", 2.0), ("2025-10-01", 2.1), ("2026-10-01", 5.0),
              ("2026-10-21", 5.6)],
             "stop reason removed; rise to 5.0 'confirmed' only 20 days later (needs >= 21 days)")

    for which, code in [("improved", "268910001"), ("stable", "359746009")]:
        rec = docetaxel_base().replace("med-enza", enzalutamide(reason=None)).add(
            "obs-status", disease_status("2026-10-15", which))
        s.add(f"{F}/disease-status-{which}", rec,
              f"stop reason removed; disease status 97509-4 = {code} ({which}) while on enzalutamide -> no "
              "progression -> every systemic option withheld", must_not=S)

    rec = docetaxel_base().replace("med-enza", enzalutamide(reason=None)).add(
        "obs-status", disease_status(ENZA_START, "worsened"))
    s.add(f"{F}/progression-on-start-day", rec,
          "stop reason removed; 'worsened' dated on the enzalutamide start day 2025-01-20 is progression of the "
          "prior therapy, not while on enzalutamide -> systemic withheld", must_not=S)
    for days, date in [(106, "2026-09-15"), (91, "2026-08-31")]:
        rec = docetaxel_base().replace("med-enza", enzalutamide(reason=None, status="completed", end="2026-06-01")) \
                              .add("obs-status", disease_status(date, "worsened"))
        s.add(f"{F}/progression-{days}-days-after-stop", rec,
              f"enzalutamide completed with explicit end 2026-06-01, no stop reason; 'worsened' on {date} = "
              f"{days} days after the end (> 90) -> not progression on enzalutamide -> systemic withheld",
              must_not=S)

    rec = docetaxel_base().remove("med-enza").add("obs-status", disease_status("2026-10-15", "worsened"))
    s.add(f"{F}/never-exposed-to-enzalutamide", rec,
          "no enzalutamide at all (disease status 'worsened' 2026-10-15 kept as progression signal) -> "
          "progressed-on-enzalutamide false when never exposed -> systemic withheld", must_not=S)
    s.add(f"{F}/enzalutamide-not-taken",
          docetaxel_base().edit("med-enza", lambda r: r.__setitem__("status", "not-taken")),
          "the enzalutamide entry (with its 266721009 reason) is not-taken -> kept out -> never exposed -> "
          "systemic withheld", must_not=S)
    s.add(f"{F}/enzalutamide-entered-in-error",
          docetaxel_base().edit("med-enza", lambda r: r.__setitem__("status", "entered-in-error")),
          "the enzalutamide entry is entered-in-error -> kept out -> never exposed -> systemic withheld",
          must_not=S)


def family_imrt(s):
    F = "no-pelvic-imrt"
    s.add(f"{F}/control", imrt_base(),
          "base patient: mCRPC progressed on enzalutamide with an active ServiceRequest for IMRT 441799006 to the "
          "pelvis 12921003 (not palliative) -> pelvic-radiation-planned; DESIGN no-pelvic-imrt = mcrpc AND "
          "pelvic-radiation-planned -> fires", must_fire=["no-pelvic-imrt"])
    A = ALL_RECS
    s.add(f"{F}/hormone-sensitive-non-castrate",
          imrt_base().replace("con-crpc", condition([HSPC], "Metastatic hormone-sensitive prostate cancer", "2024-11-02"))
                     .replace("obs-testo", testosterone("2026-10-05", 350)),
          "CRPC replaced by hormone-sensitive 722103009 and testosterone 350 ng/dL (not castrate) -> "
          "castration-resistant false -> mcrpc false -> nothing mCRPC fires; metastatic -> no local salvage",
          must_not=A)
    s.add(f"{F}/non-castrate-no-crpc-code",
          imrt_base().remove("con-crpc").replace("obs-testo", testosterone("2026-10-05", 350)),
          "no CRPC documented and latest testosterone 350 ng/dL -> castration-resistant false -> mcrpc false",
          must_not=A)
    s.add(f"{F}/testosterone-stale-no-crpc-code",
          imrt_base().remove("con-crpc").replace("obs-testo", testosterone("2026-03-02", 18)),
          "no CRPC documented; the only testosterone is 270 days old -> castrate unknown -> castration-resistant "
          "not true -> mcrpc not true", must_not=A)
    s.add(f"{F}/m0-current",
          imrt_base().remove("con-bonemet").add("obs-m", m_stage("2026-11-01", "cM0")),
          "bone metastasis replaced by a current cM0 (1229901006, 26 days old) -> metastatic false -> mcrpc false "
          "(non-metastatic CRPC); no local recurrence -> no local salvage", must_not=A)
    s.add(f"{F}/no-metastasis-recorded", imrt_base().remove("con-bonemet"),
          "bone metastasis removed, no staging: metastatic is not true (open world) -> mcrpc not true",
          must_not=A)
    s.add(f"{F}/no-prostate-cancer",
          imrt_base().remove("con-pca", "con-crpc", "med-adt", "med-enza"),
          "no prostate neoplasm among the recorded conditions and no prostate-cancer-only treatment -> "
          "prostate-cancer false -> mcrpc false", must_not=A)
    s.add(f"{F}/neoplasm-of-prostate-126906006-untreated",
          imrt_base().replace("con-pca", condition([(SCT, "126906006", "Neoplasm of prostate (disorder)")],
                                                   "Neoplasm of prostate", "2019-01-15", category="encounter-diagnosis"))
                     .remove("con-crpc", "med-adt", "med-enza"),
          "only 'neoplasm of prostate' 126906006 (not malignant-specific) and no prostate-cancer-only treatment "
          "-> prostate-cancer unknown -> mcrpc not true", must_not=A)


def family_salvage(s, tsv):
    F = "local-salvage-radiation"
    LS = ["local-salvage-radiation"]
    s.add(f"{F}/control", salvage_base(),
          "base patient: prostate cancer C61, completed IMRT 441799006 to the prostate 41216001 (2018), local "
          "recurrence 1098981000119101 (2026-08-20), current cM0 (2026-09-05). DESIGN local-salvage-radiation = "
          "prostate-cancer AND NOT metastatic AND local-recurrence AND prior-definitive-radiotherapy -> fires",
          must_fire=LS)
    why_tail = " -> metastatic not false -> local-salvage-radiation withheld"
    s.add(f"{F}/bone-metastasis",
          salvage_base().add("con-met", condition(BONE_MET, "Bone metastases", "2026-10-20")),
          "bone metastasis 94222008/C79.51 recorded 2026-10-20 (after the cM0): M0 means false only with no "
          "metastasis" + why_tail, must_not=LS)
    for which in ["cM1", "cM1a", "cM1b", "cM1c"]:
        s.add(f"{F}/staging-{which}", salvage_base().replace("obs-m", m_stage("2026-09-05", which)),
              f"the current M staging is {which} ({M_VALUES[which][0]}) instead of cM0 -> documented M1" + why_tail,
              must_not=LS)
    s.add(f"{F}/summary-314994000",
          salvage_base().add("con-met", condition([(SCT, "314994000", "Metastasis from malignant tumor of prostate (disorder)")],
                                                  "Metastatic prostate cancer", "2026-10-20")),
          "disease summary 314994000 'metastasis from malignant tumor of prostate' -> metastatic true" + why_tail,
          must_not=LS)
    s.add(f"{F}/site-unstated-C79.9",
          salvage_base().add("con-met", condition([(ICD, "C79.9", "Secondary malignant neoplasm of unspecified site")],
                                                  "Secondary malignant neoplasm of unspecified site", "2026-10-20")),
          "C79.9 metastasis of unstated site -> metastatic true" + why_tail, must_not=LS)
    s.add(f"{F}/site-unstated-128462008",
          salvage_base().add("con-met", condition([MET_NOS], "Metastatic disease", "2026-10-20")),
          "128462008 without bodySite -> metastasis of unstated site -> metastatic true" + why_tail, must_not=LS)
    for code, site_class, desc in tsv:
        if site_class == "distant-nodes" and code in ("C77.2", "C77.8"):
            s.add(f"{F}/distant-nodes-icd-{code}",
                  salvage_base().add("con-met", condition([(ICD, code, desc)], desc, "2026-10-20")),
                  f"{code} ({desc}) = non-regional nodes (AJCC M1a) -> metastatic true" + why_tail, must_not=LS)
        elif site_class == "nodes-region-unstated":
            s.add(f"{F}/nodes-region-unstated-icd-{code}",
                  salvage_base().add("con-met", condition([(ICD, code, desc)], desc, "2026-10-20")),
                  f"{code} ({desc}): nodal region unstated -> distant-nodal unknown -> metastatic unknown" + why_tail,
                  must_not=LS)
    s.add(f"{F}/visceral-icd-C78.7",
          salvage_base().add("con-met", condition([(ICD, "C78.7", "Secondary malignant neoplasm of liver and intrahepatic bile duct")],
                                                  "Liver metastases", "2026-10-20")),
          "liver metastasis C78.7 -> metastatic true" + why_tail, must_not=LS)


def family_deceased(s):
    F = "deceased"
    A = ALL_RECS
    s.add(f"{F}/control-deceasedBoolean-false", radium_base().patient(deceasedBoolean=False),
          "radium-223 base patient with an explicit deceasedBoolean false -> alive -> radium-223 fires",
          must_fire=["radium-223"])
    bases = [("radium-223", radium_base), ("lu177-psma-617", lu177_base), ("olaparib", olaparib_base),
             ("docetaxel", docetaxel_base), ("no-pelvic-imrt", imrt_base),
             ("local-salvage-radiation", salvage_base)]
    for name, fn in bases:
        s.add(f"{F}/{name}-deceasedBoolean", fn().patient(deceasedBoolean=True),
              f"the {name} control with Patient.deceasedBoolean true -> deceased, not evaluated -> no CarePlan, "
              "no recommendation", must_not=A)
    for name, fn in [("radium-223", radium_base), ("docetaxel", docetaxel_base)]:
        s.add(f"{F}/{name}-deceasedDateTime", fn().patient(deceasedDateTime="2026-11-20"),
              f"the {name} control with deceasedDateTime 2026-11-20 (before the evaluation date) -> deceased -> "
              "no recommendation", must_not=A)
    s.add(f"{F}/lu177-psma-617-deceasedDateTime-on-asof", lu177_base().patient(deceasedDateTime=ASOF),
          "the lu177 control with deceasedDateTime equal to the evaluation date ('on or before') -> deceased -> "
          "no recommendation", must_not=A)
    doc = cda_radium_base()
    doc["deceased_ind"] = "true"
    s.add(f"{F}/ccda-radium-223-deceasedInd", None,
          "C-CDA radium-223 base with <sdtc:deceasedInd value=\"true\"/> (urn:hl7-org:sdtc) -> deceased -> "
          "no recommendation", must_not=A, cda=doc)
    doc = cda_radium_base()
    doc["deceased_time"] = "2026-11-20"
    s.add(f"{F}/ccda-radium-223-deceasedTime", None,
          "C-CDA radium-223 base with only <sdtc:deceasedTime value=\"20261120\"/> -> deceased -> no recommendation",
          must_not=A, cda=doc)


# ---------------------------------------------------------------------------

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    ap.add_argument("--tsv", type=Path, default=DEFAULT_TSV)
    args = ap.parse_args(argv)
    tsv = load_tsv(args.tsv)

    s = Suite()
    family_radium(s, tsv)
    family_lu177(s)
    family_olaparib(s)
    family_progression(s)
    family_imrt(s)
    family_salvage(s, tsv)
    family_deceased(s)

    out = args.out
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    for rel in sorted(s.files):
        p = out / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(s.files[rel], encoding="utf-8")
    about = ("ClinicalIngest safety suite (input side), generated by tools/make_safety_fixtures.py from "
             "../shared/DESIGN.md and the terminology files only. Each case is one patient in one file "
             "(FHIR R4 collection Bundle or C-CDA), evaluated at asOf. A runner checks that every id in "
             "mustNotFire does not fire and every id in mustFire fires. Each family's 'control' is the "
             "unmutated base patient that fires the family's therapy per DESIGN; each mutation changes as "
             "little as possible. Safety invariant: no input may make a therapy fire that the guideline "
             "withholds; unknown never enables a therapy.")
    doc = {"about": about, "cases": s.cases}
    (out / "cases.json").write_text(json.dumps(doc, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    fams = {}
    for c in s.cases:
        fams[c["id"].split("/")[0]] = fams.get(c["id"].split("/")[0], 0) + 1
    print(f"wrote {len(s.cases)} cases to {out}")
    for f, n in fams.items():
        print(f"  {f}: {n}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
