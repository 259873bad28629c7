# ClinicalIngest — the two commands a new machine needs:
#   make run    build, run the nightly batch over Fixtures/ (and ../shared/corpus) into ./out, show where the report is
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

.PHONY: help deps venv build release run test golden oracle bench clean report-chromium dist dist-build

help:
	@echo "make run    build and run the nightly batch over Fixtures/ and ../shared/corpus (output in ./out)"
	@echo "make test   run all tests (installs system packages and a Python venv when missing)"
	@echo "make golden regenerate Fixtures/scenarios/*/careplans.ndjson after an intended change"
	@echo "make bench  measure speed and memory against orjson, simdjson, fhir.resources, lxml (bench/results.json)"
	@echo "make dist   a relocatable release binary and Mappings/ in dist/ingest-<version>-linux-<arch>.tar.gz"
	@echo "make oracle recompute Fixtures/corpus/*-counts.json with the independent Python oracle"

# System packages the build and tests need; installed only when missing (Debian).
deps:
	@missing=""; for p in $(SYSTEM_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing system packages:$$missing"; \
		SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi
	@# Java for the Spark test (tools/test_spark.py): any JRE 17 on the PATH will do.
	@if ! command -v java >/dev/null 2>&1; then \
		echo "installing a Java runtime (openjdk-17-jre-headless) for the Spark test"; \
		SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq openjdk-17-jre-headless >/dev/null; \
	fi

venv: $(VENV)/.installed
$(VENV)/.installed: tools/requirements.txt | deps
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r tools/requirements.txt
	touch $@

build: deps
	swift build --product ingest

# The release binary has the Swift runtime and Foundation linked in (--static-swift-stdlib): it
# starts in about two thirds of the time (no dynamic symbol lookup across 20 libraries), calls
# swift_retain/release without going through the PLT, and is the binary make dist ships, so
# make run and make bench run what production runs.
release: deps
	swift build -c release --static-swift-stdlib --product ingest

# make dist: the release binary and Mappings/ in a tarball; always rebuilt (incremental when
# nothing changed) so the tarball never holds a stale binary.
VERSION     := $(shell sed -n 's/.*current = "\(.*\)".*/\1/p' Sources/IngestKit/IngestVersion.swift)
DIST        := dist/ingest-$(VERSION)-linux-$(shell uname -m).tar.gz
DIST_BINARY := .build/release/ingest

dist-build: release

dist: dist-build
	tools/make_dist.sh $(DIST_BINARY) $(DIST)

# The nightly demo: the batch over the scenario inputs (and ../shared/corpus when present)
# into ./out, as the informatics team runs it every night. Run it twice to see the ledger at work.
run: release
	@inputs="$$(ls Fixtures/scenarios/*/input.*)"; \
	if [ -d "$(CORPUS)" ]; then inputs="$$inputs $(CORPUS)"; echo "Inputs: Fixtures/scenarios and $(CORPUS)"; \
	else echo "Inputs: Fixtures/scenarios ($(CORPUS) not present)"; fi; \
	status=0; .build/release/ingest batch $$inputs --out out --as-of $(AS_OF) || status=$$?; \
	echo; \
	echo "Report (open in a browser):     $(CURDIR)/out/report.html"; \
	echo "CarePlans (NDJSON, by patient): $(CURDIR)/out/careplans.ndjson ($$(wc -l < out/careplans.ndjson) CarePlans)"; \
	echo "Changes since the last run:     $(CURDIR)/out/changes.ndjson ($$(wc -l < out/changes.ndjson) patients)"; \
	echo "Quarantined inputs:             $(CURDIR)/out/quarantine/ ($$(ls out/quarantine | grep -vc reason) entries)"; \
	echo "Why a patient's CarePlan says what it says: .build/release/ingest explain --state out/state.sqlite --patient Patient/p01"; \
	if [ $$status = 2 ]; then echo "(exit status 2: the run completed and quarantined some inputs — see out/quarantine/)"; \
	elif [ $$status != 0 ]; then exit $$status; fi

test: deps venv dist
	@if [ -d "$(CORPUS)" ]; then \
		$(PYTHON) tools/corpus_counts.py $(CORPUS) | diff -q - Fixtures/corpus/fhir-counts.json >/dev/null \
			|| { echo "Fixtures/corpus/fhir-counts.json is stale: run 'make oracle'"; exit 1; }; \
		$(PYTHON) tools/ccda_counts.py $(CORPUS)/ccda | diff -q - Fixtures/corpus/ccda-counts.json >/dev/null \
			|| { echo "Fixtures/corpus/ccda-counts.json is stale: run 'make oracle'"; exit 1; }; \
	else echo "warning: $(CORPUS) is missing: the corpus tests will be skipped"; fi
	@rm -rf $(SINK) && mkdir -p $(SINK)
	$(PYTHON) tools/test_validate_careplans.py
	CLINICALINGEST_CAREPLAN_SINK=$(SINK) swift test
	@# --catalogue: the second guideline of Fixtures/mappings-second-guideline (SecondGuidelineTests)
	$(PYTHON) tools/validate_careplans.py --catalogue Fixtures/mappings-second-guideline $(SINK)
	@# report.html (html.parser, escaping, one row and explanation per CarePlan, history) and explain's JSON schema
	$(PYTHON) tools/test_report.py .build/debug/ingest
	@$(MAKE) --no-print-directory report-chromium
	@# Scaling out (issue 13): the Kubernetes manifests validated as YAML.
	$(PYTHON) tools/test_deploy.py
	@# make dist (issue 13): the tarball runs in an empty environment, needs no Swift library.
	tools/test_dist.sh $(DIST)
	@# Spark local[2] vs ingest batch, with the binary the executors get in production (make dist's).
	$(PYTHON) tools/test_spark.py $(DIST_BINARY)

# report.html in headless Chromium at 1400 and 390 px (console errors; screenshots in
# .build/report-screenshots/). Debian's chromium is installed for this test only, when missing;
# when it cannot be, the test is skipped with the reason.
report-chromium: venv
	@command -v chromium >/dev/null 2>&1 || { \
		echo "installing chromium (for the report test only)"; SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
		{ $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; } \
			|| echo "chromium could not be installed"; }
	$(PYTHON) tools/report_chromium.py .build/debug/ingest

# Regenerate golden CarePlans after an intended change; review the diff before committing.
golden: build
	@for d in Fixtures/scenarios/*; do \
		[ -f $$d/expect.json ] || continue; \
		in=$$(ls $$d/input.* | head -n 1); asof=$$(cat $$d/as-of 2>/dev/null || echo $(AS_OF)); \
		.build/debug/ingest --as-of $$asof $$in > $$d/careplans.ndjson || true; \
	done; git status --short Fixtures/scenarios

oracle: venv
	$(PYTHON) tools/corpus_counts.py $(CORPUS) > Fixtures/corpus/fhir-counts.json
	$(PYTHON) tools/ccda_counts.py $(CORPUS)/ccda > Fixtures/corpus/ccda-counts.json

# Benchmarks against the peers and, with BASELINE=path/to/ingest, against another build of ingest
# in the same run (e.g. main before a change). Inputs are generated into .build/bench-data once
# (BENCH_MB of FHIR NDJSON, default 100); the table is printed and bench/results.json written.
# Never part of make test: speed is measured, not asserted.
BENCH_MB   ?= 100
BENCH_RUNS ?= 3
BENCH_DATA := .build/bench-data-$(BENCH_MB)
bench: release venv
	@[ -f $(BENCH_DATA)/.done ] || { rm -rf $(BENCH_DATA) && \
		$(PYTHON) tools/bench_data.py $(BENCH_DATA) $(CORPUS) Fixtures/scenarios --mb $(BENCH_MB) && touch $(BENCH_DATA)/.done; }
	$(PYTHON) tools/bench.py --ingest .build/release/ingest $(if $(BASELINE),--baseline $(BASELINE)) \
		--data $(BENCH_DATA) --corpus $(CORPUS) --runs $(BENCH_RUNS) --json bench/results.json

clean:
	rm -rf .build .build-dist dist out $(VENV)

# Fuzzing (Fuzz/, a package of its own: see Fuzz/README.md): libFuzzer + AddressSanitizer over the
# FHIR JSON reader, the C-CDA reader and bytes → CarePlans, FUZZ_SECONDS each (make fuzz
# FUZZ_SECONDS=10), seeded at run time from Fixtures/ and $(CORPUS). Fails on a crash, leak or hang
# (the reproducer's path is printed) and when a target ran no input. Builds in .build-fuzz only.
FUZZ_SECONDS ?= 60
.PHONY: fuzz test-sanitize
fuzz: deps
	FUZZ_SECONDS=$(FUZZ_SECONDS) tools/fuzz.sh

# The test suite under AddressSanitizer with LeakSanitizer (built in .build-asan), then under
# ThreadSanitizer (.build-tsan). Fails when a test fails or a sanitizer reports, in the test process
# or in an `ingest` that a test spawned: reports go to files in .build-sanitize/, printed at the end.
# Reports that are not ours are suppressed, each with its reason, in Fuzz/lsan-suppressions.txt and
# tools/tsan-suppressions.txt. SANITIZE_SKIP (a regular expression over test names) leaves out
#  - KillAndResumeTests: thirteen whole-corpus batch runs whose point is where a SIGKILL lands,
#    minutes on their own under a sanitizer; BatchRunnerTests and ConcurrentRunTests run the same
#    batch code, in parallel, under both sanitizers;
#  - aDecompressionBombIsQuarantinedInBoundedMemory: it asserts a peak RSS below 400 MB, and the
#    sanitizers' shadow memory alone takes the process past it (1.1 GB under ASan, 520 MB under TSan).
# On 2 cores, after a normal build: ~8 min under ASan, ~12 min under TSan; cold builds add ~4 min each.
SANITIZE_SKIP ?= KillAndResumeTests|aDecompressionBombIsQuarantinedInBoundedMemory
# Which sanitizers, in order (make test-sanitize SANITIZERS=address for AddressSanitizer only).
SANITIZERS ?= address thread
SANITIZE_LOGS := $(CURDIR)/.build-sanitize
test-sanitize: deps
	@rm -rf $(SANITIZE_LOGS) && mkdir -p $(SANITIZE_LOGS); status=0; \
	for s in $(SANITIZERS); do \
		scratch=.build-$${s:0:1}san; \
		echo "== swift test --sanitize=$$s --scratch-path $$scratch$(if $(SANITIZE_SKIP), --skip '$(SANITIZE_SKIP)')"; \
		start=$$(date +%s); rc=0; \
		ASAN_OPTIONS=log_path=$(SANITIZE_LOGS)/asan:detect_leaks=1 \
		LSAN_OPTIONS=suppressions=$(CURDIR)/Fuzz/lsan-suppressions.txt \
		TSAN_OPTIONS=log_path=$(SANITIZE_LOGS)/tsan:suppressions=$(CURDIR)/tools/tsan-suppressions.txt \
			swift test --sanitize=$$s --scratch-path $$scratch $(if $(SANITIZE_SKIP),--skip '$(SANITIZE_SKIP)') || rc=$$?; \
		echo "== --sanitize=$$s: exit status $$rc after $$(( $$(date +%s) - start )) s"; \
		[ $$rc = 0 ] || status=1; \
	done; \
	for r in $$(grep -l -e 'ERROR: [A-Za-z]*Sanitizer' -e 'WARNING: ThreadSanitizer' -e 'SUMMARY: [A-Za-z]*Sanitizer' $(SANITIZE_LOGS)/* 2>/dev/null); do \
		status=1; echo "== sanitizer report $$r:"; head -n 200 "$$r"; \
	done; \
	[ $$status = 0 ] && echo "test-sanitize: no sanitizer report, every test passed under: $(SANITIZERS)"; \
	exit $$status
