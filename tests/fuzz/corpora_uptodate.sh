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
nkinds=$(grep -cE '^\s+OP_[A-Z_]+,' harness/op.h)
if [ "$kinds" -eq "$nkinds" ]; then
    pass "corpora-every-op-kind ($kinds)"
else
    fail "corpora-every-op-kind ($kinds of $nkinds op kinds in the seeds)"
fi
combos=$(for f in corpora/fuzz_trace/*.trace; do
              c=$(sed -nE 's/^caps cm=([01]) psi=([01]) .* qi=([01]) coherent=([01]) .*/\1\2\3\4/p' "$f")
              r=$(sed -nE 's/^config .*ro=([01]).*/\1/p' "$f")
              echo "$c$r"
          done | sort -u | wc -l)
if [ "$combos" -eq 32 ]; then
    pass "corpora-every-capability-combination"
else
    fail "corpora-every-capability-combination (only $combos of 32 cm/psi/qi/coherent/ro)"
fi
exit "$failed"
