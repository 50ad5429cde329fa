#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# usage: TRACE2BIN=build/fuzz/trace2bin scripts/fuzz-corpora.sh [--check]
#
# The seed corpora and dictionaries are generated, never edited
# (docs/design.md, "Inputs and reproduction"): from each corpora/traces/NAME.trace
#   corpora/fuzz_exec/NAME.bin     its encoding (what the decoder reads)
#   corpora/fuzz_trace/NAME.trace  its canonical text (what the printer writes)
# and fuzz/fuzz_exec.dict, fuzz/fuzz_trace.dict from the trace tables.
# The outputs are committed so that a fresh clone can fuzz at once.
#
# --check  regenerate into a scratch directory and compare: exit 1, naming
#          every stale, missing or extra file, if the committed ones differ.

set -euo pipefail

me=fuzz-corpora
top=$(cd "$(dirname "$0")/.." && pwd)
t2b=${TRACE2BIN:-$top/build/fuzz/trace2bin}
check=0
case "${1:-}" in
--check) check=1 ;;
'') ;;
*) echo "usage: $0 [--check]" >&2; exit 2 ;;
esac
[ -x "$t2b" ] || { echo "$me: $t2b not built (make corpora builds it)" >&2; exit 2; }

cd "$top"
shopt -s nullglob
traces=(corpora/traces/*.trace)
[ ${#traces[@]} -gt 0 ] || { echo "$me: no corpora/traces/*.trace" >&2; exit 1; }

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
mkdir -p "$out/corpora/fuzz_exec" "$out/corpora/fuzz_trace" "$out/fuzz"
for t in "${traces[@]}"; do
    name=$(basename "$t" .trace)
    "$t2b" "$t" "$out/corpora/fuzz_exec/$name.bin"
    "$t2b" --canon "$t" >"$out/corpora/fuzz_trace/$name.trace"
done
"$t2b" --dict-exec >"$out/fuzz/fuzz_exec.dict"
"$t2b" --dict-trace >"$out/fuzz/fuzz_trace.dict"

if [ $check = 1 ]; then
    bad=0
    for d in corpora/fuzz_exec corpora/fuzz_trace; do
        if ! diff -rq "$d" "$out/$d" >"$out/diff" 2>&1; then
            sed "s|$out/||g; s|^|$me: |" "$out/diff" >&2
            bad=1
        fi
    done
    for f in fuzz/fuzz_exec.dict fuzz/fuzz_trace.dict; do
        cmp -s "$f" "$out/$f" || { echo "$me: $f is stale" >&2; bad=1; }
    done
    if [ $bad = 1 ]; then
        echo "$me: corpora out of date with corpora/traces: run 'make corpora'" >&2
        exit 1
    fi
    echo "$me: ${#traces[@]} traces, corpora and dictionaries up to date"
    exit 0
fi

# Replace whole directories: a trace that was deleted or renamed must not
# leave its old seed behind.
for d in corpora/fuzz_exec corpora/fuzz_trace; do
    rm -rf "$d"
    mkdir -p "$d"
    cp "$out/$d"/* "$d"/
done
cp "$out/fuzz/fuzz_exec.dict" "$out/fuzz/fuzz_trace.dict" fuzz/
echo "$me: ${#traces[@]} traces -> corpora/fuzz_exec, corpora/fuzz_trace, fuzz/*.dict"
