#!/usr/bin/env python3
"""Independent R4 check of every CarePlan the tests produced.

Usage: validate_careplans.py DIR

Reads every *.ndjson file under DIR (one CarePlan per line), validates each with the
fhir.resources R4B models (CarePlan is unchanged between R4 and R4B), and adds the checks
those models do not make: required bindings of CarePlan.status / intent / activity.detail.status
/ activity.detail.kind, contained-reference integrity and the contract of ../shared/DESIGN.md.
Prints 'careplans: N passed, M failed' and exits non-zero on any failure or when no CarePlan
was produced at all (a run that validated nothing proves nothing).
"""
import json
import pathlib
import sys

from fhir.resources.R4B.careplan import CarePlan
from fhir.resources.R4B.observation import Observation

CAREPLAN_STATUS = {"draft", "active", "on-hold", "revoked", "completed", "entered-in-error", "unknown"}
CAREPLAN_INTENT = {"proposal", "plan", "order", "option"}
DETAIL_STATUS = {"not-started", "scheduled", "in-progress", "on-hold", "completed", "cancelled", "stopped",
                 "unknown", "entered-in-error"}
DETAIL_KIND = {"Appointment", "CommunicationRequest", "DeviceRequest", "MedicationRequest", "NutritionOrder",
               "Task", "ServiceRequest", "VisionPrescription"}
DAR = "http://terminology.hl7.org/CodeSystem/data-absent-reason"


def contract_errors(cp):
    errors = []
    if cp.get("status") != "draft":
        errors.append("status must be draft")
    if cp.get("intent") != "proposal":
        errors.append("intent must be proposal")
    if cp.get("status") not in CAREPLAN_STATUS:
        errors.append("status not in the required value set")
    if cp.get("intent") not in CAREPLAN_INTENT:
        errors.append("intent not in the required value set")
    canon = cp.get("instantiatesCanonical") or []
    if len(canon) != 1 or "/PlanDefinition/" not in canon[0] or "|" not in canon[0]:
        errors.append("instantiatesCanonical must be .../PlanDefinition/<id>|<version>")
    contained = {r.get("id"): r for r in cp.get("contained", [])}
    for rid, r in contained.items():
        if r.get("resourceType") != "Observation" or not rid.startswith("fact-"):
            errors.append(f"contained {rid} is not a fact Observation")
            continue
        Observation.model_validate(r)
        code = r["code"]["coding"][0]
        if not code["system"].endswith("/CodeSystem/derived-fact") or "fact-" + code["code"] != rid:
            errors.append(f"{rid}: code must be <base>/CodeSystem/derived-fact|<fact-id>")
        values = [k for k in ("valueBoolean", "valueInteger", "dataAbsentReason") if k in r]
        if len(values) != 1:
            errors.append(f"{rid}: exactly one of valueBoolean, valueInteger, dataAbsentReason")
        if "dataAbsentReason" in r and r["dataAbsentReason"]["coding"][0] != {"system": DAR, "code": "unknown", "display": "Unknown"}:
            errors.append(f"{rid}: dataAbsentReason must be {DAR}|unknown")
        if not r.get("note"):
            errors.append(f"{rid}: a note must say how the fact was decided")
    referenced = set()
    for ref in cp.get("supportingInfo", []):
        referenced.add(ref["reference"])
    activities = cp.get("activity") or []
    if not activities:
        errors.append("a CarePlan needs at least one activity")
    for i, a in enumerate(activities):
        d = a.get("detail", {})
        if d.get("status") != "not-started":
            errors.append(f"activity[{i}].detail.status must be not-started")
        if d.get("kind") not in DETAIL_KIND:
            errors.append(f"activity[{i}].detail.kind not in the required value set")
        ic = d.get("instantiatesCanonical") or []
        if len(ic) != 1 or "/ActivityDefinition/" not in ic[0]:
            errors.append(f"activity[{i}]: instantiatesCanonical must end in /ActivityDefinition/<id>")
        if not d.get("code", {}).get("coding") or not d.get("code", {}).get("text"):
            errors.append(f"activity[{i}]: code needs a coding and text")
        if not isinstance(d.get("doNotPerform"), bool):
            errors.append(f"activity[{i}]: doNotPerform must be a boolean")
        if d.get("doNotPerform") and not ic[0].endswith("/no-pelvic-imrt"):
            errors.append(f"activity[{i}]: only no-pelvic-imrt may be doNotPerform")
        if not d.get("description"):
            errors.append(f"activity[{i}]: description is required")
        for ref in d.get("reasonReference", []):
            referenced.add(ref["reference"])
            if ref["reference"][1:] not in contained:
                errors.append(f"activity[{i}]: reasonReference {ref['reference']} is not a contained fact")
    for rid in contained:
        if "#" + rid not in referenced:
            errors.append(f"contained {rid} is referenced from nowhere (dom-3)")
    return errors


def main():
    if len(sys.argv) != 2:
        print(__doc__)
        return 64
    root = pathlib.Path(sys.argv[1])
    passed = failed = 0
    for path in sorted(root.rglob("*.ndjson")):
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            where = f"{path}:{n}"
            try:
                cp = json.loads(line)
                CarePlan.model_validate(cp)
                errors = contract_errors(cp)
            except Exception as e:  # a validator error is a failure, reported with its place
                errors = [str(e).splitlines()[0] + " " + " ".join(str(e).splitlines()[1:3])]
            if errors:
                failed += 1
                for e in errors:
                    print(f"{where}: {e}", file=sys.stderr)
            else:
                passed += 1
    if passed + failed == 0:
        print(f"careplans: no CarePlan found under {root}", file=sys.stderr)
        return 1
    print(f"careplans: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
