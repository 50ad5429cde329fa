#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The fuzzing campaign behind `make fuzz` (mk/fuzz.mk builds first).
#
#   env: FUZZ_DIR      build/fuzz (or build/fuzz/variant-NAME)
#        FUZZ_TIME     seconds per target (180)
#        ENGINE        libfuzzer | afl
#        JOBS          libFuzzer -fork=JOBS; AFL++ -M main + JOBS-1 -S
#        VARIANT       the variant being fuzzed ('' = the real core)
#        FUZZ_TARGETS  "fuzz_exec fuzz_trace"
#        FUZZ_SAN      1: libFuzzer runs the ASan+UBSan build; 0: plain
#        FUZZ_STATUS_EVERY  seconds between status lines (10)
#        FUZZ_FAIL_ON_FINDING  1: exit 1 if anything was found, and print
#                   each new case in full (CI smoke: its log is all that
#                   is left of the checkout)
#
# Runs each target in turn, printing a status line every 10 s (execs,
# execs/s, coverage, findings so far), then sends every finding through
# scripts/fuzz-triage.sh (minimise, deduplicate, file in crashes/) and
# ends with a summary table.  Ctrl-C stops the fuzzer but still triages
# what it found and prints the summary.
#
# The corpus a run grows goes to FUZZ_DIR/corpus/TARGET (kept across runs,
# shared by both engines); corpora/ holds only the generated seeds and is
# never written.  Logs and raw findings: FUZZ_DIR/runs/<time>/TARGET/.

set -euo pipefail

me=fuzz
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

fuzz_dir=${FUZZ_DIR:-build/fuzz}
fuzz_time=${FUZZ_TIME:-180}
engine=${ENGINE:-libfuzzer}
jobs=${JOBS:-1}
variant=${VARIANT:-}
targets=${FUZZ_TARGETS:-fuzz_exec fuzz_trace}
san=${FUZZ_SAN:-1}
every=${FUZZ_STATUS_EVERY:-10}

for v in fuzz_time jobs every; do
    case "${!v}" in
    ''|*[!0-9]*|0) echo "$me: ${v^^} must be a positive number, not '${!v}'" >&2
                   exit 2 ;;
    esac
done
case "$engine" in
libfuzzer|afl) ;;
*) echo "$me: ENGINE must be libfuzzer or afl, not '$engine'" >&2; exit 2 ;;
esac

stamp=$(date -u +%Y%m%d-%H%M%S)
runs=$fuzz_dir/runs/$stamp
mkdir -p "$runs"

# ---- Ctrl-C -------------------------------------------------------------
#
# Each fuzzer runs in a session of its own (setsid), so that it and the
# children it forks form one process group we can stop by its id, and so
# that a terminal's Ctrl-C reaches this script, not the fuzzer directly:
# the script then stops the group politely and goes on to triage.
groups=()
stop=0
stop_at=0

# shellcheck source=scripts/proc.bash
. "$top/scripts/proc.bash"

# Each fuzzer's group and every process below it, some in sessions of
# their own (AFL++'s fork servers call setsid): what a signal must reach.
targets_of() {
    local g
    for g in "${groups[@]}"; do
        echo "-$g"
        descendants "$g"
    done
}

