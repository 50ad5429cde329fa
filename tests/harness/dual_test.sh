#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# harness/tools/dual.c without QEMU: the harness's side of the dual traces
# (tests/xen/dual/) is what the VT-d rules say, the op script names the
# maps an unmap undoes, and --compare fails, side by side, on every kind
# of disagreement a booted Xen could show; bad input is a one-line error
# and exit 2.  scripts/xen-boot.sh runs the booted side.

set -u
cd "$(dirname "$0")/../.." || exit 1
BUILD=${BUILD:-build}
dual=$BUILD/asan/dual
traces=(tests/xen/dual/*.trace)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
# QEMU's unit as Xen printed it (caching mode on; QI, no ECAP.C).
qemu=(--cap d2008c222f0686 --ecap f00f4a)

pass() { echo "PASS: dual-$1"; }
fail() { echo "FAIL: dual-$1 ($2)"; }

# ---- the harness's observations ----

if ! "$dual" --observe "${qemu[@]}" "${traces[@]}" >"$out/obs" 2>"$out/err"; then
    fail observe "exit $?: $(head -n1 "$out/err")"
    exit 1
fi
# What the rules (docs/design.md, "The IOMMU rules") give, at a few points: a read-only
# device mapping, its promotion, a refused writable map of a read-only
# grant, the demotion, the batch that removes the last one; an L1 pin
# and an unpinned L1, a frame writable again, a frame given back.
expect=(
    "grants 7 dma 9 read reached"   "grants 7 dma 9 write faulted"
    "grants 7 dma 10 read faulted"  "grants 8 dma 9 write reached"
    "grants 10 status GNTST_general_error"
    "grants 12 dma 9 write faulted" "grants 12 dma 9 read reached"
    "grants 15 dma 9 read faulted"  "grants 15 dma 10 read faulted"
    "own_frames 5 dma 3 write faulted" "own_frames 6 dma 3 read faulted"
    "own_frames 7 dma 3 write reached" "own_frames 8 status -EINVAL"
    "own_frames 10 dma 2 write faulted" "own_frames 10 dma 3 write reached"
)
missing=
for e in "${expect[@]}"; do
    grep -qxF "$e" "$out/obs" || missing="$missing; $e"
done
if [ -z "$missing" ] && ! grep -q ' either$' "$out/obs"; then
    pass observations
else
    fail observations "not observed${missing:-; an 'either'}"
fi

# Caps make a difference to the run, not to what a guest sees.
"$dual" --observe --cap d2008c222f0606 --ecap f00f4b "${traces[@]}" >"$out/obs-cm0" 2>&1
if cmp -s "$out/obs" "$out/obs-cm0"; then
    pass caps-cm-off-same
else
    fail caps-cm-off-same "$(diff "$out/obs" "$out/obs-cm0" | head -n2 | tr '\n' ' ')"
fi

# ---- the op script ----

"$dual" --script "${traces[@]}" >"$out/script" 2>&1
want=("trace grants" "grant 5 9 0 rw" "grant 6 10 1 ro" "map 8 0 host,device"
      "unmap 11 8 host" "call 2" "unmap 14 9 device" "unmap 15 7 device"
      "probe 15" "trace own_frames" "own 3 2" "get 5 3 l1" "put 6 3"
      "remove 10 2")
missing=
for w in "${want[@]}"; do
    grep -qxF "$w" "$out/script" || missing="$missing; $w"
done
[ -z "$missing" ] && pass script || fail script "missing$missing"

# ---- compare ----

compare() {     # FILE: exit status of --compare, output in $out/cmp
    "$dual" --compare "$1" "${qemu[@]}" "${traces[@]}" >"$out/cmp" 2>&1
}

if compare "$out/obs" && grep -q ': 0 disagree$' "$out/cmp"; then
    pass compare-agree
else
    fail compare-agree "$(tail -n1 "$out/cmp")"
fi

# A stale write, a missing status, a fault the harness never saw.
sed 's/^grants 12 dma 9 write faulted$/grants 12 dma 9 write reached/' "$out/obs" >"$out/stale"
grep -v '^own_frames 8 status' "$out/obs" >"$out/missing"
{ cat "$out/obs"; echo "stray-fault 7f000000 faulted"; } >"$out/extra"
for c in stale missing extra; do
    compare "$out/$c"
    rc=$?
    case $c in
    stale)   row='grants 12 dma 9 write +faulted +reached' ;;
    missing) row='own_frames 8 status +-EINVAL +\(nothing\)' ;;
    extra)   row='stray-fault 7f000000 +\(nothing\) +faulted' ;;
    esac
    if [ $rc = 1 ] && grep -qE "^dual: disagreement: $row\$" "$out/cmp" &&
       grep -q ': 1 disagree$' "$out/cmp"; then
        pass "compare-$c"
    else
        fail "compare-$c" "exit $rc: $(grep -m1 'disagreement: [a-z]' "$out/cmp")"
    fi
done

# ---- bad input: one line, exit 2, no run ----

bad() {         # NAME ARGS...
    local name=$1
    shift
    "$dual" "$@" >"$out/bad" 2>&1
    local rc=$? lines
    lines=$(grep -vc '^usage:\|^       dual' "$out/bad")
    if [ $rc = 2 ] && [ "$lines" -le 1 ]; then
        pass "bad-$name"
    else
        fail "bad-$name" "exit $rc, $(head -n1 "$out/bad")"
    fi
}
printf 'grants 7 status\n' >"$out/short"
bad outside-dialect --observe tests/scenarios/hwdom_grant_mappings.trace
bad observation-line --compare "$out/short" "${traces[@]}"
bad no-such-file --compare "$out/nothing" "${traces[@]}"
bad cap-without-ecap --observe --cap 86 "${traces[@]}"
bad cap-not-hex --observe --cap xyz --ecap 0 "${traces[@]}"
bad unknown-flag --frobnicate "${traces[@]}"
bad no-traces --observe
