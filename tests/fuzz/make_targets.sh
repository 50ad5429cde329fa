#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Every entry point of the build has a rule for everything it needs:
# `make -n` (nothing is compiled or run) of each, into an empty build
# tree, so that every object must be made from nothing.  A path that no
# rule makes ("No rule to make target") fails here in seconds rather
# than in the one campaign or benchmark that needs it.  The fuzz
# flavours, their narrow and variant builds, the OSS-Fuzz flavour, the
# toolchains (coverage too) and the broken variants' programs.  And a
# variant's build compiles its own copies of the core and the stand-ins,
# never the repository's (mk/build.mk: a rule that could not use the
# copy would fall back on them, and the variant would be the real code).

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

# The model and the byte decoder compile without comparison tracing, the
# core with it.
if env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -n --no-print-directory \
        BUILD="$b" "$b/fuzz/libfuzzer/obj/harness/model/shadow.o" \
        "$b/fuzz/libfuzzer/obj/harness/input/decode.o" \
        "$b/fuzz/libfuzzer/obj/hv/map.o" >"$work/log" 2>&1 &&
   grep -- '-o [^ ]*/model/shadow.o' "$work/log" |
       grep -q -- '-fsanitize=fuzzer-no-link.*-fno-sanitize-coverage=trace-cmp' &&
   grep -- '-o [^ ]*/input/decode.o' "$work/log" |
       grep -q -- '-fsanitize=fuzzer-no-link.*-fno-sanitize-coverage=trace-cmp' &&
   grep -- '-o [^ ]*/hv/map.o' "$work/log" | grep -q -- '-fsanitize=fuzzer-no-link' &&
   ! grep -- '-o [^ ]*/hv/map.o' "$work/log" | grep -q -- 'trace-cmp'; then
    pass "make-rules-model-without-cmp-tracing"
else
    fail "make-rules-model-without-cmp-tracing"
fi
dry programs soak replay explore bench-flush
dry fuzz-build fuzz-build
dry fuzz-narrow FUZZ_NARROW=1 fuzz-build
# own_copies NAME: the last dry run compiled no repository hv/ or
# harness/xen/ file into a variant's directory.
own_copies() {
    local bad
    bad=$(grep -E -m1 -- '-c (hv|harness/xen)/[^ ]+ -o [^ ]*variant' "$work/log" || true)
    if [ -z "$bad" ]; then
        pass "make-rules-$1-own-copies"
    else
        fail "make-rules-$1-own-copies (${bad##* -c })"
    fi
}

dry fuzz-variant VARIANT="$variant" fuzz-build
own_copies fuzz-variant
dry fuzz-tools corpora "$b/fuzz/tests/minimize_test"
dry oss FUZZ_OSS=1 FUZZ_OSS_DIR="$work/oss" \
    "$work/oss/oss/fuzz_exec" "$work/oss/oss/fuzz_trace"
dry coverage TOOLCHAINS=coverage build-coverage
dry variant-programs "$b/variants/$variant/replay" \
    "$b/variants/$variant/soak" "$b/variants/$variant/explore"
own_copies variant-programs
exit "$failed"
