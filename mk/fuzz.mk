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

# The top-level Makefile's compiler if it chose one (recursive, so the
# order of the include does not matter).
FUZZ_CLANG    = $(or $(CLANG),$(shell command -v clang-14 || command -v clang))
FUZZ_AFL_CC  ?= afl-clang-fast
FUZZ_CSTD    := -std=gnu11 -fno-strict-aliasing
# A variant may be ugly (an unused helper where a call was removed), as
# in mk/variants.mk; and the OSS-Fuzz image's compiler may warn where
# ours does not: no -Werror for either.
fuzz_no_werror = $(or $(VARIANT),$(FUZZ_OSS))
FUZZ_WARN    := -Wall -Wextra
FUZZ_SANFL   := -fsanitize=address,undefined -fno-sanitize-recover=all \
                -fno-omit-frame-pointer

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
FUZZ_DEFS    := $(if $(FUZZ_NARROW),-DHARNESS_MAPTRACK_COUNT_BITS=3)
# FUZZ_OSS=1 builds in FUZZ_OSS_DIR (fuzz/build.sh gives its own).
FUZZ_OSS_DIR ?= $(BUILD)/fuzz-oss
FUZZ_DIR     := $(if $(FUZZ_OSS),$(FUZZ_OSS_DIR),$(BUILD)/fuzz$(if $(FUZZ_NARROW),-narrow))$(if $(VARIANT),/variant-$(VARIANT))
FUZZ_SRC     := $(FUZZ_DIR)/src
FUZZ_HV      := $(if $(VARIANT),$(FUZZ_SRC)/hv,hv)
FUZZ_PATCHED := $(FUZZ_SRC)/.patched

