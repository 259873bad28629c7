#!/usr/bin/env python3
"""`make bench`: ingest against its peers and against itself, every figure measured in this run.

Usage: bench.py --ingest BIN --data DIR --corpus DIR [--baseline BIN] [--runs N] [--json PATH]

DIR holds the inputs of tools/bench_data.py. Every timing is the median of --runs runs (3); each
run is a process of its own, and each peer runs in a process of its own (tools/bench_peer.py).
Peak RSS is GNU time's maximum resident set size (`/usr/bin/time -f %M`, as `-v` reports it).
Figures are ratios measured side by side, never absolute targets: the machine is shared and
noisy. --baseline BIN measures a second ingest (e.g. main before a change) in the same run, so a
before/after table is one invocation. Prints the table and writes --json (bench/results.json) with
the commit and every raw figure. A benchmark, not a test: it never fails on speed.
"""
import argparse
import json
import os
import pathlib
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

AS_OF = "2026-11-27"
HERE = pathlib.Path(__file__).resolve().parent


def run(cmd, stdin=None, cwd=None):
    """(wall seconds, peak RSS in MB, exit status) of one process; its output is discarded."""
    with tempfile.NamedTemporaryFile("r") as t:
        full = ["/usr/bin/time", "-o", t.name, "-f", "%M"] + cmd
        fin = open(stdin, "rb") if stdin else subprocess.DEVNULL
        start = time.perf_counter()
        p = subprocess.run(full, stdin=fin, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=cwd)
        wall = time.perf_counter() - start
        if stdin:
            fin.close()
        lines = [x for x in pathlib.Path(t.name).read_text().split("\n") if x.strip().isdigit()]
        rss = int(lines[-1]) / 1024 if lines else float("nan")
    return wall, rss, p.returncode


def median_run(cmd, runs, stdin=None, setup=None):
    """Median wall time and the largest peak RSS over runs; setup() runs before each, untimed."""
    walls, rss, status = [], [], 0
    for _ in range(runs):
        if setup:
            setup()
        w, r, s = run(cmd, stdin)
        walls.append(w)
        rss.append(r)
        status = status or s
    return {"seconds": statistics.median(walls), "rss_mb": max(rss), "status": status}


def peer(mode, paths, runs):
    seconds = []
    for _ in range(runs):
        out = subprocess.run([sys.executable, str(HERE / "bench_peer.py"), mode] + [str(p) for p in paths],
                             capture_output=True, text=True, check=True)
        r = json.loads(out.stdout)
        seconds.append(r["seconds"])
    return {"seconds": statistics.median(seconds), "bytes": r["bytes"], "items": r["items"]}


def size(paths):
    return sum(pathlib.Path(p).stat().st_size for p in paths)


def ingest_figures(binary, data, ccda, runs):
    """Everything measured on one ingest binary."""
    f = {}
    pipe = [binary, "--as-of", AS_OF]
    f["pipe_fhir"] = median_run(pipe + ["-"], runs, stdin=data / "fhir.ndjson")
    f["pipe_fhir_4x"] = median_run(pipe + ["-"], 1, stdin=data / "fhir-4x.ndjson")
    f["pipe_fhir_small"] = median_run(pipe + [str(data / "fhir-small.ndjson")], runs)
    f["pipe_careplans"] = median_run(pipe + [str(data / "careplans.ndjson")], runs)
    f["pipe_ccda"] = median_run(pipe + [str(p) for p in ccda], runs)
    f["start_version"] = median_run([binary, "--version"], 3 * runs + 11)
    one = HERE.parent / "Fixtures" / "bench" / "one-resource.json"
    f["start_one_resource"] = median_run(pipe + [str(one)], 3 * runs + 11)
    work = pathlib.Path(tempfile.mkdtemp(prefix="ingest-bench-"))
    try:
        out = work / "out"

        def fresh():
            shutil.rmtree(out, ignore_errors=True)

        batch = [binary, "batch", "--as-of", AS_OF, "--out", str(out), "--quiet"]
        f["batch_files_j1"] = median_run(batch + ["--jobs", "1", str(data / "bundles")], runs, setup=fresh)
        f["batch_files_j2"] = median_run(batch + ["--jobs", "2", str(data / "bundles")], runs, setup=fresh)
        # The rerun: same inputs and as-of on the output of a first run (left by the last j2 run).
        f["batch_rerun_j2"] = median_run(batch + ["--jobs", "2", str(data / "bundles")], runs)
        f["batch_small_j2"] = median_run(batch + ["--jobs", "2", str(data / "bundles-small")], runs, setup=fresh)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return f


