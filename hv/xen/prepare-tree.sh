#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Put the core into an unpacked Xen 4.17 tree, without copying it:
#   1. xen/common/gtio -> HV_DIR  (a symlink, so hv/*.c compile as they are)
#   2. every hv/xen/patches/*.patch, in name order, applied with patch -p1
#      (0001 adds `obj-y += gtio/` to xen/common/Makefile; later patches,
#      e.g. the hooks into grant_table.c / mm.c / VT-d, go alongside).
# Idempotent: a patch that is already applied is skipped, so this can run
# on every build and on a user's own tree (XEN_SRC).
#
# usage: hv/xen/prepare-tree.sh XEN_TREE HV_DIR
#   XEN_TREE  top of the Xen source (the directory holding xen/)

set -euo pipefail

[ $# = 2 ] || { echo "usage: $0 XEN_TREE HV_DIR" >&2; exit 2; }
tree=$(cd "$1" && pwd)
hv=$(cd "$2" && pwd -P)
here=$(cd "$(dirname "$0")" && pwd)
me=prepare-tree

[ -f "$tree/xen/common/Makefile" ] || { echo "$me: $tree is not a Xen tree" >&2; exit 1; }
[ -f "$hv/Makefile" ] || { echo "$me: $hv has no Kbuild Makefile (see hv/Makefile)" >&2; exit 1; }

link=$tree/xen/common/gtio
if [ -e "$link" ] && [ ! -L "$link" ]; then
    echo "$me: $link exists and is not a symlink; refusing to replace it" >&2
    exit 1
fi
ln -sfn "$hv" "$link"

for p in "$here"/patches/*.patch; do
    [ -e "$p" ] || continue
    name=${p##*/}
    if patch -d "$tree" -p1 -R -s -f --dry-run <"$p" >/dev/null 2>&1; then
        continue                                   # already applied
    fi
    if ! patch -d "$tree" -p1 -N -s -f --dry-run <"$p" >/dev/null 2>&1; then
        echo "$me: $name does not apply to $tree:" >&2
        patch -d "$tree" -p1 -N -f --dry-run <"$p" >&2 || true
        exit 1
    fi
    patch -d "$tree" -p1 -N -s -f --no-backup-if-mismatch <"$p"
    echo "$me: applied $name"
done
