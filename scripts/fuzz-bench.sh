#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# usage: scripts/fuzz-bench.sh        (make bench-fuzz builds first)
#   env: FUZZ_DIR         build/fuzz
#        BENCH_TIME       seconds of fuzzing per binary (60)
#        BENCH_REPEAT     times each seed is run in the corpus pass (20)
#        BENCH_ROUNDS     corpus passes per binary, the fastest taken (3)
#        BENCH_FRAMES     the two machine sizes compared in part 3 ("64 1024")
#        BENCH_BASELINE   the figures to compare with (docs/bench-baseline.txt)
#
# What the harness costs a fuzzer, measured in one run so that the ratios
# compare like with like:
#
#   1. corpus pass: every seed of corpora/fuzz_exec run BENCH_REPEAT times
#      (fixed work), BENCH_ROUNDS times: execs/s and ops/s of the fastest
#      round (a pass lasts a second or less, and a busy moment of the VM
#      slows one round by a third), peak RSS of all;
#   2. fuzzing: BENCH_TIME seconds from the seeds (what a campaign gets):
#      execs/s, ops/s, peak RSS;
#
# for fuzz_exec built plain (-O2 -fsanitize=fuzzer) and with ASan+UBSan,
# each beside fuzz_empty (the engine alone) built with the same flags, as
# "target / empty" ratios; then
#
#   3. frames: the corpus pass with every seed's machine at 64 and at 1024
#      frames (the seeds that fit in 64): microseconds per exec, and their
#      ratio (each the best of three alternating rounds, so that a busy
#      moment of the machine does not land on one size only);
#
# then the figures issue 4 sets targets for, one line each; and last
# the before/after table of issue 11: each figure beside the baseline
# kept in the repository (BENCH_BASELINE), the ratio and the target.  All of
# it also goes to $BUILD/bench/fuzz.txt (docs/performance.md says what
# each figure means).

set -euo pipefail

me=bench-fuzz
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
fuzz_dir=${FUZZ_DIR:-build/fuzz}
bench_time=${BENCH_TIME:-60}
repeat=${BENCH_REPEAT:-20}
rounds=${BENCH_ROUNDS:-3}
case "$rounds" in
    '' | *[!0-9]* | 0) echo "$me: BENCH_ROUNDS must be a positive number" >&2; exit 2 ;;
esac
t2b=$fuzz_dir/trace2bin

# The baseline of the before/after table, checked before any work.
baseline=${BENCH_BASELINE:-docs/bench-baseline.txt}
base() {        # base KEY: the baseline's value of KEY
    awk -v k="$1" '$1 == k { print $2; found = 1 } END { exit !found }' "$baseline"
}
for k in plain.pass_eps plain.fuzz_eps asan.pass_eps plain.us_per_op; do
    if ! base "$k" 2>/dev/null | grep -Eq '^[0-9]+(\.[0-9]+)?$'; then
        echo "$me: $baseline has no number for $k" >&2
        exit 2
    fi
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "${BUILD:-build}/bench"
exec > >(tee "${BUILD:-build}/bench/fuzz.txt")

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
echo "   seeds: $nseeds inputs, $seed_ops ops, each run $repeat times, $rounds rounds; fuzzing ${bench_time}s per binary"
echo

declare -A R
for flavour in libfuzzer libfuzzer-asan; do
    for t in fuzz_exec fuzz_empty; do
        bin=$fuzz_dir/$flavour/$t
        [ -x "$bin" ] || { echo "$me: $bin not built" >&2; exit 2; }

        # 1. Fixed work: the seed files, each run $repeat times, the
        # fastest of $rounds rounds.
        best=
        R[$flavour.$t.pass_rounds]=
        R[$flavour.$t.pass_rss]=0
        for ((r = 0; r < rounds; r++)); do
            read -r secs rss < <(GTIO_FUZZ_STATS=1 GTIO_FUZZ_NO_ABORT=1 measure "$work/pass.log" \
                "$bin" -runs="$repeat" "${seeds[@]}")
            R[$flavour.$t.pass_rounds]+="$secs "
            if [ -z "$best" ] || awk -v a="$secs" -v b="$best" 'BEGIN { exit !(a < b) }'; then
                best=$secs
            fi
            if [ $((rss / 1024)) -gt "${R[$flavour.$t.pass_rss]}" ]; then
                R[$flavour.$t.pass_rss]=$((rss / 1024))
            fi
        done
        R[$flavour.$t.pass_eps]=$(awk -v n=$((nseeds * repeat)) -v s="$best" 'BEGIN { printf "%.0f", n / s }')
        R[$flavour.$t.pass_ops]=$(awk -v n=$((seed_ops * repeat)) -v s="$best" 'BEGIN { printf "%.0f", n / s }')

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
for flavour in libfuzzer libfuzzer-asan; do
    for t in fuzz_exec fuzz_empty; do
        echo "pass rounds: $flavour $t: ${R[$flavour.$t.pass_rounds]% }s ($((nseeds * repeat)) execs each; the fastest taken)"
    done
