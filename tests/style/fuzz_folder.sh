#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# fuzz/ holds the fuzz targets and their engine glue, nothing else: the
# programs that work on inputs (triage, trace2bin, replay, ...) live in
# harness/tools/ (harness/tools/README.md).  Each fuzz/*.c is one of:
#
#   a target       defines LLVMFuzzerTestOneInput() and has no main():
#                  the engine owns main();
#   engine glue    one of ENGINE_GLUE below: it has the main() an engine
#                  without one of its own needs, and calls the target's
#                  LLVMFuzzerTestOneInput().
#
# A file that is neither (a main() of its own, or no entry point at all)
# is a tool in the wrong folder and fails.

set -u
cd "$(dirname "$0")/../.." || exit 1

# The AFL++ persistent-mode driver: AFL++ links no main() of its own.
ENGINE_GLUE="afl_driver.c"

defines_entry() { grep -Eq '^int LLVMFuzzerTestOneInput\(.*\)[[:space:]]*$' "$1"; }
calls_entry()   { grep -Eq '[^a-zA-Z_]LLVMFuzzerTestOneInput\([a-z]' "$1"; }
has_main()      { grep -Eq '^(static[[:space:]]+)?int[[:space:]]+main[[:space:]]*\(' "$1"; }

bad=()
n=0
for f in fuzz/*.c; do
    [ -e "$f" ] || continue
    n=$((n + 1))
    name=${f#fuzz/}
    case " $ENGINE_GLUE " in
    *" $name "*)
        calls_entry "$f" || bad+=("$f: engine glue that never calls LLVMFuzzerTestOneInput()")
        continue ;;
    esac
    if has_main "$f"; then
        bad+=("$f: has a main(), a tool (harness/tools/)")
    elif ! defines_entry "$f"; then
        bad+=("$f: defines no LLVMFuzzerTestOneInput(), not a target")
    fi
done
if [ ${#bad[@]} = 0 ]; then
    echo "PASS: fuzz-folder ($n files, each a fuzz target or engine glue)"
    exit 0
fi
echo "FAIL: fuzz-folder (${bad[0]}; ${#bad[@]} in all)"
exit 1
