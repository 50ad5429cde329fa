#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The committed seeds (corpora/fuzz_exec/*.bin, corpora/fuzz_trace/*.trace)
# and dictionaries (fuzz/*.dict) are what `make corpora` makes from
# corpora/traces/*.trace now: a trace edited without regenerating, or a
# decoder change that moved the encoding, fails here.

set -euo pipefail
# shellcheck source=tests/fuzz/lib.bash
. "$(dirname "$0")/lib.bash"

if ! fuzz_make "$BUILD/fuzz/trace2bin"; then
    fail "corpora-up-to-date (trace2bin does not build)"
    exit 1
fi
if out=$(TRACE2BIN="$BUILD/fuzz/trace2bin" scripts/fuzz-corpora.sh --check 2>&1); then
    pass "corpora-up-to-date"
else
    printf '%s\n' "$out" >&2
    fail "corpora-up-to-date ($(printf '%s\n' "$out" | tail -n1))"
fi

# Every op kind and every status the seeds are meant to cover is there.
kinds=$(cat corpora/fuzz_trace/*.trace | awk '$1 !~ /^(caps|config)$/ { print $1 }' | sort -u | wc -l)
nkinds=$(grep -cE '^\s+OP_[A-Z_]+,' harness/input/op.h)
if [ "$kinds" -eq "$nkinds" ]; then
    pass "corpora-every-op-kind ($kinds)"
else
    fail "corpora-every-op-kind ($kinds of $nkinds op kinds in the seeds)"
fi
combos=$(for f in corpora/fuzz_trace/*.trace; do
              c=$(sed -nE 's/^caps cm=([01]) psi=([01]) .* qi=([01]) coherent=([01]) rwbf=([01]) .*/\1\2\3\4\5/p' "$f")
              r=$(sed -nE 's/^config .*ro=([01]).*/\1/p' "$f")
              echo "$c$r"
          done | sort -u | wc -l)
if [ "$combos" -eq 64 ]; then
    pass "corpora-every-capability-combination"
else
    fail "corpora-every-capability-combination (only $combos of 64 cm/psi/qi/coherent/rwbf/ro)"
fi

# Draining units (CAP.DRD/DWD), through both invalidation interfaces.
drain=$(sed -nE 's/^caps .* qi=([01]) .* drain=1$/\1/p' corpora/fuzz_trace/*.trace | sort -u | wc -l)
if [ "$drain" -eq 2 ]; then
    pass "corpora-drain-both-interfaces"
else
    fail "corpora-drain-both-interfaces (drain=1 seeds for $drain of 2 values of qi)"
fi

# Every fault point is armed by some seed, and the grant frame edges and
# the value tables' far ends are named.
points=$(sed -nE 's/^fault_at point=([a-z-]+) k=[1-9].*/\1/p' corpora/fuzz_trace/*.trace | sort -u | wc -l)
npoints=$(sed -n '/^enum fault_point {/,/^};/p' harness/machine/fault.h | grep -cE '^\s+FP_[A-Z_]+,' || true)
if [ "$npoints" -gt 0 ] && [ "$points" -eq "$npoints" ]; then
    pass "corpora-every-fault-point ($points)"
else
    fail "corpora-every-fault-point ($points of $npoints fault points armed in the seeds)"
fi
missing=
for word in 'ref=511 ' 'ref=512 ' 'ref=2048 ' 'ref=4294967295 ' 'd=32751 ' \
            'dom=self ' 'parts=device,wrongbus' 'mfn=0$' 'frame=0$'; do
    grep -qE -- "$word" corpora/fuzz_trace/*.trace || missing="$missing '$word'"
done
if [ -z "$missing" ]; then
    pass "corpora-edges-named"
else
    fail "corpora-edges-named (no seed has:$missing)"
fi
exit "$failed"
