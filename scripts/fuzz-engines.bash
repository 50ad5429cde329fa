# SPDX-License-Identifier: GPL-2.0-only
#
# Sourced by the benchmarks that time a fuzzer to its first finding
# (scripts/bench-limits.sh, scripts/bench-detect.sh).  The caller sets
# $work (a scratch directory of its own) and may set GTIO_FUZZ_LIMIT.
# Time is wall time from the engine's start, seed loading included;
# execs are the engine's own count.  Each runner prints "SECONDS EXECS
# INPUT" for the first crashing input, or "-" when the cap passed first.

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

# run_libfuzzer BIN CAP SEEDS_DIR SEED SCRATCH
run_libfuzzer() {
    local bin=$1 cap=$2 dir=$3 seed=$4 w=$5 start t execs crash
    rm -rf "$w" && mkdir -p "$w/corpus"
    cp "$dir"/. "$w/corpus/" -r
    start=$(now)
    timeout $((cap + 60)) "$bin" -seed="$seed" -max_total_time="$cap" \
        -dict=fuzz/fuzz_exec.dict -artifact_prefix="$w/" "$w/corpus" \
        >"$w/log" 2>&1 || true
    t=$(since "$start")
    crash=$(ls "$w"/crash-* 2>/dev/null | head -n1)
    if [ -z "$crash" ]; then
        echo "-"
        return
    fi
    execs=$(grep -oE '^#[0-9]+' "$w/log" | tail -n1 | tr -d '#')
    echo "$t ${execs:-?} $crash"
}

# run_afl BUILDS_DIR CAP SEEDS_DIR SCRATCH: BUILDS_DIR holds afl/ and
# afl-cmplog/ (one main instance with CmpLog, as make fuzz runs it).
run_afl() {
    local b=$1 cap=$2 dir=$3 w=$4 start t execs crash
    rm -rf "$w" && mkdir -p "$w/in"
    cp "$dir"/. "$w/in/" -r
    start=$(now)
    AFL_BENCH_UNTIL_CRASH=1 AFL_NO_UI=1 AFL_SKIP_CPUFREQ=1 \
    AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_AFFINITY=1 \
    AFL_FAST_CAL=1 AFL_QUIET=1 AFL_CMPLOG_ONLY_NEW=1 \
        timeout $((cap + 60)) afl-fuzz -i "$w/in" -o "$w/out" -M main \
        -c "$b/afl-cmplog/fuzz_exec" -V "$cap" -t 10000 -m none \
        -x fuzz/fuzz_exec.dict -- "$b/afl/fuzz_exec" \
        >"$w/log" 2>&1 </dev/null || true
    t=$(since "$start")
    crash=$(ls "$w"/out/main/crashes/id:* 2>/dev/null | head -n1)
    if [ -z "$crash" ]; then
        echo "-"
        return
    fi
    execs=$(sed -nE 's/^execs_done +: ([0-9]+).*/\1/p' \
            "$w/out/main/fuzzer_stats" 2>/dev/null || true)
    echo "$t ${execs:-?} $crash"
}
