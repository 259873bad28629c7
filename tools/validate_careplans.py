#!/usr/bin/env python3
"""Independent, strict R4 check of every resource the tests produced.

Usage: validate_careplans.py [--max-issues N] [--jobs N] [--catalogue MAPPINGS] DIR

Reads every *.ndjson file under DIR (one resource a line) and every *.json file (one resource or
Bundle a file). Each resource, with its contained resources and Bundle entries, must pass:

  schema     the official FHIR R4 JSON schema (../shared/fhir/fhir.schema.json, jsonschema Draft 6);
  model      the fhir.resources R4B models (R4B = R4 for the resource types we write);
  reference  every Reference's target type is allowed by R4 for its element (enum_reference_types of
             the fhir.resources field, corrected where R4B widened R4), its target type can be told,
             and every '#' reference resolves to a contained resource; dom-3;
  contained  dom-2, dom-4, dom-5;
  narrative  text.div is well-formed XHTML: root <div> in the XHTML namespace, only the elements and
             attributes of R4 txt-1, some text (txt-2);
  bundle     bdl-1..4, bdl-7, bdl-8; in a transaction each entry is PUT <resourceType>/<id> with a
             consistent fullUrl, no resource twice;
  contract   the CarePlan output contract of ../shared/DESIGN.md.

Prints each failure as 'FILE[:LINE]: TYPE/ID: KIND: PATH: REASON' on stderr (PATH names every
nested resource, e.g. contained[3]{Observation/fact-mcrpc}.derivedFrom[0]; reasons carry ids, element
names and codes, never free text or other patient data; at most --max-issues per resource, default 20,
0 = all), then a count of failures by kind, then 'careplans: N passed, M failed' — or, when the files
hold other resources too, a line of counts by type and of the CarePlans in them, then
'resources: N passed, M failed'. Exits non-zero on any failure or when nothing was validated at all
(a run that validated nothing proves nothing). --jobs N: processes (default: CPUs, at most 4).
Each CarePlan's facts and recommendations are checked against its guideline's (instantiatesCanonical);
DESIGN.md defines one. --catalogue MAPPINGS adds the guidelines of a test fixture's mappings folder
(MAPPINGS/guidelines/*.json: their facts, and their recommendations in priority order).
Self-test: tools/test_validate_careplans.py.
"""
import json
import os
import pathlib
import sys
import xml.etree.ElementTree as ET
from collections import Counter

import jsonschema
import pydantic
from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.reference import Reference
from fhir.resources.R4B.resource import Resource
from fhir_core.fhirabstractmodel import FHIRAbstractModel

SCHEMA_PATH = pathlib.Path(__file__).resolve().parents[2] / "shared" / "fhir" / "fhir.schema.json"

# ---------------------------------------------------------------------------------------------
# The output contract (../shared/DESIGN.md)
# ---------------------------------------------------------------------------------------------
CAREPLAN_STATUS = {"draft", "revoked"}  # revoked: a withdrawn CarePlan written again
DETAIL_KIND = {"Appointment", "CommunicationRequest", "DeviceRequest", "MedicationRequest", "NutritionOrder",
               "Task", "ServiceRequest", "VisionPrescription"}
DAR = "http://terminology.hl7.org/CodeSystem/data-absent-reason"
ACTIVITY_CODE_SYSTEMS = {"http://snomed.info/sct", "http://www.nlm.nih.gov/research/umls/rxnorm"}
# Contained resources DESIGN allows: the fact Observations, and the R4 means that carry evidence whose
# type derivedFrom does not accept (a Provenance per fact; a Device as the Provenance's agent).
CONTAINED_TYPES = {"Observation", "Provenance", "Device"}
FACT_IDS = {
    "prostate-cancer", "metastatic", "bone-metastases", "visceral-metastases", "distant-nodal-metastases",
    "bone-only-metastases", "symptomatic-bone-metastases", "castrate-testosterone", "castration-resistant",
    "mcrpc", "prior-arpi", "progressed-on-enzalutamide", "on-enzalutamide", "enzalutamide-line",
    "prior-docetaxel", "prior-cabazitaxel", "prior-radium-223", "prior-lu177-psma", "prior-parp-inhibitor",
    "on-abiraterone", "somatic-testing-done", "brca-alteration", "psma-positive", "pelvic-radiation-planned",
    "local-recurrence", "prior-definitive-radiotherapy",
}
INTEGER_FACTS = {"enzalutamide-line"}
RECOMMENDATIONS = [  # priority order
    "no-pelvic-imrt", "docetaxel", "docetaxel-with-enzalutamide", "cabazitaxel", "radium-223",
    "lu177-psma-617", "psma-pet", "olaparib", "somatic-genetic-testing", "palliative-bone-radiation",
    "continue-adt", "palliative-care", "local-salvage-radiation",
]
PRIORITY = {r: i for i, r in enumerate(RECOMMENDATIONS)}
# Each guideline's facts and recommendations by priority, by the guideline id its CarePlans name in
# instantiatesCanonical (.../PlanDefinition/<id>|<version>): DESIGN.md's one, plus a test fixture's
# (--catalogue).
CATALOGUES = {"mcrpc-after-enzalutamide": (FACT_IDS, PRIORITY)}

