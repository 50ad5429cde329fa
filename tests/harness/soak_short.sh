#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# A short soak (harness/tools/soak.c; `make soak` is the million-op run) under
# ASan/UBSan: random inputs on all 256 capability combinations must give no
# finding on the correct core, reaching every limit of gtio's batch
# record and of Xen's pin counters and maptrack (scaled down) along the
# way.  And soak itself must fail when something
# is found: the same run over the unmap-rw-no-flush variant
# ($BUILD/variants/unmap-rw-no-flush/soak, made here if need be) must
# save a finding.

set -u
cd "$(dirname "$0")/../.." || exit 1
BUILD=${BUILD:-build}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

if "$BUILD/asan/soak" --ops 30000 --seed 7 --out "$out/real" >"$out/log" 2>&1; then
    echo "PASS: soak-asan-no-finding ($(grep -o '[0-9]* ops' "$out/log" | head -n1))"
else
    echo "FAIL: soak-asan-no-finding: $(grep -m1 -E 'FINDING|ERROR|soak:' "$out/log")"
fi

# The generator must reach every limit of gtio's batch record, a pin
# counter's and a maptrack's (issue 13):
# soak prints how often each was reached.
limits=$(grep -m1 '^soak: limits reached:' "$out/log")
if [ -n "$limits" ] && ! grep -Eq '(pages|tables|domains|pins|maptrack|gnttab|unmap_chunks|queue) 0(,|$)' <<<"$limits"; then
    echo "PASS: soak-reaches-every-limit (${limits#soak: limits reached: })"
else
    echo "FAIL: soak-reaches-every-limit (${limits:-no limits line})"
fi

variant=$BUILD/variants/unmap-rw-no-flush
# (mk/variants.mk; the caller's jobserver, if any, is not ours.)
if ! env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make --no-print-directory \
        BUILD="$BUILD" "$variant/soak" >"$out/variant.log" 2>&1; then
    echo "FAIL: soak-finds-variant (no $variant/soak: $(grep -m1 -i error "$out/variant.log"))"
    exit 1
fi
if "$variant/soak" --ops 30000 --seed 7 --out "$out/found" >/dev/null 2>&1; then
    echo "FAIL: soak-finds-variant (unmap-rw-no-flush ran clean)"
elif ! ls "$out"/found/soak-7-*.trace >/dev/null 2>&1; then
    echo "FAIL: soak-finds-variant (finding not saved)"
else
    echo "PASS: soak-finds-variant ($(ls "$out"/found | wc -l) inputs saved)"
fi
