# SPDX-License-Identifier: GPL-2.0-only
#
# The one compile rule set: every object of every build is made by the
# recipe of build_rule below, included by the top-level Makefile before
# the files that declare builds:
#
#   the Makefile       its toolchains, $(BUILD)/<toolchain>/ (gcc, clang,
#                      asan, narrow; coverage: mk/coverage.mk)
#   mk/fuzz.mk         the fuzz flavours, $(BUILD)/fuzz/<flavour>/, with
#                      FUZZ_NARROW, VARIANT and FUZZ_OSS (fuzz/build.sh)
#   mk/variants.mk     the broken variants' programs, for
#                      tests/variants/run.sh and tests/harness/soak_short.sh
#
# Those files say which builds there are (a directory, a flavour, the
# defines and the source tree) and link their programs with build_link;
# no other file names a compiler's flags for an object.
#
# A flavour F is a set of variables, recursive, so that a compiler is
# looked up when it is used, after the deps-* target that installs it:
#   CC_F          the compiler
#   CFLAGS_F      its flags, of every object and of the link
#   COV_F         coverage instrumentation, for every file but those of
#                 FUZZ_NOCOV_SRC (mk/fuzz.mk says why; read when a build
#                 is declared, so set before)
#   NOCMP_F       what takes comparison tracing out of COV_F, for the
#                 files of FUZZ_NOCMP_SRC (mk/fuzz.mk says why)
#   NCC_F         the compiler of those files, where CC_F instruments
#                 whatever it compiles (afl-clang-fast); default CC_F
#   NOWERROR_F    non-empty: warnings are not errors (a compiler not
#                 ours, OSS-Fuzz's, may warn where ours does not)
#   LDFLAGS_F     the link's flags, where they are not CFLAGS_F (defined,
#                 even empty, counts)
#   LINK_F        the linker, where it is not CC_F
#   LIBS_F        what the link takes after the objects

# The compilers.  clang is the version install-deps.sh chooses (and
# installs), looked up once, when first used: at the first compile, after
# the deps-* target that installs it (:= would look before, on a fresh
# machine; a plain = would run two shells per object).
LLVM_VERSION ?= $(shell scripts/install-deps.sh --print-llvm 2>/dev/null || echo 14)
ifeq ($(origin CLANG),undefined)
CLANG = $(eval CLANG := $(shell command -v clang-$(LLVM_VERSION) || \
	command -v clang))$(CLANG)
endif
GCC      ?= gcc

# HV=dir compiles another core directory in place of hv/ (its objects
# are still obj/hv/*.o).
HV       ?= hv
WARN     := -Wall -Wextra -Werror
# Xen is built with -fno-strict-aliasing; so is everything compiled with it.
CSTD     := -std=gnu11 -fno-strict-aliasing
SAN      := -fsanitize=address,undefined -fno-sanitize-recover=all \
            -fno-omit-frame-pointer
# The maptrack_tree's per-frame mapping counts of Xen's grant_table.c
# narrowed from 31 bits to 3 (a bitfield's width is a compile-time
# constant), so that 8 maps of one frame reach the check Xen makes
# against their wrap-around: the narrow toolchain and FUZZ_NARROW=1.
NARROW_DEFS := -DHARNESS_MAPTRACK_COUNT_BITS=3

