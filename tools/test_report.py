#!/usr/bin/env python3
"""Tests of report.html and of `ingest explain --format json`, from the outside (issue 12).

Expectations come from the issue and DESIGN.md, not from the program's output:
  - report.html parses (html.parser), is self-contained (no external URL in src/href, one inline
    script), holds one row per CarePlan of careplans.ndjson (revoked ones excluded) and one
    explanation (a closed <details>) per row, and escapes every input string: a display text and
    a file name holding markup come out as text, never as elements or attributes;
  - the history charts hold one point per night; a rerun of a night adds none, and keeps the
    night's changes (changes.ndjson the same, each line saying which night it compares with);
  - explain --format json validates against docs/explain.schema.json for every scenario.

Usage: tools/test_report.py PATH/TO/ingest
"""
import glob
import html.parser
import json
import os
import shutil
import subprocess
import sys
import tempfile

import jsonschema

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HOSTILE_TEXT = '<script>alert("xss")</script>&<b>'
# A file name with markup in it (no '/', which a name cannot hold).
HOSTILE_NAME = 'x<img src=x onerror=alert(1)>&"\'.json'
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr",
        "circle", "line", "polyline", "rect", "path"}
ALLOWED = {"html", "head", "meta", "link", "title", "style", "body", "header", "h1", "h2", "h4", "div", "p", "b", "i", "em",
           "small", "span", "section", "table", "thead", "tbody", "tr", "th", "td", "button", "label", "input", "select",
           "option", "details", "summary", "ul", "ol", "li", "br", "figure", "figcaption", "svg", "line", "polyline", "circle",
           "title", "footer", "script"}

failures = []


def check(condition, message):
    if not condition:
        failures.append(message)
        print("FAIL:", message)