def table(fig, peers, sizes):
    """The rows of the issue's table: (what, figure, target)."""
    mbps = lambda nbytes, s: nbytes / 1e6 / s
    p = fig
    rows = []
    fhir_mbps = mbps(sizes["fhir"], p["pipe_fhir"]["seconds"])
    rows.append(("FHIR pipe mode, fhir.ndjson vs orjson.loads per line",
                 f"{peers['orjson']['seconds'] / p['pipe_fhir']['seconds']:.2f}x orjson ({fhir_mbps:.0f} MB/s; "
                 f"simdjson {peers['simdjson']['seconds'] / p['pipe_fhir']['seconds']:.2f}x)", ">= 1.5x"))
    rows.append(("vs fhir.resources Bundle.model_validate (fhir-small.ndjson)",
                 f"{peers['fhir']['seconds'] / p['pipe_fhir_small']['seconds']:.1f}x", ">= 60x"))
    rows.append(("CarePlan-heavy NDJSON vs orjson",
                 f"{peers['orjson_careplans']['seconds'] / p['pipe_careplans']['seconds']:.2f}x orjson "
                 f"({mbps(sizes['careplans'], p['pipe_careplans']['seconds']):.1f} MB/s)", ">= 0.5x"))
    rows.append(("pipe-mode peak RSS, 1x -> 4x input",
                 f"{p['pipe_fhir']['rss_mb']:.0f} MB -> {p['pipe_fhir_4x']['rss_mb']:.0f} MB", "<= 120 MB at both"))
    rows.append(("C-CDA corpus documents in one process vs lxml.etree",
                 f"{peers['lxml']['seconds'] / p['pipe_ccda']['seconds']:.2f}x lxml", ">= 1.5x"))
    rows.append(("process start: --version; a one-resource file",
                 f"{p['start_version']['seconds'] * 1000:.1f} ms; {p['start_one_resource']['seconds'] * 1000:.1f} ms",
                 "<= 5 ms"))
    batch_mbps = mbps(sizes["bundles"], p["batch_files_j1"]["seconds"])
    rows.append(("batch over the same bytes as files (--jobs 1) vs pipe mode",
                 f"{batch_mbps:.0f} MB/s, {batch_mbps / fhir_mbps:.2f}x pipe mode", ">= 1x"))
    rows.append(("batch --jobs 2 vs --jobs 1",
                 f"{p['batch_files_j1']['seconds'] / p['batch_files_j2']['seconds']:.2f}x", ">= 1.7x"))
    rows.append(("batch rerun, same inputs and --as-of, vs first run",
                 f"{p['batch_rerun_j2']['seconds'] / p['batch_files_j2']['seconds']:.2f}x", "<= 0.15x"))
    rows.append(("batch peak RSS, 1x -> 10x input",
                 f"{p['batch_small_j2']['rss_mb']:.0f} -> {p['batch_files_j2']['rss_mb']:.0f} MB "
                 f"({p['batch_files_j2']['rss_mb'] / p['batch_small_j2']['rss_mb']:.2f}x)", "<= 1.3x growth"))
    return rows


def print_table(title, rows):
    w0 = max(len(r[0]) for r in rows)
    w1 = max(len(r[1]) for r in rows)
    print(f"\n{title}")
    print(f"| {'what'.ljust(w0)} | {'measured'.ljust(w1)} | target |")
    print(f"|{'-' * (w0 + 2)}|{'-' * (w1 + 2)}|--------|")
    for a, b, c in rows:
        print(f"| {a.ljust(w0)} | {b.ljust(w1)} | {c} |")


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--ingest", required=True)
    ap.add_argument("--baseline")
    ap.add_argument("--data", required=True, type=pathlib.Path)
    ap.add_argument("--corpus", required=True, type=pathlib.Path)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--json", type=pathlib.Path)
    a = ap.parse_args(argv[1:])
    ccda = sorted((a.corpus / "ccda").rglob("*.xml"))
    sizes = {"fhir": size([a.data / "fhir.ndjson"]), "careplans": size([a.data / "careplans.ndjson"]),
             "bundles": size((a.data / "bundles").iterdir()), "ccda": size(ccda)}
    print(f"bench: {sizes['fhir'] / 1e6:.0f} MB FHIR NDJSON, {sizes['careplans'] / 1e6:.0f} MB CarePlan-heavy, "
          f"{len(ccda)} C-CDA documents ({sizes['ccda'] / 1e6:.1f} MB); median of {a.runs} runs; "
          f"{os.cpu_count()} CPUs", flush=True)
    peers = {
        "orjson": peer("orjson", [a.data / "fhir.ndjson"], a.runs),
        "simdjson": peer("simdjson", [a.data / "fhir.ndjson"], a.runs),
        "fhir": peer("fhir", [a.data / "fhir-small.ndjson"], 1),
        "orjson_careplans": peer("orjson", [a.data / "careplans.ndjson"], a.runs),
        "lxml": peer("lxml", ccda, a.runs),
    }
    print("bench: peers measured", flush=True)
    binaries = {"ingest": a.ingest}
    if a.baseline:
        binaries["baseline"] = a.baseline
    figures = {}
    for name, binary in binaries.items():
        figures[name] = ingest_figures(binary, a.data, ccda, a.runs)
        print(f"bench: {name} measured", flush=True)
    for name in binaries:
        print_table(f"{name} ({binaries[name]})", table(figures[name], peers, sizes))
    commit = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True, cwd=HERE).stdout.strip()
    dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], capture_output=True,
                           text=True, cwd=HERE).stdout.strip() != ""
    if a.json:
        a.json.parent.mkdir(parents=True, exist_ok=True)
        a.json.write_text(json.dumps({
            "commit": commit, "dirty": dirty, "as_of": AS_OF, "cpus": os.cpu_count(), "runs": a.runs,
            "sizes": sizes, "peers": peers, "ingest": figures,
            "tables": {n: [list(r) for r in table(figures[n], peers, sizes)] for n in binaries},
        }, indent=2) + "\n")
        print(f"\nbench: wrote {a.json} (commit {commit[:12]}{', uncommitted changes' if dirty else ''})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
