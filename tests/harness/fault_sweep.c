/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The fault sweep (docs/design.md, "Fault injection"): every fault point Xen and the
 * core can reach, in every op of a fixed set of scenarios, must be
 * survivable.
 *
 * Each scenario below (and each file given on the command line that arms
 * no fault of its own and expects no finding) is re-run with
 * "fault_nth n=N" in front of it, for N = 1, 2, ... until a run injects
 * nothing, with every check of the executor on, on its own unit and on
 * the 7 others that differ from it in ECAP.QI, CAP.CM and ECAP.C.  Every
 * run must end without a finding (the last one, without a fault,
 * included); a panic after the injected fault is a fail-stop and allowed
 * (exec.h).  The scenarios get an explicit "end" and a destroy of every
 * domain they create appended, so that faults also hit the end of a
 * hypercall and domain teardown (the executor disarms faults before its
 * own closing destroys).
 *
 * Xen's boot (the VT-d driver bringing the unit up) is not an op, so it
 * is swept here directly: with the N-th fault point failing, world_boot()
 * must fail, never BUG or panic, and succeed once nothing is injected.
 *
 * At the end, every fault point must have been injected at least once.
 *
 * Usage: fault_sweep [-v] [FILE...]; without files, the scenarios below,
 * and those of the directory $GTIO_SCENARIOS if it is set.  -v prints a
 * line per run.
 */
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <xen/lib.h>

#include "exec.h"
#include "fault.h"
#include "file.h"
#include "heap.h"
#include "machine.h"
#include "trace.h"
#include "vtd_sim.h"
#include "xen/world.h"
#include "../lib/check.h"
#include "../lib/trace_dir.h"

/* Far above any scenario's hit count: a run that never ends is a bug. */
#define SWEEP_MAX_N     20000U

/*
 * Small scenarios that between them reach every fault point: grant maps
 * and unmaps one by one and in hypercalls of several ops, new IOMMU table
 * pages (a frame past the first leaf table), maptrack frames and
 * maptrack_tree nodes, grant table growth, domain creation and teardown
 * with foreign mappings, device moves, the hardware domain (whose failed
 * flushes are returned, not crashed), page type changes, promotion of a
 * read-only grant mapping to read-write, and hypercalls of more ops than
 * one unmap batch (32) with more pages than page-selective invalidation
 * is used for.
 */
