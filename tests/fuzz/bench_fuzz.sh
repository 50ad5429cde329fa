#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# make bench's before/after table (scripts/fuzz-bench.sh, issue 11): a
# short run against a baseline whose figures are 1 (so that each ratio
# is the figure itself) prints the four rows, each ratio after/before and
# each verdict the one its figure earns; a baseline without a figure is
# one line and exit status 2 before any work, as is a BENCH_ROUNDS that
# is not a positive number; each corpus pass figure is that of the
# fastest of the rounds the output lists.  Its output goes to a
# directory of its own, not to build/bench/.

set -euo pipefail
# shellcheck source=tests/fuzz/lib.bash
. "$(dirname "$0")/lib.bash"

fz=$BUILD/fuzz
if ! fuzz_make "$fz/libfuzzer/fuzz_exec" "$fz/libfuzzer/fuzz_empty" \
        "$fz/libfuzzer-asan/fuzz_exec" "$fz/libfuzzer-asan/fuzz_empty" \
        "$fz/trace2bin"; then
    fail "bench-fuzz-build"
    exit 1
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

printf '%s\n' "plain.pass_eps 1" "plain.fuzz_eps 1" "asan.pass_eps 1" \
    "plain.us_per_op 1" >"$work/ones.txt"
if ! BENCH_TIME=1 BENCH_REPEAT=1 BENCH_BASELINE="$work/ones.txt" \
        FUZZ_DIR="$fz" BUILD="$work/build" scripts/fuzz-bench.sh \
        >"$work/out" 2>&1; then
    fail "bench-fuzz-before-after (the run failed: $(tail -n1 "$work/out"))"
else
    rows=$(grep -c '^before/after: [a-zA-Z]' "$work/out" || true)
    # Each row: figure, before, after, ratio, ">= Nx: verdict" (a speed-up:
    # the ratio against N) or "<= N: verdict" (a cost: the figure itself).
    bad=$(sed -nE 's/^before\/after: .* ([0-9.]+) +([0-9.]+) +([0-9.]+) +(>=|<=) ([0-9.]+)x?: (met|NOT met)$/\1 \2 \3 \4 \5 \6/p' \
              "$work/out" |
          awk '{ before = $1; after = $2; ratio = $3; op = $4; limit = $5
                 verdict = $6 == "met" ? "met" : "NOT met"
                 ok = op == ">=" ? ratio + 0 >= limit + 0 : after + 0 <= limit + 0
                 if (sprintf("%.2f", after / before) != ratio ||
                     verdict != (ok ? "met" : "NOT met")) print }')
    checked=$(grep -cE '^before/after: .*(>=|<=) [0-9.]+x?: (met|NOT met)$' "$work/out" || true)
    if [ "$rows" = 5 ] && [ "$checked" = 4 ] && [ -z "$bad" ] &&
       [ -s "$work/build/bench/fuzz.txt" ]; then
        pass "bench-fuzz-before-after ($(grep -m1 '^before/after: plain exec/s, seeds' "$work/out" | sed 's/^before\/after: *//'))"
    else
        fail "bench-fuzz-before-after ($rows rows, $checked checked; wrong: ${bad:-none})"
    fi
fi

# The corpus pass figure of each binary is its fastest round's.
fastest_bad=$(awk '
    $1 == "pass" && $2 == "rounds:" {
        key = $3 " " $4; sub(/:$/, "", key)
        n = $0; sub(/.*\(/, "", n); sub(/ execs.*/, "", n)
        best = ""
        for (i = 5; $i ~ /^[0-9.]+s?$/; i++) {
            v = $i; sub(/s$/, "", v)
            if (best == "" || v + 0 < best + 0) best = v
        }
        want[key] = sprintf("%.0f", n / best)
    }
    $1 ~ /^libfuzzer/ && $2 ~ /^fuzz_/ { got[$1 " " $2] = $3 }
    END {
        for (k in want) { seen++; if (got[k] != want[k]) print k ": " got[k] " != " want[k] }
        if (seen != 4) print "rounds of " seen " binaries listed"
    }' "$work/out")
if [ -z "$fastest_bad" ] && grep -q '^pass rounds: libfuzzer fuzz_exec: [0-9.]* [0-9.]* [0-9.]*s ' "$work/out"; then
    pass "bench-fuzz-fastest-round"
else
    fail "bench-fuzz-fastest-round (${fastest_bad:-no three rounds listed})"
fi

# refused NAME MESSAGE VAR=VALUE...: the bench, given the settings,
# must stop with one line that says MESSAGE and a failing status.
refused() {
    local name=$1 message=$2 out="$work/$1.out"

    shift 2
    if env FUZZ_DIR="$fz" BUILD="$work/build" "$@" scripts/fuzz-bench.sh \
            >"$out" 2>&1; then
        fail "$name (ran)"
    elif [ "$(wc -l <"$out")" = 1 ] && grep -q "$message" "$out"; then
        pass "$name"
    else
        fail "$name ($(head -n1 "$out"))"
    fi
}

refused bench-fuzz-bad-rounds 'BENCH_ROUNDS must be' BENCH_ROUNDS=none \
    BENCH_BASELINE="$work/ones.txt"
printf 'plain.pass_eps 1\n' >"$work/short.txt"
refused bench-fuzz-bad-baseline 'has no number for' \
    BENCH_BASELINE="$work/short.txt"
exit "$failed"