# ---------------------------------------------------------------------------------------------
# R4 where the R4B models differ. fhir.resources 8.3.0 has no R4 (4.0.1) models, only R4B (4.3.0).
# Diffing the enum_reference_types of fhir.resources 6.4.0 (FHIR 4.0.1) against 8.3.0's R4B models,
# over the resource types both releases share, gives exactly these elements, where R4B allows more
# target types than R4. Everything else is taken from the R4B field metadata.
# ---------------------------------------------------------------------------------------------
R4_REFERENCE_TYPES = {
    ("Observation", "subject"): ["Patient", "Group", "Device", "Location"],
    ("DiagnosticReport", "subject"): ["Patient", "Group", "Device", "Location"],
    ("ActivityDefinition", "productReference"): ["Medication", "Substance"],
    ("GroupMember", "entity"): ["Patient", "Practitioner", "PractitionerRole", "Device", "Medication",
                                "Substance", "Group"],
    ("EvidenceVariableCharacteristic", "definitionReference"): ["Group"],
}

# R4 txt-1: the elements and attributes a narrative may use (plus xml:lang, used by the spec's examples).
XHTML = "http://www.w3.org/1999/xhtml"
XHTML_ELEMENTS = {
    "a", "abbr", "acronym", "b", "big", "blockquote", "br", "caption", "cite", "code", "col", "colgroup", "dd",
    "dfn", "div", "dl", "dt", "em", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "li", "ol", "p", "pre",
    "q", "samp", "small", "span", "strong", "sub", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr",
    "tt", "ul", "var",
}
XHTML_ATTRIBUTES = {
    "abbr", "accesskey", "align", "alt", "axis", "bgcolor", "border", "cellhalign", "cellpadding", "cellspacing",
    "cellvalign", "char", "charoff", "charset", "cite", "class", "colspan", "compact", "coords", "dir", "frame",
    "headers", "height", "href", "hreflang", "hspace", "id", "lang", "longdesc", "name", "nowrap", "rel", "rev",
    "rowspan", "rules", "scope", "shape", "span", "src", "start", "style", "summary", "tabindex", "title", "type",
    "valign", "value", "vspace", "width", "{http://www.w3.org/XML/1998/namespace}lang",
}


def as_list(x):
    """A JSON array, or [] for anything else (the schema reports the wrong shape)."""
    return x if isinstance(x, list) else []


class Issue:
    __slots__ = ("kind", "path", "msg")

    def __init__(self, kind, path, msg):
        self.kind, self.path, self.msg = kind, tuple(path), msg


# ---------------------------------------------------------------------------------------------
# 1. The official R4 JSON schema
# ---------------------------------------------------------------------------------------------
class SchemaCheck:
    """One Draft 6 validator for the whole run. The schema's root and ResourceList are a oneOf over
    the 146 resource definitions; each definition fixes resourceType with const, so at most the
    definition named by the instance's resourceType can match and the oneOf is decided by checking
    that one alone: the same verdict, ~146 times faster, and errors that say what is wrong."""

    def __init__(self, path=SCHEMA_PATH):
        self.schema = json.loads(pathlib.Path(path).read_text(encoding="utf-8"))
        self.mapping = dict(self.schema["discriminator"]["mapping"])  # resourceType -> #/definitions/X
        self.resource_types = frozenset(self.mapping)
        dispatch_lists = {id(self.schema["oneOf"]), id(self.schema["definitions"]["ResourceList"]["oneOf"])}
        refs = sorted(self.mapping.values())
        default_one_of = jsonschema.Draft6Validator.VALIDATORS["oneOf"]
        mapping = self.mapping

        def is_resource_list(subschemas):
            if id(subschemas) in dispatch_lists:
                return True
            return (isinstance(subschemas, list) and len(subschemas) == len(refs)
                    and sorted(s.get("$ref", "") for s in subschemas) == refs)

        def one_of(validator, subschemas, instance, schema):
            if not is_resource_list(subschemas):
                yield from default_one_of(validator, subschemas, instance, schema)
                return
            if not isinstance(instance, dict):
                yield jsonschema.ValidationError("a resource must be a JSON object", validator="oneOf")
                return
            rt = instance.get("resourceType")
            if not isinstance(rt, str) or rt not in mapping:
                yield jsonschema.ValidationError(
                    f"resourceType {str(rt)[:40]!r} is not an R4 resource type" if rt is not None
                    else "resourceType is missing", validator="oneOf")
                return
            yield from validator.descend(instance, {"$ref": mapping[rt]})

        # $ref: all of the schema's references are local ("#/definitions/X"), looked up in a dict rather
        # than through the resolver; the verdict on a data type (primitives, Coding, Reference, …) depends
        # only on the value, so values that passed once are remembered (the same codings, references and
        # notes recur in every CarePlan).
        definitions = self.schema["definitions"]
        cacheable = {f"#/definitions/{n}" for n in definitions
                     if "_" not in n and n not in mapping and n != "ResourceList"}
        passed = set()
        default_ref = jsonschema.Draft6Validator.VALIDATORS["$ref"]

        def ref(validator, target, instance, schema):
            sub = definitions.get(target[14:]) if target.startswith("#/definitions/") else None
            if sub is None:
                yield from default_ref(validator, target, instance, schema)
                return
            key = None
            if target in cacheable:
                if isinstance(instance, (dict, list)):
                    key = (target, json.dumps(instance, sort_keys=True, separators=(",", ":")))
                else:
                    key = (target, type(instance), instance)
                if key in passed:
                    return
            failed = False
            for error in validator.descend(instance, sub):
                failed = True
                yield error
            if key is not None and not failed and len(passed) < 500_000:
                passed.add(key)

        cls = jsonschema.validators.extend(jsonschema.Draft6Validator, {"oneOf": one_of, "$ref": ref})
        self.validator = cls(self.schema)

    def issues(self, resource):
        out = []
        for e in sorted(self.validator.iter_errors(resource), key=lambda e: [str(p) for p in e.absolute_path]):
            out.append(Issue("schema", e.absolute_path, schema_message(e)))
        return out


