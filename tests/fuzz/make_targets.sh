#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Every entry point of the build has a rule for everything it needs:
# `make -n` (nothing is compiled or run) of each, into an empty build
# tree, so that every object must be made from nothing.  A path that no
# rule makes ("No rule to make target") fails here in seconds rather
# than in the one campaign or benchmark that needs it.  The fuzz
# flavours, their narrow and variant builds, the OSS-Fuzz flavour, the
# toolchains (coverage too) and the broken variants' programs.

set -euo pipefail
# shellcheck source=tests/fuzz/lib.bash
. "$(dirname "$0")/lib.bash"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
b=$work/build
patches=(tests/variants/*.patch)
variant=$(basename "${patches[0]}" .patch)

# dry NAME MAKE-ARGS...: make -n of the arguments passes.
dry() {
    local name=$1
    shift
    if env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -n --no-print-directory \
            BUILD="$b" "$@" >"$work/log" 2>&1; then
        pass "make-rules-$name"
    else
        fail "make-rules-$name ($(grep -m1 -E 'No rule|\*\*\*' "$work/log"))"
    fi
}

dry all all build-narrow
dry programs soak replay explore bench-flush
dry fuzz-build fuzz-build
dry fuzz-narrow FUZZ_NARROW=1 fuzz-build
dry fuzz-variant VARIANT="$variant" fuzz-build
dry fuzz-tools corpora "$b/fuzz/tests/minimize_test"
dry oss FUZZ_OSS=1 FUZZ_OSS_DIR="$work/oss" \
    "$work/oss/oss/fuzz_exec" "$work/oss/oss/fuzz_trace"
dry coverage TOOLCHAINS=coverage build-coverage
dry variant-programs "$b/variants/$variant/replay" \
    "$b/variants/$variant/soak" "$b/variants/$variant/explore"
exit "$failed"
