# SPDX-License-Identifier: GPL-2.0-only
#
# Entry points (the README lists them too):
#   make test        install what is missing, build with gcc and clang at
#                    -Wall -Wextra -Werror (plus an ASan/UBSan build), run
#                    every test; ends with "N passed, N failed"
#   make fuzz        the default fuzzing campaign (see README)
#   make xen         Xen 4.17 from Debian's source with hv/ linked in
#   make replay      build/asan/replay, to re-run a trace or crash case
#   make soak        SOAK_OPS random ops (default a million) on every
#                    capability combination: must find nothing
#   make explore     every op sequence up to a bound over a tiny machine
#                    (EXPLORE_TIME s, default 300): must find nothing
#   make bench       throughput and memory figures (see README)
#   fuzz-build, corpora, bench-fuzz, test-fuzz, fuzz-triage: mk/fuzz.mk
#
# Every toolchain builds into build/<toolchain>/: gcc, clang, asan.

GTIO_TOP := $(CURDIR)
BUILD    ?= build
.DEFAULT_GOAL := all

include mk/deps.mk
include mk/xen.mk
include mk/xen-src.mk
include mk/fuzz.mk
include mk/coverage.mk

LLVM_VERSION ?= $(shell scripts/install-deps.sh --print-llvm 2>/dev/null || echo 14)
CLANG    ?= $(shell command -v clang-$(LLVM_VERSION) || command -v clang)
GCC      ?= gcc

# HV=dir builds another copy of the core (the broken variants of tests/variants).
HV       ?= hv
WARN     := -Wall -Wextra -Werror
CPPFLAGS := $(XEN_INC) -I$(HV)
# Xen is built with -fno-strict-aliasing; so is everything compiled with it.
CSTD     := -std=gnu11 -fno-strict-aliasing
SAN      := -fsanitize=address,undefined -fno-sanitize-recover=all \
            -fno-omit-frame-pointer

# The warnings come per file (warn_for, mk/xen-src.mk): Xen's own files
# get Xen's.
CC_gcc     := $(GCC)
CFLAGS_gcc := $(CSTD) -O2 -g
CC_clang     := $(CLANG)
CFLAGS_clang := $(CSTD) -O2 -g
CC_asan     := $(CLANG)
CFLAGS_asan := $(CSTD) -O1 -g $(SAN)
TOOLCHAINS := gcc clang asan
# Not part of `all`: gcc with the maptrack_tree's per-frame mapping counts
# of Xen's grant_table.c narrowed from 31 bits to 3 (a bitfield's width is
# a compile-time constant), so that 8 maps of one frame reach the check
# Xen makes against their wrap-around (make soak and the tests run it).
CC_narrow     := $(GCC)
CFLAGS_narrow := $(CSTD) -O2 -g -DHARNESS_MAPTRACK_COUNT_BITS=3

