#!/usr/bin/env python3
"""Byte-for-byte comparison of two ingest builds' nightly batches, night after night.

Usage: compare_batch.py OLD_INGEST NEW_INGEST [INPUT ...]

For each input set (default: every scenario, the shared corpus, Fixtures/bad-records), runs both
builds over three nights into output folders of their own: a first night, a rerun of it with the
same inputs, and the next night with one input left out and the first input touched but unchanged
(its bytes copied anew). Every night's careplans.ndjson, changes.ndjson, quarantine/ and exit
status must be equal, and report.json too but for its timings and throughput (which are
measurements). How issue 11's "the batch stays byte-identical" was checked for the staging reuse.
"""
import filecmp
import json
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parent.parent


def report(path):
    r = json.loads(path.read_text())
    for k in ("timings", "throughput"):
        r.pop(k, None)
    # What the staging reuse added (absent from a build before it): how much was reused.
    r.get("inputs", {}).pop("filesReusedUnread", None)
    r.get("patients", {}).pop("unchangedNotAssembled", None)
    return r


def night(binary, inputs, out, as_of):
    p = subprocess.run([binary, "batch", "--as-of", as_of, "--out", str(out), "--quiet"] + [str(i) for i in inputs],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    return p.returncode


def same_tree(a, b):
    if not a.exists() or not b.exists():
        return a.exists() == b.exists()
    cmp = filecmp.dircmp(a, b)
    if cmp.left_only or cmp.right_only or cmp.diff_files:
        return False
    return all(filecmp.cmp(a / f, b / f, shallow=False) for f in cmp.common_files)


def compare(old, new, source, tmp):
    """Three nights over a copy of `source` (a folder of inputs); the differences found."""
    inputs = tmp / "in"
    shutil.copytree(source, inputs, symlinks=True)
    outs = {b: tmp / ("out-" + str(i)) for i, b in enumerate((old, new))}
    diffs = []
    files = sorted(p for p in inputs.rglob("*") if p.is_file())
    nights = [("first", "2026-11-27", None), ("rerun", "2026-11-27", None), ("next", "2026-11-28", "change")]
    for name, as_of, action in nights:
        if action == "change" and files:
            # One input gone, one copied anew with the same bytes (a new inode, a new mtime).
            if len(files) > 1:
                files[-1].unlink()
            data = files[0].read_bytes()
            files[0].unlink()
            files[0].write_bytes(data)
        codes = {b: night(b, [inputs], outs[b], as_of) for b in (old, new)}
        a, b = outs[old], outs[new]
        if codes[old] != codes[new]:
            diffs.append(f"{name}: exit {codes[old]} / {codes[new]}")
        for f in ("careplans.ndjson", "changes.ndjson"):
            if (a / f).exists() != (b / f).exists() or ((a / f).exists() and not filecmp.cmp(a / f, b / f, shallow=False)):
                diffs.append(f"{name}: {f}")
        if (a / "report.json").exists() and report(a / "report.json") != report(b / "report.json"):
            ra, rb = report(a / "report.json"), report(b / "report.json")
            keys = [k for k in set(ra) | set(rb) if ra.get(k) != rb.get(k)]
            diffs.append(f"{name}: report.json ({', '.join(sorted(keys))})")
        if not same_tree(a / "quarantine", b / "quarantine"):
            diffs.append(f"{name}: quarantine/")
    return diffs


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    old, new = sys.argv[1], sys.argv[2]
    sources = [pathlib.Path(s) for s in sys.argv[3:]] or [
        ROOT / "Fixtures" / "scenarios", ROOT / "../shared/corpus", ROOT / "Fixtures" / "bad-records"]
    failed = 0
    for source in sources:
        with tempfile.TemporaryDirectory() as t:
            diffs = compare(old, new, source.resolve(), pathlib.Path(t))
        print(f"{source}: {'same' if not diffs else 'DIFFERS'}")
        for d in diffs:
            print("  " + d)
        failed += bool(diffs)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
