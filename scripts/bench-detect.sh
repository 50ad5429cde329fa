#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# make bench-detect: detection power (issue 12).  For every broken
# variant tests/variants/NAME.patch (or only DETECT_VARIANTS="NAME ..."):
#
#   seeds      how many of corpora/fuzz_exec's seeds already expose it.
#              They are removed before fuzzing, so that a fuzzer that
#              only replays its seeds finds nothing; crashes/ is never
#              used.
#   libFuzzer  DETECT_LF_RUNS runs (-seed=1..N, default 3) of the
#              variant's plain fuzz_exec, each capped at DETECT_CAP s
#              (default 120): time and execs to its first finding.
#   AFL++      one run (plain build, CmpLog build beside it), same cap.
#   check      the check of the first finding, replayed from the first
#              crashing input; '=' when it is the one the patch header
#              expects.
#   soak       whether soak's generator finds it in DETECT_SOAK_OPS
#              (default 200,000) ops, seed 1.
#   explore    time to the small-scope explorer's first finding (all
#              capability combinations, bound by bound), same cap; "-"
#              when the bug does not fit its machine or bound in time.
#
# DETECT_JOBS variants are measured at once (default 1: each fuzzer has
# a core of its own, the other is free for the engine's helpers).
# Writes, in DETECT_OUT (default $BUILD/bench), detect.txt (the table,
# then median and max per engine, then the variants no fuzzer found and
# the reason their patch header gives), detect.dat and detect.png
# (variants found against time, both engines and the explorer; needs
# gnuplot: scripts/install-deps.sh bench).

set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
BUILD=${BUILD:-build}
export BUILD
CAP=${DETECT_CAP:-120}
LF_RUNS=${DETECT_LF_RUNS:-3}
SOAK_OPS=${DETECT_SOAK_OPS:-200000}
JOBS=${DETECT_JOBS:-1}
me=bench-detect

if [ -n "${DETECT_VARIANTS:-}" ]; then
    read -ra variants <<<"$DETECT_VARIANTS"
else
    variants=()
    for p in tests/variants/*.patch; do
        variants+=("$(basename "$p" .patch)")
    done
fi
for v in "${variants[@]}"; do
    if [ ! -f "tests/variants/$v.patch" ]; then
        echo "$me: no variant '$v' (tests/variants/$v.patch)" >&2
        exit 2
    fi
done

fz=$BUILD/fuzz
out=${DETECT_OUT:-$BUILD/bench}
mkdir -p "$out"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# shellcheck source=scripts/fuzz-engines.bash
. scripts/fuzz-engines.bash

# Every build first, so that no timing includes a compiler.
echo "$me: building ${#variants[@]} variants (fuzz targets, soak)"
for v in "${variants[@]}"; do
    make --no-print-directory -j"$(nproc)" VARIANT="$v" \
        "$fz/variant-$v/libfuzzer/fuzz_exec" "$fz/variant-$v/afl/fuzz_exec" \
        "$fz/variant-$v/afl-cmplog/fuzz_exec" >"$work/make.log" 2>&1 ||
        { echo "$me: building variant $v failed:" >&2; tail -n5 "$work/make.log" >&2; exit 1; }
done
make --no-print-directory -j"$(nproc)" build-gcc >"$work/make.log" 2>&1 ||
    { echo "$me: make build-gcc failed" >&2; tail -n5 "$work/make.log" >&2; exit 1; }
if ! tests/variants/run.sh "${variants[@]}" >"$work/variants.log" 2>&1; then
    echo "$me: tests/variants/run.sh failed:" >&2
    grep FAIL "$work/variants.log" | head -n5 >&2
    exit 1
fi

# check_of BIN INPUT: the check of the input's first finding; "crash"
# when the input brings the target down before any check (a variant that
# corrupts memory).
check_of() {
    local c
    c=$({ "$1" "$2" 2>&1 || true; } | sed -nE 's/^FINDING ([a-z-]+).*/\1/p' | head -n1)
    echo "${c:-crash}"
}

