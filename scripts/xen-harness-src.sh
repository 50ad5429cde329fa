#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The Xen source the harness compiles: the same Debian 4.17 tree that
# `make xen` builds (fetched and prepared by scripts/xen-build.sh, with
# hv/xen/patches/ applied), or XEN_SRC's.  Nothing of it is copied into
# the repository: OUT gets links to it, and one generated file.
#
#   OUT/xen/common/grant_table.c  TREE's, with one line changed: the width
#                              of the four pin counters of an active entry
#                              (GNTPIN_cntr_width, 8) becomes the run-time
#                              harness_pin_cntr_width, so that an input
#                              may scale the counters down and reach their
#                              overflow check (issue 13); and likewise the
#                              handles a maptrack frame holds
#                              (MAPTRACK_PER_PAGE, 256) becomes
#                              harness_maptrack_per_page; and the unmaps
#                              one chunk of an unmap hypercall takes
#                              (GNTTAB_UNMAP_BATCH_SIZE, 32) becomes
#                              harness_unmap_batch_size (its arrays of
#                              that many then have a run-time length).
#                              At 8, 256 and 32, Xen's code.  And the
#                              width of the per-frame mapping counts of
#                              the maptrack_tree (two bitfields of
#                              BITS_PER_LONG / 2 - 1 bits) becomes
#                              HARNESS_MAPTRACK_COUNT_BITS, a compile-time
#                              constant (a bitfield's width cannot be a
#                              run-time value): Xen's unless a build
#                              flavour narrows it
#                              (harness/xen/grant_table.c)
#   OUT/xen/common/radix-tree.c -> TREE's file
#   OUT/xen/common/gtio     -> HV_DIR: grant_table.c's "gtio/gtio.h" is
#                              found next to the file as the compiler
#                              names it, so it is this checkout's core
#                              whatever TREE's own common/gtio link says
#   OUT/include/public      -> TREE/xen/include/public (the real ABI)
#   OUT/include/xen/*.h     -> the two real Xen headers used as they are
#                              (guest_access.h, radix-tree.h); every other
#                              <xen/...> is a shim in harness/include
#
# usage: scripts/xen-harness-src.sh OUT
# Environment as scripts/xen-build.sh (BUILD_DIR, XEN_SRC, HV_DIR, ...).
# Exit 77 when the source cannot be had (as xen-build.sh).

set -euo pipefail

[ $# = 1 ] || { echo "usage: $0 OUT" >&2; exit 2; }
out=$1
top=$(cd "$(dirname "$0")/.." && pwd)

tree=$("$top/scripts/xen-build.sh" fetch tree) || exit $?
[ -f "$tree/xen/common/grant_table.c" ] ||
    { echo "xen-harness-src: $tree has no xen/common/grant_table.c" >&2; exit 1; }

hv=${HV_DIR:-$top/hv}
[ -f "$hv/gtio.h" ] || { echo "xen-harness-src: no gtio.h in HV_DIR=$hv" >&2; exit 1; }
# (OUT/xen was a link to TREE/xen before: replace it.)
[ -L "$out/xen" ] && rm -f "$out/xen"
mkdir -p "$out/include/xen" "$out/xen/common"
ln -sfn "$tree/xen/common/radix-tree.c" "$out/xen/common/radix-tree.c"
# Exactly those lines, or a Xen whose bounds changed is refused.
width='^#define GNTPIN_cntr_width[[:space:]]+8$'
per_page='^#define MAPTRACK_PER_PAGE \(PAGE_SIZE / sizeof\(struct grant_mapping\)\)$'
unmap_batch='^#define GNTTAB_UNMAP_BATCH_SIZE 32$'
count_rd='^        unsigned long rd : BITS_PER_LONG / 2 - 1;$'
count_wr='^        unsigned long wr : BITS_PER_LONG / 2 - 1;$'
for line in "$width" "$per_page" "$unmap_batch" "$count_rd" "$count_wr"; do
    if [ "$(grep -cE "$line" "$tree/xen/common/grant_table.c")" != 1 ]; then
        echo "xen-harness-src: $tree/xen/common/grant_table.c has no single" \
             "line matching '$line' to scale" >&2
        exit 1
    fi
done
rm -f "$out/xen/common/grant_table.c"
sed -E -e "s/$width/#define GNTPIN_cntr_width    harness_pin_cntr_width/" \
    -e "s|$per_page|#define MAPTRACK_PER_PAGE harness_maptrack_per_page|" \
    -e "s|$unmap_batch|#define GNTTAB_UNMAP_BATCH_SIZE harness_unmap_batch_size|" \
    -e "s|$count_rd|        unsigned long rd : HARNESS_MAPTRACK_COUNT_BITS;|" \
    -e "s|$count_wr|        unsigned long wr : HARNESS_MAPTRACK_COUNT_BITS;|" \
    "$tree/xen/common/grant_table.c" >"$out/xen/common/grant_table.c.new"
mv "$out/xen/common/grant_table.c.new" "$out/xen/common/grant_table.c"
ln -sfn "$(cd "$hv" && pwd)" "$out/xen/common/gtio"
ln -sfn "$tree/xen/include/public" "$out/include/public"
for h in guest_access.h radix-tree.h; do
    ln -sfn "$tree/xen/include/xen/$h" "$out/include/xen/$h"
done
echo "xen-harness-src: compiling Xen's own grant_table.c from $tree"
