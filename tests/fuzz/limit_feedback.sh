#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The fuzz target rewards getting closer to a limit of gtio's batch
# record, a pin counter or a maptrack (fuzz/fuzz_exec.c, issue 13): two
# inputs that differ only in that limit, so that the same three maps
# leave the record 5 and 6 pages short of it, must each reach a code
# block of their own; two that differ in something the three maps never
# reach (psi_max) must not.  The same for a pin counter, a maptrack, the
# unmap chunk, the invalidation queue and (in the narrow build) the
# per-frame mapping counts.
# Without the feedback both pairs run the same code.

set -euo pipefail
# shellcheck source=tests/fuzz/lib.bash
. "$(dirname "$0")/lib.bash"

fz=$BUILD/fuzz
if ! fuzz_make "$fz/libfuzzer/fuzz_exec" "$fz/trace2bin"; then
    fail "limit-feedback-build"
    exit 1
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# cov: N in libFuzzer's INITED line: the code blocks the inputs reached
# (blocks, not features: hit counts differ between a first and a second
# input for reasons of their own).
covered() {
    "$fz/libfuzzer/fuzz_exec" -runs=0 "$1" 2>&1 |
        sed -nE 's/.*INITED cov: ([0-9]+) .*/\1/p'
}

# room_pair NAME LIMIT BASE MORE BODY: the ops in BODY under "LIMIT=BASE"
# with psi_max 4 and 5 (a value the ops never reach: the same code), and
# under "LIMIT=MORE" (more room): the second pair must reach exactly one
# more block.  Two inputs in each, so that what a second run does
# differently for reasons of its own (warm caches, reused memory) counts
# the same.
room_pair() {
    local name=$1 limit=$2 base=$3 more=$4 body=$5 case one two
    mkdir -p "$work/$name/one" "$work/$name/two"
    for case in "4 $base" "5 $base" "4 $more"; do
        set -- $case
        {
            echo "caps cm=0 psi=1 mamv=9 qi=1 coherent=1 rwbf=0 delay=2"
            echo "config frames=32 ro=1 psi_max=$1 $limit=$2"
            echo "$body"
        } >"$work/case.trace"
        "$fz/trace2bin" "$work/case.trace" "$work/$name/p$1-l$2.bin"
    done
    cp "$work/$name/p4-l$base.bin" "$work/$name/p5-l$base.bin" "$work/$name/one/"
    cp "$work/$name/p4-l$base.bin" "$work/$name/p4-l$more.bin" "$work/$name/two/"
    one=$(covered "$work/$name/one")
    two=$(covered "$work/$name/two")
    if [ -n "$one" ] && [ "$two" = $((one + 1)) ]; then
        pass "$name (more room is a block of its own)"
    else
        fail "$name (${one:-?} blocks with the same room, ${two:-?} with more of it)"
    fi
}

machine="create d=1 iommu=1 gframes=1 mframes=1
create d=2 iommu=1 gframes=1 mframes=1
assign dev=1 d=2
populate d=1 mfn=10"

# Three pages mapped in one hypercall: 5 or 6 short of pending_pages.
room_pair limit-feedback pending_pages 8 9 "$machine
populate d=1 mfn=11
populate d=1 mfn=12
grant_write d=1 ref=0 flags=permit grantee=2 frame=10
grant_write d=1 ref=1 flags=permit grantee=2 frame=11
grant_write d=1 ref=2 flags=permit grantee=2 frame=12
begin
map ld=2 rd=1 ref=0 flags=device
map ld=2 rd=1 ref=1 flags=device
map ld=2 rd=1 ref=2 flags=device
end"

# Two maps of one grant: a pin counter 2 or 6 short (pin_bits 3: 4; 4: 8).
room_pair limit-feedback-pins pin_bits 3 4 "$machine
grant_write d=1 ref=0 flags=permit grantee=2 frame=10
map ld=2 rd=1 ref=0 flags=device,ro
map ld=2 rd=1 ref=0 flags=device,ro"

# Two live handles: 1 or 5 short of a maptrack frame's usable 3 or 7.
room_pair limit-feedback-maptrack maptrack_per_frame 4 8 "$machine
grant_write d=1 ref=0 flags=permit grantee=2 frame=10
map ld=2 rd=1 ref=0 flags=host,ro
map ld=2 rd=1 ref=0 flags=host,ro"

# One unmap call of two: 3 or 7 short of a second chunk (unmap_batch 4, 8).
room_pair limit-feedback-unmap unmap_batch 4 8 "$machine
grant_write d=1 ref=0 flags=permit grantee=2 frame=10
map ld=2 rd=1 ref=0 flags=host,ro
map ld=2 rd=1 ref=0 flags=host,ro
begin
unmap ld=2 handle=0 parts=host
unmap ld=2 handle=1 parts=host
end"

# The bring-up's three descriptors: 5 or 13 short of a full queue of 8
# or 16 entries (qi_entries).
room_pair limit-feedback-queue qi_entries 8 16 "$machine"

# The per-frame mapping counts have no parameter: their width is a build
# constant (the narrow build, FUZZ_NARROW=1, has 3 bits).  Two or three
# read-only maps of one frame through as many grants: 6 or 5 short of
# the count's 7.  The third map reaches some code of its own, so the
# pair is compared with the same pair on the default build (Xen's width,
# no distance to reward): the narrow build must see exactly one block
# more between the two.
nz=$BUILD/fuzz-narrow
if fuzz_make FUZZ_NARROW=1 "$nz/libfuzzer/fuzz_exec"; then
    mkdir -p "$work/counts/one" "$work/counts/two"
    grants="grant_write d=1 ref=0 flags=permit,ro grantee=2 frame=10
grant_write d=1 ref=1 flags=permit,ro grantee=2 frame=10
grant_write d=1 ref=2 flags=permit,ro grantee=2 frame=10"
    for case in "4 2" "5 2" "4 3"; do
        set -- $case
        {
            echo "caps cm=0 psi=1 mamv=9 qi=1 coherent=1 rwbf=0 delay=2"
            echo "config frames=32 ro=1 psi_max=$1"
            echo "$machine"
            echo "$grants"
            for r in $(seq 0 $(($2 - 1))); do
                echo "map ld=2 rd=1 ref=$r flags=host,ro"
            done
        } >"$work/case.trace"
        "$fz/trace2bin" "$work/case.trace" "$work/counts/p$1-m$2.bin"
    done
    cp "$work/counts/p4-m2.bin" "$work/counts/p5-m2.bin" "$work/counts/one/"
    cp "$work/counts/p4-m2.bin" "$work/counts/p4-m3.bin" "$work/counts/two/"
    covered_by() {
        "$1/libfuzzer/fuzz_exec" -runs=0 "$2" 2>&1 |
            sed -nE 's/.*INITED cov: ([0-9]+) .*/\1/p'
    }
    one=$(covered_by "$nz" "$work/counts/one")
    two=$(covered_by "$nz" "$work/counts/two")
    base_one=$(covered_by "$fz" "$work/counts/one")
    base_two=$(covered_by "$fz" "$work/counts/two")
    if [ -n "$one" ] && [ -n "$base_one" ] &&
       [ $((two - one)) = $((base_two - base_one + 1)) ]; then
        pass "limit-feedback-counts (more room is a block of its own)"
    else
        fail "limit-feedback-counts (narrow: ${one:-?} -> ${two:-?} blocks, default: ${base_one:-?} -> ${base_two:-?})"
    fi
else
    fail "limit-feedback-counts-build"
fi
exit "$failed"
