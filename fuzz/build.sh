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
# Writes $OUT/<target>, $OUT/<target>_seed_corpus.zip (corpora/<target>/,
# and crashes/*.bin for fuzz_exec) and $OUT/<target>.dict
# (fuzz/<target>.dict) for fuzz_exec and fuzz_trace.
#
# The harness compiles Xen 4.17's own grant_table.c and radix-tree.c, so
# the Xen source comes first, the way make gets it (mk/xen-src.mk,
# scripts/xen-harness-src.sh): XEN_SRC=dir (a tree holding xen/), or
# Debian's xen source package, fetched once into $BUILD/xen-src/ (BUILD
# as for make: default build/); one line of output says which.

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

# ---- the Xen source (links in $obj/xen-harness, as in $(XH) for make) ----
build_dir=${BUILD:-build}
case "$build_dir" in /*) ;; *) build_dir=$top/$build_dir ;; esac
xh=$obj/xen-harness
rc=0
BUILD_DIR=$build_dir HV_DIR=$top/hv XEN_SRC=${XEN_SRC:-} \
    XEN_DEB_VERSION=${XEN_DEB_VERSION:-} \
    scripts/xen-harness-src.sh "$xh" >"$obj/xen-src.log" 2>&1 || rc=$?
if [ $rc != 0 ]; then
    cat "$obj/xen-src.log" >&2
    echo "build.sh: no Xen source (XEN_SRC=dir, or network access for" \
         "Debian's xen source package)" >&2
    exit "$rc"
fi
# (The tree holding xen/, as the link to Xen's own file says.)
tree=$(readlink -f "$xh/xen/common/grant_table.c")
tree=${tree%/xen/common/grant_table.c}
if [ -n "${XEN_SRC:-}" ]; then
    echo "build.sh: Xen source: $tree (XEN_SRC)"
else
    echo "build.sh: Xen source: $tree (Debian's xen source package, cached in $build_dir/xen-src)"
fi

# The include flags of mk/xen-src.mk's XEN_INC and the top Makefile's.
inc=(-std=gnu11 -fno-strict-aliasing -D__XEN__ -Iharness/include
     -isystem "$xh/include" -I"$xh/xen" -Iharness -Ihv)

# The files built without coverage: mk/fuzz.mk's FUZZ_NOCOV_SRC (the
# simulated machine and the stand-ins that are pure machinery), read from
# there so that the two builds cannot drift apart.  Only coverage flags
# are dropped; sanitizers stay.
nocov_src=" $(sed -n '/^FUZZ_NOCOV_SRC ?=/,/[^\\]$/p' mk/fuzz.mk |
              sed 's/^FUZZ_NOCOV_SRC ?=//; s/\\$//' | tr -s ' \n' '  ') "
[[ $nocov_src == *" harness/vtd_sim.c "* ]] ||
    { echo "build.sh: no FUZZ_NOCOV_SRC in mk/fuzz.mk" >&2; exit 1; }
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
for src in hv/*.c harness/*.c harness/xen/*.c; do
    o=$obj/$(tr / _ <<<"${src%.c}").o
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

# The seeds: corpora/<target>/, and for fuzz_exec every kept case of
# crashes/ (its inputs), so that each run replays them first.
seed_dir() {    # seed_dir TARGET DIR
    mkdir -p "$2"
    cp "$top/corpora/$1"/* "$2"/
    if [ "$1" = fuzz_exec ]; then
        for c in "$top"/crashes/*.bin; do
            [ -e "$c" ] && cp "$c" "$2/crash-${c##*/}"
        done
    fi
    return 0
}

for t in "${targets[@]}"; do
    "$CC" "${cflags[@]}" "${inc[@]}" -c "fuzz/$t.c" -o "$obj/$t.o"
    # shellcheck disable=SC2086
    "$CXX" $CXXFLAGS "${cflags[@]}" "$obj/$t.o" "${lib[@]}" \
        $LIB_FUZZING_ENGINE -o "$OUT/$t"
    rm -rf "$obj/seeds-$t"
    seed_dir "$t" "$obj/seeds-$t"
    zip_dir "$obj/seeds-$t" "$OUT/${t}_seed_corpus.zip"
    cp "fuzz/$t.dict" "$OUT/$t.dict"
done
echo "build.sh: ${targets[*]} with seed corpora and dictionaries in $OUT"
