#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# make bench-limits: how fast the fuzzers get to each limit of gtio's
# batch record and to a full pin counter, maptrack and grant table and
# the unmap chunk of Xen's grant_table.c and the invalidation queue
# (issue 13), and the per-frame mapping counts in the narrow build (their
# path in $BUILD/fuzz-narrow), and find the broken variant that
# mishandles it.  For each limit, from the seeds with every input that already takes
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
# BENCH_LIMITS="pins maptrack" measures only those limits.

set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
BUILD=${BUILD:-build}
LIMIT_CAP=${LIMIT_CAP:-60}
VARIANT_CAP=${VARIANT_CAP:-120}
me=bench-limits

# limit:variant
limits=(pages:pending-pages-full-merged tables:dead-tables-full-freed
        domains:batch-domains-full-dropped pins:pin-overflow-unchecked
        maptrack:maptrack-past-limit gnttab:gnttab-grow-past-max
        unmap:unmap-chunks-flushed-once queue:queue-overrun
        counts:maptrack-count-wraps)
if [ -n "${BENCH_LIMITS:-}" ]; then
    chosen=()
    for l in "${limits[@]}"; do
        case " $BENCH_LIMITS " in *" ${l%%:*} "*) chosen+=("$l") ;; esac
    done
    if [ ${#chosen[@]} = 0 ]; then
        echo "$me: BENCH_LIMITS names none of: ${limits[*]%%:*}" >&2
        exit 2
    fi
    limits=("${chosen[@]}")
fi

fuzz_make() {
    make --no-print-directory -j"$(nproc)" BUILD="$BUILD" "$@" >/dev/null
}

fz=$BUILD/fuzz
fuzz_make "$fz/libfuzzer/fuzz_exec" "$fz/afl/fuzz_exec" \
    "$fz/afl-cmplog/fuzz_exec"
# The per-frame mapping counts' limit exists only in the narrow build
# (their width is a build constant): its path is looked for there.
nz=$BUILD/fuzz-narrow
limit_dir() { [ "$1" = counts ] && echo "$nz" || echo "$fz"; }
case " ${limits[*]} " in
*" counts:"*)
    fuzz_make FUZZ_NARROW=1 "$nz/libfuzzer/fuzz_exec" "$nz/afl/fuzz_exec" \
        "$nz/afl-cmplog/fuzz_exec" ;;
esac
for l in "${limits[@]}"; do
    v=${l#*:}
    fuzz_make VARIANT="$v" "$fz/variant-$v/libfuzzer/fuzz_exec" \
        "$fz/variant-$v/afl/fuzz_exec" "$fz/variant-$v/afl-cmplog/fuzz_exec"
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$BUILD/bench"
out=$BUILD/bench/limits.txt

# shellcheck source=scripts/fuzz-engines.bash
. scripts/fuzz-engines.bash

# seeds_without LIMIT DIR: the seeds that do not take LIMIT's path.
seeds_without() {
    local s n=0
    mkdir -p "$2"
    for s in corpora/fuzz_exec/*.bin; do
        if GTIO_FUZZ_LIMIT=$1 "$(limit_dir "$1")/libfuzzer/fuzz_exec" "$s" \
                >/dev/null 2>&1; then
            cp "$s" "$2/"
        else
            n=$((n + 1))
        fi
    done
    echo "$n"
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
        seeds=$work/seeds-$limit
        if [ $engine = libfuzzer ]; then
            a=$(GTIO_FUZZ_LIMIT=$limit run_libfuzzer "$(limit_dir "$limit")/libfuzzer/fuzz_exec" "$LIMIT_CAP" "$seeds" 1 "$work/lf")
            b=$(run_libfuzzer "$vb/libfuzzer/fuzz_exec" "$VARIANT_CAP" "$seeds" 1 "$work/lf")
        else
            a=$(GTIO_FUZZ_LIMIT=$limit run_afl "$(limit_dir "$limit")" "$LIMIT_CAP" "$seeds" "$work/afl")
            b=$(run_afl "$vb" "$VARIANT_CAP" "$seeds" "$work/afl")
        fi
        printf '%-8s %-10s -%-5s %-28s %-28s %s\n' "$limit" "$engine" \
            "$removed" "$(cell "$a")" "$(cell "$b")" "$v" | tee -a "$out"
    done
done
echo "$me: table in $out"
