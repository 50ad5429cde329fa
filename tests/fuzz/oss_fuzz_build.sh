#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# fuzz/build.sh as OSS-Fuzz / ClusterFuzzLite call it (their variables,
# libFuzzer with ASan): the Xen source obtained as make obtains it (XEN_SRC
# if set, else Debian's package cached under $BUILD/xen-src) and said so
# in one line, both targets, seed corpus zips with every seed,
# dictionaries, and the targets run.

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
if ! CC=$cc CXX=$cxx CFLAGS='-O1 -fsanitize=address,fuzzer-no-link' \
     CXXFLAGS='-fsanitize=address' LIB_FUZZING_ENGINE=-fsanitize=fuzzer \
     OUT=$work/out WORK=$work/work fuzz/build.sh >"$work/log" 2>&1; then
    tail -n 20 "$work/log" >&2
    fail "oss-fuzz-build"
    exit 1
fi
if [ "$(grep -c '^build.sh: Xen source: /' "$work/log")" != 1 ]; then
    fail "oss-fuzz-build (no one line naming the Xen source: $(head -n1 "$work/log"))"
    exit 1
fi
for t in fuzz_exec fuzz_trace; do
    for f in "$t" "${t}_seed_corpus.zip" "$t.dict"; do
        [ -s "$work/out/$f" ] || { fail "oss-fuzz-build ($f missing)"; exit 1; }
    done
    seeds=$(ls "corpora/$t" | wc -l)
    zipped=$(python3 -c 'import sys, zipfile; print(len(zipfile.ZipFile(sys.argv[1]).namelist()))' \
             "$work/out/${t}_seed_corpus.zip")
    [ "$seeds" = "$zipped" ] || { fail "oss-fuzz-build ($t: $zipped of $seeds seeds zipped)"; exit 1; }
    if ! "$work/out/$t" -runs=200 -seed=1 -dict="$work/out/$t.dict" \
            >"$work/run.log" 2>&1; then
        fail "oss-fuzz-build ($t does not run: $(grep -m1 -E 'ERROR|FINDING' "$work/run.log"))"
        exit 1
    fi
done
pass "oss-fuzz-build (fuzz_exec, fuzz_trace, seed zips, dictionaries; $(sed -n 's/^build.sh: \(Xen source: .*\)/\1/p' "$work/log"))"
