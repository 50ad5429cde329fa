/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The checks after a call cost what the call changed, not the size of
 * the machine or of what the run built before it.  Each test runs the
 * same probe (d2 maps d1's grant and unmaps it: two calls) after two
 * prefixes that differ in one size only, and compares how much the
 * checks compared during the probe (oracle_work's counters).  Counted,
 * not timed: a count is the same on every machine, so it can be asserted
 * (make bench times).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exec.h"
#include "oracle.h"
#include "trace.h"
#include "../lib/check.h"

#define TRACE_MAX   (64 * 1024)

struct work {
    struct oracle_work oracle;
};

/* The probe runs from op first to the op before last. */
struct probe {
    size_t first, last;
    struct work at_first, at_last;
};

static void take(struct work *w)
{
    w->oracle = oracle_work;
}

static void before_op(size_t idx, void *ctx)
{
    struct probe *p = ctx;

    if ( idx == p->first )
        take(&p->at_first);
    if ( idx == p->last )
        take(&p->at_last);
}

/* What the probe's checks compared. */
static struct work probe_work(const struct probe *p)
{
    const struct work *a = &p->at_first, *b = &p->at_last;

    return (struct work){
        .oracle = {
            .frames = b->oracle.frames - a->oracle.frames,
            .counts = b->oracle.counts - a->oracle.counts,
            .entries = b->oracle.entries - a->oracle.entries,
            .handles = b->oracle.handles - a->oracle.handles,
            .dma_frames = b->oracle.dma_frames - a->oracle.dma_frames,
            .table_frames = b->oracle.table_frames - a->oracle.table_frames,
        },
    };
}

static void print_work(const char *what, const struct work *w)
{
    printf("# %-28s frames %lu counts %lu entries %lu handles %lu "
           "dma-frames %lu table-frames %lu\n", what, w->oracle.frames,
           w->oracle.counts, w->oracle.entries, w->oracle.handles,
           w->oracle.dma_frames, w->oracle.table_frames);
}

/* Appends a line to the trace being built. */
static void line(char *buf, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void line(char *buf, const char *fmt, ...)
{
    size_t used = strlen(buf);
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(buf + used, TRACE_MAX - used, fmt, ap);
    va_end(ap);
}

/*
 * A machine of frames frames; d1 owns populated frames from 8 on, d2
 * maps ref 0 of d1 (frame 8) mappings times, spread over refs 0-3 so
 * that no pin count fills; then the probe on ref 4, and one op after it.
 */
static struct work run_probe(unsigned int frames, unsigned int populated,
                             unsigned int mappings)
{
    static char text[TRACE_MAX];
    static struct trace tr;
    struct probe p = { 0 };
    struct exec_opts opts = { .before_op = before_op, .ctx = &p };
    struct exec_result res;
    unsigned int i, ref;
    char err[256];
    size_t n = 0;

    text[0] = '\0';
    line(text, "caps cm=0 psi=1 mamv=9 qi=1 coherent=1 rwbf=0 delay=2\n");
    line(text, "config frames=%u ro=1 psi_max=4\n", frames);
    line(text, "create d=1 iommu=1 gframes=1 mframes=1\n");
    line(text, "create d=2 iommu=1 gframes=1 mframes=4\n");
    line(text, "assign dev=0 d=1\nassign dev=1 d=2\n");
    n += 4;
    for ( i = 0; i < populated; i++, n++ )
        line(text, "populate d=1 mfn=%u\n", 8 + i);
    for ( ref = 0; ref < 5; ref++, n++ )
        line(text, "grant_write d=1 ref=%u flags=permit grantee=2 frame=8\n",
             ref);
    for ( i = 0; i < mappings; i++, n++ )
        line(text, "map ld=2 rd=1 ref=%u flags=host,device\n", i % 4);
    p.first = n;
    line(text, "map ld=2 rd=1 ref=4 flags=host,device\n");
    line(text, "unmap ld=2 handle=%u parts=host,device\n", mappings);
    p.last = n + 2;
    line(text, "populate d=2 mfn=%u\n", frames - 1);

    if ( !tr.ops )
        trace_init(&tr);
    if ( !trace_parse(text, strlen(text), "work_per_call", &tr, err,
                      sizeof(err)) )
    {
        printf("FAIL: trace: %s\n", err);
        exit(1);
    }
    exec_run(&tr, &opts, &res);
    CHECK(!res.finding);
    CHECK(!res.fail_stop);
    CHECK_EQ(res.ops_run, p.last + 1);
    return probe_work(&p);
}

static void same_oracle_work(const struct work *a, const struct work *b)
{
    CHECK(a->oracle.frames > 0);
    CHECK(a->oracle.handles > 0);
    CHECK_EQ(a->oracle.frames, b->oracle.frames);
    CHECK_EQ(a->oracle.counts, b->oracle.counts);
    CHECK_EQ(a->oracle.entries, b->oracle.entries);
    CHECK_EQ(a->oracle.handles, b->oracle.handles);
    CHECK_EQ(a->oracle.dma_frames, b->oracle.dma_frames);
    CHECK_EQ(a->oracle.table_frames, b->oracle.table_frames);
}

/* 64 against 1024 frames, the rest alike: every count the same. */
static void cost_does_not_grow_with_the_machine(void)
{
    struct work small = run_probe(64, 4, 4), large = run_probe(1024, 4, 4);

    print_work("64 frames", &small);
    print_work("1024 frames", &large);
    same_oracle_work(&small, &large);
}

/*
 * 4 against 48 frames the run populated before: the accounting, the
 * dma-fault check and the table-page tally look at the same.
 */
static void checks_do_not_grow_with_the_run(void)
{
    struct work few = run_probe(64, 4, 4), many = run_probe(64, 48, 4);

    print_work("4 frames populated", &few);
    print_work("48 frames populated", &many);
    same_oracle_work(&few, &many);
}

/*
 * 4 against 64 live mappings (one maptrack frame), and against 300 (two):
 * the handles compared are the probe's, not the maptrack's.
 */
static void accounting_does_not_grow_with_the_mappings(void)
{
    struct work four = run_probe(64, 4, 4), many = run_probe(64, 4, 64),
                more = run_probe(64, 4, 300);

    print_work("4 mappings", &four);
    print_work("64 mappings", &many);
    print_work("300 mappings", &more);
    same_oracle_work(&four, &many);
    same_oracle_work(&four, &more);
}

int main(void)
{
    RUN(cost_does_not_grow_with_the_machine);
    RUN(checks_do_not_grow_with_the_run);
    RUN(accounting_does_not_grow_with_the_mappings);
    return tests_failed ? 1 : 0;
}
