# SPDX-License-Identifier: GPL-2.0-only
#
# Source-based coverage of the core (issue 5), included by the top-level
# Makefile.  Not part of `make test`: it is a report, not a verdict.
#
#   make coverage        install what is missing, build the core, harness,
#                        test programs and replay with clang's source-based
#                        coverage, run the unit/sim/harness test programs,
#                        replay corpora/fuzz_exec/*.bin and every
#                        tests/scenarios/**/*.trace, merge the profiles and
#                        print two lines: line and branch coverage of hv/,
#                        and of Xen's own grant_table.c as compiled here
#       HTML report      $(BUILD)/coverage/html/index.html (hv/, harness/
#                        and grant_table.c)
#       unreached lines  $(BUILD)/coverage/unreached.txt (hv/ only; each one
#                        is explained in tests/coverage/unreached.md)
#       COV_JOBS=nproc   parallel compile jobs
#   make coverage-clean  (also run by `make clean`)
#
# About 30 s from scratch on two cores.  llvm-profdata, llvm-cov (llvm-N)
# and the profile runtime (libclang-rt-N-dev) are in install-deps.sh's
# test set already, so this needs no package group of its own.  Programs
# that fail still count: their verdicts are `make test`'s business.
#
# The build is one more toolchain of the top-level Makefile, "coverage",
# in $(BUILD)/coverage/: the same rules as gcc/clang/asan, so the programs
# measured are the ones `make test` runs.  It is built by a recursive make
# that names it as the only toolchain, so `make all` never builds it.
# Source-based coverage places its counters in the front end, so the
# optimiser cannot blur which lines ran; -O1 only keeps the runs short.

CC_coverage     = $(CLANG)
CFLAGS_coverage = $(CSTD) -O1 -g -fprofile-instr-generate -fcoverage-mapping
COV_DIR        := $(BUILD)/coverage
COV_JOBS       ?= $(shell nproc 2>/dev/null || echo 2)

.PHONY: coverage coverage-build coverage-clean
coverage-build: deps-test
	@$(MAKE) --no-print-directory -j$(COV_JOBS) TOOLCHAINS=coverage build-coverage

# The script finds llvm-profdata/llvm-cov of the clang that compiled
# (profiles must be read by the same LLVM version that wrote them).
coverage: coverage-build
	@COV_DIR='$(COV_DIR)' CLANG='$(CLANG)' \
		COV_TESTS='$(addprefix $(COV_DIR)/,$(TEST_BINS))' \
		COV_REPLAY='$(COV_DIR)/replay' scripts/coverage.sh

coverage-clean:
	rm -rf '$(COV_DIR)'
clean: coverage-clean
