#!/usr/bin/env bash
# Builds the libFuzzer targets of Fuzz/ (AddressSanitizer + libFuzzer) and runs each for a bounded
# time, seeded from Fixtures/ and the shared corpus. `make fuzz` runs this.
#
#   tools/fuzz.sh [TARGET...]        default: FuzzJSON FuzzCDA FuzzPipeline
#
#   FUZZ_SECONDS           seconds per target (60)
#   FUZZ_MAX_LEN           largest input libFuzzer makes, in bytes; larger seeds are cut (131072)
#   FUZZ_TIMEOUT           seconds one input may take before it counts as a hang (20)
#   FUZZ_WORK              seeds, growing corpus, logs and crash reproducers (.build-fuzz/work)
#   CLINICALINGEST_CORPUS  the shared corpus (../shared/corpus); skipped when missing
#
# Fails unless every target ran a positive number of inputs (libFuzzer's final
# `stat::number_of_executed_units`), and on any crash, sanitizer report, leak, hang or
# out-of-memory; the reproducer's path is printed (replay: `.build-fuzz/release/TARGET FILE`).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

seconds=${FUZZ_SECONDS:-60}
max_len=${FUZZ_MAX_LEN:-131072}
timeout=${FUZZ_TIMEOUT:-20}
work=${FUZZ_WORK:-$root/.build-fuzz/work}
corpus=${CLINICALINGEST_CORPUS:-$root/../shared/corpus}
scratch=$root/.build-fuzz
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(FuzzJSON FuzzCDA FuzzPipeline)
case $seconds in '' | *[!0-9]* | 0) echo "fuzz: FUZZ_SECONDS must be a positive whole number of seconds" >&2; exit 64 ;; esac

# libFuzzer without its main: each fuzz target's own main calls LLVMFuzzerRunDriver
# (Fuzz/Package.swift says why), so no other main can win and run nothing.
toolchain_bin=$(dirname "$(readlink -f "$(command -v swiftc)")")
clang=$toolchain_bin/clang
arch=$(uname -m)
libfuzzer=""
if [ -x "$clang" ]; then
    for candidate in "$("$clang" -print-resource-dir)/lib/linux/libclang_rt.fuzzer_no_main-$arch.a" \
                     "$("$clang" -print-runtime-dir)/libclang_rt.fuzzer_no_main.a"; do
        if [ -f "$candidate" ]; then libfuzzer=$candidate; break; fi
    done
fi
if [ -z "$libfuzzer" ]; then
    echo "fuzz: this Swift toolchain ($toolchain_bin) has no libclang_rt.fuzzer_no_main for $arch" >&2
    exit 69
fi

# Every module (the root package's too) gets AddressSanitizer and libFuzzer's coverage
# instrumentation, what `-sanitize=fuzzer` would add; only the fuzz targets call into libFuzzer.
# Release (-O keeps Swift's bounds and overflow checks): unoptimized code under ASan runs the
# corpus' larger documents at a few inputs a second.
echo "fuzz: building Fuzz/ into $scratch (release, AddressSanitizer, libFuzzer)"
mkdir -p "$scratch"
build_rc=0
swift build -c release --package-path Fuzz --scratch-path "$scratch" \
    -Xswiftc -sanitize=address \
    -Xswiftc -sanitize-coverage=edge,trace-cmp,indirect-calls,inline-8bit-counters,pc-table \
    -Xlinker "$libfuzzer" -Xlinker -lstdc++ > "$scratch/build.log" 2>&1 || build_rc=$?
# gold warns about every ASan-internal symbol; the rest of the log is worth seeing on failure.
if [ "$build_rc" != 0 ]; then
    grep -v -e "warning: Cannot export local symbol" "$scratch/build.log" | tail -n 40 >&2
    echo "fuzz: the build of Fuzz/ failed (full log: $scratch/build.log)" >&2
    exit 1
fi
bin=$scratch/release

# Swift's multi-payload enums keep their tag in a pointer's spare bits, so LeakSanitizer cannot
# see an indirect enum's boxes held by a global: Fuzz/lsan-suppressions.txt says which.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:symbolize=1}
export LSAN_OPTIONS=suppressions=$root/Fuzz/lsan-suppressions.txt${LSAN_OPTIONS:+:$LSAN_OPTIONS}

