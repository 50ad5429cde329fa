#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Test: Xen 4.17 builds with the core linked in (scripts/xen-build.sh).
# Prints one line and exits the automake way:
#   PASS: ...  0      FAIL: ...  1      SKIP: ...  77 (source not obtainable,
#   e.g. no network, or build tools missing and not root to install them)
# The full log is kept in $BUILD_DIR (or $BUILD)/xen-build-test.log, default build/.
# Honours HV_DIR, BUILD_DIR, XEN_SRC, XEN_DEB_VERSION, JOBS like the script.

set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
# BUILD is what the top Makefile passes to tests/run.sh.
BUILD_DIR=${BUILD_DIR:-${BUILD:-$top/build}}
case "$BUILD_DIR" in /*) ;; *) BUILD_DIR=$PWD/$BUILD_DIR ;; esac
export BUILD_DIR
mkdir -p "$BUILD_DIR"
logf=$BUILD_DIR/xen-build-test.log
: >"$logf"
shown=${logf#"$top"/}

fail() {
    echo "FAIL: xen build ($1; log: $shown)"
    tail -n 25 "$logf" >&2
    exit 1
}

# Build tools first: a fresh machine has no flex/bison.
if ! "$top/scripts/install-deps.sh" xen >>"$logf" 2>&1; then
    if [ "$(id -u)" != 0 ]; then
        echo "SKIP: xen build ($(grep -m1 'missing packages' "$logf" | sed 's/;.*//'), not root)"
        exit 77
    fi
    fail "could not install the build tools"
fi

"$top/scripts/xen-build.sh" fetch >>"$logf" 2>&1
rc=$?
if [ $rc = 77 ]; then
    why=$(sed -n 's/^xen-build: SOURCE UNAVAILABLE: //p' "$logf" | tail -n1)
    echo "SKIP: xen build (${why:-Xen source not obtainable})"
    exit 77
fi
[ $rc = 0 ] || fail "fetching the source failed"

start=$SECONDS
if ! "$top/scripts/xen-build.sh" prepare build verify >>"$logf" 2>&1; then
    why=$(sed -n 's/^xen-build: ERROR: //p' "$logf" | tail -n1)
    # Name the first compiler error: usually the hv file to look at.
    err=$(grep -m1 -E ': (fatal )?error: ' "$logf" | sed 's|^.*/common/gtio/|hv/|')
    fail "${why:-see log}${err:+: $err}"
fi
n=$(sed -n 's/^xen-build: OK: .*(\([0-9]*\) gtio_ symbols.*/\1/p' "$logf" | tail -n1)
[ -n "$n" ] || fail "no OK line from xen-build.sh"
echo "xen build+verify: $((SECONDS - start)) s" >>"$logf"
echo "PASS: xen build links hv core ($n gtio_ symbols)"
