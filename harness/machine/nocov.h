/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * NO_COVERAGE: for loops that only compare or read states, run at every
 * op: their coverage would say nothing about the code under test, and
 * comparison tracing would make them the fuzzer's main cost.  Each such
 * loop is a fast path in front of the instrumented check, with the same
 * predicate, or a read-only view the checks use.
 */
#ifndef HARNESS_NOCOV_H
#define HARNESS_NOCOV_H

#if defined(__clang__)
/* Not inlined: code inlined into an instrumented caller is instrumented. */
# define NO_COVERAGE __attribute__((no_sanitize("coverage"), __noinline__))
#else
# define NO_COVERAGE
#endif

#endif /* HARNESS_NOCOV_H */
