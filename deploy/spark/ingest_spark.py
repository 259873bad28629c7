#!/usr/bin/env python3
"""ClinicalIngest under Apache Spark: Spark reads the exports and does the shuffle that groups
records by patient; `ingest` does everything clinical.

    spark-submit deploy/spark/ingest_spark.py INPUT... --out DIR --as-of DATE [--ingest PATH] [--partitions N]

1. Read: NDJSON files (*.ndjson, *.jsonl, also .gz) line by line, with their line numbers; every
   other data file (FHIR JSON, C-CDA XML) whole. Any path Spark can read (file:, hdfs:, s3a: ...).
2. `ingest keys --lines` on each partition gives every record its link keys (k: reference key,
   i: identifier system|value, placeholders excluded; m: a Medication) — exactly the linker's, so
   no reference rule is reimplemented here. Its diagnostics go to DIR/quarantine/.
3. Connected components over the k:/i: keys (label propagation in Spark): records that share a
   key, directly or through others, are one group — a FHIR bundle and a C-CDA document of one
   patient meet through his identifier. Each group gets the Medication records it references.
4. Each group's records, in input order, are piped through `ingest --grouped --allow-empty`
   with RDD.pipe (groups separated by an empty line; an empty partition gives no output). The
   full linker splits a group where it would split any input (over-joined strangers).
5. DIR/careplans.ndjson: one CarePlan a line, sorted by patient (subject, then id).

The binary (a `make dist` one runs without Swift) and Mappings/ are shipped with SparkFiles.
"""
import argparse
import json
import os
import shlex
import shutil
import subprocess
import sys

NDJSON_SUFFIXES = (".ndjson", ".jsonl", ".ndjson.gz", ".jsonl.gz")
DATA_SUFFIXES = NDJSON_SUFFIXES + (".json", ".xml", ".ccd", ".cda", ".json.gz", ".xml.gz")


def list_files(spark, inputs):
    """(uri, display name) of every data file under the inputs, in the batch's order: inputs as
    given, files in a folder by path."""
    jvm = spark._jvm
    conf = spark._jsc.hadoopConfiguration()
    found = []
    for given in inputs:
        path = jvm.org.apache.hadoop.fs.Path(given)
        fs = path.getFileSystem(conf)
        root = fs.makeQualified(path).toString()
        uris = []
        if fs.getFileStatus(path).isDirectory():
            it = fs.listFiles(path, True)
            while it.hasNext():
                uris.append(it.next().getPath().toString())
        else:
            uris.append(root)
        for uri in sorted(uris):
            name = uri.rsplit("/", 1)[-1].lower()
            if not name.endswith(DATA_SUFFIXES) or name == "manifest.json":
                continue
            display = given.rstrip("/") + uri[len(root):] if uri != root else given
            found.append((uri, display))
    return found


def read_records(spark, files, partitions):
    """RDD of (order, record line without keys): `"record"<TAB>{origin}`; order = (file number, line)."""
    sc = spark.sparkContext
    rdds = []
    for number, (uri, display) in enumerate(files):
        if uri.lower().endswith(NDJSON_SUFFIXES):
            lines = sc.textFile(uri, minPartitions=partitions).zipWithIndex()
            nonblank = lines.filter(lambda li: li[0].strip() != "")
            if nonblank.count() == 1:
                # One line only: the batch reads such a file as a document, not as NDJSON.
                text = nonblank.first()[0]
                rdds.append(sc.parallelize([((number, 0), json.dumps(text, ensure_ascii=False) + "\t" + json.dumps({"file": display}))]))
                continue
            rdds.append(nonblank.map(lambda li, n=number, d=display: (
                (n, li[1] + 1),
                json.dumps(li[0][:-1] if li[0].endswith("\r") else li[0], ensure_ascii=False) + "\t"
                + json.dumps({"file": d, "line": li[1] + 1}))))
        else:
            whole = sc.wholeTextFiles(uri)
            rdds.append(whole.map(lambda kv, n=number, d=display: (
                (n, 0), json.dumps(kv[1], ensure_ascii=False) + "\t" + json.dumps({"file": d}))))
    return sc.union(rdds).repartition(partitions) if rdds else sc.parallelize([], partitions)


