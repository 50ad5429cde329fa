#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The crash pipeline end to end, on a core whose bug is known: the
# promote-no-flush variant (tests/variants/) skips the flush when a
# read-only grant mapping becomes writable, so a DMA write may fault.
# A noisy 25-op input that shows it (a grown grant table, a batch, host
# mappings, a domain without IOMMU) must be minimised to a handful of ops
# with the same check, filed once as crashes/dma-fault-<hash>.* marked
# with the variant, recognised as a duplicate the second time, never
# overwritten; and the real core must not show it.

set -euo pipefail
# shellcheck source=tests/fuzz/lib.bash
. "$(dirname "$0")/lib.bash"

variant=promote-no-flush
vdir=$BUILD/fuzz/variant-$variant
if [ ! -f "tests/variants/$variant.patch" ]; then
    skip "triage-pipeline (tests/variants/$variant.patch not there)"
    exit 0
fi
if ! { fuzz_make "$BUILD/fuzz/trace2bin" "$BUILD/fuzz/triage" &&
       fuzz_make VARIANT="$variant" "$vdir/triage"; }; then
    fail "triage-pipeline-build"
    exit 1
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cat >"$work/in.trace" <<'TRACE'
caps cm=1 psi=1 mamv=9 qi=1 coherent=1 rwbf=0 delay=2
config frames=64 ro=1 psi_max=4
create d=1 iommu=1 gframes=2 mframes=1
create d=2 iommu=1 gframes=1 mframes=1
create d=3 iommu=0 gframes=1 mframes=1
assign dev=0 d=2
assign dev=1 d=1
populate d=1 mfn=5
populate d=1 mfn=6
populate d=3 mfn=7
populate d=2 mfn=30
setup_table d=1 dom=self frames=2
grant_write d=1 ref=0 flags=permit grantee=2 frame=5
grant_write d=1 ref=512 flags=permit grantee=2 frame=6
grant_write d=3 ref=2 flags=permit grantee=1 frame=7
get_type d=3 mfn=7 type=l1
put_type d=3 mfn=7
map ld=1 rd=3 ref=2 flags=host
map ld=2 rd=1 ref=512 flags=host
unmap ld=2 handle=0 parts=host
map ld=2 rd=1 ref=0 flags=device,ro
begin
map ld=2 rd=1 ref=0 flags=device
end
unmap ld=2 handle=2 parts=device
unmap ld=2 handle=1 parts=device
remove d=1 mfn=6
TRACE
"$BUILD/fuzz/trace2bin" "$work/in.trace" "$work/in.bin"
nops=$(grep -cvE '^(caps|config) ' "$work/in.trace")

triage() {
    CRASHES=$work/crashes FUZZ_DIR=$vdir VARIANT=$variant \
    FUZZ_BASE_DIR=$BUILD/fuzz TRIAGE_CACHE=$work/cache.tsv \
        scripts/fuzz-triage.sh "$@" 2>&1
}

out=$(triage "$work/in.bin")
cases=("$work"/crashes/dma-fault-*.txt)
if [[ "$out" == *"triage-summary new=1 dup=0 norepro=0"* ]] && [ -f "${cases[0]}" ]; then
    pass "triage-files-one-case"
else
    printf '%s\n' "$out" >&2
    fail "triage-files-one-case"
    exit 1
fi
base=${cases[0]%.txt}
ops=$(grep -cvE '^(caps|config) ' "$base.trace")
if [ "$ops" -le 8 ]; then
    pass "triage-minimises ($ops ops from $nops)"
else
    fail "triage-minimises ($ops ops left of $nops)"
fi
if grep -q "^check: dma-fault; .*; variant: $variant; target: fuzz_exec; finding: FINDING dma-fault" "$base.txt" &&
   [ "$(wc -l <"$base.txt")" -eq 1 ]; then
    pass "triage-describes-case"
else
    fail "triage-describes-case ($(cat "$base.txt"))"
fi
if "$BUILD/fuzz/triage" trace "$base.bin" | cmp -s - "$base.trace"; then
    pass "triage-trace-matches-bin"
else
    fail "triage-trace-matches-bin"
fi

# Again, from the raw input and from the minimised case: duplicates, and
# the files are left exactly as they were.
sum=$(cat "$base".* | sha1sum)
touch -d '2001-01-01' "$base".*
out=$(triage "$work/in.bin" "$base.bin")
if [[ "$out" == *"triage-summary new=0 dup=2 norepro=0"* ]] &&
   [ "$(cat "$base".* | sha1sum)" = "$sum" ] &&
   [ -z "$(find "$work/crashes" -type f -newermt '2001-01-02')" ]; then
    pass "triage-dedups-never-overwrites"
else
    printf '%s\n' "$out" >&2
    fail "triage-dedups-never-overwrites"
fi

# Without the cache too: the case's name alone makes it a duplicate.
rm -f "$work/cache.tsv"
out=$(triage "$work/in.bin")
if [[ "$out" == *"new=0 dup=1"* ]]; then
    pass "triage-dedups-by-name"
else
    printf '%s\n' "$out" >&2
    fail "triage-dedups-by-name"
fi

# The real core does not show it; the variant's build does.
if "$BUILD/fuzz/triage" describe "$base.bin" >/dev/null 2>&1; then
    fail "triage-case-variant-only (the real core shows it too)"
elif [ "$("$vdir/triage" describe "$base.bin" | sed -n 's/^check: //p')" = dma-fault ]; then
    pass "triage-case-variant-only"
else
    fail "triage-case-variant-only (the variant no longer finds it)"
fi

# CI's smoke prints each new case in full: its log is all that survives
# the clone.  The trace and the bytes read back from that output must be
# the case itself.
rm -rf "$work/crashes" "$work/cache.tsv"
out=$(TRIAGE_SHOW=1 triage "$work/in.bin")
base=$(ls "$work"/crashes/dma-fault-*.txt)
base=${base%.txt}
name=$(basename "$base")
section() {     # the lines after "---8<--- $1" up to the next marker
    printf '%s\n' "$out" | awk -v m="---8<--- $1" \
        '$0 == m { on = 1; next } /^---[8>]/ { on = 0 } on'
}
if section "$name.trace" | cmp -s - "$base.trace" &&
   section "$name.txt" | cmp -s - "$base.txt" &&
   section "$name.bin (base64)" | base64 -d | cmp -s - "$base.bin"; then
    pass "triage-shows-case-in-log"
else
    printf '%s\n' "$out" >&2
    fail "triage-shows-case-in-log"
fi
exit "$failed"
