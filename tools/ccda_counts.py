#!/usr/bin/env python3
"""Independent oracle: per-document entry counts for the C-CDA corpus.

Written from the C-CDA R2.1 implementation guide (section and entry templateIds, see
../shared/TERMINOLOGY.md section 1b), with lxml XPath over the raw XML. It does not share
code or logic tables with the Swift reader; the Swift test compares its own counts with the
JSON this script writes (Fixtures/corpus/ccda-counts.json).

Usage:  python tools/ccda_counts.py [CORPUS_DIR] > Fixtures/corpus/ccda-counts.json
        (CORPUS_DIR defaults to ../shared/corpus/ccda next to the package)

Output: {"<path relative to CORPUS_DIR>": {"problems": n, "medications": n, "results": n,
         "vitalSigns": n, "procedures": n, "plannedProcedures": n, "plannedMedications": n}, ...}
for every *.xml below CORPUS_DIR (sorted keys).

Definitions. All element names are in the HL7 v3 namespace urn:hl7-org:v3; "templateId X" means
the element has a child templateId whose @root is X (any @extension); OIDs below abbreviate
2.16.840.1.113883.10.20.22 as "22".

Section kind of a <section>: the kind whose section templateId root it carries:
    Problems 22.2.5 / 22.2.5.1          Medications 22.2.1 / 22.2.1.1
    Results 22.2.3 / 22.2.3.1           Vital Signs 22.2.4 / 22.2.4.1
    Procedures 22.2.7 / 22.2.7.1        Plan of Treatment 22.2.10
  or the CCD 1.0 (HITSP C32) section it replaced, 2.16.840.1.113883.10.20.1.x abbreviated "1.":
    Problems 1.11, Medications 1.8, Results 1.14, Vital Signs 1.16, Procedures 1.12, Plan of Care 1.10
  or, only when it carries none of those templateIds, the kind named by its child <code>'s
  @code (LOINC; @codeSystem absent or 2.16.840.1.113883.6.1):
    11450-4 Problems, 10160-0 Medications, 30954-2 Results, 8716-3 Vital Signs,
    47519-4 Procedures, 18776-5 Plan of Treatment.
  Otherwise the section is not counted from.

An element "belongs to" the NEAREST ancestor <section> (nested sub-sections count for
themselves, not for their parent). Elements are counted at any depth below that section
(an entry nested in an entryRelationship counts too).

  problems           <observation> with templateId 22.4.4 (Problem Observation) or CCD 1.28,
                     belonging to a Problems section.
  medications        <substanceAdministration> with templateId 22.4.16 (Medication Activity) or
                     CCD 1.24, any moodCode, belonging to a Medications section.
  results            <observation> with templateId 22.4.2 (Result Observation) or CCD 1.31,
                     belonging to a Results section.
  vitalSigns         <observation> with templateId 22.4.27 (Vital Sign Observation) or CCD 1.31
                     (CCD 1.0 vital signs are result observations), belonging to a Vital Signs section.
  procedures         <procedure>, <observation> or <act> with templateId 22.4.14, 22.4.13,
                     22.4.12 (Procedure Activity Procedure / Observation / Act) or CCD 1.29
                     (Procedure Activity), any moodCode, belonging to a Procedures section; plus
                     <procedure> with CCD 1.29 belonging to a Results section (CCD 1.0 exports
                     such as Kareo's put procedures there).
  plannedProcedures  <act>, <observation>, <procedure> or <encounter> whose @moodCode is one of
                     INT, RQO, PRP, ARQ, PRMS, APT, belonging to a Plan of Treatment section,
                     except Instructions (templateId 22.4.20) and Planned Coverage (22.4.129);
                     plus <procedure> with templateId 22.4.41 (Planned Procedure) and none of
                     22.4.12/13/14, belonging to a Procedures section.
  plannedMedications <substanceAdministration> whose @moodCode is one of the planned moods
                     above, belonging to a Plan of Treatment section.
"""
import json
import os
import sys

from lxml import etree

