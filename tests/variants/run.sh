#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The checks must catch every known defect class.  Each
# tests/variants/NAME.patch breaks one thing - the core (hv/), a stand-in
# for the rest of Xen (harness/xen/) or Xen's own grant_table.c - and
# names, in its header, a trace and the check that must report it:
#
#   Defect: ...            (or "Defect (XSA-n class): ...")
#   Expected finding: ...
#   Caught by: tests/variants/traces/NAME.trace CHECK
#   (more 'Caught by:' lines: each of those traces must catch it too)
#   Missed by: tests/variants/traces/OTHER.trace
#   (optional: a trace the variant must give no finding on, e.g. the
#   same trace without the capability that alone makes it visible)
#
# For each variant, make builds $BUILD/variants/NAME/{replay,soak,explore}
# (mk/variants.mk: scripts/fuzz-variant.sh patches a copy of hv/,
# harness/xen/ and Xen's grant_table.c there, compiled by mk/build.mk's
# rules with gcc at -O1, without -Werror; the rest of the harness is the
# gcc build's objects).  Then each trace is replayed: the real build
# ($BUILD/gcc/replay) must give no finding, the variant FINDING CHECK as
# its first finding.  A variant that passes is a check that can fail.

set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
BUILD=${BUILD:-build}
export BUILD
real=$BUILD/gcc/replay
log=$BUILD/variants/build.log
failed=0

mkdir -p "$BUILD/variants"
: >"$log"

# First FINDING check of replaying TRACE with REPLAY, or "none".
finding_of() {
    local got
    got=$("$1" -q "$2" 2>&1 | sed -nE 's/^FINDING ([a-z-]+).*/\1/p' | head -n1)
    echo "${got:-none}"
}

# One variant: its result line (PASS:/FAIL:) on stdout, its build's
# output in DIR/build.log.
run_variant() {
    local patch=$1 name dir trace check base got caught=() missed=() line
    local passed=
    name=$(basename "$patch" .patch)
    dir=$BUILD/variants/$name
    mapfile -t caught < <(sed -nE 's/^Caught by: //p' "$patch")
    mapfile -t missed < <(sed -nE 's/^Missed by: //p' "$patch")
    if ! grep -qE '^Defect( \([^)]*\))?:' "$patch" ||
       ! grep -q '^Expected finding:' "$patch"; then
        echo "FAIL: variant-$name (header needs 'Defect:' and 'Expected finding:' lines)"
        return
    fi
    for line in "${caught[@]}" ''; do
        read -r trace check <<<"$line"
        [ -n "$line" ] || { [ ${#caught[@]} -gt 0 ] && break; }
        if [ -z "${check:-}" ] || [ ! -f "$trace" ]; then
            echo "FAIL: variant-$name (no valid 'Caught by: TRACE CHECK' line)"
            return
        fi
    done
    if [ ! -x "$dir/replay" ] || [ ! -f "$dir/.built" ]; then
        echo "FAIL: variant-$name (does not patch or build; see $log)"
        return
    fi
    for line in "${caught[@]}"; do
        read -r trace check <<<"$line"
        base=$(finding_of "$real" "$trace")
        got=$(finding_of "$dir/replay" "$trace")
        if [ "$base" != none ]; then
            echo "FAIL: variant-$name ($trace: real code gives $base)"
            return
        elif [ "$got" != "$check" ]; then
            echo "FAIL: variant-$name ($trace: expected $check, got $got)"
            return
        fi
        passed="$passed${passed:+, }$trace: $check"
    done
    for trace in "${missed[@]}"; do
        if [ ! -f "$trace" ]; then
            echo "FAIL: variant-$name (no trace $trace to miss it)"
            return
        fi
        got=$(finding_of "$dir/replay" "$trace")
        if [ "$got" != none ]; then
            echo "FAIL: variant-$name ($trace: expected no finding, got $got)"
            return
        fi
        passed="$passed, $trace: none"
    done
    echo "PASS: variant-$name ($passed)"
}

# VARIANT_JOBS variants at a time (each is one compile and two replays);
# the results come out in the order of the patches.
jobs_max=${VARIANT_JOBS:-$(nproc 2>/dev/null || echo 2)}
# Names on the command line: only those variants (tests/harness/
# soak_short.sh builds its own that way); none: every one.
if [ $# -gt 0 ]; then
    patches=()
    for name in "$@"; do
        patches+=("tests/variants/$name.patch")
    done
else
    patches=(tests/variants/*.patch)
fi
for patch in "${patches[@]}"; do
    if [ ! -f "$patch" ]; then
        echo "FAIL: variants (no $patch)"
        exit 1
    fi
done
# Every variant's programs in one make (its jobs, not ours: run from
# `make test`, the caller's jobserver is not ours); -k, so that one that
# does not patch or build fails alone.  .built marks a variant none of
# whose targets make reported an error for, so that a program left from
# an earlier run never stands in for one that failed now.
targets=()
for patch in "${patches[@]}"; do
    name=$(basename "$patch" .patch)
    rm -f "$BUILD/variants/$name/.built"
    for prog in replay soak explore; do
        targets+=("$BUILD/variants/$name/$prog")
    done
done
env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -k -j"$jobs_max" \
    --no-print-directory BUILD="$BUILD" "${targets[@]}" >"$log.make" 2>&1
cat "$log.make" >>"$log"
for patch in "${patches[@]}"; do
    dir=$BUILD/variants/$(basename "$patch" .patch)
    if [ -x "$dir/replay" ] &&
       ! grep -E "(Error [0-9]+|not remade).*$dir/" "$log.make" >/dev/null; then
        touch "$dir/.built"
    fi
done
rm -f "$log.make"
running=0
for patch in "${patches[@]}"; do
    if [ "$running" -ge "$jobs_max" ]; then
        wait -n
        running=$((running - 1))
    fi
    run_variant "$patch" >"$BUILD/variants/$(basename "$patch" .patch).result" &
    running=$((running + 1))
done
wait
for patch in "${patches[@]}"; do
    name=$(basename "$patch" .patch)
    result=$BUILD/variants/$name.result
    cat "$result"
    grep -q '^PASS: ' "$result" || failed=1
    rm -f "$result"
done
exit "$failed"
