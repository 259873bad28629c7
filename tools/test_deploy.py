#!/usr/bin/env python3
"""deploy/k8s/*.yaml are valid YAML Kubernetes Jobs, and the Indexed Job passes the 0-based
completion index to --shard-index with a --shard-count equal to its completions."""
import glob
import os
import sys

import yaml

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
docs = {}
for path in sorted(glob.glob(os.path.join(ROOT, "deploy/k8s/*.yaml"))):
    with open(path, encoding="utf-8") as f:
        for doc in yaml.safe_load_all(f):
            assert doc["apiVersion"] == "batch/v1" and doc["kind"] == "Job", path
            docs[doc["metadata"]["name"]] = doc
shards = docs["clinicalingest-nightly-shards"]["spec"]
assert shards["completionMode"] == "Indexed"
args = shards["template"]["spec"]["containers"][0]["args"]
assert args[args.index("--shard-index") + 1] == "$(JOB_COMPLETION_INDEX)"
assert int(args[args.index("--shard-count") + 1]) == shards["completions"]
merge = docs["clinicalingest-nightly-merge"]["spec"]["template"]["spec"]["containers"][0]
assert "ingest merge" in " ".join(merge["args"])
print(f"deploy/k8s: {len(docs)} Jobs valid")
sys.exit(0)
