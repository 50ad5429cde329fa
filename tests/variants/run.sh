#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The oracles must catch every known defect class.  Each
# tests/variants/NAME.patch breaks the core in one way and names, in its
# header, a trace and the check that must report it:
#
#   Caught by: tests/scenarios/X.trace CHECK
#
# For each variant: patch a copy of hv/ (scripts/fuzz-variant.sh), build
# the replay tool over it (gcc, against the harness of build/gcc), and
# replay the trace: the real core must give no finding, the variant must
# give FINDING CHECK.  A variant that passes is an oracle that cannot fail.

set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
BUILD=${BUILD:-build}
real=$BUILD/gcc/replay
harness=$BUILD/gcc/libharness.a
log=$BUILD/variants/build.log
failed=0

mkdir -p "$BUILD/variants"
: >"$log"
if [ ! -x "$real" ] || [ ! -f "$harness" ]; then
    echo "FAIL: variants ($real or $harness missing: make build-gcc)"
    exit 1
fi

# First FINDING check of replaying TRACE with REPLAY, or "none".
finding_of() {
    local got
    got=$("$1" -q "$2" 2>&1 | sed -nE 's/^FINDING ([a-z-]+).*/\1/p' | head -n1)
    echo "${got:-none}"
}

for patch in tests/variants/*.patch; do
    name=$(basename "$patch" .patch)
    dir=$BUILD/variants/$name
    read -r trace check < <(sed -nE 's/^Caught by: //p' "$patch")
    if [ -z "${check:-}" ] || [ ! -f "$trace" ]; then
        echo "FAIL: variant-$name (no valid 'Caught by: TRACE CHECK' line)"
        failed=1
        continue
    fi
    if ! scripts/fuzz-variant.sh "$name" "$dir" >>"$log" 2>&1 ||
       ! gcc -std=gnu11 -O1 -g -Iharness/include -Iharness -I"$dir/hv" \
             "$dir"/hv/*.c harness/replay.c "$harness" -o "$dir/replay" \
             >>"$log" 2>&1; then
        echo "FAIL: variant-$name (does not patch or build; see $log)"
        failed=1
        continue
    fi
    base=$(finding_of "$real" "$trace")
    got=$(finding_of "$dir/replay" "$trace")
    if [ "$base" != none ]; then
        echo "FAIL: variant-$name ($trace: real core gives $base)"
        failed=1
    elif [ "$got" != "$check" ]; then
        echo "FAIL: variant-$name ($trace: expected $check, got $got)"
        failed=1
    else
        echo "PASS: variant-$name ($trace: $check)"
    fi
done
exit "$failed"
