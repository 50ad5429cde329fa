/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The main fuzz target: bytes -> op sequence (decode.h) -> the core, the
 * simulated VT-d and the shadow model together, every oracle checked
 * (exec.h).  Every byte string is a valid run, so nothing is rejected.
 *
 * A finding prints its FINDING line and the trace up to it on stderr, then
 * aborts: libFuzzer and AFL++ only keep inputs that crash, and the line is
 * what the crash pipeline (harness/tools/triage.c) and a human read first.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode.h"
#include "exec.h"
#include "trace.h"

/*
 * Inputs and ops run, printed at exit when $GTIO_FUZZ_STATS is set, so
 * that `make bench-fuzz` can report ops/s beside libFuzzer's execs/s.
 * $GTIO_FUZZ_NO_ABORT (benchmarks only) lets a finding pass silently: a
 * throughput measurement must not end at the first bug.
 * $GTIO_FUZZ_LIMIT=pages|tables|domains|pins|maptrack|gnttab|unmap|queue|counts
 * (benchmarks only, `make bench-limits`) ends the run like a finding when
 * an input takes that limit path (of gtio's batch record, or a map
 * grant_table.c refused for a full pin counter or maptrack, or a grant
 * table it would not grow past its maximum, or an unmap hypercall longer
 * than one chunk, or an invalidation queue the driver found full, or a
 * map refused for a full per-frame mapping count, in a narrow build):
 * how long the fuzzers take to get there.
 */
static unsigned long long nr_inputs, nr_ops;
static bool no_abort;
static const char *stop_at_limit;

static void print_stats(void)
{
    fprintf(stderr, "gtio::inputs: %llu\ngtio::ops: %llu\n", nr_inputs, nr_ops);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    if ( getenv("GTIO_FUZZ_STATS") )
        atexit(print_stats);
    no_abort = getenv("GTIO_FUZZ_NO_ABORT");
    stop_at_limit = getenv("GTIO_FUZZ_LIMIT");
    if ( stop_at_limit && !*stop_at_limit )
        stop_at_limit = NULL;
    return 0;
}

/*
 * Feedback towards the limits of gtio's batch record: each distance from
 * a limit is a basic block of its own (a distinct asm body, so that no
 * pass merges them), hence a coverage edge, so that libFuzzer and AFL++
 * keep an input that fills a record one entry further and climb to the
 * limit rather than stumble on it.
 */
#define AT(n)   case n: __asm__ volatile ( "# distance " #n ); break

static void __attribute__((noinline)) pages_left(unsigned int n)
{
    switch ( n )
    {
    AT(0); AT(1); AT(2); AT(3); AT(4); AT(5); AT(6); AT(7); AT(8);
    AT(9); AT(10); AT(11); AT(12); AT(13); AT(14); AT(15);
    default: break;
    }
}

static void __attribute__((noinline)) tables_left(unsigned int n)
{
    switch ( n )
    {
    AT(0); AT(1); AT(2); AT(3); AT(4); AT(5); AT(6); AT(7); AT(8);
    AT(9); AT(10); AT(11); AT(12); AT(13); AT(14); AT(15);
    default: break;
    }
}

static void __attribute__((noinline)) domains_left(unsigned int n)
{
    switch ( n )
    {
    AT(0); AT(1); AT(2); AT(3); AT(4); AT(5); AT(6); AT(7); AT(8);
    default: break;
    }
}

/*
 * Xen's pin counters, a maptrack, the unmap chunk, the invalidation
 * queue and the per-frame mapping counts: one block per distance up to 15, then one per power of two (a
 * counter of Xen's full width is up to 128 maps from its limit, a
 * maptrack up to 1023 handles, a queue up to 255 descriptors).
 */
#define LOG_DISTANCE_FEEDBACK(name)                                       \
static void __attribute__((noinline)) name(unsigned int n)               \
{                                                                         \
    switch ( n < 16 ? n : 12 + (31 - __builtin_clz(n)) )                  \
    {                                                                     \
    AT(0); AT(1); AT(2); AT(3); AT(4); AT(5); AT(6); AT(7); AT(8);        \
    AT(9); AT(10); AT(11); AT(12); AT(13); AT(14); AT(15); AT(16);        \
    AT(17); AT(18); AT(19); AT(20); AT(21);                               \
    default: break;                                                       \
    }                                                                     \
}

LOG_DISTANCE_FEEDBACK(pins_left)
LOG_DISTANCE_FEEDBACK(maptrack_left)
LOG_DISTANCE_FEEDBACK(unmap_left)
LOG_DISTANCE_FEEDBACK(queue_left)
LOG_DISTANCE_FEEDBACK(count_left)

#undef LOG_DISTANCE_FEEDBACK
#undef AT

/* GTIO_FUZZ_LIMIT: did this input take the limit path asked for? */
static bool limit_taken(const struct exec_result *res)
{
    return !strcmp(stop_at_limit, "pages") ? res->pages_full :
           !strcmp(stop_at_limit, "tables") ? res->tables_full :
           !strcmp(stop_at_limit, "domains") ? res->domains_full :
           !strcmp(stop_at_limit, "pins") ? res->pins_full :
           !strcmp(stop_at_limit, "maptrack") ? res->maptrack_full :
           !strcmp(stop_at_limit, "gnttab") ? res->gnttab_full :
           !strcmp(stop_at_limit, "unmap") ? res->unmap_chunked :
           !strcmp(stop_at_limit, "queue") ? res->queue_full :
           !strcmp(stop_at_limit, "counts") && res->count_full;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* Kept across inputs: decoding reuses the op storage. */
    static struct trace t;
    static bool init;
    /* The report costs nothing unless there is a finding. */
    const struct exec_opts opts = { .log = NULL,
                                    .report = no_abort ? NULL : stderr };
    struct exec_result res;

    if ( !init )
    {
        trace_init(&t);
        init = true;
    }
    decode_input(data, size, &t);
    nr_inputs++;
    nr_ops += t.nr_ops;
    if ( !exec_run(&t, &opts, &res) && res.finding && !no_abort )
    {
        fflush(stderr);
        abort();
    }
    pages_left(res.pages_left);
    tables_left(res.tables_left);
    domains_left(res.domains_left);
    pins_left(res.pins_left);
    maptrack_left(res.maptrack_left);
    unmap_left(res.unmap_left);
    queue_left(res.queue_left);
    count_left(res.count_left);
    if ( stop_at_limit && limit_taken(&res) )
    {
        fprintf(stderr, "LIMIT %s reached\n", stop_at_limit);
        fflush(stderr);
        abort();
    }
    return 0;
}