static const struct scenario {
    const char *name;
    const char *text;
} scenarios[] = {
    { "grant_lifecycle",
      "caps cm=0 psi=1 mamv=9 qi=1 coherent=1 rwbf=0 delay=2\n"
      "config frames=1024 ro=1 psi_max=4\n"
      "create d=1 iommu=1 gframes=2 mframes=1\n"
      "create d=2 iommu=1 gframes=1 mframes=2\n"
      "assign dev=0 d=2\n"
      "assign dev=1 d=1\n"
      "populate d=1 mfn=5\n"
      "populate d=1 mfn=6\n"
      "populate d=1 mfn=700\n"
      "populate d=2 mfn=9\n"
      "grant_write d=1 ref=0 flags=permit grantee=2 frame=5\n"
      "grant_write d=1 ref=1 flags=permit,ro grantee=2 frame=6\n"
      "map ld=2 rd=1 ref=0 flags=host,device\n"
      "map ld=2 rd=1 ref=1 flags=device,ro\n"
      "begin\n"
      "map ld=2 rd=1 ref=0 flags=device\n"
      "map ld=2 rd=1 ref=1 flags=host,ro\n"
      "end\n"
      "unmap ld=2 handle=0 parts=host\n"
      "unmap ld=2 handle=0 parts=device\n"
      "begin\n"
      "unmap ld=2 handle=1 parts=device\n"
      "unmap ld=2 handle=2 parts=device\n"
      "unmap ld=2 handle=3 parts=host\n"
      "end\n"
      "setup_table d=1 dom=self frames=2\n"
      "grant_write d=1 ref=512 flags=permit grantee=2 frame=700\n"
      "map ld=2 rd=1 ref=512 flags=device\n"
      "get_type d=1 mfn=6 type=l1\n"
      "put_type d=1 mfn=6\n"
      "remove d=1 mfn=5\n" },
    { "hardware_domain",
      "caps cm=0 psi=1 mamv=9 qi=1 coherent=1 rwbf=0 delay=2\n"
      "config frames=64 ro=1 psi_max=4\n"
      "create d=0 iommu=1 gframes=1 mframes=1\n"
      "create d=1 iommu=1 gframes=1 mframes=1\n"
      "assign dev=0 d=0\n"
      "assign dev=1 d=1\n"
      "populate d=0 mfn=3\n"
      "populate d=1 mfn=4\n"
      "grant_write d=1 ref=0 flags=permit grantee=0 frame=4\n"
      "grant_write d=0 ref=0 flags=permit,ro grantee=1 frame=3\n"
      "map ld=0 rd=1 ref=0 flags=host,device\n"
      "map ld=1 rd=0 ref=0 flags=device,ro\n"
      "get_type d=0 mfn=3 type=seg_desc\n"
      "put_type d=0 mfn=3\n"
      "begin\n"
      "unmap ld=0 handle=0 parts=host,device\n"
      "end\n"
      "unmap ld=1 handle=0 parts=device\n"
      "remove d=1 mfn=4\n"
      "remove d=0 mfn=3\n"
      "destroy d=1\n" },
    { "device_moves",
      "caps cm=1 psi=1 mamv=9 qi=1 coherent=1 rwbf=0 delay=2\n"
      "config frames=64 ro=1 psi_max=4\n"
      "create d=1 iommu=1 gframes=1 mframes=1\n"
      "create d=2 iommu=1 gframes=1 mframes=1\n"
      "populate d=1 mfn=5\n"
      "populate d=2 mfn=6\n"
      "grant_write d=1 ref=0 flags=permit grantee=2 frame=5\n"
      "map ld=2 rd=1 ref=0 flags=device\n"
      "assign dev=0 d=1\n"
      "deassign dev=0\n"
      "assign dev=0 d=2\n"
      "assign dev=1 d=2\n"
      "deassign dev=1\n"
      "assign dev=1 d=1\n"
      "destroy d=2\n"
      "assign dev=0 d=1\n" },
    { "dead_granter",
      "caps cm=0 psi=0 mamv=0 qi=0 coherent=0 rwbf=1 delay=3\n"
      "config frames=64 ro=0 psi_max=2\n"
      "create d=1 iommu=1 gframes=1 mframes=1\n"
      "create d=2 iommu=1 gframes=1 mframes=1\n"
      "assign dev=2 d=2\n"
      "populate d=1 mfn=10\n"
      "populate d=1 mfn=11\n"
      "grant_write d=1 ref=3 flags=permit grantee=2 frame=10\n"
      "grant_write d=1 ref=4 flags=permit,ro grantee=2 frame=11\n"
      "map ld=2 rd=1 ref=3 flags=host,device\n"
      "map ld=2 rd=1 ref=4 flags=device,ro\n"
      "destroy d=1\n"
      "unmap ld=2 handle=1 parts=device\n"
      "unmap ld=2 handle=0 parts=host,device\n"
      "create d=1 iommu=1 gframes=1 mframes=0\n"
      "populate d=1 mfn=10\n" },
    { "types_and_promotion",
      "caps cm=1 psi=1 mamv=2 qi=1 coherent=0 rwbf=0 delay=2\n"
      "config frames=64 ro=1 psi_max=1\n"
      "create d=1 iommu=1 gframes=1 mframes=0\n"
      "create d=2 iommu=1 gframes=1 mframes=1\n"
      "assign dev=3 d=2\n"
      "populate d=1 mfn=20\n"
      "populate d=1 mfn=21\n"
      "grant_write d=1 ref=0 flags=permit grantee=2 frame=20\n"
      "map ld=2 rd=1 ref=0 flags=device,ro\n"
      "map ld=2 rd=1 ref=0 flags=device\n"
      "unmap ld=2 handle=1 parts=device\n"
      "get_type d=1 mfn=21 type=l2\n"
      "put_type d=1 mfn=21\n"
      "get_type d=1 mfn=21 type=writable\n"
      "put_type d=1 mfn=21\n"
      "unmap ld=2 handle=0 parts=device\n"
      "get_type d=1 mfn=20 type=l4\n"
      "put_type d=1 mfn=20\n" },
    { "long_hypercalls",
      "caps cm=0 psi=1 mamv=9 qi=1 coherent=1 rwbf=0 delay=2\n"
      "config frames=64 ro=1 psi_max=2\n"
      "create d=1 iommu=1 gframes=1 mframes=0\n"
      "create d=2 iommu=1 gframes=1 mframes=1\n"
      "assign dev=0 d=2\n"
      "populate d=1 mfn=30\n"
      "populate d=1 mfn=31\n"
      "populate d=1 mfn=32\n"
      "grant_write d=1 ref=0 flags=permit grantee=2 frame=30\n"
      "grant_write d=1 ref=1 flags=permit grantee=2 frame=31\n"
      "grant_write d=1 ref=2 flags=permit grantee=2 frame=32\n"
      "begin\n"
      "map ld=2 rd=1 ref=0 flags=device\n"
      "map ld=2 rd=1 ref=1 flags=host,device,ro\n"
      "map ld=2 rd=1 ref=2 flags=device\n"
      "map ld=2 rd=1 ref=0 flags=host,device,ro\n"
      "map ld=2 rd=1 ref=1 flags=device\n"
      "map ld=2 rd=1 ref=2 flags=host,device,ro\n"
      "map ld=2 rd=1 ref=0 flags=device\n"
      "map ld=2 rd=1 ref=1 flags=host,device,ro\n"
      "map ld=2 rd=1 ref=2 flags=device\n"
      "map ld=2 rd=1 ref=0 flags=host,device,ro\n"
      "map ld=2 rd=1 ref=1 flags=device\n"
      "map ld=2 rd=1 ref=2 flags=host,device,ro\n"
      "map ld=2 rd=1 ref=0 flags=device\n"
      "map ld=2 rd=1 ref=1 flags=host,device,ro\n"
      "map ld=2 rd=1 ref=2 flags=device\n"
      "map ld=2 rd=1 ref=0 flags=host,device,ro\n"
      "map ld=2 rd=1 ref=1 flags=device\n"
      "map ld=2 rd=1 ref=2 flags=host,device,ro\n"
      "map ld=2 rd=1 ref=0 flags=device\n"
      "map ld=2 rd=1 ref=1 flags=host,device,ro\n"
      "map ld=2 rd=1 ref=2 flags=device\n"
      "map ld=2 rd=1 ref=0 flags=host,device,ro\n"
      "map ld=2 rd=1 ref=1 flags=device\n"
      "map ld=2 rd=1 ref=2 flags=host,device,ro\n"
      "map ld=2 rd=1 ref=0 flags=device\n"
      "map ld=2 rd=1 ref=1 flags=host,device,ro\n"
      "map ld=2 rd=1 ref=2 flags=device\n"
      "map ld=2 rd=1 ref=0 flags=host,device,ro\n"
      "map ld=2 rd=1 ref=1 flags=device\n"
      "map ld=2 rd=1 ref=2 flags=host,device,ro\n"
      "map ld=2 rd=1 ref=0 flags=device\n"
      "map ld=2 rd=1 ref=1 flags=host,device,ro\n"
      "map ld=2 rd=1 ref=2 flags=device\n"
      "map ld=2 rd=1 ref=0 flags=host,device,ro\n"
      "end\n"
      "begin\n"
      "unmap ld=2 handle=0 parts=device\n"
      "unmap ld=2 handle=1 parts=host,device\n"
      "unmap ld=2 handle=2 parts=device\n"
      "unmap ld=2 handle=3 parts=host,device\n"
      "unmap ld=2 handle=4 parts=device\n"
      "unmap ld=2 handle=5 parts=host,device\n"
      "unmap ld=2 handle=6 parts=device\n"
      "unmap ld=2 handle=7 parts=host,device\n"
      "unmap ld=2 handle=8 parts=device\n"
      "unmap ld=2 handle=9 parts=host,device\n"
      "unmap ld=2 handle=10 parts=device\n"
      "unmap ld=2 handle=11 parts=host,device\n"
      "unmap ld=2 handle=12 parts=device\n"
      "unmap ld=2 handle=13 parts=host,device\n"
      "unmap ld=2 handle=14 parts=device\n"
      "unmap ld=2 handle=15 parts=host,device\n"
      "unmap ld=2 handle=16 parts=device\n"
      "unmap ld=2 handle=17 parts=host,device\n"
      "unmap ld=2 handle=18 parts=device\n"
      "unmap ld=2 handle=19 parts=host,device\n"
      "unmap ld=2 handle=20 parts=device\n"
      "unmap ld=2 handle=21 parts=host,device\n"
      "unmap ld=2 handle=22 parts=device\n"
      "unmap ld=2 handle=23 parts=host,device\n"
      "unmap ld=2 handle=24 parts=device\n"
      "unmap ld=2 handle=25 parts=host,device\n"
      "unmap ld=2 handle=26 parts=device\n"
      "unmap ld=2 handle=27 parts=host,device\n"
      "unmap ld=2 handle=28 parts=device\n"
      "unmap ld=2 handle=29 parts=host,device\n"
      "unmap ld=2 handle=30 parts=device\n"
      "unmap ld=2 handle=31 parts=host,device\n"
      "unmap ld=2 handle=32 parts=device\n"
      "unmap ld=2 handle=33 parts=host,device\n"
      "end\n"
      "remove d=1 mfn=31\n" },
};

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

