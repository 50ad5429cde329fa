/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The fault sweep (DESIGN.md section 8): every fault point the core can
 * reach, in every op of a fixed set of scenarios, must be survivable.
 *
 * Each scenario of tests/scenarios/ that arms no fault of its own and
 * expects no finding is re-run with "fault_nth n=N" in front of it, for
 * N = 1, 2, ... until a run injects nothing, with every check of the
 * executor on, on its own unit and on the 7 others that differ from it
 * in ECAP.QI, CAP.CM and ECAP.C.  Every run must end without a finding
 * (the last one, without a fault, included); a panic after the injected
 * fault is a fail-stop and allowed (exec.h).  The scenarios get
 * an explicit "end" and a destroy of every domain appended, so that
 * faults also hit the end of a hypercall and domain teardown (the
 * executor disarms faults before its own closing destroys).
 *
 * Machine bring-up is not an op, so it is swept here directly: with the
 * N-th fault point failing, gtio_machine_init() must fail, and leave
 * nothing allocated.  That is the only place the core allocates anything
 * but table pages, maptrack and counters (FP_XMALLOC).
 *
 * At the end, every fault point must have been injected at least once.
 *
 * Usage: fault_sweep [FILE...]; without files, the scenarios of
 * $GTIO_SCENARIOS (default tests/scenarios).  -v prints per-run lines.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gtio.h"
#include "exec.h"
#include "file.h"
#include "fault.h"
#include "heap.h"
#include "trace.h"
#include "vtd_sim.h"
#include "../lib/check.h"
#include "../lib/trace_dir.h"

/* Far above any scenario's hit count: a run that never ends is a bug. */
#define SWEEP_MAX_N     20000U

static unsigned long injected[FP_NR];
static unsigned long nr_runs;
static bool verbose;

static bool expects_none(const char *text)
{
    const char *p = strstr(text, "# expect:");
    char word[32];

    return !p || (sscanf(p, "# expect: %31s", word) == 1 &&
                  !strcmp(word, "none"));
}

static bool arms_faults(const struct trace *t)
{
    size_t i;

    for ( i = 0; i < t->nr_ops; i++ )
        if ( t->ops[i].kind == OP_FAULT_NTH || t->ops[i].kind == OP_FAULT_AT )
            return true;
    return false;
}

static void push_op(struct trace *t, const struct op *op)
{
    if ( !trace_push(t, op) )
    {
        printf("FAIL: fault_sweep: trace too long\n");
        exit(1);
    }
}

/* fault_nth n=N, then the scenario, then end and a destroy of everyone. */
static void build_run(struct trace *out, const struct trace *in,
                      unsigned int n)
{
    struct op op;
    size_t i;
    unsigned int d;

    trace_clear(out);
    out->hdr = in->hdr;
    memset(&op, 0, sizeof(op));
    op.kind = OP_FAULT_NTH;
    op.n = n;
    push_op(out, &op);
    for ( i = 0; i < in->nr_ops; i++ )
        push_op(out, &in->ops[i]);
    memset(&op, 0, sizeof(op));
    op.kind = OP_END;
    push_op(out, &op);
    for ( d = 0; d < OP_DOMAINS - 1; d++ )
    {
        memset(&op, 0, sizeof(op));
        op.kind = OP_DESTROY;
        op.d = d;
        push_op(out, &op);
    }
}

/*
 * Each scenario also runs on the other units: with and without queued
 * invalidation (the register and the queue fail differently), caching
 * mode (more flushes) and coherent walks (write-backs).  Combination 0 is
 * the scenario's own.
 */
#define SWEEP_CAPS      8U

static void set_caps(struct run_header *h, unsigned int c)
{
    h->qi ^= c & 1;
    h->cm ^= !!(c & 2);
    h->coherent ^= !!(c & 4);
}

/*
 * The failing run as a trace that replays it.  The trace format carries
 * n up to OP_COUNT_MAX; the scenarios hit far fewer fault points than
 * that, so a larger n means the scenario grew out of what replay takes.
 */
static void print_repro(const struct trace *run, unsigned int n)
{
    if ( n > OP_COUNT_MAX )
        printf("# n=%u is beyond what a trace can arm (%u): split the "
               "scenario\n", n, OP_COUNT_MAX);
    printf("# reproducer (tests/scenarios style):\n");
    trace_print(stdout, run, run->nr_ops);
}

