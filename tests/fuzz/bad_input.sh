#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Bad input is never a crash of our tools, and never costs a saved case:
#
#   - a missing, unreadable-as-a-file, huge, corrupt (binary where text is
#     wanted) or malformed input and a wrong flag each get a one-line error
#     naming the problem (the first line of stderr; any line after it may
#     only be usage text) and exit 1 or 2, never a signal or a sanitizer
#     report: replay, triage, trace2bin, the AFL++ driver, and the scripts
#     fuzz-triage.sh, fuzz-corpora.sh, fuzz-run.sh and `make fuzz`;
#   - no output file is created or changed from bad input: trace2bin's
#     OUT, triage minimize's OUT, a crashes directory fuzz-triage.sh is
#     given, the corpora fuzz-corpora.sh regenerates.

set -uo pipefail
# shellcheck source=tests/fuzz/lib.bash
. "$(dirname "$0")/lib.bash"

fz=$BUILD/fuzz
if ! fuzz_make "$fz/replay" "$fz/triage" "$fz/trace2bin"; then
    fail "bad-input-build"
    exit 1
fi
afl=
if command -v afl-clang-fast >/dev/null && fuzz_make "$fz/afl/fuzz_exec"; then
    afl=$fz/afl/fuzz_exec
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

printf 'caps cm=0 psi=1 mamv=9 qi=1 coherent=1 rwbf=0 delay=1\nmap ld=9 bogus\n' \
    >"$work/malformed.trace"
printf 'create d=1 iommu=1 gframes=1 mframes=1\n\000\377\376 map\n' \
    >"$work/corrupt.trace"
head -c $((17 << 20)) /dev/zero >"$work/huge.bin"
cp corpora/fuzz_exec/ops-every-kind.bin "$work/clean.bin"

# expect NAME PATTERN CMD...: exit 1 or 2, no sanitizer report, the first
# line of stderr matches PATTERN and every other line is usage text.
expect() {
    local name=$1 pattern=$2 rc
    shift 2
    "$@" >/dev/null 2>"$work/err" </dev/null
    rc=$?
    if [ "$rc" != 1 ] && [ "$rc" != 2 ]; then
        fail "bad-input-$name (exit $rc: $(head -n1 "$work/err"))"
    elif grep -q 'Sanitizer\|runtime error' "$work/err"; then
        fail "bad-input-$name (sanitizer report)"
    elif ! head -n1 "$work/err" | grep -qE -- "$pattern"; then
        fail "bad-input-$name (first error line: $(head -n1 "$work/err"))"
    elif tail -n +2 "$work/err" | grep -qvE '^(usage: |  +)'; then
        fail "bad-input-$name (more than one line: $(tail -n +2 "$work/err" | head -n1))"
    else
        pass "bad-input-$name"
    fi
}

# unchanged NAME FILE SUM: FILE's content and time as before (SUM, from
# stamp FILE).
stamp() {
    { sha1sum "$1"; stat -c %Y "$1"; } 2>/dev/null | tr '\n' ' '
}
unchanged() {
    if [ "$(stamp "$2")" = "$3" ]; then
        pass "bad-input-$1"
    else
        fail "bad-input-$1 ($2 changed)"
    fi
}

# ---- replay ----
expect replay-missing 'No such file' "$fz/replay" "$work/none.trace"
expect replay-directory 'Is a directory' "$fz/replay" "$work"
expect replay-huge 'larger than' "$fz/replay" "$work/huge.bin"
expect replay-malformed 'malformed.trace:2:' "$fz/replay" "$work/malformed.trace"
expect replay-corrupt 'corrupt.trace:2: NUL byte' \
    "$fz/replay" --text "$work/corrupt.trace"
expect replay-flag 'unknown option' "$fz/replay" --bogus "$work/malformed.trace"

# ---- trace2bin ----
expect trace2bin-missing 'No such file' "$fz/trace2bin" "$work/none.trace" "$work/out.bin"
expect trace2bin-malformed 'malformed.trace:2:' \
    "$fz/trace2bin" "$work/malformed.trace" "$work/out.bin"
expect trace2bin-corrupt 'corrupt.trace:2: NUL byte' \
    "$fz/trace2bin" "$work/corrupt.trace" "$work/out.bin"
expect trace2bin-flag 'usage' "$fz/trace2bin" --bogus "$work/malformed.trace"
if [ -e "$work/out.bin" ]; then
    fail "bad-input-trace2bin-no-output (out.bin written from bad input)"
else
    pass "bad-input-trace2bin-no-output"
fi
cp "$work/clean.bin" "$work/kept.bin"
touch -d '2001-01-01' "$work/kept.bin"
sum=$(stamp "$work/kept.bin")
"$fz/trace2bin" "$work/malformed.trace" "$work/kept.bin" 2>/dev/null
unchanged trace2bin-keeps-output "$work/kept.bin" "$sum"

