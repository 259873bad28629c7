#!/usr/bin/env python3
"""deploy/spark/ingest_spark.py gives exactly the CarePlans `ingest batch` gives on the same
input: the shared corpus's bulk export, the scenario inputs and Fixtures/scale-out (a patient
split across a FHIR bundle and a C-CDA document; a patient whose records span many partitions),
with --partitions 1, 2 and 64, in one Spark session (local[2]; a JVM start costs ~20 s).

    tools/test_spark.py [INGEST]      (default .build/debug/ingest)
"""
import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, os.path.join(ROOT, "deploy", "spark"))
import ingest_spark  # noqa: E402

AS_OF = "2026-11-27"


def main():
    ingest = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, ".build/debug/ingest"))
    corpus = os.environ.get("CLINICALINGEST_CORPUS", os.path.join(ROOT, "..", "shared", "corpus"))
    inputs = sorted(glob.glob(os.path.join(ROOT, "Fixtures/scenarios/*/input.*")))
    inputs.append(os.path.join(ROOT, "Fixtures/scale-out"))
    bulk = os.path.join(corpus, "bulk-ndjson")
    if os.path.isdir(bulk):
        inputs.append(bulk)
    else:
        print(f"warning: {bulk} is missing: the Spark test runs without the corpus", file=sys.stderr)
    tmp = tempfile.mkdtemp(prefix="ingest-spark-test-")

    started = time.time()
    batch = subprocess.run([ingest, "batch", *inputs, "--out", os.path.join(tmp, "batch"), "--as-of", AS_OF, "--quiet", "--jobs", "2"])
    batch_seconds = time.time() - started
    assert batch.returncode in (0, 2), f"ingest batch exited {batch.returncode}"
    with open(os.path.join(tmp, "batch", "careplans.ndjson"), encoding="utf-8") as f:
        expected = sorted(f.read().splitlines())
    assert expected, "the batch wrote no CarePlan"

    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    from pyspark.sql import SparkSession
    started = time.time()
    spark = (SparkSession.builder.master("local[2]").appName("ingest-spark-test")
             .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "4")
             .config("spark.ui.showConsoleProgress", "false")
             .config("spark.driver.memory", "1g").getOrCreate())
    spark.sparkContext.setLogLevel("ERROR")
    session_seconds = time.time() - started
    failures = 0
    timings = {}
    try:
        # 64 partitions: a patient's records are spread over many `ingest keys` processes, and
        # many `ingest --grouped` ones get an empty partition. Its link graph is joined in Spark
        # (large-star/small-star), the others' on the driver; its linking stages run in 4 tasks,
        # since each stage costs ~0.2 s per Python task here (64 would add ~3 minutes).
        for partitions, limit, link_partitions in ((1, None, None), (2, None, None), (64, 0, 4)):
            out = os.path.join(tmp, f"spark-{partitions}")
            started = time.time()
            n = ingest_spark.run(spark, inputs, out, AS_OF, ingest, partitions=partitions,
                                 driver_graph_limit=ingest_spark.DRIVER_GRAPH_LIMIT if limit is None else limit,
                                 link_partitions=link_partitions)
            timings[partitions] = time.time() - started
            with open(os.path.join(out, "careplans.ndjson"), encoding="utf-8") as f:
                got = f.read().splitlines()
            ok = sorted(got) == expected and n == len(expected)
            subjects = [json.dumps(json.loads(p)["subject"], sort_keys=True) for p in got]
            ok = ok and subjects == sorted(subjects)
            # The split patient met across his bundle and his C-CDA document: cabazitaxel, not docetaxel.
            split = [p for p in got if "so-split-1" in p]
            ok = ok and len(split) == 1 and "ActivityDefinition/cabazitaxel\"" in split[0]
            ok = ok and any("Patient/so-many-1" in p for p in got)
            where = "on the driver" if limit is None else "in Spark"
            print(f"spark --partitions {partitions} (link graph joined {where}): {len(got)} CarePlans in {timings[partitions]:.1f} s, "
                  f"{'same as' if ok else 'DIFFERENT FROM'} ingest batch ({len(expected)})")
            if not ok:
                failures += 1
                missing = set(expected) - set(got)
                extra = set(got) - set(expected)
                print(f"  {len(missing)} CarePlans of the batch missing, {len(extra)} not the batch's", file=sys.stderr)
    finally:
        spark.stop()
    mb = input_bytes(inputs) / 1e6
    print(f"ingest batch (--jobs 2): {batch_seconds:.1f} s on the same input ({mb:.1f} MB): {mb / batch_seconds:.2f} MB/s; "
          f"Spark local[2] --partitions 2: {mb / timings[2]:.2f} MB/s (after a {session_seconds:.0f} s session start)")
    if not failures:
        shutil.rmtree(tmp, ignore_errors=True)
    sys.exit(1 if failures else 0)


def input_bytes(inputs):
    total = 0
    for given in inputs:
        if os.path.isdir(given):
            total += sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(given) for f in fs)
        else:
            total += os.path.getsize(given)
    return total


if __name__ == "__main__":
    main()