def schema_message(e):
    """A message built from the schema, never from the instance value (no patient data in the log)."""
    kind, expected = e.validator, e.validator_value
    if kind == "required":
        return e.message  # "'x' is a required property": a property name
    if kind == "additionalProperties":
        extra = sorted(k for k in e.instance if k not in e.schema.get("properties", {})) if isinstance(e.instance, dict) else []
        return f"unknown element(s) {', '.join(extra[:5])}"
    if kind == "type":
        return f"must be a JSON {expected}, not {type(e.instance).__name__}"
    if kind == "pattern":
        return f"does not match the R4 pattern {expected}"
    if kind in ("enum", "const"):
        shown = repr(e.instance)[:40] if isinstance(e.instance, str) else type(e.instance).__name__
        allowed = expected if kind == "enum" else [expected]
        return f"{shown} not in {allowed}"
    if kind in ("oneOf", "anyOf"):
        if not e.context:  # the resource dispatch: its own message names only the resourceType
            return e.message
        return schema_message(jsonschema.exceptions.best_match(e.context))
    if kind in ("minItems", "maxItems", "minLength", "maxLength", "minimum", "maximum"):
        return f"violates {kind} {expected}"
    return f"violates {kind}"[:200]


# ---------------------------------------------------------------------------------------------
# 2. fhir.resources (R4B models)
# ---------------------------------------------------------------------------------------------
def model_check(resource):
    """The validated model, or None and the issues."""
    rt = resource.get("resourceType") if isinstance(resource, dict) else None
    try:
        cls = get_fhir_model_class(rt if isinstance(rt, str) else "")
    except Exception:
        return None, [Issue("model", (), f"fhir.resources 8.3.0 has no R4B model for {str(rt)[:40]!r}")]
    try:
        return cls.model_validate(resource), []
    except pydantic.ValidationError as e:
        return None, [Issue("model", err["loc"], err["msg"][:200])
                      for err in e.errors(include_url=False, include_input=False, include_context=False)]
    except Exception as e:  # a validator in the models raised something else
        return None, [Issue("model", (), f"{type(e).__name__}: {str(e).splitlines()[0][:160] if str(e) else ''}")]


# ---------------------------------------------------------------------------------------------
# 3. Reference target types (walk of the validated model)
# ---------------------------------------------------------------------------------------------
_FIELDS = {}


def fields_of(cls):
    """(attribute, JSON name, allowed target types or None) of every element of a model class."""
    fields = _FIELDS.get(cls)
    if fields is None:
        fields = []
        for name, info in cls.model_fields.items():
            if name == "fhir_comments":
                continue
            alias = info.alias or name
            extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
            allowed = R4_REFERENCE_TYPES.get((cls.__name__, alias), extra.get("enum_reference_types"))
            fields.append((name, alias, tuple(allowed) if allowed is not None else None))
        _FIELDS[cls] = fields
    return fields


class Container:
    """A resource that is not itself contained: the scope of its '#' references."""

    def __init__(self, model):
        self.type = model.get_resource_type()
        self.contained = {}
        for c in getattr(model, "contained", None) or []:
            if c.id is not None:
                self.contained[c.id] = c.get_resource_type()
        self.refs = set()  # every reference string seen in it, contained resources included (dom-3)
        self.refs_of = {}  # contained id -> references made inside that contained resource


_HISTORY = "_history"


def literal_type(lit, resource_types):
    """The target type a literal reference states (relative Type/id, absolute .../Type/id,
    .../Type/id/_history/v, conditional Type?query), or None."""
    base = lit.split("#", 1)[0]
    if "?" in base:
        head = base.split("?", 1)[0]
        if "/" not in head and head in resource_types:
            return head
        base = head
    segments = [s for s in base.split("/") if s]
    if len(segments) >= 4 and segments[-2] == _HISTORY:
        t = segments[-4]
    elif len(segments) >= 2:
        t = segments[-2]
    else:
        return None
    return t if t in resource_types else None


class Scope:
    """Where an element is: its container (scope of '#'), the resource it belongs to (the container or
    one of its contained resources), and where that resource starts in the path."""
    __slots__ = ("container", "contained_id", "type", "start")

    def __init__(self, container, contained_id, rtype, start):
        self.container, self.contained_id, self.type, self.start = container, contained_id, rtype, start


