#!/usr/bin/env bash
# Byte-for-byte comparison of two ingest builds over every scenario, the shared corpus and (when
# given) the bench inputs: pipe mode's CarePlans, explain, stderr and exit status must be equal.
# How issue 11's "output stays byte-identical" was checked:
#   tools/compare_binaries.sh OLD_INGEST NEW_INGEST [BENCH_DATA_DIR]
set -uo pipefail
cd "$(dirname "$0")/.."
old=$1 new=$2 data=${3:-}
corpus=${CLINICALINGEST_CORPUS:-../shared/corpus}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
diffs=0 n=0
check() {  # check AS_OF ARGS...
    local asof=$1; shift
    n=$((n + 1))
    "$old" --as-of "$asof" "$@" > "$tmp/o1" 2> "$tmp/e1"; local r1=$?
    "$new" --as-of "$asof" "$@" > "$tmp/o2" 2> "$tmp/e2"; local r2=$?
    if [ "$r1" != "$r2" ] || ! cmp -s "$tmp/o1" "$tmp/o2" || ! cmp -s "$tmp/e1" "$tmp/e2"; then
        diffs=$((diffs + 1)); echo "differs: $* (exit $r1 / $r2)"
    fi
}
for f in Fixtures/scenarios/*/input.* $(find "$corpus" -type f \( -name '*.json' -o -name '*.ndjson' -o -name '*.xml' \) | sort); do
    d=$(dirname "$f"); asof=$(cat "$d/as-of" 2>/dev/null || echo 2026-11-27)
    check "$asof" "$f"
    check "$asof" explain "$f"
done
check 2026-11-27 $(find "$corpus/bulk-ndjson" -name '*.ndjson' | sort)
if [ -n "$data" ]; then
    for f in careplans.ndjson fhir-small.ndjson; do check 2026-11-27 "$data/$f"; done
fi
echo "compare_binaries: $n runs, $diffs differ"
[ "$diffs" = 0 ]
