#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# usage: scripts/fuzz-bench.sh        (make bench-fuzz builds first)
#   env: FUZZ_DIR         build/fuzz
#        BENCH_TIME       seconds of fuzzing per binary (60)
#        BENCH_REPEAT     times each seed is run in the corpus pass (20)
#
# What the harness costs a fuzzer, measured in one run so that the ratios
# compare like with like:
#
#   1. corpus pass: every seed of corpora/fuzz_exec run BENCH_REPEAT times
#      (fixed work): execs/s, ops/s, peak RSS;
#   2. fuzzing: BENCH_TIME seconds from the seeds (what a campaign gets):
#      execs/s, ops/s, peak RSS;
#
# for fuzz_exec built plain (-O2 -fsanitize=fuzzer) and with ASan+UBSan,
# each beside fuzz_empty (the engine alone) built with the same flags, as
# "target / empty" ratios; then
#
#   3. frames: the corpus pass with every seed's machine at 64 and at 256
#      frames (the decoder's maximum): microseconds per exec.

set -euo pipefail

me=bench-fuzz
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
fuzz_dir=${FUZZ_DIR:-build/fuzz}
bench_time=${BENCH_TIME:-60}
repeat=${BENCH_REPEAT:-20}
t2b=$fuzz_dir/trace2bin

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# measure LOG CMD...: run CMD (stderr to LOG), print "seconds peak_rss_kb".
# python3 (a test dependency) rather than GNU time, which may be missing.
measure() {
    python3 - "$@" <<'EOF'
import resource, subprocess, sys, time
log = open(sys.argv[1], "w")
t = time.monotonic()
subprocess.run(sys.argv[2:], stdout=subprocess.DEVNULL, stderr=log)
el = time.monotonic() - t
print("%.3f %d" % (el, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss))
EOF
}

stat() {    # stat LOG KEY: libFuzzer's "stat::KEY: N" / our "gtio::KEY: N"
    sed -nE "s/^(stat|gtio)::$2: *([0-9]+).*/\2/p" "$1" | tail -n1
}