class ReferenceCheck:
    def __init__(self, resource_types):
        self.resource_types = resource_types

    def issues(self, model):
        out = []
        self._resource(model, (), None, None, out)
        return out

    def _resource(self, model, path, scope, parent_alias, out):
        rtype = model.get_resource_type()
        if parent_alias == "contained" and scope is not None:
            if scope.contained_id is not None:
                out.append(Issue("contained", path, "a contained resource must not contain resources (dom-2)"))
            self._walk(model, path, Scope(scope.container, model.id or "", rtype, len(path)), out)
            return
        c = Container(model)
        self._walk(model, path, Scope(c, None, rtype, len(path)), out)
        # dom-3: a contained resource is referenced from elsewhere in the resource, or refers to it ('#')
        contained = getattr(model, "contained", None) or []
        for i, cm in enumerate(contained):
            if cm.id is None:
                out.append(Issue("reference", path + ("contained", i), "a contained resource needs an id"))
            elif "#" + cm.id not in c.refs and "#" not in c.refs_of.get(cm.id, ()):
                out.append(Issue("reference", path + ("contained", i),
                                 f"contained {cm.get_resource_type()}/{cm.id} is referenced from nowhere (dom-3)"))
        for rid, n in Counter(cm.id for cm in contained if cm.id is not None).items():
            if n > 1:
                out.append(Issue("reference", path + ("contained",), f"contained id {rid} used {n} times"))

    def _walk(self, model, path, scope, out):
        for name, alias, allowed in fields_of(type(model)):
            value = getattr(model, name, None)
            if value is None:
                continue
            if isinstance(value, list):
                if not value or not isinstance(value[0], FHIRAbstractModel):
                    continue
                for i, item in enumerate(value):
                    self._visit(item, path + (alias, i), alias, allowed, scope, out)
            elif isinstance(value, FHIRAbstractModel):
                self._visit(value, path + (alias,), alias, allowed, scope, out)

    def _visit(self, value, path, alias, allowed, scope, out):
        if isinstance(value, Resource):
            self._resource(value, path, scope, alias, out)
            return
        if isinstance(value, Reference):
            self._reference(value, path, allowed, scope, out)
        self._walk(value, path, scope, out)

    def _reference(self, ref, path, allowed, scope, out):
        element = ".".join([scope.type] + [str(p) for p in path[scope.start:] if not isinstance(p, int)])
        container, in_contained = scope.container, scope.contained_id
        lit, declared = ref.reference, ref.type
        told, how = None, None
        if lit is not None:
            container.refs.add(lit)
            if in_contained is not None:
                container.refs_of.setdefault(in_contained, set()).add(lit)
            if lit.startswith("#"):
                cid = lit[1:]
                if cid == "":
                    told = container.type
                elif cid in container.contained:
                    told = container.contained[cid]
                else:
                    out.append(Issue("reference", path, f"{lit} does not resolve to a contained resource"))
                    return
            elif lit.startswith("urn:"):
                how = "a urn: reference"
            else:
                told = literal_type(lit, self.resource_types)
                if told is None:
                    how = "a reference that is not [base/]Type/id"
        elif ref.identifier is not None:
            how = "an identifier-only reference"
        else:
            how = "a display-only reference"
        if declared is not None:
            t = declared
            if t.startswith("http://hl7.org/fhir/StructureDefinition/"):
                t = t.rsplit("/", 1)[1]
            if t not in self.resource_types:
                out.append(Issue("reference", path, f"Reference.type {declared[:60]!r} is not an R4 resource type"))
                return
            if told is not None and told != t:
                out.append(Issue("reference", path, f"Reference.type {t} disagrees with the reference, which is a {told}"))
                return
            told = t
        any_type = allowed is None or "Resource" in allowed
        if told is None:
            if not any_type:
                out.append(Issue("reference", path,
                                 f"target type cannot be told ({how} without Reference.type); {element} allows "
                                 f"{', '.join(allowed)}"))
            return
        if not any_type and told not in allowed:
            out.append(Issue("reference", path,
                             f"{element} may not point at {told} in R4 (allowed: {', '.join(allowed)})"))


def dom_issues(resource, path=()):
    """dom-4, dom-5 on contained resources (dom-2 and dom-3 are checked in the model walk)."""
    out = []
    for i, c in enumerate(as_list(resource.get("contained"))):
        if not isinstance(c, dict):
            continue
        meta = c.get("meta") or {}
        if isinstance(meta, dict):
            if "versionId" in meta or "lastUpdated" in meta:
                out.append(Issue("contained", path + ("contained", i, "meta"),
                                 "a contained resource has no meta.versionId or meta.lastUpdated (dom-4)"))
            if "security" in meta:
                out.append(Issue("contained", path + ("contained", i, "meta"),
                                 "a contained resource has no meta.security (dom-5)"))
    return out


# ---------------------------------------------------------------------------------------------
# 4. Narrative
# ---------------------------------------------------------------------------------------------
def xhtml_problems(div):
    """Why a Narrative.div is not an R4 XHTML div (empty list when it is)."""
    if not isinstance(div, str):
        return ["div must be a string"]
    if "<!DOCTYPE" in div or "<!ENTITY" in div:
        return ["div must not contain a DOCTYPE or entity declarations"]
    try:
        root = ET.fromstring(div)
    except ET.ParseError as e:
        return [f"div is not well-formed XML ({str(e).split(':')[0]}, position {e.position})"]
    problems = []
    if root.tag != "{%s}div" % XHTML:
        problems.append(f"root element must be div in the namespace {XHTML}")
    text = False
    for el in root.iter():
        ns, _, local = el.tag[1:].partition("}") if el.tag.startswith("{") else ("", "", el.tag)
        if ns != XHTML:
            problems.append(f"element {local} is not in the XHTML namespace")
        elif local not in XHTML_ELEMENTS:
            problems.append(f"element {local} is not allowed in a narrative (txt-1)")
        for a, v in el.attrib.items():
            if a not in XHTML_ATTRIBUTES:
                problems.append(f"attribute {a} on {local} is not allowed in a narrative (txt-1)")
            elif a in ("href", "src") and v.strip().lower().startswith(("javascript:", "vbscript:")):
                problems.append(f"attribute {a} on {local} must not be a script")
        if (el.text and el.text.strip()) or (el.tail and el.tail.strip() and el is not root):
            text = True
        if local == "img" and el.get("src"):
            text = True
    if not text:
        problems.append("div has no text (txt-2)")
    return problems[:5]


