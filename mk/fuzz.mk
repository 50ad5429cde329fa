# SPDX-License-Identifier: GPL-2.0-only
#
# Fuzzing (docs/design.md, "What gtio is" and "Inputs and reproduction"),
# included by the top-level Makefile.
#
#   make fuzz            install afl++/clang if missing, build, run every
#                        target for FUZZ_TIME seconds with progress, triage
#                        findings into crashes/, print a summary table
#       FUZZ_TIME=180    seconds per target
#       ENGINE=libfuzzer libfuzzer | afl
#       JOBS=1           libFuzzer -fork=JOBS; AFL++ one -M and JOBS-1 -S
#       VARIANT=name     fuzz the core with tests/variants/name.patch
#                        applied to copies of hv/, harness/xen/*.c and
#                        Xen's grant_table.c (build/fuzz/variant-name/)
#       FUZZ_TARGETS="fuzz_exec fuzz_trace"
#       FUZZ_SAN=1       libFuzzer runs the ASan+UBSan build (0: plain -O2)
#       CRASHES=dir      where the triage files new cases (crashes/)
#   make fuzz-smoke      CI: each target SMOKE_TIME=60 s plain and ASan;
#                        fails on any finding
#   make fuzz-build      every flavour of every target and the tools
#   make corpora         corpora/ and fuzz/*.dict from corpora/traces/
#   make bench-fuzz      throughput and memory against an empty target
#   make bench-limits    time to each batch-record limit and its variant
#   make bench-detect    time to each broken variant, both engines, and
#                        soak's generator (DETECT_VARIANTS, DETECT_CAP,
#                        DETECT_LF_RUNS, DETECT_JOBS: scripts/bench-detect.sh)
#   make test-fuzz       tests/fuzz/ (also run by `make test`)
#   make fuzz-triage FILES="..." [FUZZ_TARGET=fuzz_exec] [VARIANT=name]
#                        [CRASHES=dir]  minimise and file inputs found
#                        elsewhere
#   make fuzz-clean
#
# Flavours, each in $(FUZZ_DIR)/<flavour>/:
#   libfuzzer-asan   -fsanitize=fuzzer,address,undefined
#   libfuzzer        -O2 -fsanitize=fuzzer (fast, no sanitizer)
#   afl              afl-clang-fast, persistent mode, test case in shared memory
#   afl-cmplog       the same with AFL_LLVM_CMPLOG=1 (afl-fuzz -c)
#   asan             no fuzzer: the tools triage, trace2bin and replay
#                    (harness/tools/), which land in $(FUZZ_DIR)/ itself
#
# Paths are relative to the top directory, as in the top-level Makefile
# (run make there, or with -C).

BUILD        ?= build
FUZZ_TIME    ?= 180
ENGINE       ?= libfuzzer
JOBS         ?= 1
VARIANT      ?=
FUZZ_TARGETS ?= fuzz_exec fuzz_trace
FUZZ_SAN     ?= 1
FUZZ_TARGET  ?= fuzz_exec
FILES        ?=
CRASHES      ?= crashes
FUZZ_FAIL_ON_FINDING ?= 0
SMOKE_TIME   ?= 60

FUZZ_AFL_CC  ?= afl-clang-fast

# A variant is a patched copy of the core in its own build tree, so that
# its objects never mix with the real core's.  scripts/fuzz-variant.sh
# makes, under FUZZ_SRC: hv/ (the core), harness/xen/*.c (the stand-ins)
# and xen/common/grant_table.c (Xen's file, found through -I FUZZ_SRC/xen
# ahead of the real tree's, by harness/xen/grant_table.c's include).
#
# FUZZ_NARROW=1 builds everything with the maptrack_tree's per-frame
# mapping counts of Xen's grant_table.c narrowed to 3 bits (as the
# Makefile's narrow toolchain), in $(BUILD)/fuzz-narrow: what reaches
# their wrap-around check (bench-limits' counts row).
FUZZ_NARROW  ?=
FUZZ_DEFS    := $(if $(FUZZ_NARROW),$(NARROW_DEFS))
# FUZZ_OSS=1 builds in FUZZ_OSS_DIR (fuzz/build.sh gives its own).
FUZZ_OSS_DIR ?= $(BUILD)/fuzz-oss
FUZZ_DIR     := $(if $(FUZZ_OSS),$(FUZZ_OSS_DIR),$(BUILD)/fuzz$(if $(FUZZ_NARROW),-narrow))$(if $(VARIANT),/variant-$(VARIANT))
FUZZ_SRC     := $(FUZZ_DIR)/src
FUZZ_HV      := $(if $(VARIANT),$(FUZZ_SRC)/hv,hv)
FUZZ_PATCHED := $(FUZZ_SRC)/.patched

