#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Test: the patched Xen that tests/xen/build_test.sh built boots under
# QEMU's emulated VT-d with a strict PV dom0, caching mode on and off, and
# gtio keeps dom0's tables there (scripts/xen-boot.sh: one PASS/FAIL line
# per case; SKIP when the machine cannot run QEMU).

set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
BUILD_DIR=${BUILD_DIR:-${BUILD:-$top/build}}
case "$BUILD_DIR" in /*) ;; *) BUILD_DIR=$top/$BUILD_DIR ;; esac
export BUILD_DIR
exec "$top/scripts/xen-boot.sh"