def narrative_issues(resource, path=(), require_generated=False):
    """text of one resource: an R4 XHTML div; for a CarePlan also present and generated."""
    text = resource.get("text")
    if text is None:
        return [Issue("narrative", path + ("text",), "a CarePlan needs a generated XHTML narrative")] if require_generated else []
    if not isinstance(text, dict):
        return [Issue("narrative", path + ("text",), "text must be a Narrative")]
    out = []
    if require_generated and text.get("status") != "generated":
        out.append(Issue("narrative", path + ("text", "status"), "text.status must be generated"))
    for p in xhtml_problems(text.get("div")):
        out.append(Issue("narrative", path + ("text", "div"), p))
    return out


# ---------------------------------------------------------------------------------------------
# 5. Bundles
# ---------------------------------------------------------------------------------------------
def bundle_issues(bundle, path=()):
    """bdl-1..4, 7, 8; a transaction: PUT <type>/<id> entries, fullUrl consistent, each resource once."""
    out = []
    btype = bundle.get("type")
    entries = as_list(bundle.get("entry"))
    if "total" in bundle and btype not in ("searchset", "history"):
        out.append(Issue("bundle", path + ("total",), "total only in a searchset or history (bdl-1)"))
    seen_full, seen_target = {}, {}
    for i, e in enumerate(entries):
        if not isinstance(e, dict):
            continue
        ep = path + ("entry", i)
        res = e.get("resource") if isinstance(e.get("resource"), dict) else None
        rt, rid = (res.get("resourceType"), res.get("id")) if res else (None, None)
        if "search" in e and btype != "searchset":
            out.append(Issue("bundle", ep + ("search",), "entry.search only in a searchset (bdl-2)"))
        if btype in ("batch", "transaction", "history") and "request" not in e:
            out.append(Issue("bundle", ep, f"a {btype} entry needs request (bdl-3)"))
        if "response" in e and btype not in ("batch-response", "transaction-response", "history"):
            out.append(Issue("bundle", ep + ("response",), "entry.response only in a response or history (bdl-4)"))
        full = e.get("fullUrl")
        if isinstance(full, str):
            if "/_history/" in full:
                out.append(Issue("bundle", ep + ("fullUrl",), "fullUrl must not be version specific (bdl-8)"))
            key = (full, (res.get("meta") or {}).get("versionId") if res else None)
            if key in seen_full and btype not in ("history",):
                out.append(Issue("bundle", ep + ("fullUrl",), f"fullUrl also used by entry[{seen_full[key]}] (bdl-7)"))
            seen_full.setdefault(key, i)
            if res and full.startswith(("http://", "https://")):
                segments = [s for s in full.split("/") if s]
                if len(segments) >= 2 and segments[-2] in SCHEMA.resource_types and (segments[-2], segments[-1]) != (rt, rid):
                    out.append(Issue("bundle", ep + ("fullUrl",),
                                     f"fullUrl names {segments[-2]}/{segments[-1]}, the resource is {rt}/{rid}"))
        if btype == "transaction":
            req = e.get("request") if isinstance(e.get("request"), dict) else {}
            if res is None:
                out.append(Issue("bundle", ep, "a transaction PUT entry needs a resource"))
                continue
            if req.get("method") != "PUT":
                out.append(Issue("bundle", ep + ("request", "method"), f"request.method must be PUT, not {str(req.get('method'))[:10]}"))
            want = f"{rt}/{rid}"
            if rid is None:
                out.append(Issue("bundle", ep + ("resource", "id"), "a resource PUT by id needs an id"))
            elif req.get("url") != want:
                out.append(Issue("bundle", ep + ("request", "url"), f"request.url must be {want}"))
            if not isinstance(full, str):
                out.append(Issue("bundle", ep, f"fullUrl is missing (<base>/{want} or urn:uuid:)"))
            elif not (full.startswith("urn:uuid:") or (full.startswith(("http://", "https://")) and full.endswith("/" + want))):
                out.append(Issue("bundle", ep + ("fullUrl",), f"fullUrl must be <base>/{want} or a urn:uuid:"))
            if rid is not None:
                if want in seen_target:
                    out.append(Issue("bundle", ep, f"{want} is also written by entry[{seen_target[want]}]"))
                seen_target.setdefault(want, i)
    return out


# ---------------------------------------------------------------------------------------------
# 6. The CarePlan output contract
# ---------------------------------------------------------------------------------------------
def ref_of(x):
    return x.get("reference") if isinstance(x, dict) else None


