# ClinicalIngest — the two commands a new machine needs:
#   make run    build, run the pipeline over Fixtures/ with the embedded mappings, show the output
#   make test   install what the tests need, run every test, validate every CarePlan they produced
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV      := .venv
PYTHON    := $(VENV)/bin/python
CORPUS    ?= $(abspath ../shared/corpus)
AS_OF     ?= 2026-11-27
SINK      := $(CURDIR)/.build/test-careplans
SYSTEM_PACKAGES := libxml2-dev pkg-config python3-venv libsqlite3-dev zlib1g-dev

export CLINICALINGEST_CORPUS := $(CORPUS)

.PHONY: help deps venv build release run test golden oracle bench clean

help:
	@echo "make run    build and run the pipeline over Fixtures/ (output in ./out)"
	@echo "make test   run all tests (installs system packages and a Python venv when missing)"
	@echo "make golden regenerate Fixtures/scenarios/*/careplans.ndjson after an intended change"
	@echo "make oracle recompute Fixtures/corpus/*-counts.json with the independent Python oracle"

# System packages the build and tests need; installed only when missing (Debian).
deps:
	@missing=""; for p in $(SYSTEM_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing system packages:$$missing"; \
		SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi

venv: $(VENV)/.installed
$(VENV)/.installed: tools/requirements.txt | deps
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r tools/requirements.txt
	touch $@

build: deps
	swift build --product ingest

release: deps
	swift build -c release --product ingest

# Pipe mode over every scenario (each its own patient set and --as-of), then where to look.
run: release
	@rm -rf out && mkdir -p out && : > out/careplans.ndjson && : > out/explain.txt && : > out/diagnostics.txt
	@for d in Fixtures/scenarios/*; do \
		[ -f $$d/expect.json ] || continue; \
		in=$$(ls $$d/input.* | head -n 1); asof=$$(cat $$d/as-of 2>/dev/null || echo $(AS_OF)); \
		.build/release/ingest --as-of $$asof --summary $$in >> out/careplans.ndjson 2>> out/diagnostics.txt; \
		.build/release/ingest explain --as-of $$asof $$in >> out/explain.txt 2>/dev/null; \
	done
	@echo "Read $$(ls -d Fixtures/scenarios/*/ | wc -l) scenario inputs; per-input accounting is in out/diagnostics.txt."
	@echo "CarePlans (NDJSON, one per line): $(CURDIR)/out/careplans.ndjson ($$(wc -l < out/careplans.ndjson) CarePlans)"
	@echo "Why each recommendation fired or not, per patient: $(CURDIR)/out/explain.txt"
	@echo "The first CarePlan's recommendations:"
	@head -n 1 out/careplans.ndjson | python3 -c 'import json,sys; cp=json.loads(sys.stdin.read()); [print("  -", a["detail"]["code"]["text"]) for a in cp["activity"]]'

test: deps venv
	@$(PYTHON) tools/corpus_counts.py $(CORPUS) | diff -q - Fixtures/corpus/fhir-counts.json >/dev/null \
		|| { echo "Fixtures/corpus/fhir-counts.json is stale: run 'make oracle'"; exit 1; }
	@rm -rf $(SINK) && mkdir -p $(SINK)
	CLINICALINGEST_CAREPLAN_SINK=$(SINK) swift test
	$(PYTHON) tools/validate_careplans.py $(SINK)

# Regenerate golden CarePlans after an intended change; review the diff before committing.
golden: build
	@for d in Fixtures/scenarios/*; do \
		[ -f $$d/expect.json ] || continue; \
		in=$$(ls $$d/input.* | head -n 1); asof=$$(cat $$d/as-of 2>/dev/null || echo $(AS_OF)); \
		.build/debug/ingest --as-of $$asof $$in > $$d/careplans.ndjson || true; \
	done; git status --short Fixtures/scenarios

oracle: venv
	$(PYTHON) tools/corpus_counts.py $(CORPUS) > Fixtures/corpus/fhir-counts.json

clean:
	rm -rf .build out $(VENV)
