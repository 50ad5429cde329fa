#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Install the Debian packages that `make test`, `make fuzz` and `make xen`
# need, on a fresh Debian 12 machine.  CI and new machines start from a bare
# image, so the project must install its own tools (the README's entry points).
#
# usage: scripts/install-deps.sh [--check] [--print-llvm] [GROUP...]
#   GROUP        src | test | fuzz | xen | boot | bench | all   (default: all)
#   --check      only report what is missing (exit 1 if anything is)
#   --print-llvm print the LLVM major version chosen (e.g. 14) and exit
#   LLVM_VERSION=N in the environment forces clang-N/llvm-N.
#
# Fast path: a single dpkg-query call, no apt at all, when everything is
# installed (well under a second), so every make target can call it.
# Slow path (root only): one `apt-get update`, one `apt-get install`.
# Not root and something missing: one line saying what to run, exit 1.

set -euo pipefail

me=install-deps
check_only=0
print_llvm=0
groups=()
for a in "$@"; do
    case "$a" in
    --check) check_only=1 ;;
    --print-llvm) print_llvm=1 ;;
    src|test|fuzz|xen|boot|bench|all) groups+=("$a") ;;
    -h|--help) sed -n '4,18p' "$0"; exit 0 ;;
    *) echo "$me: unknown argument '$a'" >&2; exit 2 ;;
    esac
done
[ ${#groups[@]} -gt 0 ] || groups=(all)

# Packages as dpkg knows them: installed iff status is "ii".
installed() {
    # dpkg-query fails for names it has never seen; that just means "no".
    { dpkg-query -W -f='${db:Status-Abbrev} ${Package}\n' "$@" 2>/dev/null || true; } |
        awk '$1 == "ii" { print $2 }'
}

have_pkg() { [ -n "$(installed "$1")" ]; }

# apt-get update at most once per run, and only on the slow path.
updated=0
apt_update() {
    [ $updated = 1 ] && return 0
    DEBIAN_FRONTEND=noninteractive apt-get -q -o DPkg::Lock::Timeout=300 \
        update >&2
    updated=1
}

# Which LLVM: Debian 12's afl++ is built against clang-14, so 14 is the
# default; a newer one is used only if 14 is not to be had (newer Debian)
# or one is already fully installed, or LLVM_VERSION says so.
pick_llvm() {
    if [ -n "${LLVM_VERSION:-}" ]; then
        echo "$LLVM_VERSION"; return
    fi
    if have_pkg clang-14; then
        echo 14; return
    fi
    local n best=""
    for d in /usr/lib/llvm-[0-9]*; do
        n=${d##*/llvm-}
        case "$n" in *[!0-9]*|'') continue ;; esac
        [ "$n" -gt 14 ] || continue
        [ -n "$(installed "clang-$n" "libclang-rt-$n-dev" | sed -n 2p)" ] || continue
        [ -z "$best" ] || [ "$n" -gt "$best" ] && best=$n
    done
    if [ -n "$best" ]; then
        echo "$best"; return
    fi
    # Nothing usable installed: ask apt what it can offer.
    # (--print-llvm is read at Makefile parse time: never touch apt there.)
    if [ "$(id -u)" = 0 ] && [ $check_only = 0 ] && [ $print_llvm = 0 ]; then
        apt_update
    fi
    if apt-cache show clang-14 >/dev/null 2>&1; then
        echo 14; return
    fi
    best=$(apt-cache search --names-only '^libclang-rt-[0-9]+-dev$' 2>/dev/null |
           sed -n 's/^libclang-rt-\([0-9]*\)-dev .*/\1/p' | sort -n | tail -n1)
    echo "${best:-14}"
}

llvm=$(pick_llvm)
if [ $print_llvm = 1 ]; then
    echo "$llvm"
    exit 0
fi

# What each entry point needs.  libc6-dev: the harness and fuzzers are
# userspace programs.  xz-utils/dpkg-dev/patch: unpack Debian's xen source
# package (the harness compiles its grant_table.c, so every build needs
# them: "src"); flex/bison/python3: Xen's Kconfig and build scripts;
# lsb-release: Debian's Xen banner patch calls lsb_release at build time.
pk_src="xz-utils dpkg-dev patch"
pk_test="clang-$llvm libclang-rt-$llvm-dev llvm-$llvm gcc make libc6-dev python3 $pk_src"
pk_fuzz="$pk_test afl++ zip"
pk_xen="gcc make binutils flex bison python3 xz-utils dpkg-dev patch lsb-release"
# make xen-boot: QEMU with its emulated VT-d, a static busybox for dom0's
# initramfs (the dom0 kernel itself is fetched with apt-get download).
pk_boot="$pk_xen qemu-system-x86 busybox-static gzip"
# make bench-flush's chart.
pk_bench="gnuplot-nox"

want=""
for g in "${groups[@]}"; do
    case "$g" in
    src)  want="$want $pk_src" ;;
    test) want="$want $pk_test" ;;
    fuzz) want="$want $pk_fuzz" ;;
    xen)  want="$want $pk_xen" ;;
    boot) want="$want $pk_boot" ;;
    bench) want="$want $pk_test $pk_bench" ;;
    all)  want="$want $pk_fuzz $pk_boot $pk_bench" ;;
    esac
