#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Run test programs and count their verdicts.  Each program prints lines
# "PASS: name", "FAIL: name" or "SKIP: name"; a program that exits non-zero
# without printing a FAIL line counts as one failure of its own (a crash is
# never silently a pass), and exit status 77 with no output is a skip.
# Ends with the line "N passed, N failed" and exits non-zero on failures.

set -u

passed=0
failed=0
skipped=0
log=${BUILD:-build}/test.log
mkdir -p "$(dirname "$log")"
: >"$log"

for t in "$@"; do
    out=$("$t" 2>>"$log")
    rc=$?
    printf '%s\n' "$out" | tee -a "$log" | grep -E '^(FAIL|SKIP):' || true
    p=$(printf '%s\n' "$out" | grep -c '^PASS:')
    f=$(printf '%s\n' "$out" | grep -c '^FAIL:')
    s=$(printf '%s\n' "$out" | grep -c '^SKIP:')
    if [ "$rc" -ne 0 ] && [ "$rc" -ne 77 ] && [ "$f" -eq 0 ]; then
        echo "FAIL: $t exited with status $rc (stderr in $log)"
        f=1
    fi
    passed=$((passed + p))
    failed=$((failed + f))
    skipped=$((skipped + s))
done

[ "$skipped" -eq 0 ] || echo "($skipped skipped)"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
