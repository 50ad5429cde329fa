#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Build Xen 4.17 from Debian's `xen` source package with the core (hv/*.c)
# compiled and linked in as it is, then check that it really is linked.
#
# usage: scripts/xen-build.sh [fetch|prepare|build|verify|tree|all]...
#        (default all)
#   fetch    download the source package into $BUILD_DIR/xen-src/ (cached)
#   prepare  unpack it under $BUILD_DIR/xen/, link hv/ in (hv/xen/)
#   build    make defconfig (once) and make, objects in $BUILD_DIR/xen/obj
#   verify   every hv/*.c compiled, every global of theirs in xen-syms
#   tree     print the prepared tree (the directory holding xen/)
#
# Environment:
#   HV_DIR           the core's directory           (default: <repo>/hv)
#   BUILD_DIR        where everything goes          (default: <repo>/build)
#   XEN_SRC          use this Xen tree (the dir holding xen/), no download
#   XEN_DEB_VERSION  Debian version to fetch (default below; others tried
#                    if it is gone from the archive)
#   JOBS             make -j                        (default: nproc)
#   XEN_MAKE_ARGS    extra arguments for Xen's make (e.g. V=1)
#
# Exit: 0 ok; 77 the Xen source could not be obtained (no network, no
# deb-src, version gone); 1 anything else.

set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
HV_DIR=${HV_DIR:-$top/hv}
BUILD_DIR=${BUILD_DIR:-$top/build}
case "$BUILD_DIR" in /*) ;; *) BUILD_DIR=$PWD/$BUILD_DIR ;; esac
XEN_SRC=${XEN_SRC:-}
# Known to work here; bookworm-security's newer 4.17 404'd on its tarball.
XEN_DEB_VERSION=${XEN_DEB_VERSION:-4.17.5+72-g01140da4e8-1}
JOBS=${JOBS:-$(nproc)}
XEN_MAKE_ARGS=${XEN_MAKE_ARGS:-}

src_cache=$BUILD_DIR/xen-src      # downloaded tarballs + private apt state
work=$BUILD_DIR/xen               # unpacked tree(s)
obj=$work/obj                     # O= output: keeps objects out of hv/

log() { echo "xen-build: $*" >&2; }
die() { log "ERROR: $*"; exit 1; }
unavailable() { log "SOURCE UNAVAILABLE: $*"; exit 77; }

# ---------------------------------------------------------------- fetch --

# The cached .dsc to use: the preferred version, else the newest 4.17.
cached_dsc() {
    if [ -f "$src_cache/xen_$XEN_DEB_VERSION.dsc" ]; then
        echo "$src_cache/xen_$XEN_DEB_VERSION.dsc"
        return
    fi
    compgen -G "$src_cache/xen_4.17*.dsc" | sort -V | tail -n1 || true
}

# A private apt configuration with deb-src twins of the machine's own
# sources, so /etc/apt and /var/lib/apt stay untouched and no archive host
# is written into the project.
apt_opts=()
apt_setup() {
    local a=$src_cache/apt f
    rm -rf "$a/sources.list.d"
    mkdir -p "$a/sources.list.d" "$a/lists/partial" "$a/cache/archives/partial"
    # One-line format: "deb [opts] uri suite comps" -> "deb-src ...".
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
        [ -f "$f" ] || continue
        sed -n -E 's/^[[:space:]]*deb(-src)?([[:space:]])/deb-src\2/p' "$f"
    done | awk '!seen[$0]++' >"$a/sources.list"
    # deb822 format: every stanza becomes "Types: deb-src"; the rest
    # (URIs, Suites, Signed-By, Enabled) is kept as the machine has it.
    for f in /etc/apt/sources.list.d/*.sources; do
        [ -f "$f" ] || continue
        sed -E 's/^Types:.*$/Types: deb-src/I' "$f" >"$a/sources.list.d/${f##*/}"
    done
    if [ ! -s "$a/sources.list" ] &&
       ! compgen -G "$a/sources.list.d/*.sources" >/dev/null; then
        unavailable "no apt sources on this machine to derive deb-src from"
    fi
    apt_opts=(-q
        -o "Dir::Etc::sourcelist=$a/sources.list"
        -o "Dir::Etc::sourceparts=$a/sources.list.d"
        -o "Dir::State::Lists=$a/lists"
        -o "Dir::Cache=$a/cache"
        -o "Dir::Cache::archives=$a/cache/archives")
}

