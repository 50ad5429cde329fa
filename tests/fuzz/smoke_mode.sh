#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# How `make fuzz` runs libFuzzer: a campaign (the default) in -fork mode,
# so that a finding does not stop it; CI's smoke (FUZZ_FAIL_ON_FINDING=1,
# one job) in one process, which fails on its first finding anyway and
# runs almost twice as many inputs without -fork's restarts and merges.
# Each mode is read from the fuzzer's own log of a short run.

set -euo pipefail
# shellcheck source=tests/fuzz/lib.bash
. "$(dirname "$0")/lib.bash"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# run_mode FAIL_ON_FINDING: a 3 s fuzz_trace run; prints its fuzzer log.
run_mode() {
    local out=$work/run-$1
    if ! make --no-print-directory BUILD="$BUILD" fuzz FUZZ_TIME=3 \
            FUZZ_TARGETS=fuzz_trace FUZZ_SAN=0 FUZZ_FAIL_ON_FINDING="$1" \
            CRASHES="$work/crashes" >"$out.log" 2>&1; then
        echo "# make fuzz (FUZZ_FAIL_ON_FINDING=$1) failed: $(tail -n1 "$out.log")" >&2
        return 1
    fi
    local dir
    dir=$(sed -nE 's/.*log in ([^ ]*fuzz_trace)\/.*/\1/p' "$out.log" | tail -n1)
    cat "$dir/fuzzer.log"
}

if log=$(run_mode 1) && ! grep -q -- '-fork' <<<"$log" &&
   grep -q '^Done [0-9]* runs' <<<"$log"; then
    pass "fuzz-smoke-one-process"
else
    fail "fuzz-smoke-one-process ($(grep -m1 -- '-fork\|ERROR' <<<"${log:-}" || echo 'no log'))"
fi
if log=$(run_mode 0) && grep -q -- '-fork=1' <<<"$log"; then
    pass "fuzz-campaign-forks"
else
    fail "fuzz-campaign-forks ($(tail -n1 <<<"${log:-}" || echo 'no log'))"
fi
exit "$failed"