# The core and the harness's layers (harness/README.md), the programs of
# harness/tools/ apart: what every build's library holds.
HV_NAMES       := $(basename $(notdir $(wildcard $(HV)/*.c)))
HARNESS_LAYERS := machine xen input model exec
HARNESS_SRC    := $(wildcard $(HARNESS_LAYERS:%=harness/%/*.c))

# A build's source tree is empty for the repository's files, or a broken
# variant's copy (scripts/fuzz-variant.sh): TREE/hv/ in place of the core,
# TREE/harness/xen/*.c in place of the stand-ins, TREE/xen/ (Xen's
# grant_table.c) found ahead of the prepared Xen tree (its copies of
# harness/xen/*.c find their headers beside them).  A variant may be
# ugly (an unused helper where a call was removed): its builds keep their
# warnings, not as errors.
# $(call build_hv,TREE): the core's directory
build_hv = $(if $(1),$(1)/hv,$(HV))
# $(call build_inc,TREE): the include flags
build_inc = $(if $(1),$(patsubst -I$(XH)/xen,-I$(1)/xen -I$(XH)/xen,\
	$(XEN_INC)),$(XEN_INC)) -I$(call build_hv,$(1))
# $(call build_hdrs,TREE): what every object depends on besides its source
# (this file too: it holds the recipe)
build_hdrs = mk/build.mk \
	$(addprefix $(call build_hv,$(1))/,$(notdir $(wildcard $(HV)/*.h))) \
	$(wildcard harness/*/*.h harness/include/*/*.h) $(XH_STAMP)
# $(call build_lib_objs,DIR): the core and harness objects of a build
build_lib_objs = $(patsubst %,$(1)/obj/hv/%.o,$(HV_NAMES)) \
	$(patsubst %.c,$(1)/obj/%.o,$(HARNESS_SRC))

# $(call build_warn,FLAVOUR,TREE,NAME): warnings per file, by its name in
# the repository (Xen's own files get Xen's, mk/xen-src.mk).
build_warn = $(if $(or $(2),$(NOWERROR_$(1))),\
	$(filter-out -Werror,$(call warn_for,$(3),$(WARN))),\
	$(call warn_for,$(3),$(WARN)))
# $(call build_cc,FLAVOUR,DEFS,TREE,NAME): the compile command; NO_COVERAGE
# and NO_CMP are set per object (build_objs).
build_cc = $(if $(NO_COVERAGE),$(or $(NCC_$(1)),$(CC_$(1))),$(CC_$(1))) \
	$(CFLAGS_$(1)) $(2) $(call build_warn,$(1),$(3),$(4)) \
	$(if $(NO_COVERAGE),,$(COV_$(1)) $(if $(NO_CMP),$(NOCMP_$(1)))) \
	$(call build_inc,$(3))
# $(call build_link,FLAVOUR,INPUTS,OUTPUT): the link command
build_link = $(or $(LINK_$(1)),$(CC_$(1))) \
	$(if $(filter undefined,$(origin LDFLAGS_$(1))),$(CFLAGS_$(1)),\
	$(LDFLAGS_$(1))) $(2) $(LIBS_$(1)) -o $(3)

# $(call build_rule,DIR,FLAVOUR,DEFS,TREE,STAMP,PATH,FROM): DIR/obj/PATH%.o
# from FROM%.c, a file named PATH%.c in the repository.
define build_rule
$(1)/obj/$(6)%.o: $(7)%.c $(call build_hdrs,$(4)) $(5)
	@mkdir -p $$(@D)
	$$(call build_cc,$(2),$(3),$(4),$(6)$$*.c) -c $$< -o $$@

endef

# $(call build_objs,DIR,FLAVOUR,DEFS,TREE,STAMP): the objects of a build,
# DIR/obj/<source>.o, of every folder that holds sources; DIR/libgtio.a,
# the core and the harness.  STAMP is what a variant's TREE is made by.
# One rule per folder, not one for every path, so that a variant's hv/
# has no rule to fall back on the repository's files; its harness/xen/
# rule wins over harness/'s as the more specific pattern (the shorter
# stem).  tests/fuzz/make_targets.sh checks that no object of a variant
# comes from the repository's hv/ or harness/xen/.
define build_objs
$(foreach d,harness fuzz tests,\
	$(call build_rule,$(1),$(2),$(3),$(4),$(5),$(d)/,$(d)/))
$(call build_rule,$(1),$(2),$(3),$(4),$(5),hv/,$(call build_hv,$(4))/)
$(if $(4),$(call build_rule,$(1),$(2),$(3),$(4),$(5),harness/xen/,$(4)/harness/xen/))
$(if $(FUZZ_NOCOV_SRC),$(patsubst %.c,$(1)/obj/%.o,$(FUZZ_NOCOV_SRC)): NO_COVERAGE := 1)
$(if $(FUZZ_NOCMP_SRC),$(patsubst %.c,$(1)/obj/%.o,$(FUZZ_NOCMP_SRC)): NO_CMP := 1)

$(1)/libgtio.a: $(call build_lib_objs,$(1))
	rm -f $$@ && ar rcs $$@ $$^
endef