done
for k in "${!R[@]}"; do
    case "$k" in *.note) echo "note: ${k%.note}: ${R[$k]}" ;; esac
done
echo "ASan/plain fuzz_exec: pass $(ratio "${R[libfuzzer-asan.fuzz_exec.pass_eps]}" "${R[libfuzzer.fuzz_exec.pass_eps]}"), fuzzing $(ratio "${R[libfuzzer-asan.fuzz_exec.fuzz_eps]}" "${R[libfuzzer.fuzz_exec.fuzz_eps]}") (exec/s ratio)"

# 3. The same seeds on a small and on a large machine.
read -r f_lo f_hi <<<"${BENCH_FRAMES:-64 1024}"
echo
[ -x "$t2b" ] || { echo "$me: $t2b not built" >&2; exit 2; }
# A harness built for fewer frames (RUN_MAX_FRAMES) measures its largest.
printf 'config frames=%s\n' "$f_hi" >"$work/probe.trace"
if ! "$t2b" "$work/probe.trace" "$work/probe.bin" >"$work/t2b.log" 2>&1; then
    most=$(sed -nE 's/.*frames=[0-9]+ out of range 1\.\.([0-9]+).*/\1/p' "$work/t2b.log")
    [ -n "$most" ] || { cat "$work/t2b.log" >&2; exit 2; }
    echo "note: this harness takes at most $most frames (RUN_MAX_FRAMES): $f_hi measured as $most"
    f_hi=$most