# expose_seeds BIN DIR: copies the seeds that give no finding to DIR,
# prints how many did.
expose_seeds() {
    local s n=0
    mkdir -p "$2"
    for s in corpora/fuzz_exec/*.bin; do
        if "$1" "$s" >/dev/null 2>&1; then
            cp "$s" "$2/"
        else
            n=$((n + 1))
        fi
    done
    echo "$n"
}

# explore_time VARIANT DIR: seconds to the explorer's first finding, or -.
explore_time() {
    local start t
    start=$(now)
    if "$BUILD/variants/$1/explore" --time "$CAP" --out "$2" >"$2.log" 2>&1; then
        echo -
        return
    fi
    t=$(since "$start")
    grep -q '^FINDING' "$2.log" && echo "$t" || echo -
}

# measure NAME: one line to $work/rows/NAME:
#   name seeds lf_secs(,) lf_execs(,) afl_secs afl_execs check soak explore
# with "-" for not found.
measure() {
    local v=$1 vb=$fz/variant-$1 w=$work/$1 seeds n i r secs=() execs=()
    local check= afl soak expected s e c explore
    mkdir -p "$w"
    n=$(expose_seeds "$vb/libfuzzer/fuzz_exec" "$w/seeds")
    # AFL++ wants one input at least.
    ls "$w/seeds"/* >/dev/null 2>&1 || printf '\0\0\0\0\0\0\0\0' >"$w/seeds/empty"
    for i in $(seq 1 "$LF_RUNS"); do
        r=$(run_libfuzzer "$vb/libfuzzer/fuzz_exec" "$CAP" "$w/seeds" "$i" "$w/lf$i")
        read -r s e c <<<"$r"
        secs+=("$s")
        execs+=("${e:--}")
        [ -n "$check" ] || [ "$s" = - ] || check=$(check_of "$vb/libfuzzer/fuzz_exec" "$c")
    done
    afl=$(run_afl "$vb" "$CAP" "$w/seeds" "$w/afl")
    read -r s e c <<<"$afl"
    [ -n "$check" ] || [ "$s" = - ] || check=$(check_of "$vb/libfuzzer/fuzz_exec" "$c")
    if "$BUILD/variants/$v/soak" --ops "$SOAK_OPS" --seed 1 --out "$w/soak" \
           >"$w/soak.log" 2>&1; then
        soak=-
    else
        soak=$(ls "$w/soak" 2>/dev/null | wc -l)
    fi
    explore=$(explore_time "$v" "$w/explore")
    expected=$(sed -nE 's/^Expected finding: ([a-z-]+).*/\1/p' "tests/variants/$v.patch")
    [ -z "$check" ] || [ "$check" != "$expected" ] || check="=$check"
    (IFS=,; echo "$v $n ${secs[*]} ${execs[*]} $s ${e:--} ${check:--} $soak $explore") \
        >"$work/rows/$v"
    rm -rf "$w"
}

mkdir -p "$work/rows"
echo "$me: measuring (cap $CAP s, $LF_RUNS libFuzzer runs and 1 AFL++ run per variant, $JOBS at once)"
for v in "${variants[@]}"; do
    while [ "$(jobs -rp | wc -l)" -ge "$JOBS" ]; do
        wait -n || true
    done
    measure "$v" &
done
wait

# The table and its summary, from the rows (awk: median and max with
# "-" as not found).
for v in "${variants[@]}"; do
    if [ ! -f "$work/rows/$v" ]; then
        echo "$me: measuring $v failed" >&2
        exit 1
    fi
    cat "$work/rows/$v"
done >"$work/rows.txt"
awk -v cap="$CAP" -v runs="$LF_RUNS" -v date="$(date -u +%Y-%m-%d)" \
    -v cores="$(nproc)" -v dat="$out/detect.dat" -f scripts/bench-detect.awk \
    "$work/rows.txt" >"$out/detect.txt"
awk '$1 == "unfound" { print $2 }' "$out/detect.dat" | while read -r v; do
    why=$(sed -nE 's/^Not found by fuzzing: //p' "tests/variants/$v.patch")
    echo "  $v: ${why:-no reason recorded in its patch header}"
done >>"$out/detect.txt"
cat "$out/detect.txt"

if ! command -v gnuplot >/dev/null; then
    echo "$me: no gnuplot (scripts/install-deps.sh bench): no $out/detect.png"
    exit 0
fi
# Each curve: from 0 at the left edge, a step per variant found, flat
# to the cap.
for engine in libfuzzer afl explore; do
    awk -v e=$engine -v cap="$CAP" 'BEGIN { print 0.1, 0 }
        $1 == e { print $2, $3; n = $3 } END { print cap, n + 0 }' \
        "$out/detect.dat" >"$work/$engine.dat"
done
gnuplot <<EOF_PLOT
set terminal pngcairo size 900,500 noenhanced
set output "$out/detect.png"
set title "Broken variants found against time (${#variants[@]} variants, cap $CAP s, seeds that expose a variant removed)"
set xlabel "seconds to first finding (log scale)"
set ylabel "variants found"
set logscale x
set xrange [0.1:$CAP]
set yrange [0:${#variants[@]}]
set ytics $(( ${#variants[@]} > 10 ? 5 : 1 ))
set key bottom right
plot "$work/libfuzzer.dat" using 1:2 with steps lw 2 title "libFuzzer (median of $LF_RUNS runs)", \
     "$work/afl.dat" using 1:2 with steps lw 2 title "AFL++ (1 run)", \
     "$work/explore.dat" using 1:2 with steps lw 2 title "explore (small scope)"
EOF_PLOT
echo "$me: table in $out/detect.txt, chart in $out/detect.png"
