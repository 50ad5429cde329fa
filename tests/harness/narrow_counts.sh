#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The narrow build flavour (the Makefile's `narrow` toolchain: Xen's
# grant_table.c with the maptrack_tree's per-frame mapping counts
# narrowed from 31 bits to 3, issue 13): its scenarios
# (tests/scenarios/narrow/, whose statuses show the count's limit) must
# pass, and a short soak on it must find nothing while reaching that
# limit.  The default build has Xen's width, where no maptrack is large
# enough to reach it.

set -u
cd "$(dirname "$0")/../.." || exit 1
BUILD=${BUILD:-build}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
nb=$BUILD/narrow

if ! env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s --no-print-directory \
        BUILD="$BUILD" "$nb/soak" "$nb/tests/harness/scenarios" \
        >"$out/build.log" 2>&1; then
    echo "FAIL: narrow-build ($(grep -m1 -E 'error|Error' "$out/build.log"))"
    exit 1
fi

if GTIO_SCENARIOS=tests/scenarios/narrow "$nb/tests/harness/scenarios" \
        >"$out/scenarios.log" 2>&1; then
    echo "PASS: narrow-scenarios ($(grep -c '^PASS' "$out/scenarios.log") traces)"
else
    echo "FAIL: narrow-scenarios: $(grep -m1 '^FAIL' "$out/scenarios.log")"
fi

if "$nb/soak" --ops 100000 --seed 7 --out "$out/soak" >"$out/soak.log" 2>&1; then
    echo "PASS: narrow-soak-no-finding ($(grep -o '[0-9]* ops' "$out/soak.log" | head -n1))"
else
    echo "FAIL: narrow-soak-no-finding: $(grep -m1 -E 'FINDING|ERROR|soak:' "$out/soak.log")"
fi
counts=$(sed -nE 's/^soak: limits reached:.* frame_counts ([0-9]+).*/\1/p' "$out/soak.log")
if [ "${counts:-0}" -gt 0 ]; then
    echo "PASS: narrow-soak-reaches-frame-counts ($counts maps refused)"
else
    echo "FAIL: narrow-soak-reaches-frame-counts (${counts:-no limits line})"
fi