def contract_issues(cp, path=()):
    """The CarePlan output contract of DESIGN.md."""
    out = []

    def bad(p, msg):
        out.append(Issue("contract", path + tuple(p), msg))

    if cp.get("status") not in CAREPLAN_STATUS:
        bad(["status"], "status must be draft (revoked for a withdrawn CarePlan)")
    if cp.get("intent") != "proposal":
        bad(["intent"], "intent must be proposal")
    if not cp.get("id"):
        bad(["id"], "a CarePlan needs its stable id")
    if not cp.get("created"):
        bad(["created"], "created (the evaluation date the recommendations first appeared) is required")
    subject = cp.get("subject") if isinstance(cp.get("subject"), dict) else {}
    stype = subject.get("type") or (literal_type(subject["reference"], SCHEMA.resource_types)
                                    if isinstance(subject.get("reference"), str) else None)
    if stype != "Patient":
        bad(["subject"], "subject must be the source Patient (Patient/<id>, or identifier with type Patient)")
    canon = as_list(cp.get("instantiatesCanonical"))
    if (len(canon) != 1 or not isinstance(canon[0], str) or "/PlanDefinition/" not in canon[0]
            or "|" not in canon[0]):
        bad(["instantiatesCanonical"], "instantiatesCanonical must be .../PlanDefinition/<id>|<version>")
        guideline = None
    else:
        guideline = canon[0].split("|", 1)[0].rsplit("/", 1)[1]
        if guideline not in CATALOGUES:
            bad(["instantiatesCanonical"], f"{guideline[:40]} is not a guideline of DESIGN.md")
    fact_ids, priority = CATALOGUES.get(guideline, (FACT_IDS, PRIORITY))

    contained = {}
    for i, r in enumerate(as_list(cp.get("contained"))):
        if not isinstance(r, dict):
            continue
        rid, rt = r.get("id"), r.get("resourceType")
        contained.setdefault(rid, r)
        cpth = ["contained", i]
        if rt not in CONTAINED_TYPES:
            bad(cpth, f"contained {rt} is not one the output contract allows ({', '.join(sorted(CONTAINED_TYPES))})")
        elif rt == "Observation":
            out.extend(fact_issues(r, path + tuple(cpth), fact_ids))
        elif rt == "Provenance":
            targets = [ref_of(t) for t in as_list(r.get("target"))]
            if not any(isinstance(t, str) and t.startswith("#fact-") for t in targets):
                bad(cpth + ["target"], f"contained Provenance {rid} must target a contained #fact-… Observation")
            entities = as_list(r.get("entity"))
            if not entities or not all(isinstance(x, dict) and isinstance(x.get("what"), dict) for x in entities):
                bad(cpth + ["entity"], f"contained Provenance {rid} must name its evidence in entity[].what")

    activities = as_list(cp.get("activity"))
    if not activities:
        bad(["activity"], "a CarePlan needs at least one activity")
    last = -1
    for i, a in enumerate(activities):
        ap = ["activity", i, "detail"]
        d = a.get("detail") if isinstance(a, dict) and isinstance(a.get("detail"), dict) else {}
        if not d:
            bad(ap, "every activity needs a detail")
            continue
        if d.get("status") != "not-started":
            bad(ap + ["status"], "detail.status must be not-started")
        if d.get("kind") not in DETAIL_KIND:
            bad(ap + ["kind"], "detail.kind not in the required value set")
        ic = as_list(d.get("instantiatesCanonical"))
        rec = None
        if len(ic) != 1 or not isinstance(ic[0], str) or "/ActivityDefinition/" not in ic[0]:
            bad(ap + ["instantiatesCanonical"], "instantiatesCanonical must be .../ActivityDefinition/<recommendation-id>")
        else:
            rec = ic[0].split("|", 1)[0].rsplit("/", 1)[1]
            if rec not in priority:
                bad(ap + ["instantiatesCanonical"], f"{rec[:40]} is not a recommendation of DESIGN.md")
            elif priority[rec] <= last:
                bad(ap + ["instantiatesCanonical"], f"{rec} is out of priority order (or repeated)")
            else:
                last = priority[rec]
        code = d.get("code") if isinstance(d.get("code"), dict) else {}
        codings = as_list(code.get("coding"))
        if not codings or not code.get("text"):
            bad(ap + ["code"], "detail.code needs a coding and text")
        elif not any(isinstance(c, dict) and c.get("system") in ACTIVITY_CODE_SYSTEMS for c in codings):
            bad(ap + ["code"], "detail.code needs a SNOMED CT or RxNorm coding")
        dnp = d.get("doNotPerform")
        if not isinstance(dnp, bool):
            bad(ap + ["doNotPerform"], "doNotPerform must be a boolean")
        elif rec is not None and dnp != (rec == "no-pelvic-imrt"):
            bad(ap + ["doNotPerform"], "doNotPerform is true for no-pelvic-imrt and for nothing else")
        if not d.get("description"):
            bad(ap + ["description"], "description (regimen, rationale, citation) is required")
        reasons = as_list(d.get("reasonReference"))
        if not reasons:
            bad(ap + ["reasonReference"], "reasonReference must name the #fact-… Observations it rests on")
        for j, ref in enumerate(reasons):
            r = ref_of(ref)
            target = contained.get(r[1:]) if isinstance(r, str) and r.startswith("#fact-") else None
            if target is None or target.get("resourceType") != "Observation":
                bad(ap + ["reasonReference", j], "reasonReference must be a contained #fact-… Observation")
    return out


