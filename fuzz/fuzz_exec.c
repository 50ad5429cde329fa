/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The main fuzz target: bytes -> op sequence (decode.h) -> the core, the
 * simulated VT-d and the shadow model together, every oracle checked
 * (exec.h).  Every byte string is a valid run, so nothing is rejected.
 *
 * A finding prints its FINDING line and the trace up to it on stderr, then
 * aborts: libFuzzer and AFL++ only keep inputs that crash, and the line is
 * what the crash pipeline (fuzz/triage.c) and a human read first.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "decode.h"
#include "exec.h"
#include "trace.h"

/*
 * Inputs and ops run, printed at exit when $GTIO_FUZZ_STATS is set, so
 * that `make bench-fuzz` can report ops/s beside libFuzzer's execs/s.
 * $GTIO_FUZZ_NO_ABORT (benchmarks only) lets a finding pass silently: a
 * throughput measurement must not end at the first bug.
 */
static unsigned long long nr_inputs, nr_ops;
static bool no_abort;

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
    return 0;
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
    return 0;
}
