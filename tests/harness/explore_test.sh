#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The small-scope explorer (harness/tools/explore.c):
#   - on the correct core, every sequence of up to 2 moves on all 128
#     capability combinations, and up to 3 on the first, gives nothing;
#   - pruning by state digest runs fewer sequences than --no-prune to the
#     same bound, with the same (no) findings;
#   - on a broken variant (unmap-rw-no-flush, made by mk/variants.mk) it
#     finds the bug, the saved trace replays to a finding there and clean
#     on the real core, and a second run saves beside the first instead
#     of over it;
#   - bad options are one line and exit status 2.

set -u
cd "$(dirname "$0")/../.." || exit 1
BUILD=${BUILD:-build}
explore=$BUILD/gcc/explore
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

runs_of() { sed -nE 's/.*; ([0-9]+) sequences,.*/\1/p' "$1"; }

if "$explore" --depth 2 --time 0 --out "$out/real" >"$out/all.log" 2>&1 &&
   grep -q 'deepest complete bound 2;.* 0 findings' "$out/all.log"; then
    echo "PASS: explore-correct-core-bound-2 ($(tail -n1 "$out/all.log" | sed 's/^explore: //'))"
else
    echo "FAIL: explore-correct-core-bound-2: $(grep -m1 -E 'FINDING|deepest' "$out/all.log")"
fi

"$explore" --caps 0 --depth 3 --time 0 >"$out/pruned.log" 2>&1
pruned_rc=$?
"$explore" --caps 0 --depth 3 --time 0 --no-prune >"$out/full.log" 2>&1
full_rc=$?
pruned=$(runs_of "$out/pruned.log")
full=$(runs_of "$out/full.log")
if [ $pruned_rc = 0 ] && [ $full_rc = 0 ] && [ -n "$pruned" ] &&
   [ -n "$full" ] && [ "$pruned" -lt "$full" ]; then
    echo "PASS: explore-pruning (bound 3, one combination: $pruned sequences pruned, $full without)"
else
    echo "FAIL: explore-pruning (rc $pruned_rc/$full_rc, sequences ${pruned:-?} pruned against ${full:-?})"
fi

variant=$BUILD/variants/unmap-rw-no-flush
# (mk/variants.mk; the caller's jobserver, if any, is not ours.)
env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make --no-print-directory \
    BUILD="$BUILD" "$variant/explore" "$variant/replay" >"$out/variant.log" 2>&1
for i in 1 2; do
    "$variant/explore" --caps 0 --depth 3 --out "$out/found" \
        >"$out/variant-$i.log" 2>&1
    echo $? >"$out/rc-$i"
done
saved=$(ls "$out"/found/*.trace 2>/dev/null | head -n1)
if [ "$(cat "$out/rc-1")" != 1 ] || [ -z "$saved" ]; then
    echo "FAIL: explore-finds-variant (unmap-rw-no-flush: rc $(cat "$out/rc-1"), nothing saved)"
elif ! "$variant/replay" -q "$saved" | grep -q '^FINDING'; then
    echo "FAIL: explore-finds-variant (the saved $saved does not replay to a finding)"
elif "$BUILD/gcc/replay" -q "$saved" | grep -q '^FINDING'; then
    echo "FAIL: explore-finds-variant (the saved trace is a finding on the real core too)"
elif [ "$(ls "$out"/found | wc -l)" != 2 ]; then
    echo "FAIL: explore-finds-variant (a second run did not save beside the first)"
else
    echo "PASS: explore-finds-variant ($(grep -m1 '^FINDING' "$out/variant-1.log" | cut -d' ' -f1-2))"
fi

bad=0
for args in "--depth x" "--caps 256" "--time" "--bogus 1" "stray"; do
    # shellcheck disable=SC2086 # one option and its value, split on purpose
    "$explore" $args >"$out/bad.out" 2>"$out/bad.err"
    rc=$?
    if [ $rc != 2 ] || [ "$(grep -vc '^usage:' "$out/bad.err")" != 1 ] ||
       [ -s "$out/bad.out" ]; then
        echo "FAIL: explore-bad-options ('$args': rc $rc, $(head -n1 "$out/bad.err"))"
        bad=1
    fi
done
[ $bad = 1 ] || echo "PASS: explore-bad-options"
