#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# make bench-limits: how fast the fuzzers get to each limit of gtio's
# batch record (issue 13), and find the broken variant that mishandles
# it.  For each limit, from the seeds with every input that already takes
# its limit path removed:
#
#   limit path   fuzz_exec with GTIO_FUZZ_LIMIT=<limit> stops at the first
#                input that takes it; cap LIMIT_CAP s (default 60)
#   variant      the variant's fuzz_exec stops at its first finding; cap
#                VARIANT_CAP s (default 120)
#
# each with libFuzzer (plain build, -seed=1) and AFL++ (its plain and
# cmplog builds, one main instance, AFL_BENCH_UNTIL_CRASH).  Time is wall
# time from the start, seed loading included; execs are the engine's.
# The table goes to stdout and to $BUILD/bench/limits.txt.

set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
BUILD=${BUILD:-build}
LIMIT_CAP=${LIMIT_CAP:-60}
VARIANT_CAP=${VARIANT_CAP:-120}
me=bench-limits

# limit:variant
limits=(pages:pending-pages-full-merged tables:dead-tables-full-freed
        domains:batch-domains-full-dropped)

fuzz_make() {
    make --no-print-directory -j"$(nproc)" BUILD="$BUILD" "$@" >/dev/null
}

fz=$BUILD/fuzz
fuzz_make "$fz/libfuzzer/fuzz_exec" "$fz/afl/fuzz_exec" \
    "$fz/afl-cmplog/fuzz_exec"
for l in "${limits[@]}"; do
    v=${l#*:}
    fuzz_make VARIANT="$v" "$fz/variant-$v/libfuzzer/fuzz_exec" \
        "$fz/variant-$v/afl/fuzz_exec" "$fz/variant-$v/afl-cmplog/fuzz_exec"
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$BUILD/bench"
out=$BUILD/bench/limits.txt

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

# seeds_without LIMIT DIR: the seeds that do not take LIMIT's path.
seeds_without() {
    local s n=0
    mkdir -p "$2"
    for s in corpora/fuzz_exec/*.bin; do
        if GTIO_FUZZ_LIMIT=$1 "$fz/libfuzzer/fuzz_exec" "$s" >/dev/null 2>&1; then
            cp "$s" "$2/"
        else
            n=$((n + 1))
        fi
    done
    echo "$n"
}

# run_libfuzzer BIN LIMIT|'' CAP DIR: prints "seconds execs" or "-".
run_libfuzzer() {
    local bin=$1 limit=$2 cap=$3 dir=$4 start t execs
    rm -rf "$work/lf" && mkdir -p "$work/lf/corpus"
    cp "$dir"/* "$work/lf/corpus/"
    start=$(now)
    GTIO_FUZZ_LIMIT=$limit timeout $((cap + 60)) "$bin" -seed=1 \
        -max_total_time="$cap" -dict=fuzz/fuzz_exec.dict \
        -artifact_prefix="$work/lf/" "$work/lf/corpus" \
        >"$work/lf/log" 2>&1 || true
    t=$(since "$start")
    if ! ls "$work"/lf/crash-* >/dev/null 2>&1; then
        echo "-"
        return
    fi
    execs=$(grep -oE '^#[0-9]+' "$work/lf/log" | tail -n1 | tr -d '#')
    echo "$t ${execs:-?}"
}

# run_afl DIR_OF_BUILDS LIMIT|'' CAP DIR: prints "seconds execs" or "-".
run_afl() {
    local b=$1 limit=$2 cap=$3 dir=$4 start t execs
    rm -rf "$work/afl" && mkdir -p "$work/afl/in"
    cp "$dir"/* "$work/afl/in/"
    start=$(now)
    GTIO_FUZZ_LIMIT=$limit AFL_BENCH_UNTIL_CRASH=1 AFL_NO_UI=1 \
    AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 \
    AFL_NO_AFFINITY=1 AFL_FAST_CAL=1 AFL_QUIET=1 AFL_CMPLOG_ONLY_NEW=1 \
        timeout $((cap + 60)) afl-fuzz -i "$work/afl/in" -o "$work/afl/out" \
        -M main -c "$b/afl-cmplog/fuzz_exec" -V "$cap" -t 10000 -m none \
        -x fuzz/fuzz_exec.dict -- "$b/afl/fuzz_exec" \
        >"$work/afl/log" 2>&1 </dev/null || true
    t=$(since "$start")
    if ! ls "$work"/afl/out/main/crashes/id:* >/dev/null 2>&1; then
        echo "-"
        return
    fi
    execs=$(sed -nE 's/^execs_done +: ([0-9]+).*/\1/p' \
            "$work/afl/out/main/fuzzer_stats" 2>/dev/null || true)
    echo "$t ${execs:-?}"
}

cell() { [ "$1" = - ] && echo "not in cap" || awk '{ printf "%s s, %s execs", $1, $2 }' <<<"$1"; }

{
    echo "# make bench-limits ($(date -u +%Y-%m-%d), $(nproc) cores): limit"
    echo "# path cap ${LIMIT_CAP} s, variant cap ${VARIANT_CAP} s; seeds"
    echo "# that take the limit path removed first"
    printf '%-8s %-10s %-6s %-28s %-28s %s\n' limit engine seeds \
        "limit path reached" "variant found" variant
} | tee "$out"
for l in "${limits[@]}"; do
    limit=${l%%:*}
    v=${l#*:}
    removed=$(seeds_without "$limit" "$work/seeds-$limit")
    vb=$fz/variant-$v
    for engine in libfuzzer afl; do
        if [ $engine = libfuzzer ]; then
            a=$(run_libfuzzer "$fz/libfuzzer/fuzz_exec" "$limit" "$LIMIT_CAP" "$work/seeds-$limit")
            b=$(run_libfuzzer "$vb/libfuzzer/fuzz_exec" "" "$VARIANT_CAP" "$work/seeds-$limit")
        else
            a=$(run_afl "$fz" "$limit" "$LIMIT_CAP" "$work/seeds-$limit")
            b=$(run_afl "$vb" "" "$VARIANT_CAP" "$work/seeds-$limit")
        fi
        printf '%-8s %-10s -%-5s %-28s %-28s %s\n' "$limit" "$engine" \
            "$removed" "$(cell "$a")" "$(cell "$b")" "$v" | tee -a "$out"
    done
done
echo "$me: table in $out"
