#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# OSS-Fuzz / ClusterFuzzLite build script: the fuzz targets, their seed
# corpora and dictionaries into $OUT, with the engine and sanitizers the
# caller chose.  Honours the variables those builders set:
#
#   CC, CXX              compilers (clang, clang++); CXX links, since
#                        $LIB_FUZZING_ENGINE may be a C++ library
#   CFLAGS, CXXFLAGS     sanitizer and coverage flags of the build
#   LIB_FUZZING_ENGINE   e.g. -fsanitize=fuzzer, or an AFL++ driver
#   OUT                  where the targets go (default build/oss-fuzz)
#   WORK                 scratch space for objects (default: a temp dir)
#
# A local check of the same thing CI builds:
#   CC=clang CXX=clang++ CFLAGS='-fsanitize=address,fuzzer-no-link' \
#       LIB_FUZZING_ENGINE=-fsanitize=fuzzer OUT=/tmp/out fuzz/build.sh
#
# Writes $OUT/<target>, $OUT/<target>_seed_corpus.zip (corpora/<target>/)
# and $OUT/<target>.dict (fuzz/<target>.dict) for fuzz_exec and fuzz_trace.

set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

CC=${CC:-clang}
CXX=${CXX:-clang++}
CFLAGS=${CFLAGS:-}
CXXFLAGS=${CXXFLAGS:-}
LIB_FUZZING_ENGINE=${LIB_FUZZING_ENGINE:--fsanitize=fuzzer}
OUT=${OUT:-$top/build/oss-fuzz}
if [ -n "${WORK:-}" ]; then
    obj=$WORK/gtio-obj
else
    obj=$(mktemp -d)
    trap 'rm -rf "$obj"' EXIT
fi
mkdir -p "$OUT" "$obj"

targets=(fuzz_exec fuzz_trace)
inc=(-std=gnu11 -Iharness/include -Iharness -Ihv)

# The simulated machine is built without coverage, as in mk/fuzz.mk (see
# FUZZ_NOCOV_SRC there): it is the environment, and instrumenting it costs
# most of the throughput.  Only coverage flags are dropped; sanitizers stay.
nocov_src=" harness/vtd_sim.c harness/heap.c harness/hooks.c "
# shellcheck disable=SC2086
read -r -a cflags <<<"$CFLAGS"
nocov_flags=()
for f in "${cflags[@]}"; do
    case "$f" in
    -fsanitize=fuzzer-no-link|-fsanitize-coverage=*) ;;
    -fsanitize=*fuzzer-no-link*)
        # "-fsanitize=address,fuzzer-no-link": keep the rest of the list.
        rest=$(sed -E 's/(^|,)fuzzer-no-link(,|$)/\1/; s/,$//; s/=,/=/' <<<"${f#-fsanitize=}")
        [ -n "$rest" ] && nocov_flags+=("-fsanitize=$rest")
        ;;
    *) nocov_flags+=("$f") ;;
    esac
done

lib=()
for src in hv/*.c harness/*.c; do
    # replay.c is a program of its own (make replay).
    case "$src" in harness/replay.c|harness/soak.c) continue ;; esac
    o=$obj/$(dirname "$src")_$(basename "$src" .c).o
    if [[ $nocov_src == *" $src "* ]]; then
        "$CC" "${nocov_flags[@]}" "${inc[@]}" -c "$src" -o "$o"
    else
        "$CC" "${cflags[@]}" "${inc[@]}" -c "$src" -o "$o"
    fi
    lib+=("$o")
done

# A zip of a directory's files, flat (zip, or python3 where zip is absent).
zip_dir() {     # zip_dir DIR ZIP
    rm -f "$2"
    if command -v zip >/dev/null; then
        (cd "$1" && zip -q -X -j "$2" ./*)
    else
        python3 - "$1" "$2" <<'EOF'
import os, sys, zipfile
d, z = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(z, "w") as f:
    for n in sorted(os.listdir(d)):
        f.write(os.path.join(d, n), n)
EOF
    fi
}

for t in "${targets[@]}"; do
    "$CC" "${cflags[@]}" "${inc[@]}" -c "fuzz/$t.c" -o "$obj/$t.o"
    # shellcheck disable=SC2086
    "$CXX" $CXXFLAGS "${cflags[@]}" "$obj/$t.o" "${lib[@]}" \
        $LIB_FUZZING_ENGINE -o "$OUT/$t"
    zip_dir "$top/corpora/$t" "$OUT/${t}_seed_corpus.zip"
    cp "fuzz/$t.dict" "$OUT/$t.dict"
done
echo "build.sh: ${targets[*]} with seed corpora and dictionaries in $OUT"
