#!/usr/bin/env python3
"""Writes Fixtures/scale-out/: the inputs the Spark test (tools/test_spark.py) adds to the corpus.

- split-patient/: one patient in two sources that only meet by identifier — a C-CDA document
  (summary.xml, the scenario-01 twin under identifier 2.16.840.1.113883.19.5|so-split-1) and a
  FHIR bundle (bundle.json) with his docetaxel. Linked, he gets cabazitaxel; apart, docetaxel.
- many-partitions/: one patient whose records are spread over a long NDJSON file, his Patient
  line first and the records that make him mCRPC last, so that 64 partitions separate them.

Run it again only to change the fixtures; the output is deterministic.
"""
import json
import os

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Fixtures", "scale-out")


def split_patient():
    entries = [
        {"fullUrl": "urn:uuid:5c1e0a52-0000-4000-8000-000000000001",
         "resource": {"resourceType": "Patient", "id": "so-split-1", "gender": "male", "birthDate": "1952-04-11",
                      "identifier": [{"system": "urn:oid:2.16.840.1.113883.19.5", "value": "so-split-1"}]}},
    ]
    for i, start in enumerate(["2026-02-03", "2026-02-24", "2026-03-17"]):
        entries.append({"fullUrl": f"urn:uuid:5c1e0a52-0000-4000-8000-00000000001{i}",
                        "resource": {"resourceType": "MedicationAdministration", "id": f"so-split-1-doc{i}", "status": "completed",
                                     "medicationCodeableConcept": {"coding": [{"system": "http://www.nlm.nih.gov/research/umls/rxnorm",
                                                                               "code": "72962", "display": "DOCEtaxel"}],
                                                                   "text": "Docetaxel 75 mg/m2 IV"},
                                     "subject": {"reference": "urn:uuid:5c1e0a52-0000-4000-8000-000000000001"},
                                     "effectivePeriod": {"start": start + "T09:00:00Z", "end": start + "T10:00:00Z"}}})
    bundle = {"resourceType": "Bundle", "type": "collection", "entry": entries}
    with open(os.path.join(ROOT, "split-patient", "bundle.json"), "w") as f:
        json.dump(bundle, f, indent=2)
        f.write("\n")


def many_partitions():
    pid = "so-many-1"
    lines = [{"resourceType": "Patient", "id": pid, "gender": "male", "birthDate": "1948-07-30",
              "identifier": [{"system": "http://hospital.example/mrn", "value": "SO-MANY-1"}]}]
    # Weights, monthly back from 2026: read (Observation) but decide nothing; they fill the file.
    for i in range(600):
        y, m = 2026 - (i // 12) // 4, 1 + i % 12
        lines.append({"resourceType": "Observation", "id": f"{pid}-w{i}", "status": "final",
                      "code": {"coding": [{"system": "http://loinc.org", "code": "29463-7", "display": "Body weight"}]},
                      "subject": {"reference": f"Patient/{pid}"}, "effectiveDateTime": f"{y}-{m:02d}-{1 + i % 27:02d}",
                      "valueQuantity": {"value": 70 + i % 9, "unit": "kg", "system": "http://unitsofmeasure.org", "code": "kg"}})
    lines += [
        {"resourceType": "Condition", "id": f"{pid}-c1", "subject": {"reference": f"Patient/{pid}"},
         "code": {"coding": [{"system": "http://snomed.info/sct", "code": "427492003"}]}},
        {"resourceType": "Condition", "id": f"{pid}-c2", "subject": {"reference": f"Patient/{pid}"},
         "code": {"coding": [{"system": "http://snomed.info/sct", "code": "94222008"}]}},
        {"resourceType": "MedicationStatement", "id": f"{pid}-m1", "status": "stopped", "subject": {"reference": f"Patient/{pid}"},
         "medicationCodeableConcept": {"text": "Xtandi 40 mg capsule"},
         "effectivePeriod": {"start": "2025-01-10", "end": "2026-06-01"},
         "statusReason": [{"coding": [{"system": "http://snomed.info/sct", "code": "266721009"}]}]},
    ]
    with open(os.path.join(ROOT, "many-partitions", "records.ndjson"), "w") as f:
        for line in lines:
            f.write(json.dumps(line, separators=(",", ":")) + "\n")


if __name__ == "__main__":
    split_patient()
    many_partitions()
