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
# Every toolchain builds into build/<toolchain>/: gcc, clang, asan; every
# object of every build, fuzz and variants too, by mk/build.mk's rules.

GTIO_TOP := $(CURDIR)
BUILD    ?= build
.DEFAULT_GOAL := all

include mk/deps.mk
include mk/xen.mk
include mk/xen-src.mk
# The compile rules of every build, before the files that declare builds.
include mk/build.mk
include mk/fuzz.mk
include mk/coverage.mk

# The toolchains: flavours of mk/build.mk (it says what each variable
# means).  The warnings come per file (warn_for, mk/xen-src.mk): Xen's own
# files get Xen's.
CC_gcc     = $(GCC)
CFLAGS_gcc = $(CSTD) -O2 -g
CC_clang     = $(CLANG)
CFLAGS_clang = $(CSTD) -O2 -g
CC_asan     = $(CLANG)
CFLAGS_asan = $(CSTD) -O1 -g $(SAN)
TOOLCHAINS := gcc clang asan
# Not part of `all`: gcc with the maptrack_tree's per-frame mapping counts
# narrowed to 3 bits (NARROW_DEFS, mk/build.mk), so that their wrap-around
# check is in reach (make soak and the tests run it).
CC_narrow     = $(CC_gcc)
CFLAGS_narrow = $(CFLAGS_gcc)
DEFS_narrow  := $(NARROW_DEFS)

# Programs of the harness (harness/tools/, each has a main); the library
# is the rest (mk/build.mk).  A tool that links a fuzz target's entry
# point (triage runs fuzz_trace in-process) needs that target's object,
# which only the fuzz builds make: mk/fuzz.mk builds it, into build/fuzz/.
HARNESS_FUZZ_TOOLS := triage
HARNESS_PROGS := $(filter-out $(HARNESS_FUZZ_TOOLS),\
	$(basename $(notdir $(wildcard harness/tools/*.c))))
TEST_SRC    := $(wildcard tests/unit/*.c tests/sim/*.c tests/harness/*.c)
TEST_BINS   := $(patsubst %.c,%,$(TEST_SRC))

# $(call toolchain,NAME): the objects and the core+harness library
# (mk/build.mk), the tests and the programs, in $(BUILD)/NAME/.
define toolchain
$(call build_objs,$(BUILD)/$(1),$(1),$(DEFS_$(1)))
$(addprefix $(BUILD)/$(1)/,$(TEST_BINS)): $(BUILD)/$(1)/%: \
		$(BUILD)/$(1)/obj/%.o $(BUILD)/$(1)/libgtio.a
	@mkdir -p $$(@D)
	$$(call build_link,$(1),$$^,$$@)

$(addprefix $(BUILD)/$(1)/,$(HARNESS_PROGS)): $(BUILD)/$(1)/%: \
		$(BUILD)/$(1)/obj/harness/tools/%.o $(BUILD)/$(1)/libgtio.a
	$$(call build_link,$(1),$$^,$$@)

build-$(1): $(BUILD)/$(1)/libgtio.a $(addprefix $(BUILD)/$(1)/,$(TEST_BINS)) \
	$(addprefix $(BUILD)/$(1)/,$(HARNESS_PROGS))
endef

$(foreach t,$(TOOLCHAINS) narrow,$(eval $(call toolchain,$(t))))
include mk/variants.mk

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
