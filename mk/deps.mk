# SPDX-License-Identifier: GPL-2.0-only
#
# Tool installation, included by the top-level Makefile.  `make test`,
# `make fuzz` and `make xen` must work on a fresh Debian machine (the README's
# entry points), so they depend on the matching deps-* target.  The script
# only calls apt when something is missing; otherwise it costs ~50 ms.
#
#   make deps            everything (test + fuzz + xen)
#   make deps-test|deps-fuzz|deps-xen   one entry point's set
#
# Paths come from this file's location, so `make -C` from anywhere works.

# := (not ?=) so MAKEFILE_LIST is read now, while this file is its last word.
ifndef GTIO_TOP
GTIO_TOP := $(patsubst %/,%,$(dir $(abspath $(dir $(lastword $(MAKEFILE_LIST))))))
endif
INSTALL_DEPS := $(GTIO_TOP)/scripts/install-deps.sh

.PHONY: deps deps-src deps-test deps-fuzz deps-xen deps-bench
deps:
	@$(INSTALL_DEPS) all
deps-src:
	@$(INSTALL_DEPS) src
deps-test:
	@$(INSTALL_DEPS) test
deps-fuzz:
	@$(INSTALL_DEPS) fuzz
deps-xen:
	@$(INSTALL_DEPS) xen
deps-bench:
	@$(INSTALL_DEPS) bench
