#!/usr/bin/env python3
"""ClinicalIngest under Apache Spark: Spark reads the exports and does the shuffle that groups
records by patient; `ingest` does everything clinical.

    spark-submit deploy/spark/ingest_spark.py INPUT... --out DIR --as-of DATE [--ingest PATH] [--partitions N]

1. Read: NDJSON files (*.ndjson, *.jsonl, also .gz) line by line, with their line numbers; every
   other data file (FHIR JSON, C-CDA XML) whole. Any path Spark can read (file:, hdfs:, s3a: ...).
2. `ingest keys --lines` on each partition gives every record its link keys (k: reference key,
   i: identifier system|value, placeholders excluded; m: a Medication) — exactly the linker's, so
   no reference rule is reimplemented here. Its diagnostics go to DIR/quarantine/.
3. Connected components over the k:/i: keys: records that share a key, directly or through
   others, are one group — a FHIR bundle and a C-CDA document of one patient meet through his
   identifier. Each partition first joins its own records in memory (union-find); the resulting
   graph of keys, about one edge per key, is joined on the driver when small (--driver-graph-limit)
   or in Spark with large-star/small-star rounds. Each group gets the Medication records it references.
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
import time

NDJSON_SUFFIXES = (".ndjson", ".jsonl", ".ndjson.gz", ".jsonl.gz")
DATA_SUFFIXES = NDJSON_SUFFIXES + (".json", ".xml", ".ccd", ".cda", ".json.gz", ".xml.gz")
# Files up to this size are read whole (one wholeTextFiles over all of them) and split into lines
# on the executors: numbering a file's lines with textFile + zipWithIndex costs Spark jobs per
# file, which for an export of many small files (and a test of 64 partitions) was most of the time.
WHOLE_FILE_LIMIT = 64 << 20
# Link graphs of up to this many edges are joined on the driver (one collect, a union-find in
# memory); bigger ones in Spark (large-star/small-star). Most exports are far below it: the graph
# has about one edge per link key after each partition joined its own records.
DRIVER_GRAPH_LIMIT = 2_000_000


def list_files(spark, inputs):
    """(uri, display name, size) of every data file under the inputs, in the batch's order: inputs
    as given, files in a folder by path."""
    jvm = spark._jvm
    conf = spark._jsc.hadoopConfiguration()
    found = []
    for given in inputs:
        path = jvm.org.apache.hadoop.fs.Path(given)
        fs = path.getFileSystem(conf)
        root = fs.makeQualified(path).toString()
        entries = []
        status = fs.getFileStatus(path)
        if status.isDirectory():
            it = fs.listFiles(path, True)
            while it.hasNext():
                f = it.next()
                entries.append((f.getPath().toString(), f.getLen()))
        else:
            entries.append((root, status.getLen()))
        for uri, size in sorted(entries):
            name = uri.rsplit("/", 1)[-1].lower()
            if not name.endswith(DATA_SUFFIXES) or name == "manifest.json":
                continue
            display = given.rstrip("/") + uri[len(root):] if uri != root else given
            found.append((uri, display, size))
    return found


def record_line(text, origin):
    """A record line without keys, as `ingest keys --lines` reads it: "record" TAB {origin}."""
    return json.dumps(text, ensure_ascii=False) + "\t" + json.dumps(origin)


def ndjson_records(text, number, display):
    """The records of one NDJSON file as the batch reads them: ((file number, line), record line)
    for every line that is not blank (a CR before the newline and a BOM at the start dropped), or
    the only such line read as a document, as the batch reads a one-line file."""
    records = []
    for i, line in enumerate(text.split("\n"), 1):
        if line.endswith("\r"):
            line = line[:-1]
        if i == 1 and line.startswith("\ufeff"):
            line = line[1:]
        if line.strip(" \t"):
            records.append(((number, i), line))
    if len(records) == 1:
        return [((number, 0), record_line(records[0][1], {"file": display}))]
    return [(order, record_line(line, {"file": display, "line": order[1]})) for order, line in records]


def read_records(spark, files, partitions):
    """RDD of (order, record line without keys); order = (file number, line), 0 for a document."""
    sc = spark.sparkContext
    rdds = []
    whole = {}
    for number, (uri, display, size) in enumerate(files):
        if size <= WHOLE_FILE_LIMIT and not any(c in uri for c in ",{}[]*?\\"):
            whole[uri] = (number, display, uri.lower().endswith(NDJSON_SUFFIXES))
        elif uri.lower().endswith(NDJSON_SUFFIXES):
            # A big NDJSON file: read in splits, numbered with one zipWithIndex job.
            lines = sc.textFile(uri).zipWithIndex()
            nonblank = lines.filter(lambda li: li[0].strip(" \t\r") != "")
            if nonblank.count() == 1:
                text = nonblank.first()[0]
                rdds.append(sc.parallelize([((number, 0), record_line(text, {"file": display}))]))
                continue
            rdds.append(nonblank.map(lambda li, n=number, d=display: (
                (n, li[1] + 1),
                record_line((li[0][1:] if li[1] == 0 and li[0].startswith("\ufeff") else li[0]).rstrip("\r"),
                            {"file": d, "line": li[1] + 1}))))
        else:
            rdds.append(sc.wholeTextFiles(uri).map(lambda kv, n=number, d=display: ((n, 0), record_line(kv[1], {"file": d}))))
    if whole:
        known = sc.broadcast(whole)

        def split(kv):
            number, display, ndjson = known.value[kv[0]]
            if ndjson:
                return ndjson_records(kv[1], number, display)
            return [((number, 0), record_line(kv[1], {"file": display}))]

        rdds.append(sc.wholeTextFiles(",".join(whole), minPartitions=partitions).flatMap(split))
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


class UnionFind:
    """Disjoint sets of link keys; a set is named by its smallest key."""

    def __init__(self):
        self.parent = {}

    def find(self, k):
        root = k
        while self.parent.get(root, root) != root:
            root = self.parent[root]
        while k != root:
            self.parent[k], k = root, self.parent[k]
        return root

    def union(self, a, b):
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)

    def roots(self):
        """(key, its set's smallest key) for every key not itself the smallest."""
        return [(k, self.find(k)) for k in list(self.parent) if self.find(k) != k]


def patient_keys(keys):
    return [k for k in keys if not k.startswith("m:")]


def local_links(records):
    """One partition's records joined by their shared keys, in memory: (key, smallest key joined
    to it here) — few edges, so the global join needs few rounds."""
    sets = UnionFind()
    for _, (_, _, keys) in records:
        ks = patient_keys(keys)
        for k in ks[1:]:
            sets.union(ks[0], k)
    return sets.roots()


def large_star(node_neighbours):
    u, neighbours = node_neighbours
    m = min(min(neighbours), u)
    return [(v, m) for v in neighbours if v > u]


def small_star(node_smaller):
    u, smaller = node_smaller
    m = min(smaller)
    return [(u, m)] + [(v, m) for v in set(smaller) if v != m]


def is_star_forest(edges, n):
    """True when every node points straight at its component's smallest node: each has at most
    one edge out and no node with an edge out is pointed at."""
    def bad(node_roles):
        targets = set()
        pointed = False
        for role, target in node_roles[1]:
            if role == "out":
                targets.add(target)
            else:
                pointed = True
        return len(targets) > 1 or (targets and pointed)
    roles = edges.flatMap(lambda e: [(e[0], ("out", e[1])), (e[1], ("in", None))])
    return roles.groupByKey(n).filter(bad).isEmpty()


def star_components(edges, n):
    """(node, smallest node of its component) for every node that is not the smallest, in Spark:
    large-star and small-star rounds (Kiveris et al., "Connected Components in MapReduce and
    Beyond", 2014) until the edges are a star forest, O(log^2 nodes) rounds at worst. Each round's
    edges are checkpointed locally so that lineage does not grow with the rounds."""
    edges = edges.map(lambda e: (max(e), min(e))).distinct(n)
    edges.localCheckpoint()  # marks in place (returns None); done by the next action
    while not is_star_forest(edges, n):
        both = edges.flatMap(lambda e: [e, (e[1], e[0])])
        large = both.groupByKey(n).flatMap(large_star)
        edges = large.groupByKey(n).flatMap(small_star).distinct(n)
        edges.localCheckpoint()
    return edges


def link_label(record, roots):
    """A record's group: the smallest key its first k:/i: key is joined to, or its own label."""
    rid, (_, _, keys) = record
    ks = patient_keys(keys)
    return roots.get(ks[0], ks[0]) if ks else "r:%d" % rid


def link_groups(recs, partitions, driver_limit):
    """(group label, (order, line, keys)) for every record: records sharing a k:/i: key, directly
    or through others, get one label (a FHIR bundle and a C-CDA document of one patient meet
    through his identifier); a record without any is a group of its own."""
    n = max(1, min(partitions, 4))  # the graph is tiny next to the records: few tasks per round
    edges = recs.mapPartitions(local_links).distinct(n).cache()
    if edges.count() <= driver_limit:
        sets = UnionFind()
        for a, b in edges.collect():
            sets.union(a, b)
        edges.unpersist()
        roots = recs.context.broadcast(dict(sets.roots()))
        return recs.map(lambda r: (link_label(r, roots.value), r[1]))
    roots = star_components(edges, n)
    edges.unpersist()
    # The record's own label, then the root it is joined to, if any.
    own = recs.map(lambda r: (link_label(r, {}), r[1]))
    return own.leftOuterJoin(roots, partitions).map(lambda kv: (kv[1][1] or kv[0], kv[1][0]))


def run(spark, inputs, out, as_of, ingest, partitions=None, mappings=None, driver_graph_limit=DRIVER_GRAPH_LIMIT,
        timings=None, link_partitions=None):
    """The whole job; returns the number of CarePlans written. `partitions`: how many `ingest`
    processes read keys and evaluate groups; `link_partitions` (default the same): how many tasks
    link records and gather their Medications — fewer when the records are few, since every
    stage costs a Python task per partition. `timings`, a dict, gets the seconds of each phase
    (keys, link, evaluate): where the time goes, for tuning both."""
    from pyspark import StorageLevel
    clock = [time.time()]

    def phase(name):
        if timings is not None:
            now = time.time()
            timings[name] = timings.get(name, 0) + now - clock[0]
            clock[0] = now
    sc = spark.sparkContext
    partitions = partitions or sc.defaultParallelism
    link_partitions = link_partitions or partitions
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
    if timings is not None:
        recs.count()
    phase("keys")
    linked = recs.coalesce(link_partitions) if link_partitions < partitions else recs
    labelled = link_groups(linked, link_partitions, driver_graph_limit)  # (label, (order, line, keys))

    # Medications a group references, by m: key (they resolve against Medications in any input).
    # Repeats (a Medication wanted through two keys, or also a member) are dropped in group_text,
    # not with distinct(): every shuffle costs a stage of `partitions` Python tasks.
    defines = linked.filter(lambda r: all(k.startswith("m:") for k in r[1][2]) and r[1][2]) \
        .flatMap(lambda r: [(k, r[1]) for k in r[1][2]])
    wants = labelled.flatMap(lambda lr: [(k, lr[0]) for k in set(lr[1][2]) if k.startswith("m:")])
    medications = wants.join(defines, link_partitions).map(lambda r: (r[1][0], r[1][1]))
    members = labelled.union(medications).map(lambda lr: (lr[0], (lr[1][0], lr[1][1])))

    def group_text(records_of_group):
        ordered = sorted(set(records_of_group))
        return "\n".join(line for _, line in ordered) + "\n"

    groups = members.groupByKey(numPartitions=partitions).map(lambda g: group_text(g[1]))
    if timings is not None:
        groups.persist(StorageLevel.MEMORY_AND_DISK).count()
    phase("link")
    exe = shipped("ingest")
    command = [exe, "--grouped", "--allow-empty", "--as-of", as_of] + (["--mappings", shipped(extra[1])] if extra else [])
    # Kept: sorting samples the CarePlans first, which would otherwise run every ingest twice.
    plans = groups.pipe(" ".join(shlex.quote(c) for c in command)).persist(StorageLevel.MEMORY_AND_DISK)

    def order(plan):
        p = json.loads(plan)
        return (json.dumps(p.get("subject"), sort_keys=True), p.get("id", ""))

    os.makedirs(os.path.join(out, "quarantine"), exist_ok=True)
    count = 0
    with open(os.path.join(out, "careplans.ndjson.tmp"), "w", encoding="utf-8") as f:
        # Few sorted partitions: toLocalIterator runs one Spark job per partition.
        sorted_plans = plans.coalesce(link_partitions).sortBy(order, numPartitions=max(1, min(link_partitions, 4)))
        for plan in sorted_plans.toLocalIterator(prefetchPartitions=True):
            f.write(plan + "\n")
            count += 1
    os.replace(os.path.join(out, "careplans.ndjson.tmp"), os.path.join(out, "careplans.ndjson"))
    with open(os.path.join(out, "quarantine", "diagnostics.txt"), "w", encoding="utf-8") as f:
        for d in sorted(diagnostics.collect()):
            f.write(d + "\n")
    phase("evaluate")
    plans.unpersist()
    groups.unpersist()
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
    parser.add_argument("--link-partitions", type=int, default=None, dest="link_partitions",
                        help="partitions of the linking stages (default: --partitions); fewer for small inputs")
    parser.add_argument("--driver-graph-limit", type=int, default=DRIVER_GRAPH_LIMIT, dest="driver_graph_limit",
                        help="link graphs of up to this many edges are joined on the driver, bigger ones in Spark (default: %(default)s)")
    args = parser.parse_args(argv)
    from pyspark.sql import SparkSession
    spark = SparkSession.builder.appName("clinicalingest").getOrCreate()
    try:
        n = run(spark, args.inputs, args.out, args.as_of, args.ingest, args.partitions, args.mappings, args.driver_graph_limit,
                link_partitions=args.link_partitions)
        print(f"ingest_spark: {n} CarePlans in {args.out}/careplans.ndjson", file=sys.stderr)
    finally:
        spark.stop()


if __name__ == "__main__":
    main()