seeds=(corpora/fuzz_exec/*.bin)
nseeds=${#seeds[@]}
[ "$nseeds" -gt 0 ] || { echo "$me: no seeds in corpora/fuzz_exec" >&2; exit 1; }
# Ops per corpus pass: op lines of the canonical traces (not the header).
seed_ops=$(cat corpora/fuzz_trace/*.trace | grep -vcE '^(caps|config) ')

echo "== $me: $(nproc) CPU(s), $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), $(uname -m)"
echo "   seeds: $nseeds inputs, $seed_ops ops, each run $repeat times; fuzzing ${bench_time}s per binary"
echo

declare -A R
for flavour in libfuzzer libfuzzer-asan; do
    for t in fuzz_exec fuzz_empty; do
        bin=$fuzz_dir/$flavour/$t
        [ -x "$bin" ] || { echo "$me: $bin not built" >&2; exit 2; }

        # 1. Fixed work: the seed files, each run $repeat times.
        read -r secs rss < <(GTIO_FUZZ_STATS=1 GTIO_FUZZ_NO_ABORT=1 measure "$work/pass.log" \
            "$bin" -runs="$repeat" "${seeds[@]}")
        R[$flavour.$t.pass_eps]=$(awk -v n=$((nseeds * repeat)) -v s="$secs" 'BEGIN { printf "%.0f", n / s }')
        R[$flavour.$t.pass_ops]=$(awk -v n=$((seed_ops * repeat)) -v s="$secs" 'BEGIN { printf "%.0f", n / s }')
        R[$flavour.$t.pass_rss]=$((rss / 1024))

        # 2. Fuzzing from the seeds, in a scratch corpus.
        rm -rf "$work/corpus"
        mkdir "$work/corpus"
        read -r secs rss < <(GTIO_FUZZ_STATS=1 GTIO_FUZZ_NO_ABORT=1 measure "$work/fuzz.log" \
            "$bin" -max_total_time="$bench_time" -print_final_stats=1 \
            -dict=fuzz/fuzz_exec.dict -artifact_prefix="$work/" \
            "$work/corpus" corpora/fuzz_exec)
        execs=$(stat "$work/fuzz.log" number_of_executed_units)
        ops=$(stat "$work/fuzz.log" ops)
        R[$flavour.$t.fuzz_eps]=$(awk -v n="${execs:-0}" -v s="$secs" 'BEGIN { printf "%.0f", n / s }')
        R[$flavour.$t.fuzz_ops]=$(awk -v n="${ops:-0}" -v s="$secs" 'BEGIN { printf "%.0f", n / s }')
        R[$flavour.$t.fuzz_rss]=$((rss / 1024))
        if grep -q 'ERROR: libFuzzer' "$work/fuzz.log"; then
            R[$flavour.$t.note]="stopped early by a finding ($(grep -m1 -oE '^FINDING [a-z-]+' "$work/fuzz.log" || echo crash)) after ${secs}s"
        fi
    done
done

ratio() {
    awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.4f", a / b; else print "-" }'
}

printf '%-15s %-11s %12s %12s %9s %12s %12s %9s\n' build target \
    'pass exec/s' 'pass ops/s' 'pass MiB' 'fuzz exec/s' 'fuzz ops/s' 'fuzz MiB'
for flavour in libfuzzer libfuzzer-asan; do
    for t in fuzz_exec fuzz_empty; do
        k=$flavour.$t
        printf '%-15s %-11s %12s %12s %9s %12s %12s %9s\n' "$flavour" "$t" \
            "${R[$k.pass_eps]}" "${R[$k.pass_ops]}" "${R[$k.pass_rss]}" \
            "${R[$k.fuzz_eps]}" "${R[$k.fuzz_ops]}" "${R[$k.fuzz_rss]}"
    done
    printf '%-15s %-11s %12s %12s %9s %12s %12s %9s\n' "$flavour" "exec/empty" \
        "$(ratio "${R[$flavour.fuzz_exec.pass_eps]}" "${R[$flavour.fuzz_empty.pass_eps]}")" "" \
        "$(ratio "${R[$flavour.fuzz_exec.pass_rss]}" "${R[$flavour.fuzz_empty.pass_rss]}")" \
        "$(ratio "${R[$flavour.fuzz_exec.fuzz_eps]}" "${R[$flavour.fuzz_empty.fuzz_eps]}")" "" \
        "$(ratio "${R[$flavour.fuzz_exec.fuzz_rss]}" "${R[$flavour.fuzz_empty.fuzz_rss]}")"
done
for k in "${!R[@]}"; do
    case "$k" in *.note) echo "note: ${k%.note}: ${R[$k]}" ;; esac
done
echo "ASan/plain fuzz_exec: pass $(ratio "${R[libfuzzer-asan.fuzz_exec.pass_eps]}" "${R[libfuzzer.fuzz_exec.pass_eps]}"), fuzzing $(ratio "${R[libfuzzer-asan.fuzz_exec.fuzz_eps]}" "${R[libfuzzer.fuzz_exec.fuzz_eps]}") (exec/s ratio)"

# 3. The same seeds on a machine of 64 and of 256 frames.
echo
[ -x "$t2b" ] || { echo "$me: $t2b not built" >&2; exit 2; }
for frames in 64 256; do
    mkdir -p "$work/f$frames"
    for tr in corpora/fuzz_trace/*.trace; do
        name=$(basename "$tr" .trace)
        sed -E "s/^config frames=[0-9]+/config frames=$frames/" "$tr" >"$work/f$frames/$name.trace"
        "$t2b" "$work/f$frames/$name.trace" "$work/f$frames/$name.bin"
    done
    for flavour in libfuzzer libfuzzer-asan; do
        read -r secs rss < <(GTIO_FUZZ_NO_ABORT=1 measure "$work/frames.log" "$fuzz_dir/$flavour/fuzz_exec" \
            -runs="$repeat" "$work/f$frames"/*.bin)
        printf 'frames=%-4s %-15s %9.1f us/exec  %7.2f us/op  peak %s MiB\n' "$frames" "$flavour" \
            "$(awk -v s="$secs" -v n=$((nseeds * repeat)) 'BEGIN { print s * 1e6 / n }')" \
            "$(awk -v s="$secs" -v n=$((seed_ops * repeat)) 'BEGIN { print s * 1e6 / n }')" \
            $((rss / 1024))
    done
done