/*
 * fault_nth n=N, then the scenario, then end and a destroy of each domain
 * it creates (once, in the order of their first creation).
 */
static void build_run(struct trace *out, const struct trace *in,
                      unsigned int n)
{
    uint16_t created[OP_DOMAINS];
    unsigned int nr_created = 0, c;
    struct op op;
    size_t i;

    trace_clear(out);
    out->hdr = in->hdr;
    memset(&op, 0, sizeof(op));
    op.kind = OP_FAULT_NTH;
    op.n = n;
    push_op(out, &op);
    for ( i = 0; i < in->nr_ops; i++ )
    {
        push_op(out, &in->ops[i]);
        if ( in->ops[i].kind != OP_CREATE )
            continue;
        for ( c = 0; c < nr_created && created[c] != in->ops[i].d; c++ )
            continue;
        if ( c == nr_created && nr_created < ARRAY_SIZE(created) )
            created[nr_created++] = in->ops[i].d;
    }
    memset(&op, 0, sizeof(op));
    op.kind = OP_END;
    push_op(out, &op);
    for ( c = 0; c < nr_created; c++ )
    {
        memset(&op, 0, sizeof(op));
        op.kind = OP_DESTROY;
        op.d = created[c];
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
    printf("# reproducer (replay it):\n");
    trace_print(stdout, run, run->nr_ops);
}

/* Sweep one scenario; false if it failed. */
static bool sweep(const char *name, const struct trace *scenario)
{
    static struct trace in, run;
    struct exec_result res;
    unsigned long before[FP_NR], runs = 0;
    unsigned int c, n, p;

    if ( !in.ops )
    {
        trace_init(&in);
        trace_init(&run);
    }
    memcpy(before, injected, sizeof(before));
    for ( c = 0; c < SWEEP_CAPS; c++ )
    {
        trace_clear(&in);
        in.hdr = scenario->hdr;
        set_caps(&in.hdr, c);
        for ( n = 0; n < scenario->nr_ops; n++ )
            push_op(&in, &scenario->ops[n]);
        for ( n = 1; n <= SWEEP_MAX_N; n++ )
        {
            build_run(&run, &in, n);
            exec_run(&run, NULL, &res);
            runs++;
            nr_runs++;
            for ( p = 0; p < FP_NR; p++ )
                injected[p] += fault_injected(p);
            if ( verbose )
                printf("# %s caps %u n=%u: %lu injected, %s%s\n", name, c, n,
                       res.faults, res.finding ? res.f.check : "no finding",
                       res.fail_stop ? " (fail-stop)" : "");
            if ( res.finding )
            {
                printf("FAIL: fault_sweep %s caps %u n=%u: %s at op %zu "
                       "(fault at %s): %s\n", name, c, n, res.f.check,
                       res.f.op, fault_point_name(fault_last_injected()),
                       res.f.detail);
                print_repro(&run, n);
                tests_failed++;
                return false;
            }
            if ( !res.faults )
                break;
        }
        if ( n > SWEEP_MAX_N )
        {
            printf("FAIL: fault_sweep %s caps %u: still injecting at n=%u\n",
                   name, c, n);
            tests_failed++;
            return false;
        }
    }
    printf("PASS: fault_sweep %s (%lu runs:", name, runs);
    for ( p = 0; p < FP_NR; p++ )
        if ( injected[p] != before[p] )
            printf(" %s=%lu", fault_point_name(p), injected[p] - before[p]);
    printf(")\n");
    return true;
}

static void sweep_builtin(const struct scenario *s)
{
    static struct trace t;
    char err[256];

    if ( !t.ops )
        trace_init(&t);
    if ( !trace_parse(s->text, strlen(s->text), s->name, &t, err,
                      sizeof(err)) )
    {
        printf("FAIL: fault_sweep %s: %s\n", s->name, err);
        tests_failed++;
        return;
    }
    sweep(s->name, &t);
}

static void sweep_file(const char *path)
{
    static struct trace t;
    char err[256], *text;
    size_t len;

    if ( !t.ops )
        trace_init(&t);
    if ( file_read_all(path, FILE_INPUT_MAX, &text, &len) )
        text = NULL;
    if ( !text || !trace_parse(text, len, path, &t, err, sizeof(err)) )
    {
        printf("FAIL: fault_sweep %s: %s\n", path, text ? err : "cannot read");
        tests_failed++;
        free(text);
        return;
    }
    if ( !expects_none(text) || arms_faults(&t) )
        printf("# %s: skipped (arms faults or expects a finding)\n", path);
    else
        sweep(path, &t);
    free(text);
}

/* The scenarios, as they are, give no finding without faults either. */
static void scenarios_are_clean(void)
{
    static struct trace t;
    struct exec_result res;
    char err[256];
    unsigned int i;

    if ( !t.ops )
        trace_init(&t);
    for ( i = 0; i < ARRAY_SIZE(scenarios); i++ )
    {
        CHECK(trace_parse(scenarios[i].text, strlen(scenarios[i].text),
                          scenarios[i].name, &t, err, sizeof(err)));
        CHECK(!arms_faults(&t));
        exec_run(&t, NULL, &res);
        if ( res.finding )
            printf("# %s: %s at op %zu: %s\n", scenarios[i].name,
                   res.f.check, res.f.op, res.f.detail);
        CHECK(!res.finding);
        CHECK_EQ(res.faults, 0);
        CHECK_EQ(res.ops_run, t.nr_ops);
    }
}

/* The runs are built as documented: armed first, then end and destroys. */
static void runs_are_built_around_the_scenario(void)
{
    static const char text[] =
        "create d=3 iommu=1 gframes=1 mframes=1\n"
        "create d=0 iommu=1 gframes=1 mframes=1\n"
        "destroy d=3\n"
        "create d=3 iommu=0 gframes=1 mframes=1\n"
        "begin\n";
    static const char expect[] =
        "fault_nth n=7\n"
        "create d=3 iommu=1 gframes=1 mframes=1\n"
        "create d=0 iommu=1 gframes=1 mframes=1\n"
        "destroy d=3\n"
        "create d=3 iommu=0 gframes=1 mframes=1\n"
        "begin\n"
        "end\n"
        "destroy d=3\n"
        "destroy d=0\n";
    static struct trace in, run;
    char err[128], line[256], built[1024] = "";
    size_t i, pos = 0;

    trace_init(&in);
    trace_init(&run);
    CHECK(trace_parse(text, strlen(text), "t", &in, err, sizeof(err)));
    in.hdr.cm = true;
    build_run(&run, &in, 7);
    CHECK(run.hdr.cm);
    for ( i = 0; i < run.nr_ops; i++ )
    {
        trace_format_op(line, sizeof(line), &run.ops[i]);
        pos += snprintf(built + pos, sizeof(built) - pos, "%s\n", line);
    }
    if ( strcmp(built, expect) )
        printf("# built:\n%s", built);
    CHECK(!strcmp(built, expect));
    trace_free(&in);
    trace_free(&run);
}

/* ---- Xen's boot ---- */

/* world_boot(), unwinding on BUG or panic (*fatal then). */
static int boot_once(const struct world_config *cfg, bool *fatal)
{
    static jmp_buf unwind;
    volatile int rc = 0;

    *fatal = false;
    harness_set_unwind(&unwind);
    if ( !setjmp(unwind) )
        rc = world_boot(cfg);
    else
        *fatal = true;
    harness_set_unwind(NULL);
    return rc;
}

static void sweep_boot(bool qi, bool coherent, bool cm)
{
    struct world_config cfg = {
        .caps = {
            .cm = cm, .psi = true, .qi = qi, .coherent = coherent,
            .mamv = 9, .completion_delay = 2,
        },
        .nr_frames = 64, .iommu_readonly = true, .psi_max = 4,
    };
    unsigned int n, p;
    bool fatal;
    int rc;

    for ( n = 1; n <= SWEEP_MAX_N; n++ )
    {
        machine_reset();
        fault_arm_nth(n);
        rc = boot_once(&cfg, &fatal);
        if ( fatal )
            printf("# boot qi=%d coherent=%d cm=%d n=%u: %s\n", qi, coherent,
                   cm, n, harness_last_fatal()->what);
        CHECK(!fatal);
        world_power_off();
        nr_runs++;
        for ( p = 0; p < FP_NR; p++ )
            injected[p] += fault_injected(p);
        if ( !fault_injected_total() )
        {
            CHECK_EQ(rc, 0);
            CHECK(n > 1);
            return;
        }
        /* A failure the driver did not see would be a unit it trusts. */
        if ( !rc )
            printf("# boot qi=%d coherent=%d cm=%d n=%u: %s injected, boot "
                   "succeeded\n", qi, coherent, cm, n,
                   fault_point_name(fault_last_injected()));
        CHECK(rc != 0);
        if ( check_failed_at )
            return;
    }
    CHECK(n <= SWEEP_MAX_N);
}

static void boot_fails_cleanly_at_every_fault(void)
{
    unsigned int c;

    for ( c = 0; c < 8 && !check_failed_at; c++ )
        sweep_boot(c & 1, c & 2, c & 4);
}

int main(int argc, char **argv)
{
    const char *dir = getenv("GTIO_SCENARIOS");
    struct timespec t0, t1;
    unsigned int p, i;
    int a, files = 0;
    bool all = true;

    clock_gettime(CLOCK_MONOTONIC, &t0);
    for ( a = 1; a < argc; a++ )
    {
        if ( !strcmp(argv[a], "-v") )
            verbose = true;
        else
        {
            sweep_file(argv[a]);
            files++;
        }
    }
    if ( !files )
    {
        RUN(runs_are_built_around_the_scenario);
        RUN(scenarios_are_clean);
        for ( i = 0; i < ARRAY_SIZE(scenarios); i++ )
            sweep_builtin(&scenarios[i]);
        if ( dir && for_each_trace(dir, sweep_file) < 0 )
        {
            printf("FAIL: fault_sweep: cannot read %s\n", dir);
            tests_failed++;
        }
        RUN(boot_fails_cleanly_at_every_fault);
    }

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