FUZZ_ALL_TARGETS := fuzz_exec fuzz_trace fuzz_empty

# The flavours: parameter sets of mk/build.mk (it says what each variable
# means); the tools' asan flavour is the Makefile's.  COV_x is the
# libFuzzer coverage added to instrumented files; AFL++'s compiler
# instruments whatever it compiles, so the files of FUZZ_NOCOV_SRC get
# plain clang (NCC_x).  The targets link with LDFLAGS_x (libFuzzer's
# engine), or an AFL++ flavour's own flags.
CC_libfuzzer-asan      = $(CLANG)
CFLAGS_libfuzzer-asan  = $(CSTD) -O1 -g $(SAN)
COV_libfuzzer-asan     = -fsanitize=fuzzer-no-link
NOCMP_libfuzzer-asan   = -fno-sanitize-coverage=trace-cmp
LDFLAGS_libfuzzer-asan = -fsanitize=fuzzer,address,undefined
CC_libfuzzer      = $(CLANG)
CFLAGS_libfuzzer  = $(CSTD) -O2 -g
COV_libfuzzer     = -fsanitize=fuzzer-no-link
NOCMP_libfuzzer   = -fno-sanitize-coverage=trace-cmp
LDFLAGS_libfuzzer = -fsanitize=fuzzer
# AFL_QUIET: no banner per file; the afl-clang-fast wrapper picks its clang.
CC_afl        = AFL_QUIET=1 $(FUZZ_AFL_CC)
NCC_afl       = $(CLANG)
CFLAGS_afl    = $(CSTD) -O2 -g
CC_afl-cmplog     = AFL_QUIET=1 AFL_LLVM_CMPLOG=1 $(FUZZ_AFL_CC)
NCC_afl-cmplog    = $(CLANG)
CFLAGS_afl-cmplog = $(CFLAGS_afl)

# The simulated machine is the fuzzer's environment, not its target:
# coverage comes from the code under test (Xen's grant_table.c through
# harness/xen/grant_table.c, radix-tree.c, the core hv/) and from the
# model, executor and oracles and the stand-ins that hold Xen's state
# (domain.c, mm.c, iommu.c), which name every state the ops mean.
# Instrumenting the simulator's polling and cache-set loops cost 6x in
# throughput (libFuzzer's comparison tracing above all) and its hit counts
# reward mere timing; the VT-d driver's register and queue polling
# (harness/xen/vtd.c) is the same kind of loop, and the heap, the page
# allocator's call-site names, fault counting and the boot glue are
# bookkeeping whose branches mean nothing new, as is printing Xen's
# messages (harness/xen/printk.c, silent unless asked).  The oracle
# compares the whole state after every call: its branches track the
# state's size, not new behaviour (a finding is its signal).  These files
# keep the flavour's sanitizers, without coverage (mk/build.mk's COV_x,
# NCC_x).
# The simulator is every harness/machine/vtd_sim*.c.
FUZZ_NOCOV_SRC ?= $(wildcard harness/machine/vtd_sim*.c) \
                  harness/machine/heap.c harness/machine/hooks.c \
                  harness/machine/fault.c \
                  harness/input/file.c harness/xen/vtd.c harness/xen/printk.c \
                  harness/xen/page_alloc.c harness/xen/world.c \
                  harness/model/oracle.c

