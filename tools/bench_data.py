#!/usr/bin/env python3
"""Writes the inputs of `make bench` (tools/bench.py) into a folder, deterministically.

Usage: bench_data.py OUT_DIR CORPUS_DIR SCENARIOS_DIR [--mb N]

  fhir.ndjson        ~N MB (default 100): the Synthea bundles of CORPUS/fhir-r4, one Bundle a line,
                     copied until the size is reached; every copy has its own ids, fullUrls and
                     identifier values (each UUID and identifier value re-keyed with the copy
                     number), so no two lines are one patient.
  fhir-4x.ndjson     fhir.ndjson four times over, re-keyed the same way (pipe-mode memory at 4x).
  fhir-small.ndjson  the first ~N/10 MB of fhir.ndjson (the peers that are too slow for the whole).
  careplans.ndjson   ~N/5 MB of the scenario bundles that give a CarePlan, re-keyed per copy:
                     every line an mCRPC patient with a CarePlan.
  bundles/           fhir.ndjson as files, one Bundle a file (the batch reads it as an export).
  bundles-small/     fhir-small.ndjson as files (the batch at 1x of its memory check).

Only the structure of real records is used; nothing here is read back into the tests.
"""
import hashlib
import json
import pathlib
import re
import sys

AS_OF = "2026-11-27"  # the evaluation date of the scenarios, and of make bench
UUID = re.compile(rb"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def rekey_value(value, copy):
    """A different identifier value per copy, of the same length class."""
    return f"{value}-c{copy}"


def rekey_identifiers(obj, copy):
    """Every identifier[].value (and Patient id / resource ids) gets the copy number."""
    if isinstance(obj, dict):
        for k, v in obj.items():
            if k == "identifier" and isinstance(v, list):
                for ident in v:
                    if isinstance(ident, dict) and isinstance(ident.get("value"), str):
                        ident["value"] = rekey_value(ident["value"], copy)
            elif k == "id" and isinstance(v, str) and "resourceType" in obj:
                obj[k] = rekey_value(v, copy)
            elif k == "reference" and isinstance(v, str) and "/" in v and not v.startswith(("urn:", "#")):
                head, _, tail = v.rpartition("/")
                obj[k] = f"{head}/{rekey_value(tail, copy)}"
            elif k == "fullUrl" and isinstance(v, str) and not v.startswith("urn:"):
                head, _, tail = v.rpartition("/")
                obj[k] = f"{head}/{rekey_value(tail, copy)}"
            else:
                rekey_identifiers(v, copy)
    elif isinstance(obj, list):
        for x in obj:
            rekey_identifiers(x, copy)


def uuid_for(copy):
    def sub(m):
        digest = hashlib.sha1(m.group(0) + b"|%d" % copy).hexdigest()
        return f"{digest[:8]}-{digest[8:12]}-{digest[12:16]}-{digest[16:20]}-{digest[20:32]}".encode()
    return sub


def line_for(bundle_bytes, copy):
    """One compact line of the bundle, re-keyed for this copy."""
    doc = json.loads(UUID.sub(uuid_for(copy), bundle_bytes))
    rekey_identifiers(doc, copy)
    return json.dumps(doc, separators=(",", ":"), ensure_ascii=False).encode() + b"\n"


def fill(path, sources, target_bytes, first_copy=0):
    """Writes copies of sources (round robin) until target_bytes; returns the copy after the last."""
    if not sources:
        raise SystemExit(f"bench_data: nothing to write into {path}")
    written, copy = 0, first_copy
    with open(path, "wb") as out:
        while written < target_bytes:
            for s in sources:
                line = line_for(s, copy)
                out.write(line)
                written += len(line)
                if written >= target_bytes:
                    break
            copy += 1
    return copy


def split(ndjson, folder):
    folder.mkdir(exist_ok=True)
    with open(ndjson, "rb") as f:
        for n, line in enumerate(f):
            (folder / f"bundle-{n:05d}.json").write_bytes(line)


def main(argv):
    args = argv[1:]
    mb = 100
    if "--mb" in args:
        i = args.index("--mb")
        mb = int(args[i + 1])
        del args[i:i + 2]
    if len(args) != 3:
        print(__doc__, file=sys.stderr)
        return 64
    out, corpus, scenarios = (pathlib.Path(a) for a in args)
    out.mkdir(parents=True, exist_ok=True)
    synthea = sorted(p.read_bytes() for p in (corpus / "fhir-r4").glob("synthea-*/*.json"))
    if not synthea:
        print(f"bench_data: no Synthea bundle under {corpus}/fhir-r4", file=sys.stderr)
        return 66
    size = mb * 1_000_000
    after = fill(out / "fhir.ndjson", synthea, size)
    fill(out / "fhir-4x.ndjson", synthea, 4 * size, first_copy=after)
    with open(out / "fhir.ndjson", "rb") as f, open(out / "fhir-small.ndjson", "wb") as small:
        written = 0
        for line in f:
            if written >= size // 10:
                break
            small.write(line)
            written += len(line)
    plans = []
    for d in sorted(scenarios.iterdir()):
        # Scenarios evaluated on another date than the bench's are left out.
        if (d / "as-of").exists() and (d / "as-of").read_text().strip() != AS_OF:
            continue
        if (d / "input.json").is_file() and (d / "careplans.ndjson").is_file() and (d / "careplans.ndjson").stat().st_size:
            plans.append((d / "input.json").read_bytes())
    fill(out / "careplans.ndjson", plans, size // 5)
    split(out / "fhir.ndjson", out / "bundles")
    split(out / "fhir-small.ndjson", out / "bundles-small")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
