/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Each check of DESIGN.md section 7 fires, and fires alone: a short run
 * that is clean on the core is broken at one op (the core's state changed
 * behind its back, as a defect would) and must give exactly the expected
 * finding at that op.  The clean run itself must give none.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <harness/hooks.h>
#include <xen/errno.h>
#include <public/grant_table.h>

#include "gtio_internal.h"
#include "exec.h"
#include "trace.h"
#include "vtd_hw.h"
#include "vtd_sim.h"
#include "../lib/check.h"

/*
 * d1 owns frames 5 and 6 and grants 5 to d2; d2 maps it writable for its
 * device, unmaps it; d1 pins 6 as an L1 page table, removes 5.
 */
static const char base[] =
    "caps cm=0 psi=1 mamv=9 qi=1 coherent=1 rwbf=0 delay=2\n"
    "config frames=32 ro=1 psi_max=4\n"
    "create d=1 iommu=1\n"                                  /* 0 */
    "create d=2 iommu=1\n"                                  /* 1 */
    "assign dev=0 d=1\n"                                    /* 2 */
    "assign dev=1 d=2\n"                                    /* 3 */
    "populate d=1 mfn=5\n"                                  /* 4 */
    "populate d=1 mfn=6\n"                                  /* 5 */
    "populate d=2 mfn=20\n"                                 /* 6 */
    "grant_write d=1 ref=0 flags=permit grantee=2 frame=5\n" /* 7 */
    "map ld=2 rd=1 ref=0 flags=device\n"                    /* 8 */
    "unmap ld=2 handle=0 parts=device\n"                    /* 9 */
    "get_type d=1 mfn=6 type=l1\n"                          /* 10 */
    "put_type d=1 mfn=6\n"                                  /* 11 */
    "remove d=1 mfn=5\n"                                    /* 12 */
    "populate d=1 mfn=7\n";                                 /* 13 */

enum {
    OP_MAP_IDX = 8, OP_UNMAP_IDX = 9, OP_L1_IDX = 10, OP_REMOVE_IDX = 12,
    OP_POPULATE7_IDX = 13,
};

struct tamper {
    size_t at;                  /* op index */
    bool before;                /* before the core runs it (else after) */
    void (*fn)(struct gtio_machine *m);
};

static void call_tamper(struct gtio_machine *m, size_t idx, void *ctx,
                        bool before)
{
    const struct tamper *t = ctx;

    if ( t && t->fn && t->at == idx && t->before == before )
        t->fn(m);
}

static void before_op(struct gtio_machine *m, size_t idx, void *ctx)
{
    call_tamper(m, idx, ctx, true);
}

static void after_op(struct gtio_machine *m, size_t idx, void *ctx)
{
    call_tamper(m, idx, ctx, false);
}

/* The unmap of base inside a hypercall: its invalidation may be deferred. */
static const char deferred[] =
    "caps cm=0 psi=1 mamv=9 qi=1 coherent=1 rwbf=0 delay=2\n"
    "config frames=32 ro=1 psi_max=4\n"
    "create d=1 iommu=1\n"                                  /* 0 */
    "create d=2 iommu=1\n"                                  /* 1 */
    "assign dev=1 d=2\n"                                    /* 2 */
    "populate d=1 mfn=5\n"                                  /* 3 */
    "grant_write d=1 ref=0 flags=permit grantee=2 frame=5\n" /* 4 */
    "map ld=2 rd=1 ref=0 flags=device\n"                    /* 5 */
    "begin\n"                                               /* 6 */
    "unmap ld=2 handle=0 parts=device\n"                    /* 7 */
    "end\n";                                                /* 8 */

enum { DEFERRED_UNMAP_IDX = 7 };

static const char *trace_text = base;

static struct exec_result run(const struct tamper *t)
{
    static struct trace tr;
    struct exec_opts opts = {
        .before_op = before_op, .after_op = after_op, .ctx = (void *)t,
        .report = getenv("ORACLE_TEST_VERBOSE") ? stdout : NULL,
    };
    struct exec_result res;
    char err[256];

    if ( !tr.ops )
        trace_init(&tr);
    if ( !trace_parse(trace_text, strlen(trace_text), "base", &tr, err,
                      sizeof(err)) )
    {
        printf("FAIL: base trace: %s\n", err);
        exit(1);
    }
    exec_run(&tr, &opts, &res);
    return res;
}

static void expect(const struct tamper *t, const char *check)
{
    struct exec_result res = run(t);

    CHECK(res.finding);
    if ( !res.finding )
        return;
    if ( strcmp(res.f.check, check) )
        printf("# got %s (%s)\n", res.f.check, res.f.detail);
    CHECK(!strcmp(res.f.check, check));
    CHECK_EQ(res.f.op, t->at);
}

static struct gtio_domain *dom(struct gtio_machine *m, unsigned int d)
{
    return gtio_domain(m, d);
}

static void clean_run_has_no_finding(void)
{
    struct exec_result res = run(NULL);

    if ( res.finding )
        printf("# %s: %s\n", res.f.check, res.f.detail);
    CHECK(!res.finding);
    CHECK(!res.fail_stop);
}

/* d1's IOMMU maps a free frame: its device can reach what nobody gave it. */
static void map_free_frame(struct gtio_machine *m)
{
    gtio_pt_set(m, dom(m, 1), 9, GTIO_ACCESS_RW);
}