# Processes our fuzzers started, seen while they ran: AFL++ leaves a
# target it had stopped (SIGSTOP, persistent mode) behind if it dies
# first.  Reaped after each target, if still there and still ours.
declare -A spawned=()
note_spawned() {
    local p
    for p in $(targets_of); do
        case "$p" in -*) ;; *) spawned[$p]=1 ;; esac
    done
}
reap_spawned() {
    local p
    for p in "${!spawned[@]}"; do
        case "$(ps -o args= -p "$p" 2>/dev/null)" in
        "$fuzz_dir"/*) kill -KILL "$p" 2>/dev/null || true ;;
        esac
        unset "spawned[$p]"
    done
}

on_signal() {
    stop=1
    stop_at=$(date +%s)
    local g
    for g in "${groups[@]}"; do
        kill -INT -- "-$g" 2>/dev/null || kill -INT "$g" 2>/dev/null || true
    done
}
trap on_signal INT TERM HUP
cleanup() {
    local g
    for g in $(targets_of); do
        kill -KILL -- "$g" 2>/dev/null || true
    done
    reap_spawned
}
trap cleanup EXIT

# The fuzzer itself or anything left in its group.  (Right after the
# start the group may not exist yet: setsid has not run.)
alive() {
    local g
    for g in "${groups[@]}"; do
        kill -0 "$g" 2>/dev/null && return 0
        kill -0 -- "-$g" 2>/dev/null && return 0
    done
    return 1
}

# libFuzzer's -fork parent ignores SIGINT while its jobs run (it waits
# in system()): what does not stop on SIGINT gets SIGTERM 5 s later and
# SIGKILL 15 s later.
escalate() {
    local g sig='' now
    now=$(date +%s)
    [ $((now - stop_at)) -ge 5 ] && sig=TERM
    [ $((now - stop_at)) -ge 15 ] && sig=KILL
    [ -n "$sig" ] || return 0
    for g in $(targets_of); do
        kill -"$sig" -- "$g" 2>/dev/null || true
    done
}

# A sleep that a trapped signal interrupts at once.
nap() {
    sleep "$1" &
    wait $! 2>/dev/null || true
}

# ---- status -------------------------------------------------------------

# Prints "execs execs_per_s coverage corpus findings" for the running target.
lf_status() {   # lf_status RUNDIR
    local line execs=0 rate=0 cov=0 corp=0 found
    # Fork mode: "#N: cov: C ft: F corp: P exec/s E oom/timeout/crash: ..."
    line=$(grep -aE '^#[0-9]+' "$1/fuzzer.log" 2>/dev/null | tail -n1 || true)
    if [ -n "$line" ]; then
        execs=$(sed -E 's/^#([0-9]+).*/\1/' <<<"$line")
        cov=$(sed -nE 's/.* cov: ([0-9]+).*/\1/p' <<<"$line")
        corp=$(sed -nE 's/.* corp: ([0-9]+).*/\1/p' <<<"$line")
        rate=$(sed -nE 's/.* exec\/s:? ([0-9]+).*/\1/p' <<<"$line")
    fi
    found=$(find "$1/artifacts" -maxdepth 1 -type f 2>/dev/null | wc -l)
    echo "${execs:-0} ${rate:-0} ${cov:-0} ${corp:-0} $found"
}

afl_stat() {    # afl_stat FILE KEY
    sed -nE "s/^$2 +: ([0-9.]+).*/\1/p" "$1" 2>/dev/null | head -n1
}

