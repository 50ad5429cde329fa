#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# usage: COV_DIR=build/coverage CLANG=clang-14 COV_TESTS="..." \
#            COV_REPLAY=build/coverage/replay scripts/coverage.sh
# (`make coverage` builds the programs first and sets these; see
# mk/coverage.mk.)
#
# Runs the coverage build's test programs and replays the seed corpus and
# the scenario traces, merges their profiles and writes
#   $COV_DIR/html/index.html   the report (hv/, harness/ and Xen's
#                              grant_table.c)
#   $COV_DIR/unreached.txt     every line of hv/ no run reached, as
#                              "hv/FILE:LINE: source"
# then prints two lines: line and branch coverage of hv/, and of Xen's
# own xen/common/grant_table.c as the harness compiles it.
#
# The programs' verdicts are `make test`'s business, not this script's: a
# failing test still counts for coverage.  Only a program killed by a
# signal (its profile is then lost, so the figures would be too low) or an
# input replay calls bad makes this script fail, after the summary.

set -euo pipefail

me=coverage
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

: "${COV_DIR:?$me: COV_DIR not set (run make coverage)}"
: "${COV_TESTS:?$me: COV_TESTS not set (run make coverage)}"
: "${COV_REPLAY:?$me: COV_REPLAY not set (run make coverage)}"
clang=${CLANG:-clang}

# The profile format changes between LLVM releases, so the tools must be
# those of the clang that compiled: Debian installs them as llvm-X-14 and
# in /usr/lib/llvm-14/bin (package llvm-14, which deps-test installs).
command -v "$clang" >/dev/null || { echo "$me: compiler '$clang' not found" >&2; exit 1; }
ver=$("$clang" -dumpversion)
ver=${ver%%.*}
llvm_tool() {
    local t
    for t in "$1-$ver" "/usr/lib/llvm-$ver/bin/$1" \
             "$(dirname "$(readlink -f "$(command -v "$clang")")")/$1"; do
        if command -v "$t" >/dev/null 2>&1; then
            command -v "$t"; return 0
        fi
    done
    echo "$me: $1 of LLVM $ver not found (Debian package llvm-$ver)" >&2
    return 1
}
profdata=$(llvm_tool llvm-profdata)
llvmcov=$(llvm_tool llvm-cov)

read -r -a tests <<<"$COV_TESTS"
for b in "${tests[@]}" "$COV_REPLAY"; do
    [ -x "$b" ] || { echo "$me: $b not built (run make coverage)" >&2; exit 1; }
done

