#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# harness/tools/bench_flush.c counts invalidations (no timing): every workload
# under every policy and capability combination must pass the checks,
# and the design's claim must hold on netback's 32-unmap batch: the
# deferred, merged flush takes at most 1/8 of the invalidations and
# waits of Xen 4.17's one per change, which takes at least one per page.

set -u
cd "$(dirname "$0")/../.." || exit 1
BUILD=${BUILD:-build}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

if ! "$BUILD/gcc/bench_flush" --data "$out/dat" >"$out/log" 2>&1; then
    echo "FAIL: bench-flush-no-finding ($(grep -m1 'bench_flush:' "$out/log"))"
    exit 1
fi
echo "PASS: bench-flush-no-finding ($(wc -l <"$out/dat") runs)"
verdict=$(awk '$1 == "netback-unmap-32" { inv[$2, $3] = $4; wt[$2, $3] = $5; cfg[$2] = 1 }
    END {
        for ( c in cfg ) {
            d = inv[c, "deferred"]; x = inv[c, "xen-4.17"]
            if ( x < 32 || d * 8 > x || wt[c, "deferred"] * 8 > wt[c, "xen-4.17"] ) {
                printf "%s: deferred %d/%d, Xen 4.17 %d/%d", c, d, \
                       wt[c, "deferred"], x, wt[c, "xen-4.17"]
                exit
            }
        }
        print "ok"
    }' "$out/dat")
if [ "$verdict" = ok ]; then
    echo "PASS: bench-flush-batch-merges (32 unmaps: at most 1/8 of Xen 4.17's invalidations and waits)"
else
    echo "FAIL: bench-flush-batch-merges ($verdict)"
fi