fi
# Seeds that name a frame past the small machine's last (a table page
# beyond the first leaf, say) cannot run on it: they are left out of this
# part, on both sizes, so that the two measure the same ops.
mkdir -p "$work/f$f_lo" "$work/f$f_hi"
n3=0
ops3=0
skipped=0
for tr in corpora/fuzz_trace/*.trace; do
    name=$(basename "$tr" .trace)
    ok=1
    for frames in "$f_lo" "$f_hi"; do
        sed -E "s/^config frames=[0-9]+/config frames=$frames/" "$tr" >"$work/f$frames/$name.trace"
        "$t2b" "$work/f$frames/$name.trace" "$work/f$frames/$name.bin" \
            >"$work/t2b.log" 2>&1 || ok=0
    done
    if [ $ok = 0 ]; then
        rm -f "$work/f$f_lo/$name.bin" "$work/f$f_hi/$name.bin"
        skipped=$((skipped + 1))
        continue
    fi
    n3=$((n3 + 1))
    ops3=$((ops3 + $(grep -vcE '^(caps|config) ' "$tr")))
done
[ "$n3" -gt 0 ] || { echo "$me: no seed runs on a machine of $f_lo frames" >&2; exit 2; }
echo "   frames: $n3 seeds ($ops3 ops) at $f_lo and $f_hi frames; $skipped name frames past $((f_lo - 1))"
for flavour in libfuzzer libfuzzer-asan; do
    for round in 1 2 3; do
        for frames in "$f_lo" "$f_hi"; do
            read -r secs rss < <(GTIO_FUZZ_NO_ABORT=1 measure "$work/frames.log" \
                "$fuzz_dir/$flavour/fuzz_exec" -runs="$repeat" "$work/f$frames"/*.bin)
            k=$flavour.f$frames
            if [ -z "${R[$k.secs]:-}" ] || awk -v a="$secs" -v b="${R[$k.secs]}" 'BEGIN { exit !(a < b) }'; then
                R[$k.secs]=$secs
            fi
            R[$k.rss]=$((rss / 1024))
        done
    done
    for frames in "$f_lo" "$f_hi"; do
        k=$flavour.f$frames
        R[$k.us]=$(awk -v s="${R[$k.secs]}" -v n=$((n3 * repeat)) 'BEGIN { printf "%.1f", s * 1e6 / n }')
        printf 'frames=%-5s %-15s %9s us/exec  %7.2f us/op  peak %s MiB\n' "$frames" "$flavour" \
            "${R[$k.us]}" \
            "$(awk -v s="${R[$k.secs]}" -v n=$((ops3 * repeat)) 'BEGIN { print s * 1e6 / n }')" \
            "${R[$k.rss]}"
    done
done
for flavour in libfuzzer libfuzzer-asan; do
    R[$flavour.frames_ratio]=$(ratio "${R[$flavour.f$f_hi.us]}" "${R[$flavour.f$f_lo.us]}")
done
echo "frames=$f_hi/frames=$f_lo us/exec: libfuzzer ${R[libfuzzer.frames_ratio]}, libfuzzer-asan ${R[libfuzzer-asan.frames_ratio]}"

# The targets of issue 4 (plain build): throughput against the engine
# alone, memory, and cost flat in the machine's size.
verdict() {     # verdict VALUE OP LIMIT
    awk -v v="$1" -v l="$3" -v op="$2" 'BEGIN {
        ok = v == "-" ? 0 : (op == ">=" ? v >= l : op == "<" ? v < l : v <= l)
        print ok ? "met" : "NOT met" }'
}
# The exec/s ratio is the corpus pass's (the seeds: the default input
# size); while fuzzing, the empty target runs ever shorter inputs.
echo
plain_ratio=$(ratio "${R[libfuzzer.fuzz_exec.pass_eps]}" "${R[libfuzzer.fuzz_empty.pass_eps]}")
plain_rss=${R[libfuzzer.fuzz_exec.fuzz_rss]}
if [ "${R[libfuzzer.fuzz_exec.pass_rss]}" -gt "$plain_rss" ]; then
    plain_rss=${R[libfuzzer.fuzz_exec.pass_rss]}
fi
printf 'target: plain fuzz_exec/fuzz_empty exec/s (seeds) = %s (%s / %s), >= 0.05: %s\n' \
    "$plain_ratio" "${R[libfuzzer.fuzz_exec.pass_eps]}" "${R[libfuzzer.fuzz_empty.pass_eps]}" \
    "$(verdict "$plain_ratio" ">=" 0.05)"
printf 'target: plain fuzz_exec peak RSS = %s MiB, < 256 MiB: %s\n' "$plain_rss" \
    "$(verdict "$plain_rss" "<" 256)"
printf 'target: plain fuzz_exec us/exec at %s / %s frames = %s, <= 1.2: %s\n' "$f_hi" "$f_lo" \
    "${R[libfuzzer.frames_ratio]}" "$(verdict "${R[libfuzzer.frames_ratio]}" "<=" 1.2)"

# Issue 11's before/after: the figures of this run against the baseline.
us_per_op=$(awk -v s="${R[libfuzzer.f$f_hi.secs]}" -v n=$((ops3 * repeat)) \
            'BEGIN { printf "%.2f", s * 1e6 / n }')
echo
echo "before/after (before: $baseline)"
printf 'before/after: %-24s %9s %9s %7s  %s\n' figure before after ratio target
row() {         # row NAME KEY AFTER OP LIMIT: a speed-up (>=) or a cost (<=)
    local b r ok
    b=$(base "$2")
    r=$(ratio "$3" "$b")
    if [ "$4" = ">=" ]; then
        ok=$(verdict "$r" ">=" "$5")
        printf 'before/after: %-24s %9s %9s %7.2f  >= %sx: %s\n' "$1" "$b" "$3" "$r" "$5" "$ok"
    else
        ok=$(verdict "$3" "<=" "$5")
        printf 'before/after: %-24s %9s %9s %7.2f  <= %s: %s\n' "$1" "$b" "$3" "$r" "$5" "$ok"
    fi
}
row "plain exec/s, seeds" plain.pass_eps "${R[libfuzzer.fuzz_exec.pass_eps]}" ">=" 10
row "plain exec/s, fuzzing" plain.fuzz_eps "${R[libfuzzer.fuzz_exec.fuzz_eps]}" ">=" 10
row "ASan exec/s, seeds" asan.pass_eps "${R[libfuzzer-asan.fuzz_exec.pass_eps]}" ">=" 5
row "plain us/op, seeds" plain.us_per_op "$us_per_op" "<=" 1.5
