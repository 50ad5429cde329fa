#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# usage: scripts/fuzz-triage.sh [--target fuzz_exec|fuzz_trace] FILE...
#   env: FUZZ_DIR   where the triage tool is (build/fuzz, or a variant's)
#        VARIANT    the variant the files were found on ('' = the real core)
#        FUZZ_BASE_DIR  the real core's tools, to tell a variant's own bugs
#                   from the core's (build/fuzz)
#        CRASHES    where cases are kept (default crashes/)
#        FUZZ_TRIAGE_RUNS  minimisation budget per finding, in runs (5000)
#        TRIAGE_CACHE  what was triaged before (FUZZ_DIR/triage-cache.tsv)
#        TRIAGE_SHOW  1: also print each new case in full (its .txt, its
#                   readable trace and its bytes in base64), for logs that
#                   outlive the checkout, like CI's
#
# The crash pipeline (docs/design.md, "Inputs and reproduction"): for each fuzzer finding
#   1. reproduce it (triage describe); one that does not is reported
#      and dropped;
#   2. if one like it (same check, op kind and location, before
#      minimisation) was already triaged, it is a duplicate: no need to
#      spend a minimisation on it;
#   3. minimise it at op level, keeping the same check (triage
#      minimize);
#   4. file it as CRASHES/<check>-<hash>.{bin,trace,txt}, where the hash is
#      of (check, op kind, location, variant) of the minimised case: the
#      same bug found again lands on the same name and is counted as a
#      duplicate.  An existing case is never overwritten.
#
# Prints one line per file, then "triage-summary new=N dup=N norepro=N".
# A FILE that is not a readable regular file is an error (one line on
# stderr; the others are still triaged, and the exit status is 2).

set -euo pipefail

me=fuzz-triage
top=$(cd "$(dirname "$0")/.." && pwd)
target=fuzz_exec
if [ "${1:-}" = --target ]; then
    target=${2:-}
    shift $(($# < 2 ? $# : 2))
fi
case "$target" in
fuzz_exec|fuzz_trace) ;;
*) echo "$me: unknown target '$target'" >&2; exit 2 ;;
esac
case "${1:-}" in
-*) echo "$me: unknown option '$1' (usage: $0 [--target fuzz_exec|fuzz_trace] FILE...)" >&2
    exit 2 ;;
esac
fuzz_dir=${FUZZ_DIR:-$top/build/fuzz}
variant=${VARIANT:-}
crashes=${CRASHES:-$top/crashes}
triage=$fuzz_dir/triage
base_triage=${FUZZ_BASE_DIR:-$top/build/fuzz}/triage
[ -x "$triage" ] || { echo "$me: $triage not built" >&2; exit 2; }
mkdir -p "$crashes" "$fuzz_dir"

# Sanitizer reports name files and lines; they need a symbolizer.
if [ -z "${ASAN_SYMBOLIZER_PATH:-}" ]; then
    for s in /usr/lib/llvm-*/bin/llvm-symbolizer; do
        [ -x "$s" ] && export ASAN_SYMBOLIZER_PATH=$s
    done
fi

# The whole case, between markers: enough to rebuild it from a log alone
# (base64 -d >X.bin, or save the trace lines; replay takes either).
show_case() {   # show_case BASE
    local name
    name=$(basename "$1")
    echo "---8<--- $name.txt"
    cat "$1.txt"
    if [ -f "$1.trace" ]; then
        echo "---8<--- $name.trace"
        cat "$1.trace"
    fi
    echo "---8<--- $name.bin (base64)"
    base64 -w 76 "$1.bin"
    echo "--->8---"
}

# What was already triaged: "pre-key<TAB>case" lines, across runs, so a
# long campaign does not minimise the same bug again and again.
cache=${TRIAGE_CACHE:-$fuzz_dir/triage-cache.tsv}
touch "$cache"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

new=0
dup=0
norepro=0
bad=0

field() {   # field NAME < describe-output
    sed -n "s/^$1: //p" | head -n1
}

for f in "$@"; do
    if [ ! -f "$f" ] || [ ! -r "$f" ]; then
        echo "$me: $f: not a readable file" >&2
        bad=$((bad + 1))
        continue
    fi
    if ! "$triage" --target "$target" describe "$f" >"$tmp/desc" 2>"$tmp/err"; then
        echo "  norepro  $f"
        norepro=$((norepro + 1))
        continue
    fi
    check=$(field check <"$tmp/desc")
    op=$(field op <"$tmp/desc")
    loc=$(field location <"$tmp/desc")
    pre="$crashes|$target|$variant|$check|$op|$loc"
    known=$(awk -F'\t' -v k="$pre" '$1 == k { print $2; exit }' "$cache")
    if [ -n "$known" ] && [ -e "$known.txt" ]; then
        echo "  dup      $f -> $(basename "$known") ($check)"
        dup=$((dup + 1))
        continue
    fi

    if ! "$triage" --target "$target" --max-runs "${FUZZ_TRIAGE_RUNS:-5000}" \
            minimize "$f" "$tmp/min" \
            >"$tmp/desc" 2>"$tmp/err"; then
        echo "  norepro  $f (lost while minimising: $(tail -n1 "$tmp/err"))"
        norepro=$((norepro + 1))
        continue
    fi
    check=$(field check <"$tmp/desc")
    op=$(field op <"$tmp/desc")
    idx=$(field index <"$tmp/desc")
    loc=$(field location <"$tmp/desc")
    line=$(field finding <"$tmp/desc")
    # Found on a variant, but the real core has it too: the core's bug,
    # filed as such (a variant's expected findings must be its own).
    case_variant=$variant
    if [ -n "$variant" ] && [ -x "$base_triage" ] &&
       "$base_triage" --target "$target" describe "$tmp/min" >"$tmp/base" 2>/dev/null &&
       [ "$(field check <"$tmp/base")" = "$check" ]; then
        case_variant=
    fi
    hash=$(printf '%s|%s|%s|%s|%s' "$target" "$check" "$op" "$loc" "$case_variant" |
           sha1sum | cut -c1-8)
    base=$crashes/$check-$hash
    printf '%s\t%s\n' "$pre" "$base" >>"$cache"

    # The .txt is created first and exclusively (noclobber): it is the
    # lock that keeps two runs, or an old case, from being overwritten.
    if [ -e "$base.txt" ] || ! (set -C; : >"$base.txt") 2>/dev/null; then
        echo "  dup      $f -> $(basename "$base") ($check)"
        dup=$((dup + 1))
        continue
    fi
    cp "$tmp/min" "$base.bin"
    if [ "$target" = fuzz_exec ]; then
        "$triage" trace "$base.bin" >"$base.trace"
    fi
    # One line; fields never contain "; " (the separator).
    printf 'check: %s; op: %s; index: %s; location: %s; date: %s; variant: %s; target: %s; finding: %s\n' \
        "$check" "$op" "$idx" "${loc//;/,}" "$(date -u +%Y-%m-%d)" \
        "${case_variant:-none}" "$target" "${line//;/,}" >"$base.txt"
    echo "  new      $f -> $(basename "$base") ($check after $op: $loc${case_variant:+; variant $case_variant})"
    if [ "${TRIAGE_SHOW:-0}" = 1 ]; then show_case "$base"; fi
    new=$((new + 1))
done
echo "triage-summary new=$new dup=$dup norepro=$norepro"
[ "$bad" = 0 ] || exit 2
