#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# make bench-detect (scripts/bench-detect.sh), on one variant with short
# caps: its row must show the seeds that expose it, a finding by each
# engine, soak and the explorer, and the check its patch expects; the
# chart must be written.  A variant that does not exist is one line and
# exit status 2.

set -euo pipefail
# shellcheck source=tests/fuzz/lib.bash
. "$(dirname "$0")/lib.bash"

# Its own output directory: a real run's table is not overwritten.
dir=$(mktemp -d)
out=$dir/detect.txt
log=$dir/log
trap 'rm -rf "$dir"' EXIT
if DETECT_VARIANTS=free-before-flush DETECT_CAP=30 DETECT_LF_RUNS=1 \
   DETECT_OUT=$dir scripts/bench-detect.sh >"$log" 2>&1; then
    # variant seeds lf-median found lf-max lf-execs afl afl-execs check soak explore
    row=$(awk '$1 == "free-before-flush"' "$out")
    read -r _ seeds _ found _ _ afl _ check soak explore <<<"$row"
    if [ "${seeds:-0}" -gt 0 ] && [ "$found" = 1/1 ] && [ "$afl" != - ] &&
       [ "$check" = "=freed-reachable" ] && [ "$soak" != - ] &&
       [ "$explore" != - ]; then
        pass "bench-detect-row ($row)"
    else
        fail "bench-detect-row (${row:-no row in $out})"
    fi
    if ! command -v gnuplot >/dev/null || [ -s "$dir/detect.png" ]; then
        pass "bench-detect-chart"
    else
        fail "bench-detect-chart (no detect.png)"
    fi
else
    fail "bench-detect-row ($(tail -n1 "$log"))"
fi

if DETECT_VARIANTS=no-such-variant scripts/bench-detect.sh >"$log" 2>&1; then
    fail "bench-detect-bad-variant (exit 0)"
elif [ "$(wc -l <"$log")" = 1 ] && grep -q "no variant 'no-such-variant'" "$log"; then
    pass "bench-detect-bad-variant"
else
    fail "bench-detect-bad-variant ($(head -n1 "$log"))"
fi
exit "${failed:-0}"
