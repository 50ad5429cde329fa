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
#
# For each variant: scripts/fuzz-variant.sh makes $BUILD/variants/NAME/
# (hv/, harness/xen/, xen/common/grant_table.c, patched), and a replay is
# built from it: the variant's hv/*.c and harness/xen/*.c, with -I of its
# xen/ in front so that the wrapper harness/xen/grant_table.c includes the
# variant's grant_table.c; the rest of the harness is the gcc build's
# objects ($BUILD/gcc/obj/harness/*.o), plus harness/tools/replay.c.  Flags are
# the Makefile's (XEN_INC, CSTD; Xen's own files get -Wall, the others
# -Wall -Wextra; no -Werror: a variant may be ugly).  Then the trace is
# replayed: the real build ($BUILD/gcc/replay) must give no finding, the
# variant FINDING CHECK as its first finding.  A variant that passes is a
# check that can fail.

set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
BUILD=${BUILD:-build}
export BUILD
real=$BUILD/gcc/replay
objdir=$BUILD/gcc/obj/harness
log=$BUILD/variants/build.log
failed=0

mkdir -p "$BUILD/variants"
: >"$log"

# The Makefile's own flags, so that a variant compiles as the real build.
# (Run from `make test`: the caller's jobserver is not ours.)
# shellcheck disable=SC2016 # $(...) is make's, expanded by make
flags=$(env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s --no-print-directory \
        BUILD="$BUILD" --eval 'variant-flags: ; @echo "$(CSTD)|$(XEN_INC)|$(XEN_OWN_SRC)"' \
        variant-flags 2>>"$log")
IFS='|' read -r cstd xen_inc xen_own <<<"$flags"
if [ -z "${xen_inc:-}" ] || [ -z "${xen_own:-}" ]; then
    echo "FAIL: variants (cannot read XEN_INC from the Makefile; see $log)"
    exit 1
fi

# The harness apart from harness/xen/ and the programs: the gcc build's.
harness_objs=()
for src in harness/*.c; do
    base=$(basename "$src" .c)
    obj=$objdir/$base.o
    if [ ! -f "$obj" ] || [ "$src" -nt "$obj" ]; then
        echo "FAIL: variants ($obj missing or older than $src: make build-gcc)"
        exit 1
    fi
    harness_objs+=("$obj")
done
# Objects built before a header changed would not match what the
# variant's files are compiled against now.
oldest=$(ls -tr -- "${harness_objs[@]}" | head -n1)
newer=$(find harness hv -name '*.h' -newer "$oldest" | head -n1)
if [ -n "$newer" ]; then
    echo "FAIL: variants ($newer is newer than $oldest: make build-gcc)"
    exit 1
fi
if [ ! -x "$real" ]; then
    echo "FAIL: variants ($real missing: make build-gcc)"
    exit 1
fi

# First FINDING check of replaying TRACE with REPLAY, or "none".
finding_of() {
    local got
    got=$("$1" -q "$2" 2>&1 | sed -nE 's/^FINDING ([a-z-]+).*/\1/p' | head -n1)
    echo "${got:-none}"
}

is_xen_own() {
    local f
    for f in $xen_own; do
        [ "$f" = "harness/xen/$1" ] && return 0
    done
    return 1
}

# Build DIR/replay and DIR/soak from the variant's tree in DIR.
build_variant() {
    local dir=$1 inc src own=() rest=()
    # shellcheck disable=SC2206 # the Makefile's flags, word-split on purpose
    inc=(-I"$dir/xen" $xen_inc -I"$dir/hv")
    for src in "$dir"/harness/xen/*.c; do
        if is_xen_own "$(basename "$src")"; then
            own+=("$src")
        else
            rest+=("$src")
        fi
    done
    rm -rf "$dir/obj"
    mkdir -p "$dir/obj"
    for src in "${own[@]}"; do
        # shellcheck disable=SC2086
        gcc $cstd -O1 -g -Wall "${inc[@]}" -c "$src" \
            -o "$dir/obj/xen-$(basename "$src" .c).o" || return 1
    done
    for src in "$dir"/hv/*.c "${rest[@]}"; do
        # shellcheck disable=SC2086
        gcc $cstd -O1 -g -Wall -Wextra "${inc[@]}" -c "$src" \
            -o "$dir/obj/$(basename "$(dirname "$src")")-$(basename "$src" .c).o" ||
            return 1
    done
    # The programs: replay for the traces, soak for soak_short.sh,
    # explore for tests/harness/explore_test.sh.
    for src in harness/tools/replay.c harness/tools/soak.c \
               harness/tools/explore.c; do
        # shellcheck disable=SC2086
        gcc $cstd -O1 -g -Wall -Wextra "${inc[@]}" "$src" "$dir"/obj/*.o \
            "${harness_objs[@]}" -o "$dir/$(basename "$src" .c)" || return 1
    done
}

# One variant: its result line (PASS:/FAIL:) on stdout, its build's
# output in DIR/build.log.
run_variant() {
    local patch=$1 name dir trace check base got caught=() line passed=
    name=$(basename "$patch" .patch)
    dir=$BUILD/variants/$name
    mapfile -t caught < <(sed -nE 's/^Caught by: //p' "$patch")
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
    mkdir -p "$dir"
    if ! scripts/fuzz-variant.sh "$name" "$dir" >"$dir/build.log" 2>&1 ||
       ! build_variant "$dir" >>"$dir/build.log" 2>&1; then
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
    echo "== $name" >>"$log"
    cat "$BUILD/variants/$name/build.log" >>"$log" 2>/dev/null
    cat "$result"
    grep -q '^PASS: ' "$result" || failed=1
    rm -f "$result"
done
exit "$failed"
