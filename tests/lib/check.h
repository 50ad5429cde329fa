/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Minimal test harness for tests/...: each test is a function; CHECK()
 * records the first failed condition with its line, and run_test() prints
 * one "PASS: name" or "FAIL: name: file:line: condition" line per test.
 */
#ifndef TESTS_CHECK_H
#define TESTS_CHECK_H

#include <stdio.h>
#include <stdlib.h>

static const char *check_failed_at;
static const char *check_failed_file;
static int check_failed_line;
static unsigned int tests_failed;

#define CHECK(c) do {                                                   \
    if ( !(c) && !check_failed_at )                                     \
    {                                                                   \
        check_failed_at = #c;                                           \
        check_failed_file = __FILE__;                                   \
        check_failed_line = __LINE__;                                   \
    }                                                                   \
} while ( 0 )

#define CHECK_EQ(a, b) do {                                             \
    long long a_ = (long long)(a), b_ = (long long)(b);                 \
    if ( a_ != b_ && !check_failed_at )                                 \
    {                                                                   \
        static char msg_[256];                                          \
        snprintf(msg_, sizeof(msg_), "%s == %s (%lld != %lld)",         \
                 #a, #b, a_, b_);                                       \
        check_failed_at = msg_;                                         \
        check_failed_file = __FILE__;                                   \
        check_failed_line = __LINE__;                                   \
    }                                                                   \
} while ( 0 )

static inline void run_test(const char *name, void (*fn)(void))
{
    check_failed_at = NULL;
    fn();
    if ( check_failed_at )
    {
        printf("FAIL: %s: %s:%d: %s\n", name, check_failed_file, check_failed_line,
               check_failed_at);
        tests_failed++;
    }
    else
        printf("PASS: %s\n", name);
}

#define RUN(fn) run_test(#fn, fn)

#endif