class Page(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack = []
        self.errors = []
        self.tags = {}
        self.rows = []          # per tbody.patient: {"details": n, "open": bool, "summary": text, "first": text}
        self.scripts = 0
        self.external = []
        self.text = []
        self.svg_circles = {}   # chart caption -> circles
        self._caption = None
        self._in_figcaption = False
        self._cell = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags[tag] = self.tags.get(tag, 0) + 1
        if tag not in ALLOWED:
            self.errors.append(f"unexpected element <{tag}>: an input string was not escaped")
        for k, v in attrs:
            if k.startswith("on"):
                self.errors.append(f"event handler attribute {k} on <{tag}>")
            if k in ("src", "href") and v and not (v.startswith("data:") or v.startswith("#")):
                self.external.append(v)
        if tag == "script":
            self.scripts += 1
            if "src" in a:
                self.errors.append("a script with src")
        if tag == "tbody" and "patient" in (a.get("class") or "").split():
            self.rows.append({"details": 0, "open": False, "summary": "", "first": ""})
        if tag == "details" and self.rows and self._inside("tbody"):
            self.rows[-1]["details"] += 1
            self.rows[-1]["open"] = self.rows[-1]["open"] or "open" in a
        if tag == "figcaption":
            self._in_figcaption = True
            self._caption = ""
        if tag == "circle" and self._caption is not None:
            self.svg_circles[self._caption] = self.svg_circles.get(self._caption, 0) + 1
        if tag == "td" and self.rows and self._inside("tbody") and a.get("data-label") == "patient":
            self._cell = "first"
        if tag not in VOID:
            self.stack.append(tag)

    def _inside(self, tag):
        return tag in self.stack

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID and self.stack and self.stack[-1] == tag:
            self.stack.pop()

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes <{self.stack[-1] if self.stack else 'nothing'}>")
            if tag in self.stack:
                while self.stack and self.stack.pop() != tag:
                    pass
            return
        self.stack.pop()
        if tag == "figcaption":
            self._in_figcaption = False
        if tag == "figure":
            self._caption = None
        if tag == "td":
            self._cell = None

    def handle_data(self, data):
        self.text.append(data)
        if self._in_figcaption:
            self._caption += data
        if self._cell == "first" and self.rows and not self.rows[-1]["first"]:
            self.rows[-1]["first"] = data.strip()


def parse(path):
    p = Page()
    with open(path, encoding="utf-8") as f:
        p.feed(f.read())
    p.close()
    return p


def run(args, **kw):
    return subprocess.run(args, capture_output=True, text=True, **kw)


def active_careplans(out):
    plans = []
    with open(os.path.join(out, "careplans.ndjson"), encoding="utf-8") as f:
        for line in f:
            plan = json.loads(line)
            if plan.get("status") != "revoked":
                plans.append(plan)
    return plans


def subject_text(subject):
    if "reference" in subject:
        return subject["reference"]
    i = subject.get("identifier", {})
    return (i.get("system") or "") + "|" + i.get("value", "")


def check_report(out, night):
    page = parse(os.path.join(out, "report.html"))
    for e in page.errors:
        check(False, f"{night}: {e}")
    check(page.scripts == 1, f"{night}: one inline script expected, found {page.scripts}")
    check(not page.external, f"{night}: the page fetches {page.external}")
    plans = active_careplans(out)
    check(len(page.rows) == len(plans), f"{night}: {len(page.rows)} patient rows for {len(plans)} CarePlans")
    check(all(r["details"] == 1 for r in page.rows), f"{night}: every row needs exactly one explanation")
    check(not any(r["open"] for r in page.rows), f"{night}: explanations must be collapsed by default")
    check(sorted(r["first"] for r in page.rows) == sorted(subject_text(p["subject"]) for p in plans),
          f"{night}: the rows' patients are not the CarePlans' subjects")
    text = "".join(page.text)
    # The hostile strings reach the page as text (escaped), never as markup.
    check(HOSTILE_TEXT in text, f"{night}: the hostile display text is not shown as text")
    check(HOSTILE_NAME in text, f"{night}: the hostile file name is not shown as text")
    return page


def history_points(page):
    return page.svg_circles.get("Patients in scope", 0)


def main():
    binary = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, ".build/debug/ingest"))
    work = tempfile.mkdtemp(prefix="report-test-")
    try:
        inputs = os.path.join(work, "inputs")
        os.makedirs(inputs)
        for path in glob.glob(os.path.join(ROOT, "Fixtures/scenarios/*/input.*")):
            shutil.copy(path, os.path.join(inputs, os.path.basename(os.path.dirname(path)) + os.path.splitext(path)[1]))
        shutil.copy(os.path.join(ROOT, "Fixtures/report/hostile-display-text.json"), os.path.join(inputs, HOSTILE_NAME))
        out = os.path.join(work, "out")
        nights = ["2026-11-25", "2026-11-26", "2026-11-27"]
        for i, night in enumerate(nights):
            r = run([binary, "batch", inputs, "--out", out, "--as-of", night, "--quiet"])
            check(r.returncode in (0, 2), f"batch {night}: exit {r.returncode}: {r.stderr[-500:]}")
            page = check_report(out, night)
            check(history_points(page) == i + 1, f"{night}: {history_points(page)} history points after {i + 1} nights")
        with open(os.path.join(out, "changes.ndjson"), encoding="utf-8") as f:
            changes = f.read()
        check(changes != "", "the third night has no changes (its as-of moved windows)")
        # A rerun of the same night: no new point, the same changes, against the same earlier night.
        r = run([binary, "batch", inputs, "--out", out, "--as-of", nights[-1], "--quiet"])
        check(r.returncode in (0, 2), f"rerun: exit {r.returncode}: {r.stderr[-500:]}")
        page = check_report(out, "rerun")
        check(history_points(page) == 3, f"rerun: {history_points(page)} history points, expected 3")
        with open(os.path.join(out, "changes.ndjson"), encoding="utf-8") as f:
            rerun = f.read()
        check(rerun == changes, "a rerun of the night changed its changes.ndjson")
        for line in rerun.splitlines():
            check(json.loads(line).get("since") == nights[1], f"a change does not say it compares with {nights[1]}: {line[:120]}")
        check(f"since the night of {nights[1]}" in "".join(page.text), "the report does not say which night it compares with")
        size = os.path.getsize(os.path.join(out, "report.html"))
        print(f"report.html: {size} bytes, {len(page.rows)} CarePlans")

        # explain --format json against its schema, every scenario.
        with open(os.path.join(ROOT, "docs/explain.schema.json"), encoding="utf-8") as f:
            schema = json.load(f)
        validator = jsonschema.Draft202012Validator(schema)
        validator.check_schema(schema)
        checked = 0
        for d in sorted(glob.glob(os.path.join(ROOT, "Fixtures/scenarios/*/"))):
            inputs_of = sorted(glob.glob(d + "input.*"))
            if not inputs_of:
                continue
            as_of = open(d + "as-of").read().strip() if os.path.exists(d + "as-of") else "2026-11-27"
            r = run([binary, "explain", "--format", "json", "--as-of", as_of] + inputs_of)
            check(r.returncode in (0, 65), f"{d}: explain exit {r.returncode}")
            lines = r.stdout.splitlines()
            check(len(lines) >= 1, f"{d}: explain --format json wrote nothing")
            for line in lines:
                doc = json.loads(line)
                errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.path))
                for e in errors[:3]:
                    check(False, f"{d}: {'/'.join(map(str, e.path))}: {e.message[:200]}")
                checked += 1
        print(f"explain --format json: {checked} explanations validated against docs/explain.schema.json")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if failures:
        print(f"test_report.py: {len(failures)} failure(s)")
        sys.exit(1)
    print("test_report.py: report.html and explain JSON as issue 12 asks")


if __name__ == "__main__":
    main()
