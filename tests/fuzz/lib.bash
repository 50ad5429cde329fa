# SPDX-License-Identifier: GPL-2.0-only
#
# Sourced by the tests in tests/fuzz/ (named .bash so that the tests/fuzz/*.sh
# list of `make test-fuzz` does not run it).  Each test prints "PASS: name",
# "FAIL: name" or "SKIP: name" lines (tests/run.sh counts them) and exits
# non-zero if anything failed.
# shellcheck disable=SC2034  # failed is read by the tests sourcing this

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$top" || exit 1
BUILD=${BUILD:-build}
failed=0

pass() { echo "PASS: $1"; }
fail() { echo "FAIL: $1"; failed=1; }
skip() { echo "SKIP: $1"; }

# make of the fuzz rules (mk/fuzz.mk, included by the top-level Makefile).
# Build output goes to a log, shown on failure.
fuzz_make() {
    local log
    log=$(mktemp)
    if ! make --no-print-directory -j"$(nproc)" BUILD="$BUILD" "$@" \
            >"$log" 2>&1; then
        tail -n 30 "$log" >&2
        rm -f "$log"
        return 1
    fi
    rm -f "$log"
}

# Sanitizer reports with file:line, for the FAIL messages.
for s in /usr/lib/llvm-*/bin/llvm-symbolizer; do
    [ -x "$s" ] && export ASAN_SYMBOLIZER_PATH=$s
done

# shellcheck source=scripts/proc.bash
. "$top/scripts/proc.bash"

# run_tracked CMD...: run CMD, and afterwards end whatever it started that
# outlived it, by pid (AFL++ 4.04c leaves its cmplog target stopped when
# it exits).  Only processes still running one of our build's binaries.
run_tracked() {
    local pid p rc=0
    declare -A seen=()
    "$@" &
    pid=$!
    while kill -0 "$pid" 2>/dev/null; do
        for p in $(descendants "$pid"); do seen[$p]=1; done
        sleep 0.5
    done
    wait "$pid" || rc=$?
    for p in "${!seen[@]}"; do
        case "$(ps -o args= -p "$p" 2>/dev/null)" in
        "$BUILD"/fuzz/*) kill -KILL "$p" 2>/dev/null || true ;;
        esac
    done
    return $rc
}
