#!/usr/bin/env python3
"""Independent oracle: per-file counts of what the FHIR reader must extract from the corpus.

Usage: corpus_counts.py CORPUS_DIR > Fixtures/corpus/fhir-counts.json

For every *.json file under CORPUS_DIR/fhir-r4 and every *.ndjson file under
CORPUS_DIR/bulk-ndjson, count the Patient, Condition, MedicationStatement+MedicationRequest and
Observation resources: the top-level resource, every Bundle.entry[].resource, recursively into
nested Bundles (batch-response bundles carry searchset bundles as resources); contained
resources are not counted. NDJSON files are counted line by line. Written with the standard
library only, from the FHIR spec, not from ClinicalIngest's code or output.
"""
import json
import pathlib
import sys


def walk(resource, counts):
    if not isinstance(resource, dict):
        return
    rt = resource.get("resourceType")
    key = {"Patient": "patients", "Condition": "conditions", "MedicationStatement": "medications",
           "MedicationRequest": "medications", "Observation": "observations"}.get(rt)
    if key:
        counts[key] += 1
    if rt == "Bundle":
        for entry in resource.get("entry", []) or []:
            if isinstance(entry, dict) and isinstance(entry.get("resource"), dict):
                walk(entry["resource"], counts)


def count_file(path):
    counts = {"patients": 0, "conditions": 0, "medications": 0, "observations": 0}
    text = path.read_text(encoding="utf-8-sig")
    if path.suffix == ".ndjson":
        for line in text.splitlines():
            if line.strip():
                walk(json.loads(line), counts)
    else:
        walk(json.loads(text), counts)
    return counts


def main():
    root = pathlib.Path(sys.argv[1])
    result = {}
    files = sorted(root.glob("fhir-r4/**/*.json")) + sorted(root.glob("bulk-ndjson/**/*.ndjson"))
    for path in files:
        result[str(path.relative_to(root))] = count_file(path)
    json.dump(result, sys.stdout, indent=1, ensure_ascii=False, sort_keys=True)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
