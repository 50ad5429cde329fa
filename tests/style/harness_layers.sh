#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The harness's layers (harness/README.md) depend one way: each
# #include "NAME" of a layer's file must name a file of its own folder,
# of a layer below it, of the core (hv/) or of the shim headers
# (harness/include/).  A header of a layer above, or one that exists in
# no folder, fails.  The fuzz targets and the tools may include any
# layer.  The simulated VT-d's private header, vtd_sim_internal.h, is
# included by the simulator's own files (harness/machine/vtd_sim*.c)
# alone.

set -u
cd "$(dirname "$0")/../.." || exit 1
failed=0

# layer: the layers (and hv) it may include, itself first.
declare -A allowed=(
    [machine]="machine hv"
    [xen]="xen machine hv"
    [input]="input machine hv"
    [model]="model input xen machine hv"
    [exec]="exec model input xen machine hv"
)

# where NAME: the layer folder (or hv) that holds header NAME.
where() {
    local l
    case "$1" in
    xen/*) [ -f "harness/$1" ] && { echo xen; return; } ;;
    esac
    for l in machine xen input model exec; do
        [ -f "harness/$l/$1" ] && { echo "$l"; return; }
    done
    [ -f "hv/$1" ] && { echo hv; return; }
    [ -f "harness/include/$1" ] && { echo include; return; }
    echo none
}

bad=()
for layer in machine xen input model exec; do
    for f in harness/"$layer"/*.[ch]; do
        while IFS= read -r name; do
            # The wrappers of Xen's own files include them by path.
            case "$name" in common/*) continue ;; esac
            at=$(where "$name")
            [ "$at" = include ] && continue
            case " ${allowed[$layer]} " in
            *" $at "*) ;;
            *) bad+=("$f includes \"$name\" ($at)") ;;
            esac
        done < <(sed -nE 's/^\s*#\s*include\s+"([^"]+)".*/\1/p' "$f")
    done
done
if [ ${#bad[@]} = 0 ]; then
    echo "PASS: harness-layers (each layer includes only its own and the layers below)"
else
    echo "FAIL: harness-layers (${bad[0]}; ${#bad[@]} in all)"
    failed=1
fi

# The simulated VT-d's private header is for its own parts alone: no file
# but harness/machine/vtd_sim*.c includes vtd_sim_internal.h.
bad=()
while IFS= read -r f; do
    case "$f" in
    harness/machine/vtd_sim*.c) ;;
    *) bad+=("$f") ;;
    esac
done < <(grep -rlE '^\s*#\s*include\s+["<]([^">]*/)?vtd_sim_internal\.h[">]' \
             --include='*.[ch]' harness fuzz tests hv 2>/dev/null | sort)
if [ ${#bad[@]} = 0 ]; then
    echo "PASS: vtd-sim-private (only vtd_sim*.c include vtd_sim_internal.h)"
else
    echo "FAIL: vtd-sim-private (${bad[0]} includes vtd_sim_internal.h;" \
         "${#bad[@]} in all)"
    failed=1
fi
exit "$failed"