afl_status() {  # afl_status RUNDIR
    local s execs=0 rate=0 cov=0 corp=0 found=0 v
    for s in "$1"/afl/*/fuzzer_stats; do
        [ -f "$s" ] || continue
        # A stats file being rewritten may lack a line: count it as 0.
        v=$(afl_stat "$s" execs_done); execs=$((execs + ${v:-0}))
        v=$(afl_stat "$s" execs_per_sec); v=${v%.*}; rate=$((rate + ${v:-0}))
        v=$(afl_stat "$s" corpus_count); [ "${v:-0}" -gt "$corp" ] && corp=$v
        v=$(afl_stat "$s" edges_found); [ "${v:-0}" -gt "$cov" ] && cov=$v
    done
    found=$(find "$1"/afl/*/crashes "$1"/afl/*/hangs -type f -name 'id:*' \
            2>/dev/null | wc -l)
    echo "$execs $rate $cov $corp $found"
}

human() {   # 1234567 -> 1.2M
    awk -v n="$1" 'BEGIN {
        if (n >= 1e9) printf "%.1fG", n / 1e9
        else if (n >= 1e6) printf "%.1fM", n / 1e6
        else if (n >= 1e4) printf "%.1fk", n / 1e3
        else printf "%d", n }'
}

# ---- one target ---------------------------------------------------------

# Copy files into DIR under their content hash: the same input twice is
# one file, and nothing already there is replaced.
add_to_corpus() {   # add_to_corpus DIR FILE...
    local dir=$1 f h
    shift
    for f in "$@"; do
        [ -s "$f" ] || continue
        h=$(sha1sum "$f" | cut -c1-40)
        [ -e "$dir/$h" ] || cp "$f" "$dir/$h"
    done
}

start_libfuzzer() {     # start_libfuzzer TARGET RUNDIR GROWN SEEDS
    local flavour=libfuzzer-asan
    [ "$san" = 1 ] || flavour=libfuzzer
    local bin=$fuzz_dir/$flavour/$1
    [ -x "$bin" ] || { echo "$me: $bin not built" >&2; return 1; }
    # -fork: findings do not stop the run (-ignore_*), each is saved in
    # artifacts/ and the search goes on; merged new inputs go to GROWN.
    # A single job that fails on its first finding anyway (CI's smoke)
    # runs in one process instead: -fork's restarts and merges cost it
    # almost half its exec rate (performance.md), and its first finding
    # ends it with the input in artifacts/ all the same.
    local mode=(-fork="$jobs" -ignore_crashes=1 -ignore_timeouts=1
                -ignore_ooms=1)
    if [ "$jobs" = 1 ] && [ "${FUZZ_FAIL_ON_FINDING:-0}" = 1 ]; then
        mode=()
    fi
    setsid "$bin" "${mode[@]}" -max_total_time="$fuzz_time" -timeout=10 \
        -rss_limit_mb=2048 -artifact_prefix="$2/artifacts/" \
        -dict="fuzz/$1.dict" -print_final_stats=1 "$3" "$4" \
        >"$2/fuzzer.log" 2>&1 </dev/null &
    groups+=($!)
    engine_label="libFuzzer $flavour x$jobs"
}

start_afl() {   # start_afl TARGET RUNDIR GROWN SEEDS
    local bin=$fuzz_dir/afl/$1 cmplog=$fuzz_dir/afl-cmplog/$1 i role
    if [ ! -x "$bin" ] || [ ! -x "$cmplog" ]; then
        echo "$me: $bin or $cmplog not built" >&2
        return 1
    fi
    mkdir -p "$2/in"
    add_to_corpus "$2/in" "$4"/* "$3"/*
    for ((i = 0; i < jobs; i++)); do
        if [ $i = 0 ]; then
            # The main instance also runs the cmplog binary (-c): it
            # solves the comparisons of the decoder's modulo fields.
            role=(-M main -c "$cmplog")
        else
            role=(-S "s$i")
        fi
        # AFL_NO_UI: our status lines instead of its screen.  The two
        # AFL_I_DONT_CARE/SKIP settings let it start on machines whose
        # core_pattern or CPU governor it does not like; findings are
        # still saved.  FAST_CAL and CMPLOG_ONLY_NEW: the seeds and the
        # grown corpus are calibrated quickly, since -V counts only the
        # time after that.
        AFL_NO_UI=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 \
        AFL_QUIET=1 AFL_NO_AFFINITY=${AFL_NO_AFFINITY:-1} \
        AFL_FAST_CAL=1 AFL_CMPLOG_ONLY_NEW=1 \
        setsid afl-fuzz -i "$2/in" -o "$2/afl" "${role[@]}" -V "$fuzz_time" \
            -t 10000 -m none -x "fuzz/$1.dict" -- "$bin" \
            >"$2/afl-$i.log" 2>&1 </dev/null &
        groups+=($!)
    done
    engine_label="AFL++ afl x$jobs"
}

summary=()

run_target() {  # run_target TARGET
    local t=$1 run=$runs/$1 grown=$fuzz_dir/corpus/$1 seeds=corpora/$1
    local start now next elapsed st execs rate cov corp found files tri
    mkdir -p "$run/artifacts" "$grown"
    [ -d "$seeds" ] || { echo "$me: no seed corpus $seeds" >&2; return 1; }

    groups=()
    start=$(date +%s)
    if [ "$engine" = libfuzzer ]; then
        start_libfuzzer "$t" "$run" "$grown" "$seeds"
    else
        start_afl "$t" "$run" "$grown" "$seeds"
    fi
    echo "== $t: $engine_label, ${fuzz_time}s${variant:+, variant $variant}; log in $run/"
    next=$((start + every))
    local announced=0 prev_execs=0 prev_t=$start last_rate=0
    overran=0
    while alive; do
        nap 1
        note_spawned
        now=$(date +%s)
        [ $stop = 1 ] && escalate
        if [ "$now" -ge "$next" ] || [ $stop = 1 ] && [ $announced = 0 ]; then
            [ $stop = 1 ] && announced=1
            next=$((now + every))
            if [ "$engine" = libfuzzer ]; then st=$(lf_status "$run"); else st=$(afl_status "$run"); fi
            read -r execs rate cov corp found <<<"$st"
            # The engines' own rates are per job or lag behind: measure
            # the rate between two updates of the count instead (libFuzzer
            # -fork reports only when a job ends, AFL++ every few seconds).
            if [ "$execs" -gt "$prev_execs" ] && [ "$now" -gt "$prev_t" ]; then
                last_rate=$(( (execs - prev_execs) / (now - prev_t) ))
                prev_execs=$execs
                prev_t=$now
            fi
            rate=$last_rate
            printf '[%-10s %4ds/%ds] execs %7s  %6s/s  cov %6s  corpus %5s  findings %s%s\n' \
                "$t" $((now - start)) "$fuzz_time" "$(human "$execs")" \
                "$(human "$rate")" "$cov" "$corp" "$found" \
                "$([ $stop = 1 ] && echo '  (stopping)')"
        fi
        # A fuzzer that overruns its time limit by a minute is stopped
        # as if interrupted, but the campaign goes on.
        if [ $((now - start)) -gt $((fuzz_time + 60)) ] && [ $stop = 0 ]; then
            echo "$me: $t overran its time, stopping it" >&2
            on_signal
            stop=0
            overran=1
        fi
        if [ "${overran:-0}" = 1 ]; then
            escalate
        fi
    done
    wait 2>/dev/null || true
    reap_spawned
    groups=()
    elapsed=$(( $(date +%s) - start ))
    [ "$elapsed" -gt 0 ] || elapsed=1

    if [ "$engine" = libfuzzer ]; then
        st=$(lf_status "$run")
        files=("$run"/artifacts/*)
    else
        st=$(afl_status "$run")
        files=("$run"/afl/*/crashes/id:* "$run"/afl/*/hangs/id:*)
        # The AFL++ queue is the grown corpus: keep it for the next run.
        add_to_corpus "$grown" "$run"/afl/*/queue/id:*
    fi
    read -r execs rate cov corp found <<<"$st"

    tri="new=0 dup=0 norepro=0"
    local existing=()
    for f in "${files[@]}"; do [ -f "$f" ] && existing+=("$f"); done
    total_found=$((total_found + ${#existing[@]}))
    if [ ${#existing[@]} -gt 0 ]; then
        echo "-- $t: ${#existing[@]} finding(s), triage (minimise, deduplicate, file in crashes/):"
        # Ctrl-C during triage is ignored: what was found is kept.
        trap '' INT
        TRIAGE_SHOW=${FUZZ_FAIL_ON_FINDING:-0} \
            scripts/fuzz-triage.sh --target "$t" "${existing[@]}" | tee "$run/triage.log"
        trap on_signal INT
        tri=$(sed -n 's/^triage-summary //p' "$run/triage.log")
    fi
    summary+=("$(printf '%-11s %-24s %6s %9s %9s %7s  %s' "$t" "$engine_label" \
        "${elapsed}s" "$(human "$execs")" "$(human $((execs / elapsed)))" \
        "$cov" "$tri")")
}

total_found=0
for t in $targets; do
    [ $stop = 1 ] && break
    run_target "$t"
done

echo
echo "== summary${variant:+ (variant $variant)}: $(date -u '+%Y-%m-%d %H:%M UTC')"
printf '%-11s %-24s %6s %9s %9s %7s  %s\n' target engine time execs execs/s \
    cov "findings"
for row in "${summary[@]}"; do
    echo "$row"
done
crashes=${CRASHES:-crashes}
# (No crashes/ yet is 0 cases: find's failure must not end the script.)
ncase=$({ find "$crashes" -maxdepth 1 -name '*.txt' 2>/dev/null || true; } | wc -l)
echo "$crashes: $ncase case(s); grown corpora in $fuzz_dir/corpus/; logs in $runs/"
if [ $stop = 1 ]; then
    echo "$me: interrupted; what was found so far is triaged above"
    exit 130
fi
if [ "${FUZZ_FAIL_ON_FINDING:-0}" = 1 ] && [ "$total_found" -gt 0 ]; then
    echo "$me: FAILED: $total_found finding(s) (triaged above, cases in $crashes/)" >&2
    exit 1
fi
