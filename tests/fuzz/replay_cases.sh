#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Replays every kept case through the ASan+UBSan replay tool:
#
#   corpora/fuzz_exec/*.bin   the seeds: no finding, and together they get
#                             every status the core returns for bad input
#                             and injected faults;
#   crashes/*.bin             each case's crashes/NAME.txt says its check
#                             and "variant: V".  With variant none it is a
#                             bug of the real core: once fixed it must
#                             replay clean, so an open one fails here.
#                             With a variant it is that variant's expected
#                             finding: the real core must not show it, the
#                             variant's build (tests/variants/V.patch) must
#                             still find the same check.
#
# Uses $BUILD/fuzz/replay, the ASan+UBSan replay that make keeps up to
# date with every harness and core file (build/asan/replay is rebuilt only
# by make build-asan, so it may be older than the sources).

set -euo pipefail
# shellcheck source=tests/fuzz/lib.bash
. "$(dirname "$0")/lib.bash"

fz=$BUILD/fuzz
if ! fuzz_make "$fz/replay" "$fz/triage"; then
    fail "replay-build"
    exit 1
fi
replay=$fz/replay

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# ---- seeds ----
bad=0
for f in corpora/fuzz_exec/*.bin; do
    if ! "$replay" -q "$f" >"$work/one" 2>&1; then
        echo "  $f: $(grep -m1 -E 'FINDING|ERROR|error' "$work/one" || tail -n1 "$work/one")" >&2
        bad=$((bad + 1))
    fi
done
n=$(ls corpora/fuzz_exec/*.bin | wc -l)
if [ $bad = 0 ]; then
    pass "replay-seeds ($n inputs, no finding)"
else
    fail "replay-seeds ($bad of $n seeds have a finding; see stderr)"
fi

"$replay" corpora/fuzz_exec/*.bin >"$work/all" 2>&1 || true
missing=
for st in -EINVAL -EEXIST -EBUSY -EPERM -ENXIO -ENOMEM -EIO -ETIMEDOUT \
          -ESRCH GNTST_okay GNTST_general_error GNTST_bad_domain \
          GNTST_bad_gntref GNTST_bad_handle GNTST_bad_page GNTST_bad_dev_addr \
          GNTST_permission_denied GNTST_no_space; do
    grep -qE -- "-> $st\$" "$work/all" || missing="$missing $st"
done
if [ -z "$missing" ]; then
    pass "replay-seeds-every-status"
else
    fail "replay-seeds-every-status (no seed gets:$missing)"
fi

# ---- Xen's own messages ----
# With GTIO_VERBOSE, Xen's printk()s carry their values (%pd, %#x) and,
# with stdout and stderr in one file, stand above the op that made them:
# grant_table.c's "Bad ref" of the map past d1's table (op 9).
msg_trace=tests/scenarios/grant_table_growth.trace
GTIO_VERBOSE=1 "$replay" "$msg_trace" >"$work/verbose" 2>&1 || true
order=$(awk '/^\[8\] / && !a { a = NR } /^Bad ref 0x200 for d1$/ && !m { m = NR }
             /^\[9\] / && !b { b = NR }
             END { print (a && m && b && a < m && m < b) ? "ok" : a " " m " " b }' \
        "$work/verbose")
if [ "$order" = ok ]; then
    pass "replay-verbose-xen-messages"
else
    fail "replay-verbose-xen-messages (lines of op 8, the message, op 9: $order)"
fi

# ---- crash cases ----
shopt -s nullglob
cases=(crashes/*.txt)
if [ ${#cases[@]} = 0 ]; then
    pass "replay-crashes (none kept)"
    exit $failed
fi
for txt in "${cases[@]}"; do
    base=${txt%.txt}
    name=$(basename "$base")
    check=$(sed -nE 's/^check: ([^;]*);.*/\1/p' "$txt")
    variant=$(sed -nE 's/.*; variant: ([^;]*);.*/\1/p' "$txt")
    target=$(sed -nE 's/.*; target: ([^;]*);.*/\1/p' "$txt")
    target=${target:-fuzz_exec}
    if [ ! -f "$base.bin" ] || [ -z "$check" ]; then
        fail "crash-$name (no $base.bin, or no 'check:' in $txt)"
        continue
    fi

    # The real core: no finding expected, whatever the case is.
    if [ "$target" = fuzz_exec ]; then
        "$replay" -q "$base.bin" >"$work/one" 2>&1 && got= ||
            got=$(sed -nE 's/^FINDING ([a-z-]+).*/\1/p' "$work/one" | head -n1)
        # (|| true: under set -e a clean replay must not end the script.)
        got=${got:-$(grep -q 'ERROR' "$work/one" && echo sanitizer || true)}
        if [ -f "$base.trace" ] && ! "$fz/triage" trace "$base.bin" | cmp -s - "$base.trace"; then
            fail "crash-$name ($name.trace is not the trace of $name.bin)"
            continue
        fi
    else
        "$fz/triage" --target "$target" describe "$base.bin" >"$work/one" 2>&1 &&
            got=$(sed -n 's/^check: //p' "$work/one") || got=
    fi
    if [ "$variant" = none ] || [ -z "$variant" ]; then
        if [ -z "$got" ]; then
            pass "crash-$name (fixed: replays clean)"
        else
            fail "crash-$name (open: the core still shows $got)"
        fi
        continue
    fi
    if [ -n "$got" ]; then
        fail "crash-$name (variant $variant's case shows $got on the real core)"
        continue
    fi

    # The variant's build must still find it.
    if [ ! -f "tests/variants/$variant.patch" ]; then
        fail "crash-$name (variant $variant: tests/variants/$variant.patch is gone)"
        continue
    fi
    vdir=$fz/variant-$variant
    if ! fuzz_make VARIANT="$variant" "$vdir/triage"; then
        fail "crash-$name (variant $variant does not build)"
        continue
    fi
    vgot=$("$vdir/triage" --target "$target" describe "$base.bin" 2>/dev/null |
           sed -n 's/^check: //p' || true)
    if [ "$vgot" = "$check" ]; then
        pass "crash-$name (variant $variant still finds $check; real core clean)"
    else
        fail "crash-$name (variant $variant: expected $check, got ${vgot:-no finding})"
    fi
done
exit "$failed"
