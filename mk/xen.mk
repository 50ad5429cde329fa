# SPDX-License-Identifier: GPL-2.0-only
#
# `make xen`: Xen 4.17 (Debian's source package) built with Xen's own
# flags and the core, hv/*.c as they are, linked in (docs/design.md,
# "What gtio is").  The work is in scripts/xen-build.sh; this file only maps make
# variables onto it.  Included by the top-level Makefile.
#
#   make xen                  fetch (cached in build/xen-src/), unpack under
#                             build/xen/, build, check the core is linked:
#                             build/xen/obj/xen and build/xen/obj/xen-syms
#   make xen XEN_SRC=DIR      use an existing Xen tree (DIR holds xen/)
#   make xen HV_DIR=DIR       build another core directory (needs a Makefile
#                             like hv/Makefile)
#   make xen-fetch            only download the source package
#   make xen-test             tests/xen/build_test.sh (PASS/FAIL/SKIP=77)
#   make xen-boot             boot it under QEMU's VT-d, caching mode on
#                             and off, with a strict PV dom0: gtio must keep
#                             dom0's tables (scripts/xen-boot.sh; serial
#                             logs in build/xen-boot/)
#   make xen-clean            drop the unpacked tree and objects (keeps the
#                             downloaded tarballs); xen-distclean drops both

# := (not ?=) so MAKEFILE_LIST is read now, while this file is its last word.
ifndef GTIO_TOP
GTIO_TOP := $(patsubst %/,%,$(dir $(abspath $(dir $(lastword $(MAKEFILE_LIST))))))
endif

HV_DIR          ?= $(GTIO_TOP)/hv
# The top Makefile's $(BUILD) if it has one, so all output shares one tree.
XEN_BUILD_DIR   ?= $(abspath $(if $(BUILD),$(BUILD),$(GTIO_TOP)/build))
XEN_SRC         ?=
XEN_DEB_VERSION ?= 4.17.5+72-g01140da4e8-1
XEN_JOBS        ?= $(shell nproc)
XEN_MAKE_ARGS   ?=

XEN_BUILD_ENV = HV_DIR='$(HV_DIR)' BUILD_DIR='$(XEN_BUILD_DIR)' \
	XEN_SRC='$(XEN_SRC)' XEN_DEB_VERSION='$(XEN_DEB_VERSION)' \
	JOBS='$(XEN_JOBS)' XEN_MAKE_ARGS='$(XEN_MAKE_ARGS)'

.PHONY: xen xen-fetch xen-test xen-boot xen-clean xen-distclean
# Always run: the script and Xen's make decide what is out of date.
xen:
	@$(GTIO_TOP)/scripts/install-deps.sh xen
	@$(XEN_BUILD_ENV) $(GTIO_TOP)/scripts/xen-build.sh all

xen-fetch:
	@$(XEN_BUILD_ENV) $(GTIO_TOP)/scripts/xen-build.sh fetch

xen-test:
	@$(XEN_BUILD_ENV) $(GTIO_TOP)/tests/xen/build_test.sh

xen-boot: xen $(BUILD)/gcc/dual
	@BUILD_DIR='$(XEN_BUILD_DIR)' $(GTIO_TOP)/scripts/xen-boot.sh

xen-clean:
	rm -rf '$(XEN_BUILD_DIR)/xen'

xen-distclean: xen-clean
	rm -rf '$(XEN_BUILD_DIR)/xen-src'