# seed DIR FILE...: copies each file, named by its hash so that names never clash. libFuzzer runs
# seeds whole however long, so an NDJSON file longer than max_len is cut after its last whole line
# that fits, and a longer JSON or XML document (cut, it would only be invalid) is left out.
seed() {
    local dir=$1; shift
    local f name size
    for f in "$@"; do
        size=$(wc -c < "$f")
        name=$(sha1sum < "$f" | cut -c1-40)
        if [ "$size" -le "$max_len" ]; then
            cp "$f" "$dir/$name"
        elif [ "${f%.ndjson}" != "$f" ]; then
            head -c "$max_len" "$f" | sed '$d' > "$dir/$name"
            [ -s "$dir/$name" ] || rm -f "$dir/$name"
        fi
    done
}

# Inputs only (find -type f: Fixtures/bad's symbolic links lead outside the tree).
mapfile -t json_files < <(find Fixtures ${corpus:+"$corpus"} -type f \( -name '*.json' -o -name '*.ndjson' \) 2>/dev/null | sort)
mapfile -t xml_files < <(find Fixtures ${corpus:+"$corpus"} -type f -name '*.xml' 2>/dev/null | sort)
[ -d "$corpus" ] || echo "fuzz: $corpus is missing: seeding from Fixtures/ only"

status=0
summary=()
for t in "${targets[@]}"; do
    dir=$work/$t
    rm -rf "$dir/seeds" "$dir/crashes" && mkdir -p "$dir/seeds" "$dir/corpus" "$dir/crashes"
    case $t in
        FuzzJSON) seed "$dir/seeds" "${json_files[@]}"; dict=$root/Fuzz/dictionaries/fhir-json.dict ;;
        FuzzCDA) seed "$dir/seeds" "${xml_files[@]}"; dict=$root/Fuzz/dictionaries/cda-xml.dict ;;
        FuzzPipeline)
            seed "$dir/seeds" "${json_files[@]}" "${xml_files[@]}"
            dict=$dir/all.dict
            cat "$root/Fuzz/dictionaries/fhir-json.dict" "$root/Fuzz/dictionaries/cda-xml.dict" > "$dict" ;;
        *) echo "fuzz: unknown target $t (FuzzJSON, FuzzCDA, FuzzPipeline)" >&2; exit 64 ;;
    esac
    seeds=$(ls "$dir/seeds" | wc -l)
    echo "fuzz: $t for ${seconds}s ($seeds seeds, corpus $dir/corpus, log $dir/fuzz.log)"
    rc=0
    # The first folder is libFuzzer's corpus (it adds what finds new coverage), kept between runs.
    "$bin/$t" -max_total_time="$seconds" -print_final_stats=1 -timeout="$timeout" -rss_limit_mb=2048 \
        -max_len="$max_len" -dict="$dict" -artifact_prefix="$dir/crashes/" \
        "$dir/corpus" "$dir/seeds" > "$dir/fuzz.log" 2>&1 || rc=$?
    runs=$(sed -n 's/^stat::number_of_executed_units: *\([0-9]*\).*/\1/p' "$dir/fuzz.log" | tail -n 1)
    speed=$(sed -n 's/^stat::average_exec_per_sec: *\([0-9]*\).*/\1/p' "$dir/fuzz.log" | tail -n 1)
    runs=${runs:-0}
    crashes=$(find "$dir/crashes" -type f | sort)
    if [ "$rc" != 0 ] || [ -n "$crashes" ]; then
        status=1
        echo "fuzz: FAIL $t: libFuzzer exited $rc after $runs runs; its report (whole in $dir/fuzz.log):"
        # From the first error line: the sanitizer's or libFuzzer's message and the stack, without
        # the shadow-memory dump.
        awk '/ERROR: |WARNING: |[Ff]atal error|deadly signal|ALARM: / { on = 1 }
             /^Shadow bytes around|^Shadow byte legend/ { skip = 1 }
             skip && /^==[0-9]+==ABORTING|^MS: / { skip = 0 }
             on && !skip && !/^#[0-9]+\t/ { print "    " $0; if (++n == 80) exit }' "$dir/fuzz.log"
        for c in $crashes; do
            echo "fuzz: FAIL $t: reproducer $c ($(wc -c < "$c") bytes; replay: $bin/$t $c)"
        done
        summary+=("$t: FAILED after $runs runs")
    elif [ "$runs" -le 0 ]; then
        status=1
        echo "fuzz: FAIL $t: no input ran (no stat::number_of_executed_units in $dir/fuzz.log):"
        tail -n 20 "$dir/fuzz.log" | sed 's/^/    /'
        summary+=("$t: FAILED, no runs")
    else
        summary+=("$t: $runs runs in ${seconds}s (${speed:-?}/s), corpus $(ls "$dir/corpus" | wc -l) units, no crash")
    fi
done

echo
for line in "${summary[@]}"; do echo "fuzz: $line"; done
exit $status
