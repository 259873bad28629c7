#!/usr/bin/env bash
# The make dist tarball is relocatable: unpacked into a temporary folder and run with an empty
# environment (no Swift on the PATH, no LD_LIBRARY_PATH), it gives a scenario's expected CarePlans,
# with its built-in Mappings and with the shipped Mappings/. Running alone proves little (a RUNPATH
# into the toolchain would still find libswiftCore), so the dynamic section is checked too: no
# libswift*/libFoundation* among NEEDED, no RUNPATH/RPATH but $ORIGIN.
#   tools/test_dist.sh dist/ingest-VERSION-linux-ARCH.tar.gz
set -euo pipefail
tarball=$(realpath "$1")
root=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
tar -C "$tmp" -xzf "$tarball"
dir=$tmp/$(basename "$tarball" .tar.gz)
bin=$dir/bin/ingest
fail() { echo "test_dist: FAIL: $*" >&2; exit 1; }

dynamic=$(readelf -d "$bin")
if grep -E '\(NEEDED\).*\[lib(swift|Foundation|_Foundation|dispatch|BlocksRuntime)' <<<"$dynamic"; then
    fail "the binary needs Swift runtime libraries"
fi
while read -r path; do
    for entry in ${path//:/ }; do
        [[ $entry == '$ORIGIN' || $entry == '$ORIGIN/'* ]] || fail "RUNPATH/RPATH entry $entry is outside \$ORIGIN"
    done
done < <(sed -n 's/.*(\(RUNPATH\|RPATH\)).*\[\(.*\)\]/\2/p' <<<"$dynamic")

# A FHIR scenario and a C-CDA one (libxml2), each with its expected careplans.ndjson.
checked=0
for scenario in 01-mcrpc-docetaxel-stop-reason 68-legacy-ccd-1-0-c32; do
    s=$root/Fixtures/scenarios/$scenario
    input=$(ls "$s"/input.* | head -n 1)
    asof=$(cat "$s/as-of" 2>/dev/null || echo 2026-11-27)
    cp "$input" "$tmp/"
    for mappings in "" "--mappings $dir/Mappings"; do
        # shellcheck disable=SC2086 # $mappings is empty or two words on purpose
        (cd "$tmp" && env -i PATH=/usr/bin:/bin "$bin" --as-of "$asof" $mappings "$(basename "$input")") > "$tmp/got.ndjson" \
            || fail "$scenario ${mappings:-(built-in Mappings)}: exit status $?"
        cmp -s "$tmp/got.ndjson" "$s/careplans.ndjson" || fail "$scenario ${mappings:-(built-in Mappings)}: CarePlans differ from $s/careplans.ndjson"
        checked=$((checked + 1))
    done
done
[ "$(env -i PATH=/usr/bin:/bin "$bin" --version)" = "$(sed -n 's/.*current = "\(.*\)".*/\1/p' "$root/Sources/IngestKit/IngestVersion.swift")" ] \
    || fail "--version is not the version the tarball is named for"
echo "test_dist: $(basename "$tarball") ($(du -h "$tarball" | cut -f1)): $checked scenario runs in an empty environment gave the expected CarePlans; NEEDED: $(sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' <<<"$dynamic" | tr '\n' ' ')"