# The harness without its programs (harness/tools/).
FUZZ_HAR_C   := $(wildcard $(foreach l,machine xen input model exec,\
                harness/$(l)/*.c))
FUZZ_HV_NAMES := $(basename $(notdir $(wildcard hv/*.c)))
FUZZ_ALL_TARGETS := fuzz_exec fuzz_trace fuzz_empty

# Per flavour: FUZZ_CC_x compiles with coverage, FUZZ_NCC_x without it;
# FUZZ_CF_x are the flags of both, FUZZ_COV_x the coverage flags added
# for instrumented files, FUZZ_LD_x what libFuzzer targets link with.
FUZZ_CC_asan      = $(FUZZ_CLANG)
FUZZ_NCC_asan     = $(FUZZ_CLANG)
FUZZ_CF_asan      = $(FUZZ_CSTD) -O1 -g $(FUZZ_SANFL)
FUZZ_LD_asan      = $(FUZZ_SANFL)
FUZZ_CC_libfuzzer-asan  = $(FUZZ_CLANG)
FUZZ_NCC_libfuzzer-asan = $(FUZZ_CLANG)
FUZZ_CF_libfuzzer-asan  = $(FUZZ_CSTD) -O1 -g $(FUZZ_SANFL)
FUZZ_COV_libfuzzer-asan = -fsanitize=fuzzer-no-link
FUZZ_LD_libfuzzer-asan  = -fsanitize=fuzzer,address,undefined
FUZZ_CC_libfuzzer  = $(FUZZ_CLANG)
FUZZ_NCC_libfuzzer = $(FUZZ_CLANG)
FUZZ_CF_libfuzzer  = $(FUZZ_CSTD) -O2 -g
FUZZ_COV_libfuzzer = -fsanitize=fuzzer-no-link
FUZZ_LD_libfuzzer  = -fsanitize=fuzzer
# AFL_QUIET: no banner per file; the afl-clang-fast wrapper picks its clang.
FUZZ_CC_afl        = AFL_QUIET=1 $(FUZZ_AFL_CC)
FUZZ_NCC_afl       = $(FUZZ_CLANG)
FUZZ_CF_afl        = $(FUZZ_CSTD) -O2 -g
FUZZ_CC_afl-cmplog  = AFL_QUIET=1 AFL_LLVM_CMPLOG=1 $(FUZZ_AFL_CC)
FUZZ_NCC_afl-cmplog = $(FUZZ_CLANG)
FUZZ_CF_afl-cmplog  = $(FUZZ_CF_afl)

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
# bookkeeping whose branches mean nothing new.  The oracle compares the
# whole state after every call: its branches track the state's size, not
# new behaviour (a finding is its signal).  These files keep the
# flavour's sanitizers, without coverage.
FUZZ_NOCOV_SRC ?= harness/machine/vtd_sim.c harness/machine/heap.c \
                  harness/machine/hooks.c harness/machine/fault.c \
                  harness/input/file.c harness/xen/vtd.c \
                  harness/xen/page_alloc.c harness/xen/world.c \
                  harness/model/oracle.c

FUZZ_FLAVOURS := libfuzzer-asan libfuzzer afl afl-cmplog

# The OSS-Fuzz / ClusterFuzzLite build (fuzz/build.sh, with the builder
# image's variables): `make FUZZ_OSS=1 OSS_CC=... OSS_CXX=...
# OSS_CFLAGS=... OSS_CXXFLAGS=... OSS_ENGINE=... $(FUZZ_OSS_DIR)/oss/T`.
# Its flags carry the coverage and sanitizers the image chose; the files
# of FUZZ_NOCOV_SRC get them without the coverage flags (a sanitizer list
# keeps its other members); the targets link with OSS_CXX, since the
# engine may be a C++ library.
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
FUZZ_CC_oss   = $(OSS_CC)
FUZZ_NCC_oss  = $(OSS_CC)
FUZZ_CF_oss   = $(FUZZ_CSTD) $(if $(FUZZ_NOCOV),$(OSS_NOCOV_CFLAGS),$(OSS_CFLAGS))
FUZZ_LINK_oss = $(OSS_CXX) $(OSS_CXXFLAGS) $(OSS_CFLAGS)
FUZZ_LIBS_oss = $(OSS_ENGINE)

# A build tree is DIR (objects and binaries) over SRC: empty for the real
# sources, or a variant's FUZZ_SRC, whose files exist once STAMP is made.
# The core's sources are SRC/hv (or hv/); harness/xen/*.c are SRC's
# copies in a variant tree, every other harness file is the real one.
# $(call fuzz_objs,DIR,FLAVOUR): the core and the harness of a flavour;
# $(call fuzz_hv,SRC): the core's directory; $(call fuzz_hdrs,SRC): what
# every object depends on besides its source (this file too: it holds
# their flags).
fuzz_objs = $(patsubst %,$(1)/$(2)/obj/hv/%.o,$(FUZZ_HV_NAMES)) \
            $(patsubst harness/%.c,$(1)/$(2)/obj/harness/%.o,$(FUZZ_HAR_C))
fuzz_hv = $(if $(1),$(1)/hv,hv)
fuzz_hdrs = mk/fuzz.mk \
            $(addprefix $(call fuzz_hv,$(1))/,$(notdir $(wildcard hv/*.h))) \
            $(wildcard harness/*/*.h harness/include/*/*.h) \
            $(XH_STAMP)

# Xen's include flags; a variant's Xen files come before the real tree's
# (-I SRC/xen ahead of -I$(XH)/xen).  Its copies of harness/xen/*.c find
# their headers beside them: the script copies the whole directory.
fuzz_xen_inc = $(if $(1),$(patsubst -I$(XH)/xen,-I$(1)/xen -I$(XH)/xen,\
	$(XEN_INC)),$(XEN_INC))

# $(call fuzz_compile,FLAVOUR,SRC,NAME): the recipe of one object, NAME its
# source's name in the repository (warnings per file: Xen's own files get
# Xen's, mk/xen-src.mk).
fuzz_warn = $(if $(fuzz_no_werror),$(filter-out -Werror,$(call warn_for,$(1),\
	$(FUZZ_WARN))),$(call warn_for,$(1),$(FUZZ_WARN) -Werror))
fuzz_compile = $(if $(FUZZ_NOCOV),$(FUZZ_NCC_$(1)),$(FUZZ_CC_$(1))) \
	$(FUZZ_CF_$(1)) $(FUZZ_DEFS) $(call fuzz_warn,$(3)) \
	$(if $(FUZZ_NOCOV),,$(FUZZ_COV_$(1))) $(call fuzz_xen_inc,$(2)) \
	-I$(call fuzz_hv,$(2))

# $(call fuzz_flavour,DIR,SRC,STAMP,FLAVOUR)
define fuzz_flavour
$(1)/$(4)/obj/hv/%.o: $(call fuzz_hv,$(2))/%.c $(call fuzz_hdrs,$(2)) $(3)
	@mkdir -p $$(@D)
	$$(call fuzz_compile,$(4),$(2),hv/$$*.c) -c $$< -o $$@

$(1)/$(4)/obj/harness/%.o: harness/%.c $(call fuzz_hdrs,$(2)) $(3)
	@mkdir -p $$(@D)
	$$(call fuzz_compile,$(4),$(2),$$<) -c $$< -o $$@

ifneq ($(2),)
# The variant's stand-ins (the more specific pattern wins).
$(1)/$(4)/obj/harness/xen/%.o: $(2)/harness/xen/%.c $(call fuzz_hdrs,$(2)) $(3)
	@mkdir -p $$(@D)
	$$(call fuzz_compile,$(4),$(2),harness/xen/$$*.c) -c $$< -o $$@
endif

$(1)/$(4)/obj/fuzz/%.o: fuzz/%.c $(call fuzz_hdrs,$(2)) $(3)
	@mkdir -p $$(@D)
	$$(call fuzz_compile,$(4),$(2),$$<) -c $$< -o $$@

$(patsubst harness/%.c,$(1)/$(4)/obj/harness/%.o,$(FUZZ_NOCOV_SRC)): FUZZ_NOCOV := 1

$(1)/$(4)/libgtio.a: $(call fuzz_objs,$(1),$(4))
	rm -f $$@ && ar rcs $$@ $$^

# Every object waits for its tools (order-only: installing them does not
# make objects out of date): clang and its runtimes are in the test set,
# AFL++ in the fuzz set.  The compilers are named by recursive variables,
# so they are looked up after the installation.
$(call fuzz_objs,$(1),$(4)) $(1)/$(4)/obj/fuzz/fuzz_trace_one.o: \
	| $(if $(filter afl%,$(4)),deps-fuzz,deps-test)
endef

# The tools of a tree (harness/tools/), all ASan+UBSan builds without a
# fuzzer, in the tree's directory itself (build/fuzz/triage, ...): what
# the scripts and the crash cases' READMEs name.  triage runs fuzz_trace's
# checks in-process: it links that target's entry point, renamed, which
# is why it is built here and not by the Makefile's toolchains.
# $(call fuzz_tools,DIR,SRC,STAMP)
define fuzz_tools
$(1)/asan/obj/fuzz/fuzz_trace_one.o: fuzz/fuzz_trace.c $(call fuzz_hdrs,$(2)) $(3)
	@mkdir -p $$(@D)
	$$(call fuzz_compile,asan,$(2),$$<) -DLLVMFuzzerTestOneInput=fuzz_trace_one \
		-c $$< -o $$@
$(1)/triage: $(1)/asan/obj/harness/tools/triage.o $(1)/asan/obj/fuzz/fuzz_trace_one.o \
		$(call fuzz_objs,$(1),asan)
	$$(FUZZ_CC_asan) $$(FUZZ_LD_asan) $$^ -o $$@
$(1)/trace2bin: $(1)/asan/obj/harness/tools/trace2bin.o $(call fuzz_objs,$(1),asan)
	$$(FUZZ_CC_asan) $$(FUZZ_LD_asan) $$^ -o $$@
$(1)/replay: $(1)/asan/obj/harness/tools/replay.o $(call fuzz_objs,$(1),asan)
	$$(FUZZ_CC_asan) $$(FUZZ_LD_asan) $$^ -o $$@
$(1)/tests/minimize_test: tests/fuzz/minimize_test.c $(call fuzz_hdrs,$(2)) \
		$(call fuzz_objs,$(1),asan)
	@mkdir -p $$(@D)
	$$(call fuzz_compile,asan,$(2),$$<) $$(filter %.c %.o,$$^) -o $$@
endef

# libFuzzer targets link the engine; AFL++ ones the persistent driver.
# fuzz_empty is the engine alone (no core, no harness): the baseline that
# `make bench-fuzz` divides by.
# (The AFL++ driver reads files with harness/input/file.c, so even the empty
# target of an AFL++ flavour links the flavour's library: the linker takes
# file.o and what it calls, and no more, whatever that becomes.)
fuzz_lib_for = $(if $(filter fuzz_empty,$(3)),\
	$(if $(filter afl%,$(2)),$(1)/$(2)/libgtio.a),\
	$(call fuzz_objs,$(1),$(2)))
# $(call fuzz_target,DIR,FLAVOUR,TARGET)
define fuzz_target
$(1)/$(2)/$(3): $(1)/$(2)/obj/fuzz/$(3).o \
		$(if $(filter afl%,$(2)),$(1)/$(2)/obj/fuzz/afl_driver.o) \
		$(call fuzz_lib_for,$(1),$(2),$(3))
	$$(or $$(FUZZ_LINK_$(2)),$$(FUZZ_CC_$(2))) \
		$$(if $$(filter afl%,$(2)),$$(FUZZ_CF_$(2)),$$(FUZZ_LD_$(2))) \
		$$^ $$(FUZZ_LIBS_$(2)) -o $$@
endef

# The tree fuzzed: the real sources, or the variant's copies.
FUZZ_TREE    := $(if $(VARIANT),$(FUZZ_SRC))
FUZZ_STAMP   := $(if $(VARIANT),$(FUZZ_PATCHED))
$(foreach f,asan $(FUZZ_FLAVOURS) $(if $(FUZZ_OSS),oss),\
	$(eval $(call fuzz_flavour,$(FUZZ_DIR),$(FUZZ_TREE),$(FUZZ_STAMP),$(f))))
$(eval $(call fuzz_tools,$(FUZZ_DIR),$(FUZZ_TREE),$(FUZZ_STAMP)))
$(foreach f,$(FUZZ_FLAVOURS) $(if $(FUZZ_OSS),oss),$(foreach t,$(FUZZ_ALL_TARGETS),\
	$(eval $(call fuzz_target,$(FUZZ_DIR),$(f),$(t)))))

# A variant's findings are checked on the real core too (a bug that is
# there as well is the core's, not the variant's): its tools, from hv/.
ifneq ($(VARIANT),)
FUZZ_BASE_DIR := $(BUILD)/fuzz
$(eval $(call fuzz_flavour,$(FUZZ_BASE_DIR),,,asan))
$(eval $(call fuzz_tools,$(FUZZ_BASE_DIR),,))

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
