#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Bad input is never a crash of our tools: a missing, unreadable, huge or
# malformed file and a wrong flag each get a one-line error naming the
# problem and a non-zero exit (1 or 2; never a signal or sanitizer report),
# and an output file is not created from bad input.

set -uo pipefail
# shellcheck source=tests/fuzz/lib.bash
. "$(dirname "$0")/lib.bash"

fz=$BUILD/fuzz
if ! fuzz_make "$fz/replay" "$fz/triage" "$fz/trace2bin"; then
    fail "bad-input-build"
    exit 1
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

printf 'caps cm=0 psi=1 mamv=9 qi=1 coherent=1 rwbf=0 delay=1\nmap ld=9 bogus\n' \
    >"$work/malformed.trace"
head -c $((17 << 20)) /dev/zero >"$work/huge.bin"

# expect NAME PATTERN CMD...: exit 1 or 2, stderr matches PATTERN on its
# first line, no sanitizer report.
expect() {
    local name=$1 pattern=$2 rc
    shift 2
    "$@" >/dev/null 2>"$work/err"
    rc=$?
    if [ "$rc" != 1 ] && [ "$rc" != 2 ]; then
        fail "bad-input-$name (exit $rc)"
    elif grep -q 'Sanitizer\|runtime error' "$work/err"; then
        fail "bad-input-$name (sanitizer report)"
    elif ! head -n1 "$work/err" | grep -qE -- "$pattern"; then
        fail "bad-input-$name (first error line: $(head -n1 "$work/err"))"
    else
        pass "bad-input-$name"
    fi
}

expect replay-missing 'No such file' "$fz/replay" "$work/none.trace"
expect replay-directory 'Is a directory' "$fz/replay" "$work"
expect replay-huge 'larger than' "$fz/replay" "$work/huge.bin"
expect replay-malformed 'malformed.trace:2:' "$fz/replay" "$work/malformed.trace"
expect replay-flag 'unknown option' "$fz/replay" --bogus "$work/malformed.trace"
expect trace2bin-missing 'No such file' "$fz/trace2bin" "$work/none.trace" "$work/out.bin"
expect trace2bin-malformed 'malformed.trace:2:' \
    "$fz/trace2bin" "$work/malformed.trace" "$work/out.bin"
if [ -e "$work/out.bin" ]; then
    fail "bad-input-trace2bin-no-output (out.bin written from bad input)"
else
    pass "bad-input-trace2bin-no-output"
fi
expect triage-missing 'No such file' "$fz/triage" describe "$work/none.bin"
expect triage-flag 'unknown option' "$fz/triage" --bogus
expect triage-count "wants a number" "$fz/triage" --max-runs abc describe "$work/huge.bin"
expect triage-target 'unknown target' "$fz/triage" --target nope describe "$work/huge.bin"
expect make-engine 'ENGINE must be' make --no-print-directory fuzz ENGINE=bogus
exit "$failed"
