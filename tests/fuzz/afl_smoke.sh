#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The AFL++ persistent-mode build runs under afl-fuzz for a few seconds:
# persistent mode and shared-memory test cases detected, inputs executed.
# SKIP where afl-fuzz cannot run here at all (it is not installed, or the
# kernel refuses what it needs); a finding is libfuzzer_smoke.sh's
# business, not this test's.

set -euo pipefail
# shellcheck source=tests/fuzz/lib.bash
. "$(dirname "$0")/lib.bash"

if ! command -v afl-fuzz >/dev/null; then
    skip "afl-persistent (afl-fuzz not installed: scripts/install-deps.sh fuzz)"
    exit 0
fi
fz=$BUILD/fuzz
if ! fuzz_make "$fz/afl/fuzz_exec" "$fz/afl-cmplog/fuzz_exec" \
        "$fz/afl/fuzz_empty"; then
    fail "afl-build"
    exit 1
fi
pass "afl-build"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/in"
cp corpora/fuzz_exec/ops-every-kind.bin corpora/fuzz_exec/grant-promote-demote.bin "$work/in/"
AFL_NO_UI=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 \
AFL_NO_AFFINITY=1 AFL_FAST_CAL=1 AFL_QUIET=1 \
    run_tracked timeout 60 afl-fuzz -i "$work/in" -o "$work/out" -M main \
        -c "$fz/afl-cmplog/fuzz_exec" -V 5 -t 10000 -m none \
        -x fuzz/fuzz_exec.dict -- "$fz/afl/fuzz_exec" >"$work/log" 2>&1 || true

stats=$work/out/main/fuzzer_stats
if [ ! -f "$stats" ]; then
    # Typical: core_pattern piped to a crash handler with no override,
    # shared memory refused in a container.  Not a bug of ours.
    why=$(grep -m1 -E 'PROGRAM ABORT|Error|error' "$work/log" | sed 's/\x1b\[[0-9;]*m//g' || true)
    skip "afl-persistent (afl-fuzz could not start here: ${why:-see its log})"
    exit 0
fi
execs=$(sed -nE 's/^execs_done +: ([0-9]+).*/\1/p' "$stats")
if ! grep -q 'Persistent mode binary detected' "$work/log"; then
    fail "afl-persistent (persistent mode not detected)"
elif ! grep -q 'SHARED MEMORY FUZZING' "$work/log"; then
    fail "afl-persistent (test cases not delivered in shared memory)"
elif [ "${execs:-0}" -lt 100 ]; then
    fail "afl-persistent (only ${execs:-0} execs in 5 s)"
else
    pass "afl-persistent ($execs execs in 5 s, shared-memory test cases)"
fi
exit "$failed"
