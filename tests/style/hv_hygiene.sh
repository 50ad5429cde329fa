#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# hv/ is hypervisor code that must build inside Xen as it is: it may include
# only Xen's headers (<xen/...>, <asm/...>, <public/...>) and its own
# ("..."), never libc or the harness; Xen's CODING_STYLE: no tabs, lines of
# at most 80 columns, an SPDX licence line; every global is gtio_-prefixed
# because it shares Xen's namespace.
set -u
cd "$(dirname "$0")/../.."

verdict() {  # name, offending lines (empty = pass)
    if [ -z "$2" ]; then echo "PASS: $1"; else echo "FAIL: $1: $(echo "$2" | head -3 | tr '\n' ' ')"; fi
}

verdict hv_includes_only_xen_headers \
    "$(grep -nE '^\s*#\s*include' hv/*.c hv/*.h | grep -vE '#\s*include\s*(<(xen|asm|public)/[^>]+>|"[a-z_]+\.h")')"
verdict hv_has_no_harness_ifdef \
    "$(grep -nE '^\s*#\s*if.*(HARNESS|FUZZ|TEST|SIM)' hv/*.c hv/*.h)"
verdict hv_has_no_tabs "$(grep -nP '\t' hv/*.c hv/*.h)"
verdict hv_lines_fit_80_columns \
    "$(awk 'length > 80 { print FILENAME ":" FNR }' hv/*.c hv/*.h)"
verdict hv_files_carry_spdx \
    "$(for f in hv/*.c hv/*.h; do head -1 "$f" | grep -q 'SPDX-License-Identifier: GPL-2.0-only' || echo "$f"; done)"
# Globals: non-static function definitions at column 0 must be gtio_*.
verdict hv_globals_are_gtio_prefixed \
    "$(grep -nE '^[a-z][a-z_ 0-9*]*\b[a-z_0-9]+\(' hv/*.c | grep -v ':static ' | grep -vE '\bgtio_[a-z_0-9]+\(')"

# The harness's layers one way (harness/tools/README.md): the programs in
# harness/tools/ each have a main and are built as programs; the harness
# library and the fuzz targets never include one, nor anything of fuzz/.
verdict harness_tools_are_programs \
    "$(for f in harness/tools/*.c; do grep -qE '^int main\(' "$f" || echo "$f"; done)"
verdict harness_library_includes_no_tool \
    "$(grep -nE '^\s*#\s*include\s*"[^"]*(tools/|fuzz/)' harness/*/*.c harness/*/*.h fuzz/*.c)"