# ---- triage ----
expect triage-missing 'No such file' "$fz/triage" describe "$work/none.bin"
expect triage-directory 'Is a directory' "$fz/triage" describe "$work"
expect triage-huge 'larger than' "$fz/triage" describe "$work/huge.bin"
expect triage-flag 'unknown option' "$fz/triage" --bogus
expect triage-count "wants a number" "$fz/triage" --max-runs abc describe "$work/clean.bin"
expect triage-target 'unknown target' "$fz/triage" --target nope describe "$work/clean.bin"
expect triage-command 'usage' "$fz/triage" undo "$work/clean.bin"
# A case kept as OUT survives a minimisation from bad or clean input.
expect triage-minimize-missing 'No such file' \
    "$fz/triage" minimize "$work/none.bin" "$work/kept.bin"
expect triage-minimize-clean 'no finding' \
    "$fz/triage" minimize "$work/clean.bin" "$work/kept.bin"
unchanged triage-keeps-output "$work/kept.bin" "$sum"

# ---- the AFL++ driver ----
if [ -n "$afl" ]; then
    expect afl-driver-missing 'No such file' "$afl" "$work/none.bin"
    expect afl-driver-directory 'Is a directory' "$afl" "$work"
    expect afl-driver-flag 'unknown option' "$afl" --bogus
else
    skip "bad-input-afl-driver (AFL++ not installed: scripts/install-deps.sh fuzz)"
fi

# ---- fuzz-triage.sh: saved cases stay as they were ----
mkdir -p "$work/crashes"
cp "$work/clean.bin" "$work/crashes/dma-fault-00000000.bin"
echo 'check: dma-fault; op: map; index: 1; location: -; date: 2001-01-01; variant: none; target: fuzz_exec; finding: FINDING dma-fault' \
    >"$work/crashes/dma-fault-00000000.txt"
touch -d '2001-01-01' "$work/crashes"/*
before=$(cd "$work/crashes" && ls -l --time-style=+%s && sha1sum ./*)
triage_script() {
    CRASHES=$work/crashes FUZZ_DIR=$fz TRIAGE_CACHE=$work/cache.tsv \
        scripts/fuzz-triage.sh "$@"
}
expect fuzz-triage-missing 'none.bin: not a readable file' \
    triage_script "$work/none.bin"
expect fuzz-triage-directory 'not a readable file' triage_script "$work"
expect fuzz-triage-target "unknown target 'nope'" triage_script --target nope "$work/clean.bin"
expect fuzz-triage-flag "unknown option '--bogus'" triage_script --bogus "$work/clean.bin"
if out=$(triage_script "$work/clean.bin" "$work/crashes/dma-fault-00000000.bin" 2>&1) &&
   [[ "$out" == *"new=0 dup=0 norepro=2"* ]]; then
    pass "bad-input-fuzz-triage-clean-inputs (norepro)"
else
    fail "bad-input-fuzz-triage-clean-inputs ($(printf '%s' "$out" | tail -n1))"
fi
if [ "$(cd "$work/crashes" && ls -l --time-style=+%s && sha1sum ./*)" = "$before" ]; then
    pass "bad-input-fuzz-triage-keeps-cases"
else
    fail "bad-input-fuzz-triage-keeps-cases (the crashes directory changed)"
fi

# ---- fuzz-corpora.sh: a bad trace leaves the corpora as they were ----
mkdir -p "$work/top/scripts" "$work/top/fuzz"
cp scripts/fuzz-corpora.sh "$work/top/scripts/"
cp -R corpora "$work/top/corpora"
cp fuzz/*.dict "$work/top/fuzz/"
cp "$work/malformed.trace" "$work/top/corpora/traces/zz-malformed.trace"
touch -d '2001-01-01' "$work/top/corpora"/*/* "$work/top/fuzz"/*
before=$(cd "$work/top" && ls -lR --time-style=+%s corpora fuzz | sha1sum)
# fuzz-corpora.sh runs from its own top: the tool by an absolute path.
t2b_abs=$(cd "$fz" && pwd)/trace2bin
expect fuzz-corpora-malformed 'zz-malformed.trace:2:' \
    env TRACE2BIN="$t2b_abs" "$work/top/scripts/fuzz-corpora.sh"
expect fuzz-corpora-flag 'usage' \
    env TRACE2BIN="$t2b_abs" "$work/top/scripts/fuzz-corpora.sh" --bogus
if [ "$(cd "$work/top" && ls -lR --time-style=+%s corpora fuzz | sha1sum)" = "$before" ]; then
    pass "bad-input-fuzz-corpora-keeps-corpora"
else
    fail "bad-input-fuzz-corpora-keeps-corpora (corpora/ or fuzz/*.dict changed)"
fi

# ---- fuzz-run.sh and make ----
expect fuzz-run-time 'FUZZ_TIME must be a positive number' \
    env FUZZ_DIR="$work/fz" FUZZ_TIME=abc scripts/fuzz-run.sh
expect fuzz-run-engine 'ENGINE must be' \
    env FUZZ_DIR="$work/fz" ENGINE=bogus scripts/fuzz-run.sh
if [ -e "$work/fz" ]; then
    fail "bad-input-fuzz-run-no-output ($work/fz made from bad settings)"
else
    pass "bad-input-fuzz-run-no-output"
fi
expect make-engine 'ENGINE must be' make --no-print-directory fuzz ENGINE=bogus
exit "$failed"