# Download one version into a scratch dir; move it into the cache only
# when complete (the .dsc last), so an interrupted run never looks cached.
try_version() {
    local v=$1 tmp=$src_cache/dl.tmp
    rm -rf "$tmp"
    mkdir -p "$tmp"
    log "downloading xen=$v"
    if ! (cd "$tmp" && apt-get "${apt_opts[@]}" source --download-only "xen=$v") >&2; then
        rm -rf "$tmp"
        return 1
    fi
    compgen -G "$tmp/*.dsc" >/dev/null || { rm -rf "$tmp"; return 1; }
    find "$tmp" -maxdepth 1 -type f ! -name '*.dsc' -exec mv -f {} "$src_cache/" \;
    mv -f "$tmp"/*.dsc "$src_cache/"
    rm -rf "$tmp"
}

do_fetch() {
    if [ -n "$XEN_SRC" ]; then
        log "XEN_SRC=$XEN_SRC: nothing to fetch"
        return
    fi
    local dsc
    dsc=$(cached_dsc)
    if [ -n "$dsc" ]; then
        log "cached: ${dsc#"$top"/}"
        return
    fi
    command -v apt-get >/dev/null || unavailable "no apt-get on this machine"
    mkdir -p "$src_cache"
    apt_setup
    log "apt-get update (private lists in ${src_cache#"$top"/}/apt)"
    apt-get "${apt_opts[@]}" update >&2 ||
        unavailable "apt-get update failed (no network?)"
    # apt-get update exits 0 when every fetch failed; look for the result.
    compgen -G "$src_cache/apt/lists/*_Sources*" >/dev/null ||
        unavailable "apt-get update got no Sources index (no network?)"
    try_version "$XEN_DEB_VERSION" && return
    # The pinned version is gone: try the other 4.17s the archive offers.
    local v
    for v in $(apt-cache "${apt_opts[@]}" showsrc xen 2>/dev/null |
               sed -n 's/^Version: //p' | grep '^4\.17\.' | sort -urV); do
        [ "$v" = "$XEN_DEB_VERSION" ] && continue
        try_version "$v" && return
    done
    unavailable "no Xen 4.17 source package could be downloaded"
}

# -------------------------------------------------------------- prepare --

tree=""
do_prepare() {
    if [ -n "$XEN_SRC" ]; then
        [ -f "$XEN_SRC/xen/Makefile" ] || die "XEN_SRC=$XEN_SRC has no xen/Makefile"
        tree=$(cd "$XEN_SRC" && pwd)
    else
        local dsc ver
        dsc=$(cached_dsc)
        [ -n "$dsc" ] || die "no source package in ${src_cache}; run the fetch step"
        ver=${dsc##*/xen_}
        ver=${ver%.dsc}
        tree=$work/xen-$ver
        if [ ! -f "$tree/.gtio-unpacked" ]; then
            command -v dpkg-source >/dev/null || die "dpkg-source missing (install dpkg-dev)"
            log "unpacking ${dsc##*/} (with Debian's patches)"
            rm -rf "$tree" "$tree.tmp"
            mkdir -p "$work"
            # dpkg-source -x: orig + debian tarballs + debian/patches, i.e.
            # exactly the tree Debian builds its hypervisor from (--no-copy:
            # leave the tarball in the cache, not beside the tree).
            dpkg-source --no-copy -x "$dsc" "$tree.tmp" >&2 || die "dpkg-source -x failed"
            touch "$tree.tmp/.gtio-unpacked"
            mv "$tree.tmp" "$tree"
        fi
    fi
    [ -d "$HV_DIR" ] || die "HV_DIR=$HV_DIR does not exist"
    "$top/hv/xen/prepare-tree.sh" "$tree" "$HV_DIR" >&2 ||
        die "could not put $HV_DIR into $tree"
}

# ---------------------------------------------------------------- build --

# Xen's make, with nothing of ours leaking in: the caller's make flags and
# compiler variables would otherwise override Xen's own (Config.mk appends
# to an inherited CFLAGS).
xen_make() {
    # shellcheck disable=SC2086
    env -u MAKEFLAGS -u MFLAGS -u MAKEOVERRIDES -u MAKELEVEL -u MAKEFILES \
        -u CFLAGS -u CPPFLAGS -u LDFLAGS -u CC -u LD -u CROSS_COMPILE \
        -u O -u V -u srctree -u objtree \
        make -C "$tree/xen" O="$obj" $XEN_MAKE_ARGS "$@"
}

