#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Boot the patched Xen (make xen) under QEMU's emulated Intel VT-d with a
# strict PV dom0, and check that gtio keeps dom0's IOMMU tables there.
#
# usage: scripts/xen-boot.sh [CASE...]      (default: cm-on cm-off)
#   cm-on    -device intel-iommu,caching-mode=on
#   cm-off   -device intel-iommu,caching-mode=off
#
# For each case, one line:  PASS: xen-boot-CASE (...)  or  FAIL: ... (why)
# and the serial log in $BUILD_DIR/xen-boot/CASE.log.  A case passes when
#   - QEMU's unit shows the CAP.CM the case asks for,
#   - Xen registered gtio with its VT-d driver ("gtio keeps the tables"),
#   - dom0 reached its /init (tests/xen/boot/init) and powered off,
#   - gtio's counters (Xen's debug key 'j', typed on the serial line)
#     show maps, unmaps, type changes, invalidations and waits, and no
#     failure,
#   - nothing went wrong: no DMAR fault, no Xen panic, no dom0 crash.
# Exit: 0 all passed; 1 a case failed; 77 the machine cannot run it (no
# QEMU and not root to install it, no dom0 kernel to be had).
#
# Environment: BUILD_DIR (default <repo>/build), XEN_IMAGE (default
# $BUILD_DIR/xen/obj/xen), BOOT_TIMEOUT seconds per boot (default 120).
#
# Measured here (TCG, 2 cores): about 13 s a boot.  One boot in ~50 hung
# in dom0's swiotlb setup in the measurements of reference/dma-under-
# qemu.md, so a boot that times out before dom0 is up is retried once.

set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
me=xen-boot
BUILD_DIR=${BUILD_DIR:-$top/build}
case "$BUILD_DIR" in /*) ;; *) BUILD_DIR=$PWD/$BUILD_DIR ;; esac
XEN_IMAGE=${XEN_IMAGE:-$BUILD_DIR/xen/obj/xen}
BOOT_TIMEOUT=${BOOT_TIMEOUT:-120}
work=$BUILD_DIR/xen-boot

skip() { echo "SKIP: $me ($1)"; exit 77; }
die() { echo "$me: $*" >&2; exit 1; }

cases=("$@")
[ ${#cases[@]} -gt 0 ] || cases=(cm-on cm-off)
for c in "${cases[@]}"; do
    case "$c" in
    cm-on|cm-off) ;;
    *) echo "$me: unknown case '$c' (cm-on, cm-off)" >&2; exit 2 ;;
    esac
done

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
    if [ ! -f "$work/kernel/$pkg.vmlinuz" ]; then
        mkdir -p "$work/kernel"
        ( cd "$work/kernel" &&
          apt-get -q -o APT::Sandbox::User=root download "$pkg" ) \
            >"$work/kernel/download.log" 2>&1 || return 1
        deb=$(ls "$work/kernel/${pkg}"_*.deb 2>/dev/null | head -n1)
        [ -n "$deb" ] || return 1
        rm -rf "$work/kernel/x"
        dpkg-deb -x "$deb" "$work/kernel/x" || return 1
        cp "$work/kernel/x/boot/vmlinuz-${pkg#linux-image-}" \
           "$work/kernel/$pkg.vmlinuz" || return 1
        rm -rf "$work/kernel/x" "$deb"
    fi
    echo "$work/kernel/$pkg.vmlinuz"
}

vmlinuz=$(kernel) || skip "no dom0 kernel: apt-get download of linux-image-amd64's kernel failed"

# ---- dom0's initramfs: static busybox and tests/xen/boot/init ----

initrd=$work/initrd.gz
init=$top/tests/xen/boot/init
if [ ! -f "$initrd" ] || [ "$init" -nt "$initrd" ] || [ /bin/busybox -nt "$initrd" ]; then
    root=$work/initramfs
    rm -rf "$root"
    mkdir -p "$root/bin" "$root/proc" "$root/sys" "$root/dev"
    cp /bin/busybox "$root/bin/busybox"
    cp "$init" "$root/init"
    chmod 755 "$root/init"
    ( cd "$root" && find . | busybox cpio -o -H newc 2>/dev/null | gzip -9 ) \
        >"$initrd.tmp" && mv "$initrd.tmp" "$initrd" || die "cannot build $initrd"
fi

# ---- one boot ----

# Xen's command line: the serial console, strict dom0 IOMMU (dom0's own
# pages are then mapped exactly while writable), no superpages (gtio
# shares the tables with Xen's driver only then; hv/xen/patches/0004).
xen_args="console=com1 com1=115200 iommu=verbose,1,no-superpages dom0-iommu=strict dom0_mem=512M loglvl=all guest_loglvl=all"

# boot CASE LOG: run QEMU until it exits or times out; 0 if dom0 came up.
boot() {
    local cm=${1#cm-} log=$2 fifo qemu i
    fifo=$(mktemp -u "$work/serial.XXXXXX")
    mkfifo "$fifo" || return 1
    exec 3<>"$fifo"
    timeout "$BOOT_TIMEOUT" qemu-system-x86_64 \
        -machine q35,kernel-irqchip=split -cpu qemu64 -m 2048 -smp 2 \
        -device "intel-iommu,intremap=on,caching-mode=$cm,aw-bits=48" \
        -device edu,dma_mask=0xffffffffffff \
        -kernel "$XEN_IMAGE" -append "$xen_args" \
        -initrd "$vmlinuz console=hvc0 earlyprintk=xen,$initrd" \
        -display none -serial stdio -no-reboot <&3 >"$log" 2>&1 &
    qemu=$!
    for (( i = 0; i < BOOT_TIMEOUT * 10; i++ )); do
        grep -q '^gtio-boot: dom0 up' "$log" && break
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
    grep -q '^gtio-boot: dom0 up' "$log"
}

# check CASE LOG: print why it failed, or nothing.
check() {
    local cm=$1 log=$2 cap counters
    cap=$(sed -n 's/.*\[VT-D\]cap = \([0-9a-f]*\) .*/\1/p' "$log" | head -n1)
    [ -n "$cap" ] || { echo "no VT-d unit found by Xen"; return; }
    if (( (0x$cap >> 7) & 1 )); then
        [ "$cm" = cm-on ] || { echo "CAP.CM is set ($cap)"; return; }
    else
        [ "$cm" = cm-off ] || { echo "CAP.CM is clear ($cap)"; return; }
    fi
    grep -q 'gtio keeps the tables of PV domains' "$log" ||
        { echo "gtio not registered: $(grep -m1 'gtio off' "$log" || echo 'no gtio line')"; return; }
    if grep -qE '\[VT-D\]DMAR:|Panic on CPU|FATAL|Hardware Dom0 crashed|Kernel panic' "$log"; then
        echo "$(grep -m1 -E '\[VT-D\]DMAR:|Panic on CPU|FATAL|Hardware Dom0 crashed|Kernel panic' "$log" | tr -d '\r')"
        return
    fi
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

failed=0
for c in "${cases[@]}"; do
    log=$work/$c.log
    start=$SECONDS
    if ! boot "$c" "$log"; then
        mv "$log" "$log.first"
        boot "$c" "$log"
    fi
    why=$(check "$c" "$log")
    if [ -z "$why" ]; then
        counters=$(grep -m1 '(XEN) gtio: maps' "$log" | tr -d '\r')
        echo "PASS: xen-boot-$c (${counters#*gtio: }; $((SECONDS - start)) s)"
    else
        echo "FAIL: xen-boot-$c ($why; log: ${log#"$top"/})"
        failed=1
    fi
done
exit $failed
