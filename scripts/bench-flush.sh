#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# make bench-flush: the seed's deferred, merged flushing against Xen
# 4.17's one invalidation per change and a domain-selective one per
# change, on PV backend workloads, with CAP.PSI and CAP.CM on and off
# (harness/tools/bench_flush.c; every run through the checks, none may find
# anything).  Writes, under $BUILD/bench/:
#
#   flush.txt   the table (IOTLB invalidations by granularity, waits)
#   flush.dat   one line per measurement
#   flush.png   invalidations per workload and policy, PSI on, CM off
#               (gnuplot; skipped with a note if it is not installed:
#               scripts/install-deps.sh bench)
#
# and prints the target: on the 32-unmap batch, the default policy at
# most 1/8 of Xen 4.17's invalidations and waits.

set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
BUILD=${BUILD:-build}
out=$BUILD/bench
mkdir -p "$out"

"$BUILD/gcc/bench_flush" --data "$out/flush.dat" | tee "$out/flush.txt"

# The target, for every capability combination.
awk '$1 == "netback-unmap-32" { inv[$2 " " $3] = $4; wt[$2 " " $3] = $5 }
     END {
        ok = 1
        for ( k in inv ) {
            split(k, f, " ")
            if ( f[2] != "deferred" ) continue
            x = f[1] " xen-4.17"
            printf "target: netback-unmap-32 %s: deferred/xen-4.17 invalidations %d/%d, waits %d/%d\n", \
                f[1], inv[k], inv[x], wt[k], wt[x]
            if ( inv[k] * 8 > inv[x] || wt[k] * 8 > wt[x] ) ok = 0
        }
        print ok ? "target: at most 1/8 of Xen 4.17 in every combination: met" \
                 : "target: at most 1/8 of Xen 4.17 in every combination: NOT met"
     }' "$out/flush.dat" | sort | tee -a "$out/flush.txt"

if ! command -v gnuplot >/dev/null; then
    echo "bench-flush: no gnuplot (scripts/install-deps.sh bench): no $out/flush.png"
    exit 0
fi
# One row per workload: its invalidations under the three policies.
awk '$2 == "psi=on,cm=off" { v[$1, $3] = $4; if ( !($1 in seen) ) { seen[$1] = 1; order[n++] = $1 } }
     END { for ( i = 0; i < n; i++ )
               printf "%s %d %d %d\n", order[i], v[order[i], "deferred"],
                      v[order[i], "xen-4.17"], v[order[i], "always"] }' \
    "$out/flush.dat" >"$out/flush-psi-on.dat"
gnuplot <<EOF
set terminal pngcairo size 1000,500 noenhanced
set output "$out/flush.png"
set title "IOTLB invalidations per workload (CAP.PSI on, CAP.CM off; log scale)"
set style data histograms
set style histogram clustered gap 1
set style fill solid border -1
set logscale y
set yrange [0.5:*]
set ylabel "invalidations"
set xtics rotate by -20
set key top left
plot "$out/flush-psi-on.dat" using 2:xtic(1) title "deferred (design)", \
     "" using 3 title "Xen 4.17 (one per change)", \
     "" using 4 title "always domain-selective"
EOF
echo "bench-flush: $out/flush.txt, $out/flush.png"
