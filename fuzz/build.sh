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
# The compiling is make's: mk/fuzz.mk's oss flavour with these variables
# (FUZZ_OSS=1, OSS_CC, ...), compiled by mk/build.mk's rules as every
# other build is; this script calls no compiler of its own.  The
# harness compiles Xen 4.17's own grant_table.c and radix-tree.c, so make
# gets the Xen source first (mk/xen-src.mk, scripts/xen-harness-src.sh):
# XEN_SRC=dir (a tree holding xen/), or Debian's xen source package,
# fetched once into $BUILD/xen-src/ (BUILD as for make: default build/);
# one line of output says which.

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

# ---- the targets: mk/fuzz.mk's oss flavour, in $obj ----
build_dir=${BUILD:-build}
case "$build_dir" in /*) ;; *) build_dir=$top/$build_dir ;; esac
# Objects made with other flags (another sanitizer in the same WORK)
# must not be reused: make cannot see a change of flags.
flags="$CC|$CXX|$CFLAGS|$CXXFLAGS|$LIB_FUZZING_ENGINE"
if [ "$(cat "$obj/flags" 2>/dev/null)" != "$flags" ]; then
    rm -rf "$obj/oss"
    printf '%s\n' "$flags" >"$obj/flags"
fi
# INSTALL_DEPS=: : the builder image has its tools; nothing is installed.
# A tree given by XEN_SRC is linked again, whatever $BUILD links now.
rc=0
env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL \
    make --no-print-directory -j"$(nproc 2>/dev/null || echo 2)" \
    ${XEN_SRC:+-W scripts/xen-harness-src.sh} \
    BUILD="$build_dir" INSTALL_DEPS=: FUZZ_OSS=1 FUZZ_OSS_DIR="$obj" \
    XEN_SRC="${XEN_SRC:-}" XEN_DEB_VERSION="${XEN_DEB_VERSION:-}" \
    OSS_CC="$CC" OSS_CXX="$CXX" OSS_CFLAGS="$CFLAGS" \
    OSS_CXXFLAGS="$CXXFLAGS" OSS_ENGINE="$LIB_FUZZING_ENGINE" \
    "${targets[@]/#/$obj/oss/}" >"$obj/make.log" 2>&1 || rc=$?
xh=$build_dir/xen-harness
if [ ! -e "$xh/xen/common/grant_table.c" ]; then
    cat "$obj/make.log" >&2
    echo "build.sh: no Xen source (XEN_SRC=dir, or network access for" \
         "Debian's xen source package)" >&2
    exit 77
fi
if [ $rc != 0 ]; then
    tail -n 30 "$obj/make.log" >&2
    echo "build.sh: the build failed (make, mk/fuzz.mk's oss flavour)" >&2
    exit "$rc"
fi
# (The tree holding xen/, as the link to Xen's own file says.)
tree=$(readlink -f "$xh/xen/common/radix-tree.c")
tree=${tree%/xen/common/radix-tree.c}
if [ -n "${XEN_SRC:-}" ]; then
    echo "build.sh: Xen source: $tree (XEN_SRC)"
else
    echo "build.sh: Xen source: $tree (Debian's xen source package, cached in $build_dir/xen-src)"
fi

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
    cp "$obj/oss/$t" "$OUT/$t"
    rm -rf "$obj/seeds-$t"
    seed_dir "$t" "$obj/seeds-$t"
    zip_dir "$obj/seeds-$t" "$OUT/${t}_seed_corpus.zip"
    cp "fuzz/$t.dict" "$OUT/$t.dict"
done
echo "build.sh: ${targets[*]} with seed corpora and dictionaries in $OUT"
