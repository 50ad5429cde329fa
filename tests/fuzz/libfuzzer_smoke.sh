#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The libFuzzer ASan+UBSan targets build and fuzz for ~10 s from the seed
# corpus without a finding (docs/design.md, "The model and the checks": the correct core runs for
# hours with none).  -seed=1: the same mutations on every run, so a
# failure here reproduces.  A finding is described by build/fuzz/triage.

set -euo pipefail
# shellcheck source=tests/fuzz/lib.bash
. "$(dirname "$0")/lib.bash"

fz=$BUILD/fuzz
if ! fuzz_make "$fz/libfuzzer-asan/fuzz_exec" "$fz/libfuzzer-asan/fuzz_trace" \
        "$fz/triage"; then
    fail "libfuzzer-asan-build"
    exit 1
fi
pass "libfuzzer-asan-build"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for t in fuzz_exec:10 fuzz_trace:5; do
    name=${t%%:*}
    secs=${t##*:}
    mkdir -p "$work/$name"
    # The seeds are read from corpora/ but never written there.
    "$fz/libfuzzer-asan/$name" -seed=1 -max_total_time="$secs" \
        -dict="fuzz/$name.dict" -artifact_prefix="$work/$name-" \
        -print_final_stats=1 "$work/$name" "corpora/$name" \
        >"$work/$name.log" 2>&1 || true
    execs=$(sed -nE 's/^stat::number_of_executed_units: *([0-9]+)/\1/p' "$work/$name.log")
    crash=$(find "$work" -maxdepth 1 -name "$name-*" -type f | head -n1)
    if [ -n "$crash" ]; then
        desc=$("$fz/triage" --target "$name" describe "$crash" 2>/dev/null |
               sed -n 's/^finding: //p')
        cp "$crash" "$BUILD/fuzz/smoke-$name-finding" 2>/dev/null || true
        fail "libfuzzer-$name-no-finding (${desc:-$(grep -m1 -E 'ERROR|FINDING' "$work/$name.log")}; input kept as $BUILD/fuzz/smoke-$name-finding)"
    elif [ -z "$execs" ] || [ "$execs" -eq 0 ]; then
        tail -n 20 "$work/$name.log" >&2
        fail "libfuzzer-$name-no-finding (did not run)"
    else
        pass "libfuzzer-$name-no-finding ($execs execs in ${secs}s)"
    fi
done
exit "$failed"