static void sweep_scenario(const char *path)
{
    static struct trace in, run;
    struct exec_result res;
    unsigned long before[FP_NR], runs = 0;
    struct run_header hdr;
    unsigned int c, n, p;
    char err[256], *text;
    size_t len;
    bool ok = true;

    if ( !in.ops )
    {
        trace_init(&in);
        trace_init(&run);
    }
    if ( file_read_all(path, FILE_INPUT_MAX, &text, &len) )
        text = NULL;
    if ( !text || !trace_parse(text, len, path, &in, err, sizeof(err)) )
    {
        printf("FAIL: fault_sweep %s: %s\n", path, text ? err : "cannot read");
        tests_failed++;
        free(text);
        return;
    }
    if ( !expects_none(text) || arms_faults(&in) )
    {
        free(text);
        return;
    }
    free(text);
    hdr = in.hdr;

    memcpy(before, injected, sizeof(before));
    for ( c = 0; c < SWEEP_CAPS && ok; c++ )
    {
        in.hdr = hdr;
        set_caps(&in.hdr, c);
        for ( n = 1; n <= SWEEP_MAX_N; n++ )
        {
            build_run(&run, &in, n);
            exec_run(&run, NULL, &res);
            runs++;
            nr_runs++;
            for ( p = 0; p < FP_NR; p++ )
                injected[p] += fault_injected(p);
            if ( verbose )
                printf("# %s caps %u n=%u: %lu injected, %s%s\n", path, c, n,
                       res.faults, res.finding ? res.f.check : "no finding",
                       res.fail_stop ? " (fail-stop)" : "");
            if ( res.finding )
            {
                printf("FAIL: fault_sweep %s caps %u n=%u: %s at op %zu "
                       "(fault at %s): %s\n", path, c, n, res.f.check,
                       res.f.op, fault_point_name(fault_last_injected()),
                       res.f.detail);
                print_repro(&run, n);
                tests_failed++;
                ok = false;
                break;
            }
            if ( !res.faults )
                break;
        }
        if ( ok && n > SWEEP_MAX_N )
        {
            printf("FAIL: fault_sweep %s caps %u: still injecting at n=%u\n",
                   path, c, n);
            tests_failed++;
            ok = false;
        }
    }
    if ( ok )
    {
        printf("PASS: fault_sweep %s (%lu runs:", path, runs);
        for ( p = 0; p < FP_NR; p++ )
            if ( injected[p] != before[p] )
                printf(" %s=%lu", fault_point_name(p),
                       injected[p] - before[p]);
        printf(")\n");
    }
}

/* ---- machine bring-up ---- */

static void sweep_init(bool qi, bool coherent, bool cm)
{
    struct vtd_sim_caps caps = {
        .cm = cm, .psi = true, .qi = qi, .coherent = coherent, .mamv = 9,
        .completion_delay = 2,
    };
    struct gtio_config cfg = { .nr_frames = 64, .iommu_readonly = true };
    static struct gtio_machine m;
    unsigned int n, p;
    int rc;

    for ( n = 1; n <= SWEEP_MAX_N; n++ )
    {
        harness_hooks_reset();
        heap_reset();
        fault_reset();
        vtd_sim_reset(&caps);
        cfg.vtd_regs = vtd_sim_regs();
        fault_arm_nth(n);
        rc = gtio_machine_init(&m, &cfg);
        nr_runs++;
        for ( p = 0; p < FP_NR; p++ )
            injected[p] += fault_injected(p);
        if ( !fault_injected_total() )
        {
            CHECK_EQ(rc, 0);
            fault_arm_nth(0);
            gtio_machine_teardown(&m);
            CHECK_EQ(heap_live_pages(), 0);
            CHECK_EQ(heap_live_xmallocs(), 0);
            return;
        }
        /* A failure the core did not see would be a unit it trusts. */
        CHECK(rc != 0);
        /* Failed bring-up gives back what it took. */
        CHECK_EQ(heap_live_pages(), 0);
        CHECK_EQ(heap_live_xmallocs(), 0);
        if ( check_failed_at )
        {
            printf("# init qi=%d coherent=%d cm=%d n=%u: rc %d, fault at %s\n",
                   qi, coherent, cm, n, rc,
                   fault_point_name(fault_last_injected()));
            return;
        }
    }
    CHECK(n <= SWEEP_MAX_N);
}

static void machine_init_fails_cleanly_at_every_fault(void)
{
    unsigned int c;

    for ( c = 0; c < 8 && !check_failed_at; c++ )
        sweep_init(c & 1, c & 2, c & 4);
}

/* ---- the scenario list ---- */

static void sweep_dir(const char *dir)
{
    if ( for_each_trace(dir, sweep_scenario) < 0 )
    {
        printf("FAIL: fault_sweep: no scenarios in %s (run from the top of "
               "the tree or set GTIO_SCENARIOS)\n", dir);
        tests_failed++;
    }
}

int main(int argc, char **argv)
{
    const char *dir = getenv("GTIO_SCENARIOS");
    struct timespec t0, t1;
    unsigned int p;
    int i, files = 0;
    bool all = true;

    clock_gettime(CLOCK_MONOTONIC, &t0);
    for ( i = 1; i < argc; i++ )
    {
        if ( !strcmp(argv[i], "-v") )
            verbose = true;
        else
        {
            sweep_scenario(argv[i]);
            files++;
        }
    }
    if ( !files )
        sweep_dir(dir ? dir : "tests/scenarios");
    RUN(machine_init_fails_cleanly_at_every_fault);

    clock_gettime(CLOCK_MONOTONIC, &t1);
    printf("# fault sweep: %lu runs in %.1f s; injected:", nr_runs,
           (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9);
    for ( p = 0; p < FP_NR; p++ )
    {
        printf(" %s=%lu", fault_point_name(p), injected[p]);
        all = all && injected[p];
    }
    printf("\n");
    /* A point never injected is a failure path nobody has seen work. */
    if ( !files )
    {
        if ( all )
            printf("PASS: fault_sweep: every fault point injected\n");
        else
        {
            for ( p = 0; p < FP_NR; p++ )
                if ( !injected[p] )
                    printf("FAIL: fault_sweep: fault point %s never "
                           "injected\n", fault_point_name(p));
            tests_failed++;
        }
    }
    return tests_failed ? 1 : 0;
}