# The model and the executor keep their edge coverage (their branches
# name the states the ops reach) but not libFuzzer's comparison tracing:
# they compare the model's own state, every call, and the values an
# input chooses are compared again where it matters, in the code under
# test, which keeps it.  Their tracing was a fifth of the plain target's
# time (docs/performance.md).  The byte decoder is the same: it takes
# bits and remainders of the input's bytes, so no comparison of it holds
# a value a mutation could learn (every byte string decodes), and its
# tracing was 1.5% of the plain target's instructions.  AFL++'s cmplog
# build keeps it: it runs only for the cmplog stage.
FUZZ_NOCMP_SRC ?= harness/model/shadow.c harness/exec/exec.c \
                  harness/input/decode.c

FUZZ_FLAVOURS := libfuzzer-asan libfuzzer afl afl-cmplog

# The OSS-Fuzz / ClusterFuzzLite build (fuzz/build.sh, with the builder
# image's variables): `make FUZZ_OSS=1 OSS_CC=... OSS_CXX=...
# OSS_CFLAGS=... OSS_CXXFLAGS=... OSS_ENGINE=... $(FUZZ_OSS_DIR)/oss/T`.
# Its flags carry the coverage and sanitizers the image chose; the files
# of FUZZ_NOCOV_SRC get them without the coverage flags (a sanitizer list
# keeps its other members); the targets link with OSS_CXX, since the
# engine may be a C++ library.  The image's compiler may warn where ours
# does not: no -Werror.
FUZZ_OSS     ?=
OSS_CC       ?= clang
OSS_CXX      ?= clang++
OSS_CFLAGS   ?=
OSS_CXXFLAGS ?=
OSS_ENGINE   ?= -fsanitize=fuzzer
fuzz_comma   := ,
fuzz_empty   :=
fuzz_space   := $(fuzz_empty) $(fuzz_empty)
# $(call oss_nocov_flag,FLAG)
oss_san_list = $(filter-out fuzzer-no-link,\
	$(subst $(fuzz_comma),$(fuzz_space),$(patsubst -fsanitize=%,%,$(1))))
oss_nocov_flag = $(if $(filter -fsanitize-coverage=%,$(1)),,\
	$(if $(filter -fsanitize=%,$(1)),\
	$(if $(call oss_san_list,$(1)),-fsanitize=$(subst $(fuzz_space),$(fuzz_comma),$(strip $(call oss_san_list,$(1))))),\
	$(1)))
OSS_NOCOV_CFLAGS = $(foreach f,$(OSS_CFLAGS),$(call oss_nocov_flag,$(f)))
CC_oss       = $(OSS_CC)
CFLAGS_oss   = $(CSTD) $(if $(NO_COVERAGE),$(OSS_NOCOV_CFLAGS),$(OSS_CFLAGS))
LINK_oss     = $(OSS_CXX) $(OSS_CXXFLAGS) $(OSS_CFLAGS)
# (Empty: LINK_oss has the flags.)
LDFLAGS_oss :=
LIBS_oss     = $(OSS_ENGINE)
NOWERROR_oss := 1