def fact_issues(r, path, fact_ids=FACT_IDS):
    """A contained fact Observation (DESIGN.md, contained)."""
    out = []
    rid = r.get("id") or ""

    def bad(p, msg):
        out.append(Issue("contract", path + tuple(p), msg))

    if not rid.startswith("fact-"):
        bad(["id"], f"contained Observation {rid[:40]} is not a fact (id fact-<fact-id>)")
        return out
    fid = rid[5:]
    if fid not in fact_ids:
        bad(["id"], f"{fid[:40]} is not a fact of DESIGN.md")
    code = r.get("code") if isinstance(r.get("code"), dict) else {}
    codings = code.get("coding") if isinstance(code.get("coding"), list) and code.get("coding") else [{}]
    code = codings[0] if isinstance(codings[0], dict) else {}
    if not str(code.get("system", "")).endswith("/CodeSystem/derived-fact") or code.get("code") != fid:
        bad(["code"], f"{rid}: code.coding[0] must be <base>/CodeSystem/derived-fact|{fid}")
    values = [k for k in ("valueBoolean", "valueInteger", "dataAbsentReason") if k in r]
    others = [k for k in r if k.startswith("value") and k not in ("valueBoolean", "valueInteger")]
    if len(values) != 1 or others:
        bad([], f"{rid}: exactly one of valueBoolean, valueInteger, dataAbsentReason")
    elif values[0] == "valueInteger" and fid not in INTEGER_FACTS:
        bad(["valueInteger"], f"{rid}: a true/false fact takes valueBoolean")
    elif values[0] == "valueBoolean" and fid in INTEGER_FACTS:
        bad(["valueBoolean"], f"{rid}: an integer fact takes valueInteger")
    if "dataAbsentReason" in r:
        dar = r["dataAbsentReason"] if isinstance(r["dataAbsentReason"], dict) else {}
        dar = dar.get("coding") if isinstance(dar.get("coding"), list) and dar.get("coding") else [{}]
        if dar[0] != {"system": DAR, "code": "unknown", "display": "Unknown"}:
            bad(["dataAbsentReason"], f"{rid}: dataAbsentReason must be {DAR}|unknown (display Unknown)")
    if not r.get("note"):
        bad(["note"], f"{rid}: a note must say how the fact was decided")
    return out


def resources_in(resource, path=()):
    """(path, resource) of the resource itself and of its Bundle entries, at any depth."""
    if not isinstance(resource, dict):
        return
    yield path, resource
    if resource.get("resourceType") == "Bundle":
        for i, e in enumerate(as_list(resource.get("entry"))):
            if isinstance(e, dict):
                yield from resources_in(e.get("resource"), path + ("entry", i, "resource"))


def careplans_in(resource):
    return [(p, r) for p, r in resources_in(resource) if r.get("resourceType") == "CarePlan"]


# ---------------------------------------------------------------------------------------------
# All checks of one resource
# ---------------------------------------------------------------------------------------------
SCHEMA = None  # the SchemaCheck of the run, built once
REFS = None


def setup(schema_path=SCHEMA_PATH):
    global SCHEMA, REFS
    if SCHEMA is None:
        SCHEMA = SchemaCheck(schema_path)
        REFS = ReferenceCheck(SCHEMA.resource_types)


def guarded(kind, path, check, *args):
    """The issues of one check; a check that trips over a malformed resource (which the schema has
    flagged already) is an issue itself, never a crash of the run."""
    try:
        return check(*args)
    except Exception as e:
        return [Issue(kind, path, f"check stopped on a malformed resource ({type(e).__name__})")]


def check_resource(resource):
    """Every issue of one top-level resource (a CarePlan, a Bundle, any R4 resource)."""
    setup()
    if not isinstance(resource, dict):
        return [Issue("schema", (), "a resource must be a JSON object")]
    issues = SCHEMA.issues(resource)
    model, model_issues = model_check(resource)
    issues += model_issues
    if model is not None:
        issues += REFS.issues(model)
    for p, r in resources_in(resource):
        rt = r.get("resourceType")
        issues += guarded("narrative", p, narrative_issues, r, p, rt == "CarePlan")
        for i, c in enumerate(as_list(r.get("contained"))):
            if isinstance(c, dict):
                issues += guarded("narrative", p, narrative_issues, c, p + ("contained", i))
        issues += guarded("contained", p, dom_issues, r, p)
        if rt == "Bundle":
            issues += guarded("bundle", p, bundle_issues, r, p)
        elif rt == "CarePlan":
            issues += guarded("contract", p, contract_issues, r, p)
    return issues


def format_path(resource, path):
    """'contained[3]{Observation/fact-x}.derivedFrom[0]': the JSON path, naming each nested resource."""
    out, node, prev = "", resource, None
    for p in path:
        out += f"[{p}]" if isinstance(p, int) else ("." if out else "") + str(p)
        if isinstance(node, dict) and p in node:
            node = node[p]
        elif isinstance(node, list) and isinstance(p, int) and 0 <= p < len(node):
            node = node[p]
        else:
            node = None
        nested = (isinstance(p, int) and prev == "contained") or p in ("resource", "outcome")
        if nested and isinstance(node, dict) and "resourceType" in node:
            out += "{%s/%s}" % (str(node.get("resourceType"))[:40], str(node.get("id"))[:64])
        prev = p
    return out or "(resource)"


def label(resource):
    if isinstance(resource, dict):
        return f"{str(resource.get('resourceType'))[:40]}/{str(resource.get('id'))[:64]}"
    return "(not an object)"