static void stale_dma_fires(void)
{
    struct tamper t = { .at = OP_POPULATE7_IDX, .fn = map_free_frame };

    expect(&t, "stale-dma");
}

/* d1's own writable frame disappears from its IOMMU. */
static void unmap_own_frame(struct gtio_machine *m)
{
    gtio_pt_set(m, dom(m, 1), 7, GTIO_ACCESS_NONE);
    gtio_flush_now(m);
}

static void dma_fault_fires(void)
{
    struct tamper t = { .at = OP_POPULATE7_IDX, .fn = unmap_own_frame };

    expect(&t, "dma-fault");
}

/* The frame just freed stays mapped in its old owner's IOMMU. */
static void keep_freed_frame(struct gtio_machine *m)
{
    gtio_pt_set(m, dom(m, 1), 5, GTIO_ACCESS_RW);
}

static void freed_reachable_fires(void)
{
    struct tamper t = { .at = OP_REMOVE_IDX, .fn = keep_freed_frame };

    expect(&t, "freed-reachable");
}

/* The frame just validated as L1 stays writable in the IOMMU. */
static void keep_pagetable_writable(struct gtio_machine *m)
{
    gtio_pt_set(m, dom(m, 1), 6, GTIO_ACCESS_RW);
}

static void pagetable_writable_fires(void)
{
    struct tamper t = { .at = OP_L1_IDX, .fn = keep_pagetable_writable };

    expect(&t, "pagetable-writable");
}

/*
 * The granter's status bits go at the unmap, while its invalidation is
 * still deferred to the hypercall's end: the granter could reuse the frame
 * the grantee's device can still write.
 */
static void release_status_at_once(struct gtio_machine *m)
{
    dom(m, 1)->shared[0].flags &= ~(GTF_reading | GTF_writing);
}

static void grant_released_early_fires(void)
{
    struct tamper t = { .at = DEFERRED_UNMAP_IDX,
                        .fn = release_status_at_once };

    trace_text = deferred;
    expect(&t, "grant-released-early");
    trace_text = base;
}

/* The same trace is clean on the core. */
static void deferred_unmap_has_no_finding(void)
{
    struct exec_result res;

    trace_text = deferred;
    res = run(NULL);
    trace_text = base;
    CHECK(!res.finding);
}

/* At the hypercall's end the mapping must be gone: stale-dma. */
static void keep_grant_mapping(struct gtio_machine *m)
{
    gtio_pt_set(m, dom(m, 2), 5, GTIO_ACCESS_RW);
}

static void stale_grant_mapping_is_stale_dma(void)
{
    struct tamper t = { .at = OP_UNMAP_IDX, .fn = keep_grant_mapping };

    expect(&t, "stale-dma");
}

/* A frame the model thinks free is held: populate gets -EBUSY. */
static void hold_frame(struct gtio_machine *m)
{
    m->frames[7].held = true;
}

static void status_mismatch_fires(void)
{
    struct tamper t = { .at = OP_POPULATE7_IDX, .before = true,
                        .fn = hold_frame };

    expect(&t, "status-mismatch");
}

static void extra_reference(struct gtio_machine *m)
{
    m->frames[20].refs++;
}

static void accounting_fires(void)
{
    struct tamper t = { .at = OP_MAP_IDX, .fn = extra_reference };

    expect(&t, "accounting");
}

static void leak_block(struct gtio_machine *m)
{
    (void)m;
    hh_xmalloc(16, "leaked", true);
}

static void leaks_are_accounting(void)
{
    struct tamper t = { .at = OP_MAP_IDX, .fn = leak_block };

    expect(&t, "accounting");
}

/* The handle count the unmap will drop is already zero: BUG_ON. */
static void zero_count(struct gtio_machine *m)
{
    struct gtio_map_count *c =
        (struct gtio_map_count *)gtio_count_of(dom(m, 2), 5);

    if ( c )
        c->rw = 0;
}

static void hypervisor_bug_fires(void)
{
    struct tamper t = { .at = OP_UNMAP_IDX, .before = true, .fn = zero_count };

    expect(&t, "hypervisor-bug");
}

static void write_read_only_register(struct gtio_machine *m)
{
    (void)m;
    hh_mmio_write((char *)vtd_sim_regs() + VTD_REG_CAP, 0, 8);
}

static void vtd_protocol_fires(void)
{
    struct tamper t = { .at = OP_MAP_IDX, .fn = write_read_only_register };

    expect(&t, "vtd-protocol");
}

/* A run can be repeated: nothing of one run leaks into the next. */
static void runs_are_independent(void)
{
    struct tamper t = { .at = OP_REMOVE_IDX, .fn = keep_freed_frame };
    struct exec_result res;

    res = run(&t);
    CHECK(res.finding);
    res = run(NULL);
    CHECK(!res.finding);
    res = run(NULL);
    CHECK(!res.finding);
}

int main(void)
{
    RUN(clean_run_has_no_finding);
    RUN(stale_dma_fires);
    RUN(dma_fault_fires);
    RUN(freed_reachable_fires);
    RUN(pagetable_writable_fires);
    RUN(deferred_unmap_has_no_finding);
    RUN(grant_released_early_fires);
    RUN(stale_grant_mapping_is_stale_dma);
    RUN(status_mismatch_fires);
    RUN(accounting_fires);
    RUN(leaks_are_accounting);
    RUN(hypervisor_bug_fires);
    RUN(vtd_protocol_fires);
    RUN(runs_are_independent);
    return tests_failed ? 1 : 0;
}
