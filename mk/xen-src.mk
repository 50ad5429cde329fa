# SPDX-License-Identifier: GPL-2.0-only
#
# The Xen source every harness build compiles: Xen 4.17's own
# xen/common/grant_table.c and radix-tree.c (through the wrappers in
# harness/xen/), and Xen's public headers.  They come from the same Debian
# source tree `make xen` builds, with hv/xen/patches/ applied: fetched
# once and cached under $(BUILD)/xen-src/, or XEN_SRC=dir (mk/xen.mk).
# Nothing of Xen is copied into the repository; $(XH) holds links, and
# grant_table.c with its pin counter width made a run-time value
# (scripts/xen-harness-src.sh).
#
#   make xen-harness-src     fetch/prepare the tree and link it (also a
#                            prerequisite of every harness object)

XH          := $(BUILD)/xen-harness
XH_STAMP    := $(XH)/.stamp
# The shims shadow <xen/*.h> and <asm/*.h>; the real public ABI headers
# (and Xen's own guest_access.h and radix-tree.h) come after them.
XEN_INC     := -D__XEN__ -Iharness/include -isystem $(XH)/include \
               -I$(XH)/xen -Iharness -Iharness/machine -Iharness/input \
               -Iharness/model -Iharness/exec
# Xen's own files get Xen's warnings (-Wall), not the harness's -Wextra.
XEN_OWN_SRC := harness/xen/grant_table.c harness/xen/radix-tree.c
# $(call warn_for,SOURCE,WARNINGS)
warn_for     = $(if $(filter $(XEN_OWN_SRC),$(1)),-Wall -Werror,$(2))

$(XH_STAMP): scripts/xen-harness-src.sh scripts/xen-build.sh \
		hv/xen/prepare-tree.sh $(wildcard hv/xen/patches/*.patch) | deps-src
	@BUILD_DIR='$(abspath $(BUILD))' HV_DIR='$(abspath hv)' \
		XEN_SRC='$(XEN_SRC)' XEN_DEB_VERSION='$(XEN_DEB_VERSION)' \
		scripts/xen-harness-src.sh '$(XH)'
	@touch $@

.PHONY: xen-harness-src
xen-harness-src: $(XH_STAMP)