# ---------------------------------------------------------------------------------------------
# Files
# ---------------------------------------------------------------------------------------------
def _no_constants(name):
    raise ValueError(f"{name} is not JSON")


def items(root):
    """(where, resource or None, error) for every resource under root."""
    paths = sorted(p for p in root.rglob("*") if p.is_file() and p.suffix in (".ndjson", ".json"))
    for path in paths:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as e:
            yield f"{path}", None, f"unreadable: {type(e).__name__}"
            continue
        if path.suffix == ".ndjson":
            for n, line in enumerate(text.splitlines(), 1):
                if line.strip():
                    yield from _parse(f"{path}:{n}", line)
        else:
            yield from _parse(f"{path}", text)


def _parse(where, text):
    try:
        yield where, json.loads(text, parse_constant=_no_constants), None
    except ValueError as e:
        yield where, None, f"not valid JSON: {str(e).split(':')[0][:80]}"


def check_item(item):
    """One NDJSON line or JSON file -> (where, label, type, CarePlans in it, [(kind, path, reason)])."""
    where, resource, error = item
    if error is not None:
        return where, "(unparsed)", "(unparsed)", 0, [("json", "(resource)", error)]
    try:
        issues = check_resource(resource)
    except Exception as e:  # never let one resource stop the run
        issues = [Issue("validator", (), f"validator error {type(e).__name__}")]
    name = label(resource)
    return (where, name, name.split("/")[0], len(careplans_in(resource)),
            [(i.kind, format_path(resource, i.path), i.msg) for i in issues])


def results(root, jobs):
    """check_item over every resource under root, in order; on several processes when it pays."""
    todo = list(items(root))
    pool = None
    if jobs > 1 and len(todo) >= 64:
        try:
            import multiprocessing
            pool = multiprocessing.get_context("fork").Pool(jobs)  # children inherit the built validator
        except (ImportError, ValueError, OSError):  # no fork or no semaphores here: one process
            pool = None
    if pool is None:
        for item in todo:
            yield check_item(item)
        return
    with pool:
        yield from pool.imap(check_item, todo, chunksize=8)


def shown_issues(issues, limit):
    """At most limit issues (all when limit <= 0), but the first one of every kind always."""
    if limit <= 0 or len(issues) <= limit:
        return issues
    first = {}
    for n, (kind, _, _) in enumerate(issues):
        first.setdefault(kind, n)
    keep = set(first.values())
    for n in range(len(issues)):
        if len(keep) >= max(limit, len(first)):
            break
        keep.add(n)
    return [issues[n] for n in sorted(keep)]


def use_catalogue(folder):
    """Adds the guidelines of folder/guidelines/*.json (their facts and recommendations) to CATALOGUES."""
    paths = sorted((pathlib.Path(folder) / "guidelines").glob("*.json"))
    if not paths:
        raise SystemExit(f"--catalogue {folder}: no guideline in {folder}/guidelines/")
    for path in paths:
        guideline = json.loads(path.read_text())
        recommendations = [r["id"] for r in guideline["recommendations"]]
        CATALOGUES[guideline["id"]] = (set(guideline["facts"]), {r: i for i, r in enumerate(recommendations)})


def main(argv):
    max_issues, jobs = 20, min(os.cpu_count() or 1, 4)
    args = list(argv[1:])
    while len(args) >= 2 and args[0] in ("--max-issues", "--jobs", "--catalogue"):
        if args[0] == "--max-issues":
            max_issues = int(args[1])
        elif args[0] == "--catalogue":
            use_catalogue(args[1])
        else:
            jobs = max(1, int(args[1]))
        args = args[2:]
    if len(args) != 1:
        print(__doc__)
        return 64
    root = pathlib.Path(args[0])
    setup()
    passed = failed = 0
    types, careplans = Counter(), Counter()
    kinds_resources, kinds_issues = Counter(), Counter()
    for where, name, rtype, n_careplans, issues in results(root, jobs):
        types[rtype] += 1
        if not issues:
            passed += 1
            careplans["passed"] += n_careplans
            continue
        failed += 1
        careplans["failed"] += n_careplans
        kinds_resources.update({kind for kind, _, _ in issues})
        kinds_issues.update(kind for kind, _, _ in issues)
        shown = shown_issues(issues, max_issues)
        for kind, path, msg in shown:
            print(f"{where}: {name}: {kind}: {path}: {msg}", file=sys.stderr)
        if len(shown) < len(issues):
            print(f"{where}: {name}: ... and {len(issues) - len(shown)} more (--max-issues 0 shows all)",
                  file=sys.stderr)
    if passed + failed == 0:
        print(f"careplans: no resource found under {root} (*.ndjson, *.json)", file=sys.stderr)
        return 1
    if failed:
        print("failures by kind: " + ", ".join(
            f"{k} in {kinds_resources[k]} resources ({kinds_issues[k]} issues)" for k in sorted(kinds_resources)),
            file=sys.stderr)
    if set(types) == {"CarePlan"}:
        print(f"careplans: {passed} passed, {failed} failed")
    else:
        print("resources by type: " + ", ".join(f"{k} {v}" for k, v in sorted(types.items()))
              + f"; CarePlans, top-level and in Bundles: {careplans['passed']} passed, {careplans['failed']} failed")
        print(f"resources: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