done
# shellcheck disable=SC2086
want=$(printf '%s\n' $want | sort -u)

# shellcheck disable=SC2086
have=$(installed $want)
missing=$(comm -23 <(echo "$want") <(echo "$have" | sort -u) | tr '\n' ' ')
missing=${missing% }

# libFuzzer/ASan/UBSan come from this runtime archive; a half-installed or
# differently laid out toolchain shows up here rather than at link time.
fuzzer_rt() {
    compgen -G "/usr/lib/llvm-$llvm/lib/clang/$llvm*/lib/linux/libclang_rt.fuzzer-x86_64.a" ||
    compgen -G "/usr/lib/llvm-$llvm/lib/clang/$llvm*/lib/x86_64-*linux-gnu/libclang_rt.fuzzer.a"
}
needs_rt=0
case " $want " in *" libclang-rt-$llvm-dev "*) needs_rt=1 ;; esac

if [ -z "$missing" ]; then
    if [ $needs_rt = 1 ] && ! fuzzer_rt >/dev/null; then
        echo "$me: libclang-rt-$llvm-dev is installed but libclang_rt.fuzzer is not under /usr/lib/llvm-$llvm" >&2
        exit 1
    fi
    echo "$me: all present (${groups[*]}; llvm-$llvm)"
    exit 0
fi

install_cmd="apt-get install -y --no-install-recommends $missing"
if [ $check_only = 1 ]; then
    echo "$me: missing packages $missing"
    exit 1
fi
if [ "$(id -u)" != 0 ]; then
    echo "$me: missing packages $missing; run as root: $install_cmd" >&2
    exit 1
fi

echo "$me: installing $missing" >&2
apt_update
# --no-install-recommends: only what is named, so fresh machines and CI get
# the same set and the install stays small.
# shellcheck disable=SC2086
DEBIAN_FRONTEND=noninteractive apt-get -q -y -o DPkg::Lock::Timeout=300 \
    install --no-install-recommends $missing >&2

# Verify rather than trust apt's exit code.
# shellcheck disable=SC2086
still=$(comm -23 <(echo "$want") <(installed $want | sort -u) | tr '\n' ' ')
if [ -n "${still% }" ]; then
    echo "$me: still missing after apt-get install: $still" >&2
    exit 1
fi
if [ $needs_rt = 1 ] && ! fuzzer_rt >/dev/null; then
    echo "$me: libclang_rt.fuzzer not found under /usr/lib/llvm-$llvm after install" >&2
    exit 1
fi
for c in ${want}; do
    case "$c" in
    clang-*) command -v "$c" >/dev/null || { echo "$me: $c installed but not on PATH" >&2; exit 1; } ;;
    afl++) command -v afl-fuzz >/dev/null || { echo "$me: afl-fuzz not on PATH" >&2; exit 1; } ;;
    flex|bison|make|gcc|zip) command -v "$c" >/dev/null || { echo "$me: $c not on PATH" >&2; exit 1; } ;;
    esac
done
echo "$me: installed $missing (llvm-$llvm)"
