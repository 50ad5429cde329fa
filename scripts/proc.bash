# SPDX-License-Identifier: GPL-2.0-only
#
# Sourced by scripts/fuzz-run.sh and tests/fuzz/lib.bash: the processes a
# fuzzer leaves (AFL++'s fork servers start sessions of their own, so a
# process group does not hold them all).

# Every process below pid, however deep.
descendants() {
    local c
    for c in $(ps -o pid= --ppid "$1" 2>/dev/null); do
        echo "$c"
        descendants "$c"
    done
}