def run_ingest(ingest, args, lines):
    """Runs ingest on record lines; returns (stdout lines, stderr lines)."""
    data = "".join(line + "\n" for line in lines).encode("utf-8")
    p = subprocess.run([ingest] + args, input=data, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if p.returncode not in (0, 65):
        raise RuntimeError(f"ingest {' '.join(args)} exited {p.returncode}: {p.stderr.decode('utf-8', 'replace')[-2000:]}")
    return p.stdout.decode("utf-8").splitlines(), p.stderr.decode("utf-8", "replace").splitlines()


def shipped(name):
    from pyspark import SparkFiles
    path = SparkFiles.get(name)
    if name == "ingest" and not os.access(path, os.X_OK):
        os.chmod(path, 0o755)
    return path


def connected_components(pairs, ids):
    """Label of every record id: the smallest id connected to it through shared keys."""
    pairs = pairs.cache()
    labels = ids.map(lambda i: (i, i)).cache()
    while True:
        by_key = pairs.map(lambda kr: (kr[1], kr[0])).join(labels).map(lambda r: (r[1][0], r[1][1])).reduceByKey(min)
        spread = pairs.join(by_key).map(lambda kr: (kr[1][0], kr[1][1])).reduceByKey(min)
        new = labels.union(spread).reduceByKey(min).cache()
        changed = labels.join(new).filter(lambda r: r[1][0] != r[1][1]).count()
        labels.unpersist()
        labels = new
        if changed == 0:
            return labels


def run(spark, inputs, out, as_of, ingest, partitions=None, mappings=None):
    """The whole job; returns the number of CarePlans written."""
    sc = spark.sparkContext
    partitions = partitions or sc.defaultParallelism
    sc.addFile(os.path.abspath(ingest))
    # The functions below run on the executors, which import them from this file.
    sc.addPyFile(os.path.abspath(__file__))
    extra = []
    if mappings:
        sc.addFile(os.path.abspath(mappings), recursive=True)
        extra = ["--mappings", os.path.basename(os.path.abspath(mappings))]
    files = list_files(spark, inputs)
    records = read_records(spark, files, partitions)

    def keys_of(partition):
        items = list(partition)
        if not items:
            return
        exe = shipped("ingest")
        args = ["keys", "--lines"] + (["--mappings", shipped(extra[1])] if extra else [])
        lines, diagnostics = run_ingest(exe, args, [line for _, line in items])
        if len(lines) != len(items):
            raise RuntimeError(f"ingest keys gave {len(lines)} lines for {len(items)} records")
        for (order, _), keyed in zip(items, lines):
            yield ("record", order, keyed)
        for d in diagnostics:
            yield ("diagnostic", None, d)

    keyed = records.mapPartitions(keys_of).cache()
    diagnostics = keyed.filter(lambda r: r[0] == "diagnostic").map(lambda r: r[2])
    recs = keyed.filter(lambda r: r[0] == "record").map(lambda r: (r[1], r[2])).zipWithUniqueId() \
        .map(lambda x: (x[1], (x[0][0], x[0][1], json.loads(x[0][1].split("\t", 1)[0])))).cache()
    links = recs.flatMap(lambda r: [(k, r[0]) for k in r[1][2] if not k.startswith("m:")])
    labels = connected_components(links, recs.keys())

    # Medications a group references, by m: key (they resolve against Medications in any input).
    labelled = recs.join(labels).map(lambda r: (r[1][1], r[1][0]))  # (label, (order, line, keys))
    defines = recs.filter(lambda r: all(k.startswith("m:") for k in r[1][2]) and r[1][2]) \
        .flatMap(lambda r: [(k, r[1]) for k in r[1][2]])
    wants = labelled.flatMap(lambda lr: [(k, lr[0]) for k in lr[1][2] if k.startswith("m:")]).distinct()
    medications = wants.join(defines).map(lambda r: (r[1][0], r[1][1]))
    members = labelled.union(medications).map(lambda lr: (lr[0], (lr[1][0], lr[1][1]))).distinct()

    def group_text(records_of_group):
        ordered = sorted(records_of_group)
        return "\n".join(line for _, line in ordered) + "\n"

    groups = members.groupByKey(numPartitions=partitions).map(lambda g: group_text(g[1]))
    exe = shipped("ingest")
    command = [exe, "--grouped", "--allow-empty", "--as-of", as_of] + (["--mappings", shipped(extra[1])] if extra else [])
    plans = groups.pipe(" ".join(shlex.quote(c) for c in command))

    def order(plan):
        p = json.loads(plan)
        return (json.dumps(p.get("subject"), sort_keys=True), p.get("id", ""))

    os.makedirs(os.path.join(out, "quarantine"), exist_ok=True)
    count = 0
    with open(os.path.join(out, "careplans.ndjson.tmp"), "w", encoding="utf-8") as f:
        for plan in plans.sortBy(order).toLocalIterator():
            f.write(plan + "\n")
            count += 1
    os.replace(os.path.join(out, "careplans.ndjson.tmp"), os.path.join(out, "careplans.ndjson"))
    with open(os.path.join(out, "quarantine", "diagnostics.txt"), "w", encoding="utf-8") as f:
        for d in sorted(diagnostics.collect()):
            f.write(d + "\n")
    keyed.unpersist()
    recs.unpersist()
    return count


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("inputs", nargs="+", metavar="INPUT")
    parser.add_argument("--out", required=True)
    parser.add_argument("--as-of", required=True, dest="as_of")
    parser.add_argument("--ingest", default=shutil.which("ingest") or "ingest", help="the ingest binary (default: on PATH)")
    parser.add_argument("--mappings", default=None, help="a Mappings/ folder to ship (default: the one built into the binary)")
    parser.add_argument("--partitions", type=int, default=None)
    args = parser.parse_args(argv)
    from pyspark.sql import SparkSession
    spark = SparkSession.builder.appName("clinicalingest").getOrCreate()
    try:
        n = run(spark, args.inputs, args.out, args.as_of, args.ingest, args.partitions, args.mappings)
        print(f"ingest_spark: {n} CarePlans in {args.out}/careplans.ndjson", file=sys.stderr)
    finally:
        spark.stop()


if __name__ == "__main__":
    main()
