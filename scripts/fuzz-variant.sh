#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# usage: scripts/fuzz-variant.sh NAME DIR
#
# Make DIR a source tree of the broken variant NAME (tests/variants/
# NAME.patch), for mk/variants.mk (tests/variants/run.sh) and
# `make fuzz VARIANT=NAME`:
#
#   DIR/hv/                     a copy of hv/ (the core)
#   DIR/harness/xen/            a copy of harness/xen/ (the stand-ins for
#                               the rest of Xen: mm.c, vtd.c, ... and the
#                               wrappers of Xen's own files)
#   DIR/xen/common/grant_table.c  a copy of the grant_table.c the harness
#                               compiles: $BUILD/xen-harness/xen/common/
#                               grant_table.c (BUILD defaults to build),
#                               hv/xen/patches/ already applied
#   DIR/xen/common/gtio -> ../../hv   so that its #include "gtio/gtio.h"
#                               finds the variant's core, not hv/
#   DIR/.patched                touched last, once all of it is in place
#
# All three are there whatever the patch touches, each patched or a plain
# copy; the patch applies with -p1 to a root holding them as
# a/hv/..., a/harness/xen/... and a/xen/common/grant_table.c.  A build of
# the variant compiles DIR/hv/*.c and DIR/harness/xen/*.c instead of
# hv/*.c and harness/xen/*.c, with -I DIR/xen in front of the include
# flags (the wrapper harness/xen/grant_table.c includes
# <common/grant_table.c>) and -I DIR/hv instead of -I hv.
#
# Nothing outside DIR is touched: a variant is a deliberately broken copy,
# and the fuzzer must find its bug on a build of its own.  A patch that
# does not apply (the code moved on) is an error, not a silently unpatched
# - and so bug-free - build; the previous tree in DIR stays as it was.

set -euo pipefail

me=fuzz-variant
[ $# -eq 2 ] || { echo "usage: $0 NAME DIR" >&2; exit 2; }
name=$1
dir=$2
top=$(cd "$(dirname "$0")/.." && pwd)
patch_file=$top/tests/variants/$name.patch
build=${BUILD:-build}
case $build in
    /*) ;;
    *) build=$top/$build ;;
esac
grant_table=$build/xen-harness/xen/common/grant_table.c

if [ ! -f "$patch_file" ]; then
    echo "$me: no variant '$name': $patch_file does not exist" >&2
    echo "$me: variants: $(cd "$top/tests/variants" 2>/dev/null && ls -- *.patch 2>/dev/null | sed 's/\.patch$//' | tr '\n' ' ')" >&2
    exit 1
fi
if [ ! -f "$grant_table" ]; then
    echo "$me: $grant_table is missing: make BUILD=${BUILD:-build} xen-harness-src first" >&2
    exit 1
fi
command -v patch >/dev/null || { echo "$me: 'patch' is not installed" >&2; exit 1; }

# Build the tree beside its final place and swap it in only when the
# patch applied, so a failure never leaves a half-patched tree behind.
mkdir -p "$dir"
tmp=$(mktemp -d "$dir/.src.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
# Copies of the contents (-L): never a link the patch could write through.
mkdir -p "$tmp/hv" "$tmp/harness/xen" "$tmp/xen/common"
cp -RL "$top/hv/." "$tmp/hv/"
cp -RL "$top/harness/xen/." "$tmp/harness/xen/"
cp -L "$grant_table" "$tmp/xen/common/grant_table.c"
ln -s ../../hv "$tmp/xen/common/gtio"

if ! out=$(patch -p1 --forward --batch --no-backup-if-mismatch -d "$tmp" \
           -i "$patch_file" 2>&1); then
    printf '%s\n' "$out" >&2
    echo "$me: FAILED: tests/variants/$name.patch does not apply to hv/," \
         "harness/xen/ or xen/common/grant_table.c" >&2
    exit 1
fi
if printf '%s\n' "$out" | grep -qiE 'fuzz|offset'; then
    # Applied, but not where it was made: say so, the lines may be wrong.
    printf '%s\n' "$out" | sed "s/^/$me: /" >&2
fi

rm -f "$dir/.patched"
for part in hv harness xen; do
    rm -rf "${dir:?}/$part"
    mv "$tmp/$part" "$dir/$part"
done
touch "$dir/.patched"
echo "$me: $name.patch applied in $dir (hv/, harness/xen/, xen/common/grant_table.c)"
