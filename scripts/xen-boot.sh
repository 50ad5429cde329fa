#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Boot the patched Xen (make xen) under QEMU's emulated Intel VT-d with a
# strict PV dom0, and check that gtio keeps dom0's IOMMU tables there and
# that real DMA by a device (QEMU's edu) obeys them.
#
# usage: scripts/xen-boot.sh [CASE...]      (default: cm-on cm-off broken)
#   cm-on    -device intel-iommu,caching-mode=on
#   cm-off   -device intel-iommu,caching-mode=off
#   broken   the negative control: Xen built with a broken core,
#            tests/variants/$VARIANT.patch (default unmap-rw-no-flush), on
#            the same boot with caching mode on must fail the DMA checks
#
# For each case, one line:  PASS: xen-boot-CASE (...)  or  FAIL: ... (why)
# and the serial log in $BUILD_DIR/xen-boot/CASE.log.  A boot passes when
#   - QEMU's unit shows the CAP.CM the case asks for,
#   - Xen registered gtio with its VT-d driver ("gtio keeps the tables"),
#   - dom0 reached its /init (tests/xen/boot/init), started Debian's
#     toolstack and, with xl, a PV domU that grants dom0 a page
#     (tests/xen/boot/gtio_grant.c), ran gtio_dma.ko
#     (tests/xen/boot/gtio_dma.c), destroyed the domU and powered off,
#   - every DMA that must work did (data arrived, no fault) and every DMA
#     that must fault did: Xen logged a DMAR fault at exactly that address
#     (a page given back to Xen, a page pinned as a page table, the
#     domU's page once dom0 unmapped its grant, a page of dom0's once the
#     device left dom0 for pciback and Xen's quarantine), and no other
#     DMAR fault was logged,
#   - the dual traces (tests/xen/dual/, run by dom0 through gtio_dma.ko's
#     /proc/gtio-dual) gave the same statuses and the same reachable or
#     faulting DMA after every call as on the harness's simulated VT-d
#     with QEMU's capabilities (harness/tools/dual.c; a disagreement is printed
#     side by side),
#   - gtio's counters (Xen's debug key 'j', typed on the serial line)
#     show maps, unmaps, type changes, invalidations and waits, and no
#     failure,
#   - nothing went wrong: no Xen panic, no dom0 crash.
# The broken case passes when its boot fails the DMA checks and its dual
# traces disagree with the harness (which runs the correct core).
# Exit: 0 all passed; 1 a case failed; 77 the machine cannot run it (no
# QEMU and not root to install it, no dom0 kernel, headers or toolstack
# packages to be had).
#
# Environment: BUILD_DIR (default <repo>/build), XEN_IMAGE (default
# $BUILD_DIR/xen/obj/xen), BOOT_TIMEOUT seconds per boot (default 120),
# VARIANT (the broken case's core, default unmap-rw-no-flush).
#
# Measured here (TCG, 2 cores): about 25 s a boot; the broken case builds
# its own Xen first (about a minute).  One boot in ~50 hung in dom0's
# swiotlb setup in the measurements of reference/dma-under-qemu.md, so a
# boot that times out before dom0 is ready is retried once.