HV_SRC      := $(wildcard $(HV)/*.c)
# Programs of the harness (harness/tools/, each has a main), and the
# library the rest is.  A tool that links a fuzz target's entry point
# (triage runs fuzz_trace in-process) needs that target's object, which
# only the fuzz builds make: mk/fuzz.mk builds it, into build/fuzz/.
HARNESS_FUZZ_TOOLS := triage
HARNESS_PROGS := $(filter-out $(HARNESS_FUZZ_TOOLS),\
	$(basename $(notdir $(wildcard harness/tools/*.c))))
# The harness's layers (harness/README.md), the programs apart.
HARNESS_LAYERS := machine xen input model exec
HARNESS_SRC := $(wildcard $(HARNESS_LAYERS:%=harness/%/*.c))
TEST_SRC    := $(wildcard tests/unit/*.c tests/sim/*.c tests/harness/*.c)
TEST_BINS   := $(patsubst %.c,%,$(TEST_SRC))

# $(call toolchain,NAME): objects, the core+harness library, tests, replay.
define toolchain
$(BUILD)/$(1)/obj/%.o: %.c $(wildcard $(HV)/*.h harness/*/*.h \
		harness/include/*/*.h) $(XH_STAMP)
	@mkdir -p $$(@D)
	$$(CC_$(1)) $$(CFLAGS_$(1)) $$(call warn_for,$$<,$(WARN)) $$(CPPFLAGS) \
		-c $$< -o $$@

$(BUILD)/$(1)/libgtio.a: $(patsubst %.c,$(BUILD)/$(1)/obj/%.o,$(HV_SRC) $(HARNESS_SRC))
	rm -f $$@ && ar rcs $$@ $$^

$(BUILD)/$(1)/tests/%: tests/%.c $(BUILD)/$(1)/libgtio.a
	@mkdir -p $$(@D)
	$$(CC_$(1)) $$(CFLAGS_$(1)) $(WARN) $$(CPPFLAGS) $$^ -o $$@

$(BUILD)/$(1)/%: $(BUILD)/$(1)/obj/harness/tools/%.o $(BUILD)/$(1)/libgtio.a
	$$(CC_$(1)) $$(CFLAGS_$(1)) $$^ -o $$@

build-$(1): $(BUILD)/$(1)/libgtio.a $(addprefix $(BUILD)/$(1)/,$(TEST_BINS)) \
	$(addprefix $(BUILD)/$(1)/,$(HARNESS_PROGS))
endef

$(foreach t,$(TOOLCHAINS) narrow,$(eval $(call toolchain,$(t))))
include mk/variants.mk
.SECONDARY: $(foreach t,$(TOOLCHAINS) narrow,$(HARNESS_PROGS:%=$(BUILD)/$(t)/obj/harness/tools/%.o))

# The million-op no-false-positive run (issue 3; figures in the README).
SOAK_OPS  ?= 1000000
SOAK_SEED ?= 1
# Every op sequence up to a bound over a tiny machine
# (harness/tools/explore.c):
# as deep as EXPLORE_TIME seconds get, findings in $(BUILD)/explore.
EXPLORE_TIME ?= 300
.PHONY: soak bench bench-flush explore
# Benchmarks: the fuzz target against the empty one (mk/fuzz.mk).
bench: bench-fuzz

# The seed's flushing against Xen 4.17's (scripts/bench-flush.sh).
bench-flush: deps-bench $(BUILD)/gcc/bench_flush
	@BUILD=$(BUILD) scripts/bench-flush.sh

explore: $(BUILD)/gcc/explore
	$(BUILD)/gcc/explore --time $(EXPLORE_TIME) --out $(BUILD)/explore

soak: $(BUILD)/gcc/soak $(BUILD)/narrow/soak
	$(BUILD)/gcc/soak --ops $(SOAK_OPS) --seed $(SOAK_SEED) --out $(BUILD)/soak
	@echo "soak: the same with the per-frame mapping counts narrowed to 3 bits:"
	$(BUILD)/narrow/soak --ops $(SOAK_OPS) --seed $(SOAK_SEED) --out $(BUILD)/soak-narrow

.PHONY: all test build-gcc build-clang build-asan replay clean
all: $(addprefix build-,$(TOOLCHAINS))

replay: build-asan

# Tests run on the gcc build and on the ASan/UBSan build; the clang build
# proves the -Werror build is clean there too.
test: deps-test deps-fuzz
	@$(MAKE) --no-print-directory -j2 all
	@BUILD=$(BUILD) tests/run.sh \
		tests/style/hv_hygiene.sh \
		tests/style/harness_layers.sh \
		tests/style/fuzz_folder.sh \
		$(foreach t,gcc asan,$(addprefix $(BUILD)/$(t)/,$(TEST_BINS))) \
		tests/variants/run.sh \
		tests/harness/soak_short.sh \
		tests/harness/narrow_counts.sh \
		tests/harness/dual_test.sh \
		tests/harness/bench_flush_test.sh \
		tests/harness/explore_test.sh \
		$(wildcard tests/fuzz/*.sh) \
		tests/xen/build_test.sh \
		tests/xen/boot_test.sh

clean: fuzz-clean
	rm -rf $(BUILD)/gcc $(BUILD)/clang $(BUILD)/asan $(BUILD)/narrow \
		$(BUILD)/variants
