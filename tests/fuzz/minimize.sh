#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# harness/input/minimize.c against predicates with a known minimum
# (tests/fuzz/minimize_test.c, built with ASan+UBSan).

set -euo pipefail
# shellcheck source=tests/fuzz/lib.bash
. "$(dirname "$0")/lib.bash"

if ! fuzz_make "$BUILD/fuzz/tests/minimize_test"; then
    fail "minimize-test-build"
    exit 1
fi
"$BUILD/fuzz/tests/minimize_test"