set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
me=xen-boot
BUILD_DIR=${BUILD_DIR:-$top/build}
case "$BUILD_DIR" in /*) ;; *) BUILD_DIR=$PWD/$BUILD_DIR ;; esac
XEN_IMAGE=${XEN_IMAGE:-$BUILD_DIR/xen/obj/xen}
DUAL=${DUAL:-$BUILD_DIR/gcc/dual}
BOOT_TIMEOUT=${BOOT_TIMEOUT:-120}
VARIANT=${VARIANT:-unmap-rw-no-flush}
work=$BUILD_DIR/xen-boot

skip() { echo "SKIP: $me ($1)"; exit 77; }
die() { echo "$me: $*" >&2; exit 1; }

cases=("$@")
[ ${#cases[@]} -gt 0 ] || cases=(cm-on cm-off broken)
for c in "${cases[@]}"; do
    case "$c" in
    cm-on|cm-off|broken) ;;
    *) echo "$me: unknown case '$c' (cm-on, cm-off, broken)" >&2; exit 2 ;;
    esac
done
[ -f "$top/tests/variants/$VARIANT.patch" ] ||
    { echo "$me: no tests/variants/$VARIANT.patch" >&2; exit 2; }

[ -f "$XEN_IMAGE" ] || die "no Xen image $XEN_IMAGE (make xen)"
if ! "$top/scripts/install-deps.sh" boot >/dev/null 2>"$BUILD_DIR/.xen-boot-deps.log"; then
    [ "$(id -u)" = 0 ] || skip "$(tail -n1 "$BUILD_DIR/.xen-boot-deps.log")"
    die "could not install QEMU and busybox (see $BUILD_DIR/.xen-boot-deps.log)"
fi
mkdir -p "$work"

# ---- the dom0 kernel: Debian's, as linux-image-amd64 names it ----

kernel() {
    local pkg deb
    pkg=$(apt-cache depends linux-image-amd64 2>/dev/null |
          sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*-amd64\)$/\1/p' | head -n1)
    [ -n "$pkg" ] || return 1
    if [ ! -f "$work/kernel/$pkg.vmlinuz" ] ||
       [ ! -f "$work/kernel/modules/xen-pciback.ko" ]; then
        mkdir -p "$work/kernel"
        ( cd "$work/kernel" &&
          apt-get -q -o APT::Sandbox::User=root download "$pkg" ) \
            >"$work/kernel/download.log" 2>&1 || return 1
        deb=$(ls "$work/kernel/${pkg}"_*.deb 2>/dev/null | head -n1)
        [ -n "$deb" ] || return 1
        rm -rf "$work/kernel/x" "$work/kernel/modules"
        dpkg-deb -x "$deb" "$work/kernel/x" || return 1
        # The toolstack's devices are modules in Debian's kernel, and so
        # is pciback, which takes the device from dom0 (deassign case).
        mkdir -p "$work/kernel/modules"
        for m in xen-privcmd xen-evtchn xen-gntdev xen-gntalloc xenfs/xenfs \
                 xen-pciback/xen-pciback; do
            cp "$work/kernel/x/lib/modules/${pkg#linux-image-}/kernel/drivers/xen/$m.ko" \
               "$work/kernel/modules/" || return 1
        done
        cp "$work/kernel/x/boot/vmlinuz-${pkg#linux-image-}" \
           "$work/kernel/$pkg.vmlinuz" || return 1
        rm -rf "$work/kernel/x" "$deb"
    fi
    echo "$work/kernel/$pkg.vmlinuz"
}

vmlinuz=$(kernel) || skip "no dom0 kernel: apt-get download of linux-image-amd64's kernel failed"
kver=$(basename "$vmlinuz" .vmlinuz)
kver=${kver#linux-image-}

# ---- gtio_dma.ko and gtio_grant.ko, against that kernel's headers ----

module() {
    local dir=$work/module src=$top/tests/xen/boot
    if [ ! -d "/lib/modules/$kver/build" ]; then
        [ "$(id -u)" = 0 ] || return 1
        DEBIAN_FRONTEND=noninteractive apt-get -q -y \
            -o DPkg::Lock::Timeout=300 install --no-install-recommends \
            "linux-headers-$kver" >"$work/headers.log" 2>&1 || return 1
    fi
    # status_names.h: the names harness/tools/dual.c compares, one list.
    if [ ! -f "$dir/gtio_dma.ko" ] ||
       [ -n "$(find "$src" "$top/harness/exec/status_names.h" -name '*.[ch]' \
                 -newer "$dir/gtio_dma.ko" -print -quit)" ]; then
        rm -rf "$dir"
        mkdir -p "$dir"
        cp "$src"/*.c "$src"/*.h "$top/harness/exec/status_names.h" "$dir/"
        printf '%s\n' 'obj-m := gtio_dma.o gtio_grant.o' \
            'gtio_dma-y := cases.o common.o dual.o' >"$dir/Kbuild"
        make -C "/lib/modules/$kver/build" M="$dir" modules \
            >"$work/module.log" 2>&1 || return 1
    fi
    echo "$dir/gtio_dma.ko"
}

ko=$(module) || skip "cannot build gtio_dma.ko against linux-headers-$kver (see ${work#"$top"/}/module.log or headers.log)"

# ---- the toolstack: Debian's xl, xenstored, xenconsoled ----

# Debian's packages of them (xen-utils-4.17 and the libraries it needs),
# unpacked under $work/toolstack/root (cached).
ts_pkgs="xen-utils-4.17 libxenmisc4.17 libxenstore4 libxencall1 libxenevtchn1
         libxenforeignmemory1 libxengnttab1 libxentoollog1 libxenhypfs1
         libxentoolcore1 libxendevicemodel1 libyajl2"
ts_bins="xl xenstored xenconsoled xen-init-dom0"

toolstack() {
    local dir=$work/toolstack deb
    if [ ! -f "$dir/.unpacked" ]; then
        rm -rf "$dir"
        mkdir -p "$dir/debs"
        # shellcheck disable=SC2086
        ( cd "$dir/debs" && apt-get -q -o APT::Sandbox::User=root download $ts_pkgs ) \
            >"$dir/download.log" 2>&1 || return 1
        for deb in "$dir"/debs/*.deb; do
            dpkg-deb -x "$deb" "$dir/root" || return 1
        done
        rm -rf "$dir/debs"
        touch "$dir/.unpacked"
    fi
    echo "$dir/root"
}

tsroot=$(toolstack) || skip "no toolstack: apt-get download of xen-utils-4.17 failed"

# The binaries and every library they load, for an initramfs at $1.
install_toolstack() {
    local root=$1 lib=$tsroot/usr/lib/x86_64-linux-gnu b f
    mkdir -p "$root/usr/lib/xen-4.17/bin" "$root/lib/x86_64-linux-gnu" "$root/lib64"
    for b in $ts_bins; do
        cp "$tsroot/usr/lib/xen-4.17/bin/$b" "$root/usr/lib/xen-4.17/bin/" || return 1
    done
    for f in $(cd "$tsroot/usr/lib/xen-4.17/bin" &&
               LD_LIBRARY_PATH=$lib ldd $ts_bins | awk '$3 ~ /^\// { print $3 }' | sort -u); do
        cp -L "$f" "$root/lib/x86_64-linux-gnu/" || return 1
    done
    # pthread_cancel() (xl) loads it at run time.
    cp -L /lib/x86_64-linux-gnu/libgcc_s.so.1 "$root/lib/x86_64-linux-gnu/" &&
    cp -L /lib64/ld-linux-x86-64.so.2 "$root/lib64/"
}

# ---- the initramfs: dom0's, with the domU's inside ----

cpio_gz() { ( cd "$1" && find . | busybox cpio -o -H newc 2>/dev/null | gzip -9 ); }

# ---- the dual traces: the op script for /proc/gtio-dual ----

[ -x "$DUAL" ] || die "no $DUAL (make build-gcc)"
dual_traces=("$top"/tests/xen/dual/*.trace)
"$DUAL" --script "${dual_traces[@]}" >"$work/dual.script.new" ||
    die "dual --script failed on tests/xen/dual/"
cmp -s "$work/dual.script.new" "$work/dual.script" ||
    mv "$work/dual.script.new" "$work/dual.script"
rm -f "$work/dual.script.new"

initrd=$work/initrd.gz
boot_dir=$top/tests/xen/boot
if [ ! -f "$initrd" ] || [ /bin/busybox -nt "$initrd" ] || [ "$ko" -nt "$initrd" ] ||
   [ "$work/dual.script" -nt "$initrd" ] ||
   [ -n "$(find "$boot_dir" -newer "$initrd" -print -quit)" ]; then
    root=$work/initramfs
    domu=$work/initramfs-domu
    rm -rf "$root" "$domu"
    mkdir -p "$domu/bin" "$domu/proc" "$domu/sys" "$domu/dev"
    cp /bin/busybox "$domu/bin/busybox"
    cp "$(dirname "$ko")/gtio_grant.ko" "$domu/"
    install -m 755 "$boot_dir/domu-init" "$domu/init"

    mkdir -p "$root/bin" "$root/proc" "$root/sys" "$root/dev" "$root/run" \
             "$root/tmp" "$root/boot" "$root/etc/xen" "$root/lib/modules" \
             "$root/var/lib/xen" "$root/var/run/xen" "$root/var/log/xen" \
             "$root/var/lock"
    cp /bin/busybox "$root/bin/busybox"
    cp "$ko" "$root/gtio_dma.ko"
    cp "$work/dual.script" "$root/dual.script"
    cp "$work"/kernel/modules/*.ko "$root/lib/modules/"
    install_toolstack "$root" || die "cannot put the toolstack into the initramfs"
    cp "$vmlinuz" "$root/boot/vmlinuz"
    cpio_gz "$domu" >"$root/boot/domu.gz"
    cp "$boot_dir/domu.cfg" "$root/etc/xen/domu.cfg"
    : >"$root/etc/xen/xl.conf"
    install -m 755 "$boot_dir/init" "$root/init"
    cpio_gz "$root" >"$initrd.tmp" && mv "$initrd.tmp" "$initrd" || die "cannot build $initrd"
fi

# ---- one boot ----

# Xen's command line: the serial console, strict dom0 IOMMU (dom0's own
# pages are then mapped exactly while writable), no superpages (gtio
# shares the tables with Xen's driver only then; hv/xen/patches/0004).
xen_args="console=com1 com1=115200 iommu=verbose,1,no-superpages dom0-iommu=strict dom0_mem=512M loglvl=all guest_loglvl=all"

# boot CM IMAGE LOG: run QEMU until it exits or times out; 0 if dom0
# got as far as its DMA cases.
boot() {
    local cm=$1 image=$2 log=$3 fifo qemu i
    fifo=$(mktemp -u "$work/serial.XXXXXX")
    mkfifo "$fifo" || return 1
    exec 3<>"$fifo"
    timeout "$BOOT_TIMEOUT" qemu-system-x86_64 \
        -machine q35,kernel-irqchip=split -cpu qemu64 -m 2048 -smp 2 \
        -device "intel-iommu,intremap=on,caching-mode=$cm,aw-bits=48" \
        -device edu,dma_mask=0xffffffffffff \
        -kernel "$image" -append "$xen_args" \
        -initrd "$vmlinuz console=hvc0 earlyprintk=xen,$initrd" \
        -display none -serial stdio -no-reboot <&3 >"$log" 2>&1 &
    qemu=$!
    for (( i = 0; i < BOOT_TIMEOUT * 10; i++ )); do
        grep -q '^gtio-boot: ready' "$log" && break
        kill -0 "$qemu" 2>/dev/null || break
        sleep 0.1
    done
    # Xen's console: CTRL-a three times switches serial input to Xen,
    # 'j' is gtio's debug key, three more switch back to dom0.
    printf '\001\001\001' >&3; sleep 0.3
    printf 'j' >&3; sleep 0.3
    printf '\001\001\001' >&3
    wait "$qemu"
    exec 3>&-
    rm -f "$fifo"
    grep -q '^gtio-boot: ready' "$log"
}

# unit_caps LOG: "CAP ECAP" of the first VT-d unit Xen found (hex).
unit_caps() {
    sed -n 's/.*\[VT-D\]cap = \([0-9a-f]*\) ecap = \([0-9a-f]*\).*/\1 \2/p' "$1" | head -n1
}