# A fuzz build is DIR/FLAVOUR (mk/build.mk's objects and library) over a
# source tree: empty for the real sources, or a variant's FUZZ_SRC, whose
# files exist once STAMP is made.
# $(call fuzz_flavour,DIR,TREE,STAMP,FLAVOUR)
define fuzz_flavour
$(call build_objs,$(1)/$(4),$(4),$(FUZZ_DEFS),$(2),$(3))
# Every object is made again when this file (its flavour's flags)
# changes, and waits for its tools (order-only: installing them does not
# make objects out of date): clang and its runtimes are in the test set,
# AFL++ in the fuzz set.  The compilers are named by recursive variables,
# so they are looked up after the installation.
$(call build_lib_objs,$(1)/$(4)) \
$(patsubst %.c,$(1)/$(4)/obj/%.o,$(wildcard fuzz/*.c harness/tools/*.c \
	tests/fuzz/*.c)): mk/fuzz.mk | $(if $(filter afl%,$(4)),deps-fuzz,deps-test)
endef

# The tools of a tree (harness/tools/), all ASan+UBSan builds without a
# fuzzer, in the tree's directory itself (build/fuzz/triage, ...): what
# the scripts and the crash cases' READMEs name.
FUZZ_TOOL_NAMES := triage trace2bin replay
# $(call fuzz_tools,DIR)
define fuzz_tools
$(addprefix $(1)/,$(FUZZ_TOOL_NAMES)): $(1)/%: \
		$(1)/asan/obj/harness/tools/%.o $(call build_lib_objs,$(1)/asan)
	$$(call build_link,asan,$$^,$$@)
# triage runs fuzz_trace's checks in-process: it links that target, which
# is why it is built here and not by the Makefile's toolchains.
$(1)/triage: $(1)/asan/obj/fuzz/fuzz_trace.o
$(1)/tests/minimize_test: $(1)/asan/obj/tests/fuzz/minimize_test.o \
		$(call build_lib_objs,$(1)/asan)
	@mkdir -p $$(@D)
	$$(call build_link,asan,$$^,$$@)
endef

# libFuzzer targets link the engine; AFL++ ones the persistent driver.
# fuzz_empty is the engine alone (no core, no harness): the baseline that
# `make bench-fuzz` divides by.
# (The AFL++ driver reads files with harness/input/file.c, so even the empty
# target of an AFL++ flavour links the flavour's library: the linker takes
# file.o and what it calls, and no more, whatever that becomes.)
fuzz_lib_for = $(if $(filter fuzz_empty,$(3)),\
	$(if $(filter afl%,$(2)),$(1)/$(2)/libgtio.a),\
	$(call build_lib_objs,$(1)/$(2)))
# $(call fuzz_target,DIR,FLAVOUR,TARGET)
define fuzz_target
$(1)/$(2)/$(3): $(1)/$(2)/obj/fuzz/$(3).o \
		$(if $(filter afl%,$(2)),$(1)/$(2)/obj/fuzz/afl_driver.o) \
		$(call fuzz_lib_for,$(1),$(2),$(3))
	$$(call build_link,$(2),$$^,$$@)
endef

# The tree fuzzed: the real sources, or the variant's copies.
FUZZ_TREE    := $(if $(VARIANT),$(FUZZ_SRC))
FUZZ_STAMP   := $(if $(VARIANT),$(FUZZ_PATCHED))
$(foreach f,asan $(FUZZ_FLAVOURS) $(if $(FUZZ_OSS),oss),\
	$(eval $(call fuzz_flavour,$(FUZZ_DIR),$(FUZZ_TREE),$(FUZZ_STAMP),$(f))))
$(eval $(call fuzz_tools,$(FUZZ_DIR)))
$(foreach f,$(FUZZ_FLAVOURS) $(if $(FUZZ_OSS),oss),$(foreach t,$(FUZZ_ALL_TARGETS),\
	$(eval $(call fuzz_target,$(FUZZ_DIR),$(f),$(t)))))

# A variant's findings are checked on the real core too (a bug that is
# there as well is the core's, not the variant's): its tools, from hv/.
ifneq ($(VARIANT),)
FUZZ_BASE_DIR := $(BUILD)/fuzz
$(eval $(call fuzz_flavour,$(FUZZ_BASE_DIR),,,asan))
$(eval $(call fuzz_tools,$(FUZZ_BASE_DIR)))

# The variant's copies: made (and the patch checked) by one script, which
# also says so when the variant does not exist (hence the wildcard).  It
# copies Xen's grant_table.c from the prepared tree ($(XH_STAMP)) of
# $(BUILD).
$(FUZZ_PATCHED): $(wildcard tests/variants/$(VARIANT).patch hv/*.c hv/*.h \
		harness/xen/*.c) scripts/fuzz-variant.sh $(XH_STAMP)
	@BUILD='$(BUILD)' scripts/fuzz-variant.sh '$(VARIANT)' '$(FUZZ_SRC)'
$(addprefix $(FUZZ_HV)/,$(notdir $(wildcard hv/*.c hv/*.h))) \
$(addprefix $(FUZZ_SRC)/,$(wildcard harness/xen/*.c)): $(FUZZ_PATCHED) ;
endif

FUZZ_TOOLS := $(FUZZ_DIR)/triage $(FUZZ_DIR)/trace2bin \
              $(if $(wildcard harness/tools/replay.c),$(FUZZ_DIR)/replay) \
              $(if $(VARIANT),$(FUZZ_BASE_DIR)/triage)

fuzz_bins = $(foreach t,$(FUZZ_ALL_TARGETS),$(FUZZ_DIR)/$(1)/$(t))

# What `make fuzz` runs: the one libFuzzer build FUZZ_SAN asks for, or both
# AFL++ builds (the main instance uses the cmplog one too).
FUZZ_RUN_FLAVOURS := $(if $(filter afl,$(ENGINE)),afl afl-cmplog,\
	$(if $(filter 0,$(FUZZ_SAN)),libfuzzer,libfuzzer-asan))
ifneq ($(filter fuzz,$(MAKECMDGOALS)),)
ifeq ($(filter libfuzzer afl,$(ENGINE)),)
$(error ENGINE must be libfuzzer or afl, not '$(ENGINE)')
endif
endif

.PHONY: fuzz fuzz-build fuzz-build-libfuzzer fuzz-build-afl fuzz-tools \
	corpora bench-fuzz bench-limits bench-detect test-fuzz fuzz-triage fuzz-smoke fuzz-clean
fuzz-tools: $(FUZZ_TOOLS)
fuzz-build-libfuzzer: fuzz-tools $(call fuzz_bins,libfuzzer-asan) \
	$(call fuzz_bins,libfuzzer)
fuzz-build-afl: fuzz-tools $(call fuzz_bins,afl) $(call fuzz_bins,afl-cmplog)
fuzz-build: fuzz-build-libfuzzer fuzz-build-afl

# Variables the scripts read.
FUZZ_ENV = FUZZ_DIR='$(FUZZ_DIR)' FUZZ_TIME='$(FUZZ_TIME)' ENGINE='$(ENGINE)' \
	JOBS='$(JOBS)' VARIANT='$(VARIANT)' FUZZ_TARGETS='$(FUZZ_TARGETS)' \
	FUZZ_SAN='$(FUZZ_SAN)' FUZZ_BASE_DIR='$(BUILD)/fuzz' \
	FUZZ_FAIL_ON_FINDING='$(FUZZ_FAIL_ON_FINDING)' CRASHES='$(CRASHES)'

fuzz: deps-fuzz fuzz-tools $(foreach f,$(FUZZ_RUN_FLAVOURS),$(call fuzz_bins,$(f)))
	@$(FUZZ_ENV) scripts/fuzz-run.sh

corpora: $(FUZZ_DIR)/trace2bin
	@TRACE2BIN='$(FUZZ_DIR)/trace2bin' scripts/fuzz-corpora.sh

bench-fuzz: deps-test $(call fuzz_bins,libfuzzer) $(call fuzz_bins,libfuzzer-asan) \
		$(FUZZ_DIR)/trace2bin
	@FUZZ_DIR='$(FUZZ_DIR)' BUILD='$(BUILD)' scripts/fuzz-bench.sh

# Time to each limit of gtio's batch record, and to its broken variant,
# for both engines (scripts/bench-limits.sh; build/bench/limits.txt).
bench-limits: deps-fuzz
	@BUILD='$(BUILD)' scripts/bench-limits.sh

# Detection power: every broken variant, both engines, from the seeds
# that do not expose it (scripts/bench-detect.sh; build/bench/detect.*).
bench-detect: deps-fuzz deps-bench
	@BUILD='$(BUILD)' scripts/bench-detect.sh

test-fuzz: deps-fuzz
	@BUILD='$(BUILD)' tests/run.sh $(wildcard tests/fuzz/*.sh)

fuzz-triage: $(FUZZ_DIR)/triage
	@$(FUZZ_ENV) scripts/fuzz-triage.sh --target '$(FUZZ_TARGET)' $(FILES)

# CI's smoke run: every target, plain and ASan, SMOKE_TIME s each, from
# the seeds; any finding fails it.
fuzz-smoke: deps-fuzz
	@$(MAKE) --no-print-directory fuzz FUZZ_TIME=$(SMOKE_TIME) FUZZ_SAN=0 \
		FUZZ_FAIL_ON_FINDING=1
	@$(MAKE) --no-print-directory fuzz FUZZ_TIME=$(SMOKE_TIME) FUZZ_SAN=1 \
		FUZZ_FAIL_ON_FINDING=1

fuzz-clean:
	rm -rf '$(BUILD)/fuzz' '$(BUILD)/fuzz-narrow' '$(BUILD)/fuzz-oss'