shopt -s nullglob globstar
# Every scenario, in every subdirectory (core-bugs/ included: the lines a
# known defect runs through are lines a test reaches).
inputs=(corpora/fuzz_exec/*.bin tests/scenarios/**/*.trace)
[ ${#inputs[@]} -gt 0 ] || { echo "$me: no corpora/fuzz_exec/*.bin or tests/scenarios/**/*.trace" >&2; exit 1; }

prof=$COV_DIR/profiles
log=$COV_DIR/run.log
rm -rf "$prof" "$COV_DIR/html" "$COV_DIR/unreached.txt"
mkdir -p "$prof"
: >"$log"

# run NAME OK_MAX CMD...: CMD with its own profile file (%p: one per
# process); an exit status above OK_MAX is reported at the end.
died=()
run() {
    local name=$1 ok=$2 rc=0
    shift 2
    echo "== $*" >>"$log"
    LLVM_PROFILE_FILE="$prof/$name-%p.profraw" "$@" >>"$log" 2>&1 || rc=$?
    [ "$rc" -le "$ok" ] || died+=("$* (status $rc)")
}

# Test programs: any exit status is a verdict (1 a failure, 77 a skip);
# only a signal (128+n) loses the profile, which is written at exit.
for b in "${tests[@]}"; do
    run "$(basename "$b")" 127 "$b"
done
# replay: 0 nothing found, 1 a finding (core-bugs/ expects some), 2 bad
# input; one process per file so that a crash loses one file's profile.
for f in "${inputs[@]}"; do
    run replay 1 "$COV_REPLAY" -q "$f"
done

raws=("$prof"/*.profraw)
[ ${#raws[@]} -gt 0 ] || { echo "$me: no profiles written under $prof (see $log)" >&2; exit 1; }
"$profdata" merge -sparse -o "$COV_DIR/merged.profdata" "${raws[@]}"

# Every instrumented program: llvm-cov reads each function's mapping once,
# from whichever binary has it, and the merged profile counts all runs.
objs=()
for b in "${tests[@]}" "$COV_REPLAY"; do
    [ ${#objs[@]} -eq 0 ] && objs+=("$b") || objs+=(-object "$b")
done
cov=(-instr-profile="$COV_DIR/merged.profdata" "${objs[@]}")
# Xen's file, by the path the compiler saw (the build's link to the tree).
gnttab=$(find "$COV_DIR/.." -maxdepth 3 -path '*/xen-harness/xen' -print -quit)
gnttab=${gnttab:+$gnttab/common/grant_table.c}
[ -n "$gnttab" ] && [ -f "$gnttab" ] ||
    { echo "$me: Xen's grant_table.c not found under the build" >&2; exit 1; }

"$llvmcov" show -format=html -output-dir="$COV_DIR/html" \
    -show-branches=count -show-line-counts-or-regions \
    -ignore-filename-regex='(^|/)tests/' "${cov[@]}" hv harness "$gnttab"

# lcov's records per file: SF:name, DA:line,count, LF/LH lines found/hit,
# BRF/BRH branches found/hit.  Only hv/ counts.  A line of a header
# included by several files is one line of that header, counted once.
# A #define line is listed with the count of its least-run expansion
# (harness/machine/vtd_sim.c's "case VTD_REG_VER:" makes hv/vtd_hw.h:16 "0"); it
# is not a line of code (LF/LH, like llvm-cov report, leave it out), so it
# is not listed either: the unreached lines that use it are.
"$llvmcov" export -format=lcov "${cov[@]}" hv >"$COV_DIR/hv.lcov"
awk -v top="$top/" -v out="$COV_DIR/unreached.txt" '
    function src(f, n,   l, i) {
        i = 0
        while ((getline l < f) > 0)
            if (++i == n) { close(f); return l }
        close(f); return ""
    }
    /^SF:/ { f = substr($0, 4); rel = f
             if (index(f, top) == 1) rel = substr(f, length(top) + 1)
             inhv = rel ~ /^hv\//; next }
    !inhv { next }
    /^DA:/ { split(substr($0, 4), d, ",")
             if (d[2] == 0 && (s = src(f, d[1])) !~ /^[ \t]*#[ \t]*define/)
                 printf "%s:%d: %s\n", rel, d[1], s > out
             next }
    /^LF:/ { lf += substr($0, 4) } /^LH:/ { lh += substr($0, 4) }
    /^BRF:/ { bf += substr($0, 5) } /^BRH:/ { bh += substr($0, 5) }
    END {
        close(out)
        if (lf == 0) { print "coverage: no lines of hv/ in the profile" > "/dev/stderr"; exit 1 }
        printf "coverage hv/: lines %.1f%% (%d/%d), branches %.1f%% (%d/%d)", \
            100 * lh / lf, lh, lf, bf ? 100 * bh / bf : 100, bh, bf
    }' "$COV_DIR/hv.lcov" >"$COV_DIR/summary"
: >>"$COV_DIR/unreached.txt"
n=$(wc -l <"$COV_DIR/unreached.txt")
echo "$(cat "$COV_DIR/summary"); $n unreached in $COV_DIR/unreached.txt, report $COV_DIR/html/index.html"

# Xen's grant_table.c: what the runs reached of the file as a whole (much
# of it, e.g. grant copy, transfer and v2, no op of ours calls).
"$llvmcov" export -format=lcov "${cov[@]}" "$gnttab" >"$COV_DIR/gnttab.lcov"
awk '
    /^SF:/ { in_gt = $0 ~ /common\/grant_table\.c$/; next }
    !in_gt { next }
    /^LF:/ { lf += substr($0, 4) } /^LH:/ { lh += substr($0, 4) }
    /^BRF:/ { bf += substr($0, 5) } /^BRH:/ { bh += substr($0, 5) }
    END {
        if (lf == 0) { print "coverage: no lines of grant_table.c in the profile" > "/dev/stderr"; exit 1 }
        printf "coverage xen/common/grant_table.c: lines %.1f%% (%d/%d), branches %.1f%% (%d/%d)\n", \
            100 * lh / lf, lh, lf, bf ? 100 * bh / bf : 100, bh, bf
    }' "$COV_DIR/gnttab.lcov"

if [ ${#died[@]} -gt 0 ]; then
    for d in "${died[@]}"; do
        echo "$me: killed, or bad input (see $log): $d" >&2
    done
    exit 1
fi