# check CM LOG: print why the boot failed, or nothing.
check() {
    local cm=$1 log=$2 cap counters why
    read -r cap _ <<<"$(unit_caps "$log")"
    [ -n "$cap" ] || { echo "no VT-d unit found by Xen"; return; }
    if (( (0x$cap >> 7) & 1 )); then
        [ "$cm" = on ] || { echo "CAP.CM is set ($cap)"; return; }
    else
        [ "$cm" = off ] || { echo "CAP.CM is clear ($cap)"; return; }
    fi
    grep -q 'gtio keeps the tables of PV domains' "$log" ||
        { echo "gtio not registered: $(grep -m1 'gtio off' "$log" || echo 'no gtio line')"; return; }
    why=$(grep -m1 -E 'Panic on CPU|FATAL|Hardware Dom0 crashed|Kernel panic' "$log")
    [ -z "$why" ] || { echo "${why//$'\r'/}"; return; }
    why=$(check_dma "$log")
    [ -z "$why" ] || { echo "$why"; return; }
    why=$(check_dual "$log")
    [ -z "$why" ] || { echo "$why"; return; }
    grep -q '^gtio-boot: domu [0-9]* created' "$log" || { echo "xl did not create the domU"; return; }
    grep -q '^gtio-boot: domu destroyed' "$log" || { echo "xl did not destroy the domU"; return; }
    grep -q '^gtio-boot: dom0 done' "$log" || { echo "dom0 did not finish its /init"; return; }
    counters=$(grep -m1 '(XEN) gtio: maps' "$log" | tr -d '\r')
    [ -n "$counters" ] || { echo "no counters from debug key 'j'"; return; }
    # maps unmaps type-changes psi dsi waits merged failures
    set -- $(echo "$counters" | grep -oE '[0-9]+')
    [ $# = 8 ] || { echo "counters unreadable: $counters"; return; }
    if [ "$1" = 0 ] || [ "$2" = 0 ] || [ "$3" = 0 ] || [ $(($4 + $5)) = 0 ] ||
       [ "$6" = 0 ] || [ "$8" != 0 ]; then
        echo "counters: ${counters#*gtio: }"
    fi
}

# check_dma LOG: the DMA cases of gtio_dma.ko against Xen's fault lines.
check_dma() {
    local log=$1 line addr c faults expected=" "
    grep -q 'gtio-dma: done' "$log" || { echo "gtio_dma.ko did not finish"; return; }
    # What only a stale translation does, first: it names the case.
    grep -q 'gtio-dma: pagetable-unchanged FAIL' "$log" &&
        { echo "stale DMA: the device wrote a page it could reach before it became a page table"; return; }
    grep -q 'gtio-dma: deassign-unchanged FAIL' "$log" &&
        { echo "stale DMA: a device dom0 gave up wrote dom0's page"; return; }
    # A DMA that must fault: Xen logs the fault at its address (no 0x).
    # (The faults of the dual traces are check_dual's.)
    faults=$(sed -e '/gtio-dma: done/,/gtio-boot: dual traces done/d' \
                 -ne 's/.*\[VT-D\]DMAR:\[DMA [A-Za-z]*\] Request device .* fault addr \([0-9a-f]*\).*/\1/p' "$log")
    for c in freed pagetable grant deassign; do
        addr=$(sed -n "s/.*gtio-dma: $c expect-fault addr=0x\([0-9a-f]*\).*/\1/p" "$log" | tr -d '\r')
        [ -n "$addr" ] || { echo "no DMA case $c"; return; }
        grep -qx "$addr" <<<"$faults" ||
            { echo "stale DMA: case $c reached $addr after it left dom0 (no DMAR fault)"; return; }
        expected="$expected$addr "
    done
    for addr in $faults; do
        [[ "$expected" == *" $addr "* ]] || { echo "unexpected DMAR fault at $addr"; return; }
    done
    line=$(grep -m1 'gtio-dma: .* FAIL' "$log" | tr -d '\r')
    [ -z "$line" ] || { echo "${line#*gtio-dma: }"; return; }
    for c in reach pagetable-unchanged writable-again grant-reach deassign-unchanged; do
        grep -q "gtio-dma: $c ok" "$log" || { echo "no result of DMA case $c"; return; }
    done
}

# dual_observations LOG: what the dual traces showed on QEMU's unit, in
# harness/tools/dual.c's format.  A probe writes a token to a frame and reads it
# back (tests/xen/boot/dual.c).  A write faulted if Xen logged a DMAR
# fault at the frame's address while it ran, or if the read brought
# something else than the token (QEMU drops a write that a cached
# translation does not allow without recording a fault); a read faulted
# if Xen logged a fault while it ran or it brought nothing.  A fault
# anywhere else after gtio_dma.ko's cases, and every error of the module,
# is an observation the harness cannot have.
dual_observations() {
    awk '
    { gsub(/\r/, "") }
    /gtio-dma: done/ { dual = 1; next }
    /gtio-boot: dual traces done/ { dual = 0; next }
    !dual { next }
    /gtio-dual: dma-begin / {
        line = $0; sub(/.*gtio-dual: dma-begin /, "", line)
        split(line, w, " ")
        dir = w[4]; addr = w[5]; sub(/^addr=/, "", addr)
        fault[dir] = 0; probing = 1; next
    }
    /gtio-dual: dma-end/ { probing = 0; next }
    /gtio-dual: dma-data / {
        line = $0; sub(/.*gtio-dual: dma-data /, "", line)
        split(line, w, " ")
        key = w[1] " " w[2] " dma " w[3]
        if ( fault["write"] || w[4] == "not-landed" ) wv = "faulted"
        else wv = w[4] == "landed" ? "reached" : "unknown"
        print key " write " wv
        print key " read " (fault["read"] || w[4] == "read-blocked" ? "faulted" : "reached")
        next
    }
    /DMAR:\[DMA [A-Za-z]*\] Request device .* fault addr / {
        a = $0; sub(/.*fault addr /, "", a); sub(/[^0-9a-f].*/, "", a)
        if ( probing && a == addr ) fault[dir] = 1
        else print "stray-fault " a " faulted"
        next
    }
    /gtio-dual: error / {
        e = $0; sub(/.*gtio-dual: error /, "", e); gsub(/ /, "_", e)
        print "module-error " e " seen"; next
    }
    /gtio-dual: [^ ]+ [0-9]+ status / { sub(/.*gtio-dual: /, ""); print }
    ' "$1"
}

# check_dual LOG: the dual traces on QEMU's unit against the harness with
# the same capabilities (harness/tools/dual.c --compare); the observations go to
# LOG's .dual, the side-by-side table of disagreements to its .dual-compare.
check_dual() {
    local log=$1 cap ecap out=${1%.log}.dual-compare bad
    grep -q '^gtio-boot: dual traces done' "$log" || { echo "the dual traces did not run"; return; }
    read -r cap ecap <<<"$(unit_caps "$log")"
    dual_observations "$log" >"${log%.log}.dual"
    if ! "$DUAL" --compare "${log%.log}.dual" --cap "$cap" --ecap "$ecap" \
            "${dual_traces[@]}" >"$out" 2>&1; then
        bad=$(tail -n1 "$out")
        echo "dual traces: the simulated VT-d and QEMU's disagree (${bad#dual: }; ${out#"$top"/})"
    fi
}

# ---- the broken core's Xen (negative control) ----

# A Xen of its own: the variant's hv/, Xen's tree unpacked again from the
# cached source package (so the main build's tree and objects stay).
broken_xen() {
    local dir=$work/broken-$VARIANT
    if [ ! -f "$dir/build/xen/obj/xen" ] ||
       [ -n "$(find "$top/hv" "$top/hv/xen/patches" "$top/tests/variants/$VARIANT.patch" \
                 -newer "$dir/build/xen/obj/xen" -print -quit)" ]; then
        rm -rf "$dir/hv"
        mkdir -p "$dir/build/xen-src"
        cp -R "$top/hv" "$dir/hv"
        ( cd "$dir" && patch -s -p1 <"$top/tests/variants/$VARIANT.patch" ) ||
            { echo "$me: $VARIANT.patch does not apply to hv/" >&2; return 1; }
        cp -al "$BUILD_DIR/xen-src/." "$dir/build/xen-src/" 2>/dev/null ||
            cp -R "$BUILD_DIR/xen-src/." "$dir/build/xen-src/"
        HV_DIR=$dir/hv BUILD_DIR=$dir/build "$top/scripts/xen-build.sh" all \
            >"$dir/build.log" 2>&1 ||
            { echo "$me: the broken core's Xen did not build (${dir#"$top"/}/build.log)" >&2; return 1; }
    fi
    echo "$dir/build/xen/obj/xen"
}

failed=0
for c in "${cases[@]}"; do
    log=$work/$c.log
    start=$SECONDS
    cm=${c#cm-}
    image=$XEN_IMAGE
    if [ "$c" = broken ]; then
        cm=on
        image=$(broken_xen) || { echo "FAIL: xen-boot-broken ($VARIANT: no Xen to boot)"; failed=1; continue; }
    fi
    if ! boot "$cm" "$image" "$log"; then
        mv "$log" "$log.first"
        boot "$cm" "$image" "$log"
    fi
    why=$(check "$cm" "$log")
    counters=$(grep -m1 '(XEN) gtio: maps' "$log" | tr -d '\r')
    if [ "$c" = broken ]; then
        # The boot must get as far as the DMA, and the DMA must show it:
        # gtio_dma.ko's cases, and the dual traces against the harness.
        dual_why=$(check_dual "$log")
        if [[ "$why" == "stale DMA"* ]] && [[ "$dual_why" == "dual traces: "*" disagree "* ]]; then
            echo "PASS: xen-boot-broken ($VARIANT caught: $why; the dual traces: $(grep -c '^dual: disagreement: [a-z]' "${log%.log}.dual-compare") observations differ from the harness; $((SECONDS - start)) s)"
        elif [[ "$why" == "stale DMA"* ]]; then
            echo "FAIL: xen-boot-broken ($VARIANT: the dual traces did not see it: ${dual_why:-they agree with the harness}; log: ${log#"$top"/})"
            failed=1
        else
            echo "FAIL: xen-boot-broken ($VARIANT not caught by DMA: ${why:-the boot passed}; log: ${log#"$top"/})"
            failed=1
        fi
    elif [ -z "$why" ]; then
        echo "PASS: xen-boot-$c (${counters#*gtio: }; $((SECONDS - start)) s)"
    else
        echo "FAIL: xen-boot-$c ($why; log: ${log#"$top"/})"
        [[ "$why" != "dual traces"* ]] ||
            grep -h '^dual: ' "${log%.log}.dual-compare" | head -n 40
        failed=1
    fi
done
exit $failed