V3 = "urn:hl7-org:v3"
NS = {"h": V3}
R = "2.16.840.1.113883.10.20.22."
L = "2.16.840.1.113883.10.20.1."
LOINC = "2.16.840.1.113883.6.1"

SECTION_TEMPLATES = {
    "problems": {R + "2.5", R + "2.5.1", L + "11"},
    "medications": {R + "2.1", R + "2.1.1", L + "8"},
    "results": {R + "2.3", R + "2.3.1", L + "14"},
    "vitals": {R + "2.4", R + "2.4.1", L + "16"},
    "procedures": {R + "2.7", R + "2.7.1", L + "12"},
    "plan": {R + "2.10", L + "10"},
}
SECTION_CODES = {
    "11450-4": "problems",
    "10160-0": "medications",
    "30954-2": "results",
    "8716-3": "vitals",
    "47519-4": "procedures",
    "18776-5": "plan",
}
PLANNED_MOODS = {"INT", "RQO", "PRP", "ARQ", "PRMS", "APT"}


def section_kind(section):
    roots = set(section.xpath("h:templateId/@root", namespaces=NS))
    for kind, templates in SECTION_TEMPLATES.items():
        if roots & templates:
            return kind
    for code in section.xpath("h:code", namespaces=NS):
        system = code.get("codeSystem")
        if system is None or system == LOINC:
            return SECTION_CODES.get(code.get("code"))
    return None


def has_template(element, *roots):
    return any(r in roots for r in element.xpath("h:templateId/@root", namespaces=NS))


def nearest_section_kind(element, cache):
    sections = element.xpath("ancestor::h:section[1]", namespaces=NS)
    if not sections:
        return None
    s = sections[0]
    if s not in cache:
        cache[s] = section_kind(s)
    return cache[s]


def count(path):
    tree = etree.parse(path, etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False))
    c = dict(problems=0, medications=0, results=0, vitalSigns=0, procedures=0, plannedProcedures=0,
             plannedMedications=0)
    cache = {}
    for obs in tree.xpath("//h:observation[h:templateId/@root]", namespaces=NS):
        kind = nearest_section_kind(obs, cache)
        if kind == "problems" and has_template(obs, R + "4.4", L + "28"):
            c["problems"] += 1
        if kind == "results" and has_template(obs, R + "4.2", L + "31"):
            c["results"] += 1
        if kind == "vitals" and has_template(obs, R + "4.27", L + "31"):
            c["vitalSigns"] += 1
    for sa in tree.xpath("//h:substanceAdministration", namespaces=NS):
        kind = nearest_section_kind(sa, cache)
        if kind == "medications" and has_template(sa, R + "4.16", L + "24"):
            c["medications"] += 1
        if kind == "plan" and sa.get("moodCode") in PLANNED_MOODS:
            c["plannedMedications"] += 1
    for el in tree.xpath("//h:procedure | //h:observation | //h:act | //h:encounter", namespaces=NS):
        kind = nearest_section_kind(el, cache)
        name = etree.QName(el).localname
        if kind == "results" and name == "procedure" and has_template(el, L + "29"):
            c["procedures"] += 1
        if kind == "procedures":
            if name != "encounter" and has_template(el, R + "4.14", R + "4.13", R + "4.12", L + "29"):
                c["procedures"] += 1
            elif name == "procedure" and has_template(el, R + "4.41"):
                c["plannedProcedures"] += 1
        elif kind == "plan":
            if el.get("moodCode") in PLANNED_MOODS and not has_template(el, R + "4.20", R + "4.129"):
                c["plannedProcedures"] += 1
    return c


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    default = os.path.join(here, "..", "..", "shared", "corpus", "ccda")
    root = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else default)
    result = {}
    for dirpath, _, files in os.walk(root):
        for name in files:
            if name.endswith(".xml"):
                full = os.path.join(dirpath, name)
                result[os.path.relpath(full, root)] = count(full)
    json.dump(result, sys.stdout, indent=1, sort_keys=True)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
