#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The fuzz target rewards getting closer to a limit of gtio's batch
# record, a pin counter or a maptrack (fuzz/fuzz_exec.c, issue 13): two
# inputs that differ only in that limit, so that the same three maps
# leave the record 5 and 6 pages short of it, must each reach a code
# block of their own; two that differ in something the three maps never
# reach (psi_max) must not.  The same for a pin counter and a maptrack.
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
mkdir -p "$work/one" "$work/two"
# "P L": psi_max P (which three pages never reach), pending_pages L.
for case in "4 8" "5 8" "4 9"; do
    set -- $case
    cat >"$work/case.trace" <<EOF
caps cm=0 psi=1 mamv=9 qi=1 coherent=1 rwbf=0 delay=2
config frames=32 ro=1 psi_max=$1 pending_pages=$2
create d=1 iommu=1 gframes=1 mframes=1
create d=2 iommu=1 gframes=1 mframes=1
assign dev=1 d=2
populate d=1 mfn=10
populate d=1 mfn=11
populate d=1 mfn=12
grant_write d=1 ref=0 flags=permit grantee=2 frame=10
grant_write d=1 ref=1 flags=permit grantee=2 frame=11
grant_write d=1 ref=2 flags=permit grantee=2 frame=12
begin
map ld=2 rd=1 ref=0 flags=device
map ld=2 rd=1 ref=1 flags=device
map ld=2 rd=1 ref=2 flags=device
end
EOF
    "$fz/trace2bin" "$work/case.trace" "$work/p$1-l$2.bin"
done
# Two inputs in each, so that what a second run does differently for
# reasons of its own (warm caches, reused memory) counts the same.
cp "$work/p4-l8.bin" "$work/p5-l8.bin" "$work/one/"
cp "$work/p4-l8.bin" "$work/p4-l9.bin" "$work/two/"

# cov: N in libFuzzer's INITED line: the code blocks the inputs reached
# (blocks, not features: hit counts differ between a first and a second
# input for reasons of their own).
covered() {
    "$fz/libfuzzer/fuzz_exec" -runs=0 "$1" 2>&1 |
        sed -nE 's/.*INITED cov: ([0-9]+) .*/\1/p'
}
one=$(covered "$work/one")
two=$(covered "$work/two")
if [ -n "$one" ] && [ "$two" = $((one + 1)) ]; then
    pass "limit-feedback (one more page of room is a block of its own)"
else
    fail "limit-feedback (${one:-?} blocks with the same room, ${two:-?} with one more page of it)"
fi

# The same for a pin counter (pin_bits 3: 4 maps of a kind; 4: 8): two
# maps of one grant leave it 2 or 6 short of its limit.
mkdir -p "$work/pins-one" "$work/pins-two"
for case in "4 3" "5 3" "4 4"; do
    set -- $case
    cat >"$work/case.trace" <<EOF
caps cm=0 psi=1 mamv=9 qi=1 coherent=1 rwbf=0 delay=2
config frames=32 ro=1 psi_max=$1 pin_bits=$2
create d=1 iommu=1 gframes=1 mframes=1
create d=2 iommu=1 gframes=1 mframes=1
assign dev=1 d=2
populate d=1 mfn=10
grant_write d=1 ref=0 flags=permit grantee=2 frame=10
map ld=2 rd=1 ref=0 flags=device,ro
map ld=2 rd=1 ref=0 flags=device,ro
EOF
    "$fz/trace2bin" "$work/case.trace" "$work/pin-p$1-b$2.bin"
done
cp "$work/pin-p4-b3.bin" "$work/pin-p5-b3.bin" "$work/pins-one/"
cp "$work/pin-p4-b3.bin" "$work/pin-p4-b4.bin" "$work/pins-two/"
one=$(covered "$work/pins-one")
two=$(covered "$work/pins-two")
if [ -n "$one" ] && [ "$two" = $((one + 1)) ]; then
    pass "limit-feedback-pins (a pin counter's room is a block of its own)"
else
    fail "limit-feedback-pins (${one:-?} blocks with the same room, ${two:-?} with more of it)"
fi

# And a maptrack's room (4 handles a frame, 3 usable; 8, 7): two maps
# leave 1 or 5.
mkdir -p "$work/mt-one" "$work/mt-two"
for case in "4 4" "5 4" "4 8"; do
    set -- $case
    cat >"$work/case.trace" <<EOF
caps cm=0 psi=1 mamv=9 qi=1 coherent=1 rwbf=0 delay=2
config frames=32 ro=1 psi_max=$1 maptrack_per_frame=$2
create d=1 iommu=1 gframes=1 mframes=1
create d=2 iommu=1 gframes=1 mframes=1
populate d=1 mfn=10
grant_write d=1 ref=0 flags=permit grantee=2 frame=10
map ld=2 rd=1 ref=0 flags=host,ro
map ld=2 rd=1 ref=0 flags=host,ro
EOF
    "$fz/trace2bin" "$work/case.trace" "$work/mt-p$1-m$2.bin"
done
cp "$work/mt-p4-m4.bin" "$work/mt-p5-m4.bin" "$work/mt-one/"
cp "$work/mt-p4-m4.bin" "$work/mt-p4-m8.bin" "$work/mt-two/"
one=$(covered "$work/mt-one")
two=$(covered "$work/mt-two")
if [ -n "$one" ] && [ "$two" = $((one + 1)) ]; then
    pass "limit-feedback-maptrack (a maptrack's room is a block of its own)"
else
    fail "limit-feedback-maptrack (${one:-?} blocks with the same room, ${two:-?} with more of it)"
fi
exit "$failed"
