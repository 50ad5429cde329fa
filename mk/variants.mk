# SPDX-License-Identifier: GPL-2.0-only
#
# The broken variants of tests/variants/ as make targets, for
# tests/variants/run.sh (which replays their traces) and the tests and
# benchmarks that use their programs:
#
#   $(BUILD)/variants/NAME/{replay,soak,explore}
#
# scripts/fuzz-variant.sh makes the variant's tree in $(BUILD)/variants/
# NAME/ (its hv/, harness/xen/ and xen/common/grant_table.c, patched).
# A variant is one more build of mk/build.mk's rules, over that tree:
# its core, its stand-ins and the programs are compiled there, with the
# tree's xen/ and hv/ on the include path; the rest of the harness is
# the gcc build's objects, which a patch does not change (37 variants
# would otherwise compile it 37 times).
#
# Included by the Makefile after its toolchains (it uses their gcc
# flavour and $(BUILD)/gcc's objects).

VARIANT_NAMES := $(basename $(notdir $(wildcard tests/variants/*.patch)))
VARIANT_PROGS := replay soak explore
# The variants' flavour: gcc at -O1 (mk/build.mk keeps a variant tree's
# warnings but not as errors: a variant may be ugly, an unused helper
# where a call was removed).
CC_variant     = $(CC_gcc)
CFLAGS_variant = $(CSTD) -O1 -g
# What a variant tree holds in place of the real files.
VARIANT_SRC   := $(HV_NAMES:%=hv/%.c) $(wildcard harness/xen/*.c)
VARIANT_HDRS  := $(notdir $(wildcard $(HV)/*.h))
# The rest of the harness: the gcc build's objects.
VARIANT_HARNESS_OBJS := $(patsubst %.c,$(BUILD)/gcc/obj/%.o,\
	$(filter-out harness/xen/%,$(HARNESS_SRC)))

# $(call variant_rules,NAME)
define variant_rules
$(BUILD)/variants/$(1)/.patched: tests/variants/$(1).patch \
		scripts/fuzz-variant.sh $(XH_STAMP) $(VARIANT_SRC) \
		$(wildcard hv/*.h harness/xen/*.h)
	@mkdir -p $$(@D)
	@BUILD='$(BUILD)' scripts/fuzz-variant.sh '$(1)' '$$(@D)' \
		>$$(@D)/patch.log 2>&1 || { cat $$(@D)/patch.log; exit 1; }

$(addprefix $(BUILD)/variants/$(1)/,$(VARIANT_SRC) $(VARIANT_HDRS:%=hv/%)): \
	$(BUILD)/variants/$(1)/.patched ;

$(call build_objs,$(BUILD)/variants/$(1),variant,,$(BUILD)/variants/$(1),\
	$(BUILD)/variants/$(1)/.patched)

$(addprefix $(BUILD)/variants/$(1)/,$(VARIANT_PROGS)): \
$(BUILD)/variants/$(1)/%: $(BUILD)/variants/$(1)/obj/harness/tools/%.o \
		$(patsubst %.c,$(BUILD)/variants/$(1)/obj/%.o,$(VARIANT_SRC)) \
		$(VARIANT_HARNESS_OBJS)
	$$(call build_link,variant,$$^,$$@)
endef

$(foreach v,$(VARIANT_NAMES),$(eval $(call variant_rules,$(v))))
