#!/usr/bin/env python3
"""One peer of `make bench`, in a process of its own (tools/bench.py runs it).

Usage: bench_peer.py MODE FILE...

  orjson    orjson.loads on every line of each NDJSON file
  simdjson  pysimdjson's parser on every line (the parsing ceiling)
  fhir      fhir.resources R4B Bundle.model_validate_json on every line
  lxml      lxml.etree.parse of each XML file

Prints one JSON object: {"seconds": work time, "bytes": bytes read, "items": lines or documents}.
The clock starts after the imports: a peer is timed on its work, ingest on its whole process,
which only ever favours the peer. Each peer runs alone in its process because importing
fhir.resources slows orjson down by half.
"""
import json
import sys
import time


def lines(paths):
    for p in paths:
        with open(p, "rb") as f:
            for line in f:
                if line.strip():
                    yield line


def main(argv):
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 64
    mode, paths = argv[1], argv[2:]
    if mode == "orjson":
        import orjson
        work = orjson.loads
    elif mode == "simdjson":
        import simdjson
        parser = simdjson.Parser()
        work = parser.parse
    elif mode == "fhir":
        from fhir.resources.R4B.bundle import Bundle
        work = Bundle.model_validate_json
    elif mode == "lxml":
        from lxml import etree
        start = time.perf_counter()
        total = 0
        for p in paths:
            with open(p, "rb") as f:
                data = f.read()
            total += len(data)
            etree.fromstring(data, etree.XMLParser(resolve_entities=False, huge_tree=True))
        print(json.dumps({"seconds": time.perf_counter() - start, "bytes": total, "items": len(paths)}))
        return 0
    else:
        print(f"bench_peer: unknown mode {mode}", file=sys.stderr)
        return 64
    start = time.perf_counter()
    total = items = 0
    for line in lines(paths):
        work(line)
        total += len(line)
        items += 1
    print(json.dumps({"seconds": time.perf_counter() - start, "bytes": total, "items": items}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
