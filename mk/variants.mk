# SPDX-License-Identifier: GPL-2.0-only
#
# The broken variants of tests/variants/ as make targets, for
# tests/variants/run.sh (which replays their traces) and the tests and
# benchmarks that use their programs:
#
#   $(BUILD)/variants/NAME/{replay,soak,explore}
#
# scripts/fuzz-variant.sh makes the variant's tree in $(BUILD)/variants/
# NAME/ (its hv/, harness/xen/ and xen/common/grant_table.c, patched);
# those files are compiled from there, with -I of its xen/ in front so
# that the wrapper harness/xen/grant_table.c includes the variant's
# grant_table.c, and -I of its hv/ instead of hv/.  The rest of the
# harness is the gcc build's objects.  Flags are the gcc build's, at -O1
# and without -Werror (a variant may be ugly: an unused helper where a
# call was removed); Xen's own files get -Wall only, as in the real build.
#
# Included by the Makefile after its toolchains (it uses CC_gcc, CSTD,
# XEN_INC, XEN_OWN_SRC, HARNESS_SRC and $(BUILD)/gcc's objects).

VARIANT_NAMES := $(basename $(notdir $(wildcard tests/variants/*.patch)))
VARIANT_PROGS := replay soak explore
# What a variant tree holds in place of the real files.
VARIANT_SRC   := $(HV_SRC) $(wildcard harness/xen/*.c)
# The rest of the harness: the gcc build's objects.
VARIANT_HARNESS_OBJS := $(patsubst %.c,$(BUILD)/gcc/obj/%.o,\
	$(filter-out harness/xen/%,$(HARNESS_SRC)))

variant_warn = $(if $(filter $(XEN_OWN_SRC),$(1)),-Wall,-Wall -Wextra)

# $(call variant_rules,NAME)
define variant_rules
$(BUILD)/variants/$(1)/.patched: tests/variants/$(1).patch \
		scripts/fuzz-variant.sh $(XH_STAMP) $(VARIANT_SRC) \
		$(wildcard hv/*.h harness/xen/*.h)
	@mkdir -p $$(@D)
	@BUILD='$(BUILD)' scripts/fuzz-variant.sh '$(1)' '$$(@D)' \
		>$$(@D)/patch.log 2>&1 || { cat $$(@D)/patch.log; exit 1; }

$(addprefix $(BUILD)/variants/$(1)/,$(VARIANT_SRC)): \
	$(BUILD)/variants/$(1)/.patched ;

$(BUILD)/variants/$(1)/obj/%.o: $(BUILD)/variants/$(1)/%.c \
		$(BUILD)/variants/$(1)/.patched
	@mkdir -p $$(@D)
	$(CC_gcc) $(CSTD) -O1 -g $$(call variant_warn,$$*.c) \
		-I$(BUILD)/variants/$(1)/xen $(XEN_INC) \
		-I$(BUILD)/variants/$(1)/hv -c $$< -o $$@

$(BUILD)/variants/$(1)/obj/harness/tools/%.o: harness/tools/%.c \
		$(BUILD)/variants/$(1)/.patched
	@mkdir -p $$(@D)
	$(CC_gcc) $(CSTD) -O1 -g -Wall -Wextra \
		-I$(BUILD)/variants/$(1)/xen $(XEN_INC) \
		-I$(BUILD)/variants/$(1)/hv -c $$< -o $$@

$(addprefix $(BUILD)/variants/$(1)/,$(VARIANT_PROGS)): \
$(BUILD)/variants/$(1)/%: $(BUILD)/variants/$(1)/obj/harness/tools/%.o \
		$(patsubst %.c,$(BUILD)/variants/$(1)/obj/%.o,$(VARIANT_SRC)) \
		$(VARIANT_HARNESS_OBJS)
	$(CC_gcc) $(CSTD) -O1 -g $$^ -o $$@

.SECONDARY: $(patsubst %,$(BUILD)/variants/$(1)/obj/harness/tools/%.o,\
	$(VARIANT_PROGS)) \
	$(patsubst %.c,$(BUILD)/variants/$(1)/obj/%.o,$(VARIANT_SRC))
endef

$(foreach v,$(VARIANT_NAMES),$(eval $(call variant_rules,$(v))))
