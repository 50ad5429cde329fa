#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# usage: scripts/fuzz-variant.sh NAME DIR
#
# Make DIR/hv a copy of hv/ with tests/variants/NAME.patch applied, for
# `make fuzz VARIANT=NAME`.  The real hv/ is never touched: a variant is a
# deliberately broken core, and the fuzzer must find its bug on a build of
# its own.  A patch that does not apply (hv/ moved on) is an error, not a
# silently unpatched - and so bug-free - build.

set -euo pipefail

me=fuzz-variant
[ $# -eq 2 ] || { echo "usage: $0 NAME DIR" >&2; exit 2; }
name=$1
dir=$2
top=$(cd "$(dirname "$0")/.." && pwd)
patch_file=$top/tests/variants/$name.patch

if [ ! -f "$patch_file" ]; then
    echo "$me: no variant '$name': $patch_file does not exist" >&2
    echo "$me: variants: $(cd "$top/tests/variants" 2>/dev/null && ls -- *.patch 2>/dev/null | sed 's/\.patch$//' | tr '\n' ' ')" >&2
    exit 1
fi
command -v patch >/dev/null || { echo "$me: 'patch' is not installed" >&2; exit 1; }

# Build the copy beside its final place and swap it in only when the
# patch applied, so a failure never leaves a half-patched tree behind.
mkdir -p "$dir"
tmp=$(mktemp -d "$dir/.hv.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
cp -R "$top/hv" "$tmp/hv"
if ! out=$(patch -p1 --forward --batch --no-backup-if-mismatch -d "$tmp" \
           -i "$patch_file" 2>&1); then
    printf '%s\n' "$out" >&2
    echo "$me: FAILED: tests/variants/$name.patch does not apply to hv/" >&2
    exit 1
fi
if printf '%s\n' "$out" | grep -qiE 'fuzz|offset'; then
    # Applied, but not where it was made: say so, the lines may be wrong.
    printf '%s\n' "$out" | sed "s/^/$me: /" >&2
fi
rm -rf "$dir/hv"
mv "$tmp/hv" "$dir/hv"
touch "$dir/.patched"
echo "$me: hv/ + $name.patch in $dir/hv"
