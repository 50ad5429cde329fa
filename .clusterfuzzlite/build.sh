#!/bin/bash -eu
# SPDX-License-Identifier: GPL-2.0-only
#
# ClusterFuzzLite's (and OSS-Fuzz's) build step: fuzz/build.sh does the
# work, with the variables the base-builder image sets (CC, CXX, CFLAGS,
# CXXFLAGS, LIB_FUZZING_ENGINE, OUT, SRC, WORK).  The Xen source it needs
# is cached under $WORK, so a rebuild in the same workspace does not fetch
# it again.
cd "$SRC/gtio"
BUILD=${BUILD:-$WORK/gtio-build} exec fuzz/build.sh