do_build() {
    [ -n "$tree" ] || do_prepare >/dev/null
    local stamp=$obj/.gtio-stamp want hv_real
    hv_real=$(cd "$HV_DIR" && pwd -P)
    want=$(printf 'tree=%s\nhv=%s\n' "$tree" "$hv_real")
    # Objects from another Xen tree or another hv dir must not be reused:
    # make compares mtimes only and would keep stale gtio objects.
    if [ -f "$stamp" ] && [ "$(cat "$stamp")" != "$want" ]; then
        if [ "$(sed -n 1p "$stamp")" != "tree=$tree" ]; then
            log "Xen tree changed: starting a fresh object dir"
            rm -rf "$obj"
        else
            log "HV_DIR changed: rebuilding the core's objects"
            rm -rf "$obj/common/gtio"
        fi
    fi
    mkdir -p "$obj"
    echo "$want" >"$stamp"
    if [ ! -f "$obj/.config" ]; then
        xen_make defconfig >&2 || die "make defconfig failed"
    fi
    local t0=$SECONDS
    xen_make -j"$JOBS" >&2 || die "Xen build failed"
    log "built ${obj#"$top"/}/xen in $((SECONDS - t0)) s"
}

# --------------------------------------------------------------- verify --

do_verify() {
    local syms=$obj/xen-syms srcs=() objs=() c o
    { [ -f "$obj/xen" ] && [ -f "$syms" ]; } || die "no xen / xen-syms in $obj"
    for c in "$HV_DIR"/*.c; do
        [ -e "$c" ] || continue
        srcs+=("$c")
        o=$obj/common/gtio/$(basename "${c%.c}").o
        [ -f "$o" ] || die "${c##*/} was not compiled into Xen ($o missing)"
        [ "$o" -nt "$c" ] || die "$o is older than $c: not rebuilt"
        objs+=("$o")
    done
    [ ${#srcs[@]} -gt 0 ] || die "no *.c in HV_DIR=$HV_DIR"

    # Every global symbol the core defines must be in the final link: an
    # object that was compiled but dropped would go unnoticed otherwise.
    local hv_globals xen_all missing n others
    hv_globals=$(nm -g --defined-only "${objs[@]}" | awk 'NF == 3 { print $3 }' | sort -u)
    xen_all=$(nm "$syms" | awk '{ print $NF }' | sort -u)
    missing=$(comm -23 <(echo "$hv_globals") <(echo "$xen_all") | tr '\n' ' ')
    [ -z "${missing// /}" ] || die "core symbols missing from xen-syms: $missing"
    n=$(nm "$syms" | awk '$2 ~ /^[A-Z]$/ && $3 ~ /^gtio_/' | wc -l)
    [ "$n" -gt 0 ] || die "no global gtio_ symbols in xen-syms: the core is not linked in"
    # Xen's own files must call the core where hv/xen/patches put the hook
    # points (gtio.h lists them): a hunk that applied elsewhere, or code
    # that went away, would leave the core linked in but never reached.
    local hook file sym
    for hook in common/grant_table.o:gtio_batch_begin \
                common/grant_table.o:gtio_batch_end \
                drivers/passthrough/iommu.o:gtio_manages \
                drivers/passthrough/iommu.o:gtio_map \
                drivers/passthrough/iommu.o:gtio_unmap \
                drivers/passthrough/vtd/iommu.o:gtio_set_unit \
                arch/x86/mm.o:gtio_page_writable; do
        file=${hook%%:*} sym=${hook#*:}
        nm -u "$obj/$file" | awk '{ print $2 }' | grep -qx "$sym" ||
            die "Xen's $file does not call $sym: a hook point is missing"
    done
    # The core shares Xen's global namespace: say so if it strays from gtio_.
    others=$(echo "$hv_globals" | grep -v '^gtio_' | tr '\n' ' ' || true)
    [ -z "${others// /}" ] || log "warning: core globals without the gtio_ prefix: $others"
    log "OK: ${obj#"$top"/}/xen links the hv core ($n gtio_ symbols from ${#objs[@]} objects)"
}

# ----------------------------------------------------------------- main --

steps=("$@")
[ ${#steps[@]} -gt 0 ] || steps=(all)

# One build at a time per build dir (make -j test and make xen may overlap).
mkdir -p "$BUILD_DIR"
exec 9>"$BUILD_DIR/.xen-build.lock"
flock 9

for s in "${steps[@]}"; do
    case "$s" in
    fetch) do_fetch ;;
    prepare) do_prepare ;;
    build) do_build ;;
    verify) [ -n "$tree" ] || do_prepare >/dev/null; do_verify ;;
    tree) [ -n "$tree" ] || do_prepare >/dev/null; echo "$tree" ;;
    all) do_fetch; do_prepare; do_build; do_verify ;;
    *) die "unknown step '$s' (fetch|prepare|build|verify|tree|all)" ;;
    esac
done
