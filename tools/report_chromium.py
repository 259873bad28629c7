#!/usr/bin/env python3
"""Loads report.html in headless Chromium at 1400 px and 390 px wide (issue 12): no console error,
the page's script ran (it writes "N of M shown"), and a screenshot of each width for a person to
look at (.build/report-screenshots/). One patient's explanation is opened through the page's
#p0 link, to see it rendered too.

Skips, with the reason printed, when Debian's chromium is not installed (the Makefile installs it
for this test only; see `make report-chromium`).

Usage: tools/report_chromium.py PATH/TO/ingest
"""
import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHOTS = os.path.join(ROOT, ".build", "report-screenshots")


def chromium():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


def main():
    browser = chromium()
    if not browser:
        print("report_chromium.py: SKIPPED: no chromium on this machine (make report-chromium installs Debian's "
              "chromium; it could not be installed here)")
        return
    binary = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, ".build/debug/ingest"))
    work = tempfile.mkdtemp(prefix="report-chromium-")
    failures = []
    try:
        out = os.path.join(work, "out")
        inputs = sorted(glob.glob(os.path.join(ROOT, "Fixtures/scenarios/*/input.*")))
        inputs.append(os.path.join(ROOT, "Fixtures/report/hostile-display-text.json"))
        for night in ("2026-11-26", "2026-11-27"):
            r = subprocess.run([binary, "batch", *inputs, "--out", out, "--as-of", night, "--quiet"], capture_output=True, text=True)
            if r.returncode not in (0, 2):
                print(r.stderr)
                sys.exit(f"report_chromium.py: the batch failed with exit status {r.returncode}")
        page = "file://" + os.path.join(out, "report.html")
        os.makedirs(SHOTS, exist_ok=True)
        profile = os.path.join(work, "profile")
        base = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-extensions",
                "--user-data-dir=" + profile, "--enable-logging=stderr", "--v=0", "--hide-scrollbars"]
        for width, height in ((1400, 2600), (390, 3200)):
            for suffix, url in (("", page), ("-explanation", page + "#p0")):
                shot = os.path.join(SHOTS, f"report-{width}{suffix}.png")
                r = subprocess.run(base + [f"--window-size={width},{height}", "--screenshot=" + shot, url],
                                   capture_output=True, text=True, timeout=120)
                # The page logs nothing: any console line (console.error says only its text, an
                # exception "Uncaught …") is a failure.
                errors = [l for l in r.stderr.splitlines() if ":CONSOLE" in l or "Uncaught" in l]
                if errors:
                    failures.append(f"{width} px{suffix}: console errors: {errors[:3]}")
                if not os.path.exists(shot):
                    failures.append(f"{width} px{suffix}: no screenshot ({r.returncode}): {r.stderr[-300:]}")
                else:
                    print(f"screenshot: {shot}")
            dom = subprocess.run(base + [f"--window-size={width},{height}", "--dump-dom", page],
                                 capture_output=True, text=True, timeout=120)
            # The script fills #shown once it ran to its end without an exception.
            if not re.search(r'id="shown">\d+ of \d+ shown<', dom.stdout):
                failures.append(f"{width} px: the page's script did not run to its end")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    for f in failures:
        print("FAIL:", f)
    if failures:
        sys.exit(1)
    print("report_chromium.py: report.html loads in headless Chromium at 1400 px and 390 px without console errors")


if __name__ == "__main__":
    main()
