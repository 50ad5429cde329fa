#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The ClusterFuzzLite / OSS-Fuzz build as their base-builder image runs it
# (its image cannot be pulled here): .clusterfuzzlite/build.sh with the
# variables the image sets (CC, CXX, CFLAGS, CXXFLAGS, LIB_FUZZING_ENGINE,
# OUT, SRC, WORK) for three of its configurations, libFuzzer with ASan,
# libFuzzer with UBSan, and AFL++ (its driver library).  Each must give
# both targets, seed corpus zips with every seed (and, for fuzz_exec,
# every kept crash case), dictionaries, and one line naming the Xen
# source; then every target runs every input of its seed corpus zip.

set -euo pipefail
# shellcheck source=tests/fuzz/lib.bash
. "$(dirname "$0")/lib.bash"

cc=$(command -v "clang-${LLVM_VERSION:-14}" || command -v clang || true)
cxx=$(command -v "clang++-${LLVM_VERSION:-14}" || command -v clang++ || true)
if [ -z "$cc" ] || [ -z "$cxx" ]; then
    skip "oss-fuzz-build (no clang: scripts/install-deps.sh fuzz)"
    exit 0
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# $SRC/gtio is the checkout, as the Dockerfile's COPY makes it.
mkdir -p "$work/src"
ln -s "$top" "$work/src/gtio"
build_abs=$BUILD
case "$build_abs" in /*) ;; *) build_abs=$top/$build_abs ;; esac

# OSS-Fuzz's flags for these sanitizers (the base-builder's defaults).
ubsan_checks=array-bounds,bool,builtin,enum,float-divide-by-zero,integer-divide-by-zero,null,object-size,return,returns-nonnull-attribute,shift,signed-integer-overflow,unreachable,vla-bound

# build_config NAME CC CXX CFLAGS LIB_FUZZING_ENGINE
build_config() {
    local name=$1 out=$work/$1/out
    mkdir -p "$work/$name/work"
    if ! CC=$2 CXX=$3 CFLAGS=$4 CXXFLAGS=$4 LIB_FUZZING_ENGINE=$5 \
         OUT=$out SRC=$work/src WORK=$work/$name/work BUILD=$build_abs \
         AFL_QUIET=1 .clusterfuzzlite/build.sh >"$work/$name/log" 2>&1; then
        tail -n 20 "$work/$name/log" >&2
        fail "oss-fuzz-build-$name (the build failed)"
        return 1
    fi
    if [ "$(grep -c '^build.sh: Xen source: /' "$work/$name/log")" != 1 ]; then
        fail "oss-fuzz-build-$name (no one line naming the Xen source)"
        return 1
    fi
}

# check_outputs NAME: the files, and every seed (and crash case) zipped.
check_outputs() {
    local name=$1 out=$work/$1/out t f seeds zipped
    for t in fuzz_exec fuzz_trace; do
        for f in "$t" "${t}_seed_corpus.zip" "$t.dict"; do
            [ -s "$out/$f" ] || { fail "oss-fuzz-build-$name ($f missing)"; return 1; }
        done
        seeds=$(find "corpora/$t" -type f | wc -l)
        [ "$t" = fuzz_exec ] && seeds=$((seeds + $(find crashes -name '*.bin' | wc -l)))
        zipped=$(python3 -c 'import sys, zipfile; print(len(zipfile.ZipFile(sys.argv[1]).namelist()))' \
                 "$out/${t}_seed_corpus.zip")
        [ "$seeds" = "$zipped" ] ||
            { fail "oss-fuzz-build-$name ($t: $zipped of $seeds seeds zipped)"; return 1; }
    done
}

# run_seeds NAME ENGINE: each target over every input of its seed zip.
run_seeds() {
    local name=$1 engine=$2 out=$work/$1/out t dir f
    for t in fuzz_exec fuzz_trace; do
        dir=$work/$name/seeds-$t
        mkdir -p "$dir"
        python3 -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])' \
            "$out/${t}_seed_corpus.zip" "$dir"
        if [ "$engine" = libfuzzer ]; then
            if ! "$out/$t" -runs=0 -dict="$out/$t.dict" "$dir" \
                    >"$work/$name/run.log" 2>&1; then
                fail "oss-fuzz-build-$name ($t on its seeds: $(grep -m1 -E 'ERROR|FINDING' "$work/$name/run.log"))"
                return 1
            fi
            continue
        fi
        # The AFL++ driver runs each file named on its command line once.
        if ! "$out/$t" "$dir"/* >"$work/$name/run.log" 2>&1; then
            fail "oss-fuzz-build-$name ($t on its seeds: $(grep -m1 -E 'ERROR|FINDING' "$work/$name/run.log"))"
            return 1
        fi
    done
}

# config NAME ENGINE CC CXX CFLAGS LIB_FUZZING_ENGINE
config() {
    local name=$1 engine=$2
    shift 2
    build_config "$name" "$@" && check_outputs "$name" &&
        run_seeds "$name" "$engine" &&
        pass "oss-fuzz-build-$name (fuzz_exec, fuzz_trace: seed zips with the crash cases, dictionaries, every seed run)"
    rm -rf "${work:?}/$name"
    return 0
}

config libfuzzer-asan libfuzzer "$cc" "$cxx" \
    '-O1 -fno-omit-frame-pointer -gline-tables-only -fsanitize=address -fsanitize-address-use-after-scope -fsanitize=fuzzer-no-link' \
    -fsanitize=fuzzer
config libfuzzer-ubsan libfuzzer "$cc" "$cxx" \
    "-O1 -fno-omit-frame-pointer -gline-tables-only -fsanitize=$ubsan_checks -fno-sanitize-recover=$ubsan_checks -fsanitize=fuzzer-no-link" \
    -fsanitize=fuzzer
if command -v afl-clang-fast >/dev/null && [ -f /usr/lib/afl/libAFLDriver.a ]; then
    config afl afl afl-clang-fast afl-clang-fast++ \
        '-O1 -fno-omit-frame-pointer -gline-tables-only -fsanitize=address -fsanitize-address-use-after-scope' \
        /usr/lib/afl/libAFLDriver.a
else
    skip "oss-fuzz-build-afl (no afl-clang-fast or libAFLDriver.a: scripts/install-deps.sh fuzz)"
fi
exit "$failed"
