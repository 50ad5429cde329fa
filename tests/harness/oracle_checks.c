/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Each check of docs/design.md, "The model and the checks" (harness/model/oracle.h) fires, and fires
 * where it should: a short run that is clean on Xen and the core is broken
 * at one op, behind their backs, the way a defect would (a VT-d entry
 * written or cleared, a grant's status bits cleared, a page's counts
 * changed, a frame held), from the executor's before_op/after_op hooks;
 * the run must then give exactly the expected finding at that op.  The
 * clean run itself must give none.  At the end every check name must
 * have fired.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <harness/hooks.h>
#include <xen/types.h>
#include <xen/lib.h>
#include <xen/sched.h>
#include <xen/mm.h>
#include <xen/iommu.h>
#include <public/grant_table.h>

#include "exec.h"
#include "trace.h"
#include "vtd_hw.h"
#include "vtd_sim.h"
#include "xen/internal.h"
#include "xen/world.h"
#include "../lib/check.h"

/* Ops 0-3: d1 and d2, each with a device of its own (dev 0, dev 1). */
#define TWO_DOMAINS \
    "caps cm=0 psi=1 mamv=9 qi=1 coherent=1 rwbf=0 delay=2\n" \
    "config frames=32 ro=1 psi_max=4\n" \
    "create d=1 iommu=1 gframes=1 mframes=1\n" \
    "create d=2 iommu=1 gframes=1 mframes=1\n" \
    "assign dev=0 d=1\n" \
    "assign dev=1 d=2\n"

/*
 * d1 owns frames 5 and 6 and grants 5 to d2; d2 maps it writable for host
 * and device and unmaps it; d1 pins 6 as an L1 page table, drops the pin,
 * gives 5 back and takes 7.  dev 0 is d1's, dev 1 d2's.
 */
static const char base[] =
    TWO_DOMAINS
    "populate d=1 mfn=5\n"                                  /* 4 */
    "populate d=1 mfn=6\n"                                  /* 5 */
    "populate d=2 mfn=20\n"                                 /* 6 */
    "grant_write d=1 ref=0 flags=permit grantee=2 frame=5\n" /* 7 */
    "map ld=2 rd=1 ref=0 flags=host,device\n"               /* 8 */
    "unmap ld=2 handle=0 parts=host,device\n"               /* 9 */
    "get_type d=1 mfn=6 type=l1\n"                          /* 10 */
    "put_type d=1 mfn=6\n"                                  /* 11 */
    "remove d=1 mfn=5\n"                                    /* 12 */
    "populate d=1 mfn=7\n";                                 /* 13 */

enum {
    MAP_IDX = 8, UNMAP_IDX = 9, L1_IDX = 10, REMOVE_IDX = 12,
    POPULATE7_IDX = 13,
    /* The executor's closing destroys of d1 and d2 follow the input. */
    LAST_TEARDOWN_IDX = 15,
};

/* The same unmap inside begin/end: one hypercall, its flush deferred. */
static const char deferred[] =
    "caps cm=0 psi=1 mamv=9 qi=1 coherent=1 rwbf=0 delay=2\n"
    "config frames=32 ro=1 psi_max=4\n"
    "create d=1 iommu=1 gframes=1 mframes=1\n"              /* 0 */
    "create d=2 iommu=1 gframes=1 mframes=1\n"              /* 1 */
    "assign dev=1 d=2\n"                                    /* 2 */
    "populate d=1 mfn=5\n"                                  /* 3 */
    "populate d=2 mfn=20\n"                                 /* 4 */
    "grant_write d=1 ref=0 flags=permit grantee=2 frame=5\n" /* 5 */
    "map ld=2 rd=1 ref=0 flags=device\n"                    /* 6 */
    "begin\n"                                               /* 7 */
    "unmap ld=2 handle=0 parts=device\n"                    /* 8 */
    "end\n";                                                /* 9 */

enum { DEFERRED_UNMAP_IDX = 8 };

struct tamper {
    size_t at;                  /* the call ending with this op */
    bool before;                /* before Xen runs it (else after) */
    void (*fn)(void);
    unsigned int calls;         /* how often fn ran */
};

static void call_tamper(size_t idx, void *ctx, bool before)
{
    struct tamper *t = ctx;

    if ( t && t->fn && t->at == idx && t->before == before )
    {
        t->fn();
        t->calls++;
    }
}

static void before_op(size_t idx, void *ctx)
{
    call_tamper(idx, ctx, true);
}

static void after_op(size_t idx, void *ctx)
{
    call_tamper(idx, ctx, false);
}

/* Run text, broken by t (NULL: not broken), its call log to log if given. */
static struct exec_result run_logged(const char *text, struct tamper *t,
                                     FILE *log)
{
    static struct trace tr;
    struct exec_opts opts = {
        .before_op = before_op, .after_op = after_op, .ctx = t,
        .report = getenv("ORACLE_TEST_VERBOSE") ? stdout : NULL,
        .log = log,
    };
    struct exec_result res;
    char err[256];

    if ( !tr.ops )
        trace_init(&tr);
    if ( !trace_parse(text, strlen(text), "oracle_checks", &tr, err,
                      sizeof(err)) )
    {
        printf("FAIL: trace: %s\n", err);
        exit(1);
    }
    exec_run(&tr, &opts, &res);
    return res;
}

static struct exec_result run_text(const char *text, struct tamper *t)
{
    return run_logged(text, t, NULL);
}

/* The checks seen firing, for every_check_fired(). */
static const char *const check_names[] = {
    "stale-dma", "dma-fault", "freed-reachable", "pagetable-writable",
    "grant-released-early", "status-mismatch", "accounting",
    "hypervisor-bug", "vtd-protocol",
};
static bool fired[sizeof(check_names) / sizeof(check_names[0])];

static void note_fired(const char *check)
{
    unsigned int i;

    for ( i = 0; i < sizeof(check_names) / sizeof(check_names[0]); i++ )
        if ( !strcmp(check_names[i], check) )
            fired[i] = true;
}

/*
 * Run text broken by t: exactly this check, at op 'at' (the tamper's own
 * op unless given), its detail containing 'detail'; the tamper ran once.
 */
static struct exec_result expect_at(const char *text, struct tamper *t,
                                    const char *check, size_t at,
                                    const char *detail)
{
    struct exec_result res = run_text(text, t);

    CHECK_EQ(t->calls, 1);
    CHECK(res.finding);
    CHECK(!res.fail_stop);
    if ( !res.finding )
        return res;
    if ( strcmp(res.f.check, check) || res.f.op != at ||
         !strstr(res.f.detail, detail) )
        printf("# got %s at op %zu (%s)\n", res.f.check, res.f.op,
               res.f.detail);
    CHECK(!strcmp(res.f.check, check));
    CHECK_EQ(res.f.op, at);
    CHECK(strstr(res.f.detail, detail) != NULL);
    if ( !check_failed_at )
        note_fired(check);
    return res;
}

static struct exec_result expect(struct tamper *t, const char *check,
                                 const char *detail)
{
    return expect_at(base, t, check, t->at, detail);
}

/* ---- breaking things behind Xen's and the core's back ---- */

/*
 * The level-1 entry of bfn in domain id's VT-d tables, walked from
 * dom_iommu(d)->arch.vtd.pgd_maddr as the unit does; NULL if the walk
 * ends early.
 */
static uint64_t *leaf_of(domid_t id, unsigned long bfn)
{
    struct domain *d = world_domain(id);
    uint64_t table = d ? dom_iommu(d)->arch.vtd.pgd_maddr : 0;
    unsigned int level;

    if ( !table )
        return NULL;
    for ( level = VTD_PT_LEVELS; level > 1; level-- )
    {
        uint64_t pte = ((uint64_t *)hh_map_frame(table >> PAGE_SHIFT))
                       [vtd_level_index(bfn, level)];

        if ( !dma_pte_present(pte) )
            return NULL;
        table = pte & DMA_PTE_ADDR_MASK;
    }
    return &((uint64_t *)hh_map_frame(table >> PAGE_SHIFT))
           [vtd_level_index(bfn, 1)];
}

/* A store to a VT-d table that the unit sees, as the core's would be. */
static void write_leaf(domid_t id, unsigned long bfn, unsigned long mfn,
                       uint64_t access)
{
    uint64_t *leaf = leaf_of(id, bfn);

    CHECK(leaf != NULL);
    if ( !leaf )
        return;
    *(volatile uint64_t *)leaf = access ? ((uint64_t)mfn << PAGE_SHIFT) |
                                          access : 0;
    hh_mem_written(leaf, sizeof(*leaf));
    hh_cache_writeback(leaf, sizeof(*leaf));
}

/* d's grant entry ref, in its shared frame (the guest's memory). */
static grant_entry_v1_t *shared_entry_of(domid_t id, grant_ref_t ref)
{
    const unsigned int per_frame = PAGE_SIZE / sizeof(grant_entry_v1_t);
    const struct domain *d = world_domain(id);
    grant_entry_v1_t *frame;

    CHECK(d != NULL);
    if ( !d )
        return NULL;
    frame = hh_map_frame(mfn_x(gnttab_view_shared_mfn(d, ref / per_frame)));
    return &frame[ref % per_frame];
}

/* ---- the control ---- */

static void clean_run_has_no_finding(void)
{
    struct tamper nothing = { .at = ~(size_t)0 };
    struct exec_result res = run_text(base, &nothing);

    if ( res.finding )
        printf("# %s: %s\n", res.f.check, res.f.detail);
    CHECK(!res.finding);
    CHECK(!res.fail_stop);
    CHECK_EQ(res.ops_run, 14);
    CHECK_EQ(res.faults, 0);
    CHECK_EQ(nothing.calls, 0);
}

static void deferred_unmap_has_no_finding(void)
{
    struct exec_result res = run_text(deferred, NULL);

    if ( res.finding )
        printf("# %s: %s\n", res.f.check, res.f.detail);
    CHECK(!res.finding);
    CHECK_EQ(res.ops_run, 10);
}

/* Which ops the hooks were called at, in order. */
struct hook_log {
    unsigned int nr;
    size_t idx[64];
    bool before[64];
};

/*
 * OP_PREEMPT: the n-th of the next call's preemption checks says yes
 * (0: every one).  Three maps in one hypercall meet two checks (before
 * the second and the third map); the continuation runs the rest.
 */
static void preempt_stops_the_call_where_the_input_says(void)
{
    static const char *const cases[][2] = {
        { "preempt n=0\n", "2" }, { "preempt n=1\n", "1" },
        { "preempt n=2\n", "1" }, { "preempt n=3\n", "0" }, { "", "0" },
    };
    struct tamper nothing = { .at = ~(size_t)0 };
    char text[1024];
    unsigned int i;

    for ( i = 0; i < sizeof(cases) / sizeof(cases[0]); i++ )
    {
        struct exec_result res;

        snprintf(text, sizeof(text), "%s"
                 "populate d=1 mfn=5\npopulate d=1 mfn=6\n"
                 "populate d=1 mfn=7\n"
                 "grant_write d=1 ref=0 flags=permit grantee=2 frame=5\n"
                 "grant_write d=1 ref=1 flags=permit grantee=2 frame=6\n"
                 "grant_write d=1 ref=2 flags=permit grantee=2 frame=7\n"
                 "%sbegin\nmap ld=2 rd=1 ref=0 flags=device\n"
                 "map ld=2 rd=1 ref=1 flags=device\n"
                 "map ld=2 rd=1 ref=2 flags=host,device\nend\n",
                 TWO_DOMAINS, cases[i][0]);
        res = run_text(text, &nothing);
        CHECK(!res.finding);
        CHECK_EQ(res.preemptions, strtoul(cases[i][1], NULL, 10));
    }
}

static void log_hook(size_t idx, void *ctx, bool before)
{
    struct hook_log *log = ctx;

    if ( log->nr < 64 )
    {
        log->idx[log->nr] = idx;
        log->before[log->nr] = before;
    }
    log->nr++;
}

static void log_before(size_t idx, void *ctx)
{
    log_hook(idx, ctx, true);
}

static void log_after(size_t idx, void *ctx)
{
    log_hook(idx, ctx, false);
}

/*
 * The hooks run around each call, with the index of the call's last op:
 * begin, end and fault arming are no calls; the ops between begin and end
 * are one; the executor's closing destroys are calls too.
 */
static void hooks_run_around_each_call(void)
{
    static const size_t calls[] = { 0, 1, 2, 3, 4, 5, 6, 8, 10, 11 };
    static const char with_fault_arming[] =
        "create d=1 iommu=1 gframes=1 mframes=1\n"
        "fault_nth n=0\n"
        "populate d=1 mfn=5\n";
    static struct trace tr;
    struct hook_log log = { 0 };
    struct exec_opts opts = {
        .before_op = log_before, .after_op = log_after, .ctx = &log,
    };
    struct exec_result res;
    char err[128];
    unsigned int i;

    if ( !tr.ops )
        trace_init(&tr);
    CHECK(trace_parse(deferred, strlen(deferred), "deferred", &tr, err,
                      sizeof(err)));
    exec_run(&tr, &opts, &res);
    CHECK(!res.finding);
    CHECK_EQ(log.nr, 2 * ARRAY_SIZE(calls));
    for ( i = 0; i < log.nr && i < 64; i++ )
    {
        CHECK_EQ(log.idx[i], calls[i / 2]);
        CHECK_EQ(log.before[i], !(i & 1));
    }

    memset(&log, 0, sizeof(log));
    CHECK(trace_parse(with_fault_arming, strlen(with_fault_arming), "arm",
                      &tr, err, sizeof(err)));
    exec_run(&tr, &opts, &res);
    CHECK(!res.finding);
    CHECK_EQ(log.nr, 6);
    CHECK_EQ(log.idx[0], 0);
    CHECK_EQ(log.idx[2], 2);
    CHECK_EQ(log.idx[4], 3);
}

/* ---- stale-dma ---- */

/* d1's IOMMU maps a frame nobody gave it: its device can reach it. */
static void map_free_frame(void)
{
    write_leaf(1, 9, 9, DMA_PTE_PROT);
}

static void stale_dma_fires_for_a_frame_not_allowed(void)
{
    struct tamper t = { .at = POPULATE7_IDX, .fn = map_free_frame };
    struct exec_result res = expect(&t, "stale-dma", "more than allowed");

    CHECK_EQ(res.f.domain, 1);
    CHECK_EQ(res.f.bfn, 9);
    CHECK_EQ(res.f.mfn, 9);
    CHECK(!strcmp(res.f.possible, "RW"));
    CHECK(!strcmp(res.f.allowed, "none"));
}

/* The grant mapping stays in d2's IOMMU after its unmap. */
static void keep_grant_mapping(void)
{
    write_leaf(2, 5, 5, DMA_PTE_PROT);
}

static void stale_dma_fires_for_a_mapping_kept(void)
{
    struct tamper t = { .at = UNMAP_IDX, .fn = keep_grant_mapping };
    struct exec_result res = expect(&t, "stale-dma", "dev 1 (d2)");

    CHECK_EQ(res.f.domain, 2);
    CHECK_EQ(res.f.bfn, 5);
}

/* A read-only leaf made writable: more than the R it is allowed. */
static void read_only_made_writable(void)
{
    write_leaf(2, 5, 5, DMA_PTE_PROT);
}

static void stale_dma_fires_for_a_write_not_allowed(void)
{
    static const char ro_map[] =
        "create d=1 iommu=1 gframes=1 mframes=1\n"          /* 0 */
        "create d=2 iommu=1 gframes=1 mframes=1\n"          /* 1 */
        "assign dev=1 d=2\n"                                /* 2 */
        "populate d=1 mfn=5\n"                              /* 3 */
        "populate d=2 mfn=20\n"                             /* 4 */
        "grant_write d=1 ref=0 flags=permit,ro grantee=2 frame=5\n"
        "map ld=2 rd=1 ref=0 flags=device,ro\n";            /* 6 */
    struct tamper t = { .at = 6, .fn = read_only_made_writable };
    struct exec_result res = expect_at(ro_map, &t, "stale-dma", 6,
                                       "more than allowed");

    CHECK(!strcmp(res.f.possible, "RW"));
    CHECK(!strcmp(res.f.allowed, "R"));
}

/* d1's entry for its own frame 7 translates to d2's frame 20. */
static void translate_elsewhere(void)
{
    write_leaf(1, 7, 20, DMA_PTE_PROT);
}

static void stale_dma_fires_for_a_translation_elsewhere(void)
{
    struct tamper t = { .at = POPULATE7_IDX, .fn = translate_elsewhere };
    struct exec_result res = expect(&t, "stale-dma",
                                    "translation to another frame");

    CHECK_EQ(res.f.bfn, 7);
    CHECK_EQ(res.f.mfn, 20);
}

/* ---- dma-fault ---- */

/* d1's own writable frame disappears from its IOMMU. */
static void unmap_own_frame(void)
{
    write_leaf(1, 7, 0, 0);
}

static void dma_fault_fires(void)
{
    struct tamper t = { .at = POPULATE7_IDX, .fn = unmap_own_frame };
    struct exec_result res = expect(&t, "dma-fault", "dev 0 of d1");

    CHECK_EQ(res.f.bfn, 7);
    CHECK(!strcmp(res.f.allowed, "RW"));
}

/* The grant mapping d2's device is allowed goes from its IOMMU. */
static void unmap_grant_mapping(void)
{
    write_leaf(2, 5, 0, 0);
}

static void dma_fault_fires_for_a_grant_mapping(void)
{
    struct tamper t = { .at = MAP_IDX, .fn = unmap_grant_mapping };
    struct exec_result res = expect(&t, "dma-fault", "dev 1 of d2");

    CHECK_EQ(res.f.bfn, 5);
}

/* d2's own frame 20 disappears from its IOMMU. */
static void unmap_other_frame(void)
{
    write_leaf(2, 20, 0, 0);
}

/*
 * Gone during a call that does not name it (the unmap of d1's frame 5),
 * frame 20 is found by the check of every frame before the teardown, at
 * the last op: a call the model predicted looks at the frames it names.
 */
static void dma_fault_of_an_unnamed_frame_waits_for_the_last_op(void)
{
    struct tamper t = { .at = UNMAP_IDX, .fn = unmap_other_frame };
    struct exec_result res = expect_at(base, &t, "dma-fault", POPULATE7_IDX,
                                       "dev 1 of d2");

    CHECK_EQ(res.f.bfn, 20);
}

/* ---- freed-reachable ---- */

/* Frame 5 is still in d2's IOMMU when d1 gives it back. */
static void keep_mapping_for_free(void)
{
    write_leaf(2, 5, 5, DMA_PTE_PROT);
}

static void freed_reachable_fires(void)
{
    struct tamper t = { .at = REMOVE_IDX, .before = true,
                        .fn = keep_mapping_for_free };
    struct exec_result res = expect(&t, "freed-reachable",
                                    "frame 5 was freed");

    CHECK_EQ(res.f.mfn, 5);
}

/* ---- pagetable-writable ---- */

/* Frame 6 is writable through d2's IOMMU when d1 makes it an L1. */
static void keep_writable_for_l1(void)
{
    write_leaf(2, 6, 6, DMA_PTE_PROT);
}

static void pagetable_writable_fires(void)
{
    struct tamper t = { .at = L1_IDX, .before = true,
                        .fn = keep_writable_for_l1 };
    struct exec_result res = expect(&t, "pagetable-writable",
                                    "frame 6 is being validated as l1");

    CHECK_EQ(res.f.mfn, 6);
}

/* ---- grant-released-early ---- */

/*
 * d2's device reaches frame 5 through another bfn, which no unmap of the
 * grant removes: when Xen clears GTF_writing at the unmap, d2's device
 * can still write what d1 may now reuse.
 */
static void second_path_to_granted_frame(void)
{
    write_leaf(2, 9, 5, DMA_PTE_PROT);
}

static void grant_released_early_fires(void)
{
    struct tamper t = { .at = UNMAP_IDX, .before = true,
                        .fn = second_path_to_granted_frame };
    struct exec_result res = expect(&t, "grant-released-early",
                                    "d1 cleared GTF_reading of grant 0");

    CHECK_EQ(res.f.domain, 2);
    CHECK_EQ(res.f.bfn, 9);
    CHECK_EQ(res.f.mfn, 5);
    CHECK(!strcmp(res.f.possible, "RW"));
}

/* The same inside a hypercall of its own: judged at its end. */
static void grant_released_early_fires_in_a_batch(void)
{
    struct tamper t = { .at = DEFERRED_UNMAP_IDX, .before = true,
                        .fn = second_path_to_granted_frame };

    expect_at(deferred, &t, "grant-released-early", DEFERRED_UNMAP_IDX,
              "while d2's devices could still reach mfn 5");
}

/* ---- status-mismatch ---- */

/*
 * Xen's statuses come from the guests' buffers, so they cannot be changed
 * after the call; instead Xen's state is changed before it, so that Xen
 * answers what the model cannot predict: frame 7 holds a reference
 * nobody took, and populate finds it busy.
 */
static void hold_frame(void)
{
    hh_mfn_to_page(7)->count_info += 1;
}

static void status_mismatch_fires_for_a_domctl(void)
{
    struct tamper t = { .at = POPULATE7_IDX, .before = true,
                        .fn = hold_frame };

    expect(&t, "status-mismatch", "populate returned -EBUSY, expected 0");
}

/* The granter's entry says read-only, where the model has it writable. */
static void grant_made_read_only(void)
{
    grant_entry_v1_t *e = shared_entry_of(1, 0);

    if ( e )
        e->flags |= GTF_readonly;
}

static void status_mismatch_fires_for_a_grant_op(void)
{
    struct tamper t = { .at = MAP_IDX, .before = true,
                        .fn = grant_made_read_only };

    expect(&t, "status-mismatch",
           "map returned GNTST_general_error, expected GNTST_okay");
}

/* ---- accounting ---- */

/* GTF_reading goes while d2's mapping is live. */
static void clear_reading(void)
{
    grant_entry_v1_t *e = shared_entry_of(1, 0);

    if ( e )
        e->flags &= ~(GTF_reading | GTF_writing);
}

static void accounting_fires_for_status_bits(void)
{
    struct tamper t = { .at = MAP_IDX, .fn = clear_reading };

    expect(&t, "accounting", "d1 grant 0: Xen flags=permit grantee=2");
}

/*
 * d1's active entry 0 as Xen has it, with frame 5 (the one granted)
 * unless told otherwise.
 */
static void set_active_0(uint32_t pin, unsigned long mfn)
{
    CHECK(gnttab_break_active(world_domain(1), 0, pin, mfn));
}

/* Xen drops the pins of d2's live mapping. */
static void unpin(void)
{
    set_active_0(0, 5);
}

/* Xen keeps a host pin after the unmap that dropped the last. */
static void leave_a_pin(void)
{
    set_active_0(1, 5);
}

/*
 * Xen's pinned entry names a frame other than the one granted; its pins
 * are the mapping's (host w and device w, the low byte of each pair).
 */
static void pin_another_frame(void)
{
    set_active_0(1U | 1U << 16, 6);
}

static void accounting_fires_for_pins(void)
{
    struct tamper gone = { .at = MAP_IDX, .fn = unpin },
                  left = { .at = UNMAP_IDX, .fn = leave_a_pin },
                  moved = { .at = MAP_IDX, .fn = pin_another_frame };

    expect(&gone, "accounting", "d1 active 0: Xen pins 0 (host rw ro, dev "
                                "rw ro, 8 bits each), model host rw=1 ro=0 "
                                "dev rw=1 ro=0");
    expect(&left, "accounting", "d1 active 0: Xen pins 0x1 (host rw ro, "
                                "dev rw ro, 8 bits each), model host rw=0 "
                                "ro=0 dev rw=0 ro=0");
    expect(&moved, "accounting", "d1 active 0: Xen pinned for d2 mfn 6, "
                                 "model for d2 mfn 5");
}

/* d3, which the map between d1 and d2 does not name, nor do calls after. */
static const char third_domain[] =
    TWO_DOMAINS
    "create d=3 iommu=1 gframes=1 mframes=1\n"              /* 4 */
    "populate d=1 mfn=5\n"                                  /* 5 */
    "grant_write d=1 ref=0 flags=permit grantee=2 frame=5\n" /* 6 */
    "map ld=2 rd=1 ref=0 flags=host\n"                      /* 7 */
    "unmap ld=2 handle=0 parts=host\n"                      /* 8 */
    "create d=2 iommu=1 gframes=1 mframes=1\n"              /* 9: exists */
    "assign dev=2 d=1\n"                                    /* 10 */
    "create d=4 iommu=1 gframes=1 mframes=1\n"              /* 11 */
    "populate d=1 mfn=6\n"                                  /* 12 */
    "populate d=2 mfn=20\n";                                /* 13 */

/* id's grant entry ref says permit, which the model was not told. */
static void permit_behind_the_models_back(domid_t id, grant_ref_t ref)
{
    grant_entry_v1_t *e = shared_entry_of(id, ref);

    if ( e )
        e->flags = GTF_permit_access;
}

static void d3_grants_behind_the_models_back(void)
{
    permit_behind_the_models_back(3, 0);
}

static void d1_grants_behind_the_models_back(void)
{
    permit_behind_the_models_back(1, 1);
}

static void d4_grants_behind_the_models_back(void)
{
    permit_behind_the_models_back(4, 0);
}

/*
 * After a call the model predicted, only the domains its ops name (and
 * those it created) have their grant state compared: d3's change is
 * found by the comparison of every domain before the teardown (at the
 * last op), not by the calls of d1 and d2 before, creations and a device
 * move among them.  That comparison finds d1's change after the last
 * call too, which the teardown would hide: it destroys d1 first, and
 * nothing of d1 is left to compare.  A change to the domain a creation
 * made is found at the creation.
 */
static void accounting_of_an_unnamed_domain_waits_for_the_teardown(void)
{
    struct tamper t3 = { .at = 7, .fn = d3_grants_behind_the_models_back };
    struct tamper t1 = { .at = 13, .fn = d1_grants_behind_the_models_back };
    struct tamper t4 = { .at = 11, .fn = d4_grants_behind_the_models_back };
    struct exec_result clean = run_text(third_domain, NULL);

    CHECK(!clean.finding);
    expect_at(third_domain, &t3, "accounting", 13,
              "d3 grant 0: Xen flags=permit");
    expect_at(third_domain, &t1, "accounting", 13,
              "d1 grant 1: Xen flags=permit");
    expect_at(third_domain, &t4, "accounting", 11,
              "d4 grant 0: Xen flags=permit");
}

/* d2 maps d1's ref 0 twice (handles 0 and 1) and unmaps the second. */
static const char two_handles[] =
    TWO_DOMAINS
    "populate d=1 mfn=5\n"                                  /* 4 */
    "grant_write d=1 ref=0 flags=permit grantee=2 frame=5\n" /* 5 */
    "map ld=2 rd=1 ref=0 flags=host\n"                      /* 6 */
    "map ld=2 rd=1 ref=0 flags=host\n"                      /* 7 */
    "unmap ld=2 handle=1 parts=host\n"                      /* 8 */
    "populate d=2 mfn=20\n";                                /* 9 */

/* d2's maptrack entry h says read-only, which the model was not told. */
static void readonly_behind_the_models_back(grant_handle_t h)
{
    CHECK(gnttab_break_handle_flags(world_domain(2), h,
                                    GNTMAP_host_map | GNTMAP_readonly));
}

static void handle0_readonly(void)
{
    readonly_behind_the_models_back(0);
}

static void handle1_readonly(void)
{
    readonly_behind_the_models_back(1);
}

/*
 * A maptrack entry Xen changed is found at the call that was given it
 * or names it, else (another handle of a domain the call names) by the
 * comparison of everything at the last op.
 */
static void accounting_fires_for_a_handle(void)
{
    struct tamper given = { .at = 7, .fn = handle1_readonly };
    struct tamper other_at_map = { .at = 7, .fn = handle0_readonly };
    struct tamper other_at_unmap = { .at = 8, .fn = handle0_readonly };
    struct exec_result clean = run_text(two_handles, NULL);

    CHECK(!clean.finding);
    expect_at(two_handles, &given, "accounting", 7,
              "d2 handle 1: Xen flags 0x6");
    expect_at(two_handles, &other_at_map, "accounting", 9,
              "d2 handle 0: Xen flags 0x6");
    expect_at(two_handles, &other_at_unmap, "accounting", 9,
              "d2 handle 0: Xen flags 0x6");
}

static void extra_reference_on_the_granted_frame(void)
{
    hh_mfn_to_page(5)->count_info += 1;
}

static void extra_reference_on_another_frame(void)
{
    hh_mfn_to_page(20)->count_info += 1;
}

/*
 * A reference Xen takes on the frame a map names is found at the map.
 * One on a frame the call does not name (d2's own 20) is found by the
 * comparison of everything before the teardown, at the last op: a call
 * the model predicted compares only the frames it names (or Xen told
 * of), as the rest grows with the run, not with the call.
 */
static void accounting_fires_for_a_reference(void)
{
    struct tamper named = { .at = MAP_IDX,
                            .fn = extra_reference_on_the_granted_frame };
    struct tamper other = { .at = MAP_IDX,
                            .fn = extra_reference_on_another_frame };
    struct exec_result res = expect(&named, "accounting",
                                    "frame 5: Xen d1 refs=");

    CHECK_EQ(res.f.mfn, 5);
    res = expect_at(base, &other, "accounting", POPULATE7_IDX,
                    "frame 20: Xen d2 refs=2");
    CHECK_EQ(res.f.mfn, 20);
}

/*
 * d2 maps d1's frame 5 for its device; with the IOTLB invalidation
 * register hung from then on, its unmap cannot cut the device off, and
 * Xen stops (a fail-stop, not a finding).
 */
static const char stops_after_a_map[] =
    "caps cm=0 psi=1 mamv=9 qi=0 coherent=1 rwbf=0 delay=2\n"
    "config frames=32 ro=1 psi_max=4\n"
    "create d=1 iommu=1 gframes=1 mframes=1\n"              /* 0 */
    "create d=2 iommu=1 gframes=1 mframes=1\n"              /* 1 */
    "assign dev=1 d=2\n"                                    /* 2 */
    "populate d=1 mfn=5\n"                                  /* 3 */
    "populate d=2 mfn=20\n"                                 /* 4 */
    "grant_write d=1 ref=0 flags=permit grantee=2 frame=5\n" /* 5 */
    "map ld=2 rd=1 ref=0 flags=device\n"                    /* 6 */
    "fault_at point=reg-inv-timeout k=1\n"                  /* 7 */
    "unmap ld=2 handle=0 parts=device\n";                   /* 8 */

/*
 * What a call left to the last comparison (a reference on a frame it
 * does not name) is compared before a call a fault may stop: the
 * fail-stop that ends the run would hide it.
 */
static void accounting_is_not_hidden_by_a_fail_stop(void)
{
    struct tamper t = { .at = 6, .fn = extra_reference_on_another_frame };
    struct exec_result clean = run_text(stops_after_a_map, NULL);

    CHECK(clean.fail_stop && !clean.finding);
    expect_at(stops_after_a_map, &t, "accounting", 6,
              "frame 20: Xen d2 refs=2");
}

/* Frame 5 loses the writable type count d2's mapping holds. */
static void drop_type_count(void)
{
    hh_mfn_to_page(5)->u.inuse.type_info -= 1;
}

static void accounting_fires_for_a_type_count(void)
{
    struct tamper t = { .at = MAP_IDX, .fn = drop_type_count };

    expect(&t, "accounting", "frame 5: Xen d1 refs=3 type=writable/1");
}

/* d2's IOMMU gets a table page no mapping needs. */
static void extra_table_page(void)
{
    CHECK(iommu_alloc_pgtable(dom_iommu(world_domain(2)), 0) != NULL);
}

static void accounting_fires_for_a_table_page(void)
{
    struct tamper t = { .at = MAP_IDX, .fn = extra_table_page };

    expect(&t, "accounting", "d2: 5 IOMMU table pages, 4 needed");
}

/*
 * d1's flush fails (its removal of frame 5 cannot be confirmed: d1 is
 * crashed, the frame held); d2 goes on, untouched by it.
 */
static const char d1_flush_fails[] =
    TWO_DOMAINS
    "populate d=1 mfn=5\n"                                  /* 4 */
    "populate d=2 mfn=20\n"                                 /* 5 */
    "fault_at point=qi-wait-timeout k=1\n"                  /* 6 */
    "remove d=1 mfn=5\n"                                    /* 7 */
    "populate d=2 mfn=21\n";                                /* 8 */

/* After a flush fault, the checks go on for the domains it did not touch. */
static void accounting_fires_for_an_untouched_domain_after_a_fault(void)
{
    struct tamper t = { .at = 8, .fn = extra_table_page };
    struct exec_result clean = run_text(d1_flush_fails, NULL);

    CHECK(!clean.finding && !clean.fail_stop && clean.faults == 1);
    expect_at(d1_flush_fails, &t, "accounting", 8,
              "d2: 5 IOMMU table pages, 4 needed");
}

/*
 * Where the rules allow several outcomes of a failed flush, the log says
 * which the core chose: the domains the call may crash, those crashed.
 */
static void flush_outcome_is_logged(void)
{
    char *log = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&log, &len);
    struct exec_result res;

    CHECK(out != NULL);
    res = run_logged(d1_flush_fails, NULL, out);
    fclose(out);
    CHECK(!res.finding);
    CHECK(strstr(log, "[7] remove d=1 mfn=5  -> 0\n"
                      "    fault injected (1 in this call, last at "
                      "qi-wait-timeout)\n"
                      "    flush failed: may crash d1; crashed d1\n") != NULL);
    free(log);
}

/* ... then d2 maps a grant of its own. */
static const char d1_flush_fails_then_d2_maps[] =
    TWO_DOMAINS
    "populate d=1 mfn=5\n"                                  /* 4 */
    "populate d=2 mfn=20\n"                                 /* 5 */
    "fault_at point=qi-wait-timeout k=1\n"                  /* 6 */
    "remove d=1 mfn=5\n"                                    /* 7 */
    "grant_write d=2 ref=0 flags=permit grantee=2 frame=20\n" /* 8 */
    "map ld=2 rd=2 ref=0 flags=host\n";                     /* 9 */

/* d2's entry loses its permission behind everybody's back. */
static void revoke_d2_grant(void)
{
    CHECK(!guest_write_grant(2, 0, 0, 2, 20));
}

/*
 * After a flush fault, a call it did not touch is held to the status the
 * ABI gives, not to "any error a fault allows".
 */
static void status_mismatch_fires_for_an_untouched_call_after_a_fault(void)
{
    struct tamper t = { .at = 9, .before = true, .fn = revoke_d2_grant };
    struct exec_result clean = run_text(d1_flush_fails_then_d2_maps, NULL);

    CHECK(!clean.finding && !clean.fail_stop && clean.faults == 1);
    expect_at(d1_flush_fails_then_d2_maps, &t, "status-mismatch", 9, "map");
}

/* A reference to d2 nobody drops: Xen can never free it. */
static void keep_d2(void)
{
    CHECK(world_domain(2) != NULL);
    world_domain(2)->refcnt++;
}

/*
 * ... and the model does not take Xen's word that a failed flush held d2
 * (it held d1): d2's destroy, the executor's after the input, leaves it.
 */
static void accounting_fires_for_a_domain_left_after_a_fault(void)
{
    struct tamper t = { .at = 8, .fn = keep_d2 };

    expect_at(d1_flush_fails, &t, "accounting", 10,
              "Xen has d2 (dead), the model none");
}

static void leak_block(void)
{
    CHECK(hh_xmalloc(16, "oracle_checks", "leak", true) != NULL);
}

/* A leak shows when everything is destroyed, at the last op. */
static void accounting_fires_for_a_leak(void)
{
    struct tamper t = { .at = MAP_IDX, .fn = leak_block };

    expect_at(base, &t, "accounting", LAST_TEARDOWN_IDX,
              "after every domain was destroyed");
}

/* ---- hypervisor-bug ---- */

/* The unmap's put_page_type() finds no type reference left to drop. */
static void zero_type_count(void)
{
    hh_mfn_to_page(5)->u.inuse.type_info &= ~PGT_count_mask;
}

static void hypervisor_bug_fires(void)
{
    struct tamper t = { .at = UNMAP_IDX, .before = true,
                        .fn = zero_type_count };

    expect(&t, "hypervisor-bug", "BUG at ");
}

/* ---- vtd-protocol ---- */

static void write_read_only_register(void)
{
    hh_mmio_write((char *)vtd_sim_regs() + VTD_REG_CAP, 0, 8);
}

static void vtd_protocol_fires(void)
{
    struct tamper t = { .at = MAP_IDX, .fn = write_read_only_register };

    expect(&t, "vtd-protocol", "write to read-only register 0x8");
}

/* ---- the whole ---- */

/* A run can be repeated: nothing of one run leaks into the next. */
static void runs_are_independent(void)
{
    struct tamper t = { .at = REMOVE_IDX, .before = true,
                        .fn = keep_mapping_for_free };
    struct tamper leak = { .at = MAP_IDX, .fn = leak_block };

    CHECK(run_text(base, &t).finding);
    CHECK(!run_text(base, NULL).finding);
    CHECK(run_text(base, &leak).finding);
    CHECK(!run_text(base, NULL).finding);
    CHECK(!run_text(deferred, NULL).finding);
}

static void every_check_fired(void)
{
    unsigned int i;

    for ( i = 0; i < sizeof(check_names) / sizeof(check_names[0]); i++ )
    {
        if ( !fired[i] )
            printf("# %s never fired\n", check_names[i]);
        CHECK(fired[i]);
    }
}

int main(void)
{
    RUN(clean_run_has_no_finding);
    RUN(deferred_unmap_has_no_finding);
    RUN(preempt_stops_the_call_where_the_input_says);
    RUN(hooks_run_around_each_call);
    RUN(stale_dma_fires_for_a_frame_not_allowed);
    RUN(stale_dma_fires_for_a_mapping_kept);
    RUN(stale_dma_fires_for_a_write_not_allowed);
    RUN(stale_dma_fires_for_a_translation_elsewhere);
    RUN(dma_fault_fires);
    RUN(dma_fault_fires_for_a_grant_mapping);
    RUN(dma_fault_of_an_unnamed_frame_waits_for_the_last_op);
    RUN(freed_reachable_fires);
    RUN(pagetable_writable_fires);
    RUN(grant_released_early_fires);
    RUN(grant_released_early_fires_in_a_batch);
    RUN(status_mismatch_fires_for_a_domctl);
    RUN(status_mismatch_fires_for_a_grant_op);
    RUN(accounting_fires_for_status_bits);
    RUN(accounting_fires_for_pins);
    RUN(accounting_fires_for_a_reference);
    RUN(accounting_fires_for_a_handle);
    RUN(accounting_is_not_hidden_by_a_fail_stop);
    RUN(accounting_fires_for_a_type_count);
    RUN(accounting_fires_for_a_table_page);
    RUN(accounting_fires_for_an_untouched_domain_after_a_fault);
    RUN(flush_outcome_is_logged);
    RUN(accounting_of_an_unnamed_domain_waits_for_the_teardown);
    RUN(accounting_fires_for_a_domain_left_after_a_fault);
    RUN(status_mismatch_fires_for_an_untouched_call_after_a_fault);
    RUN(accounting_fires_for_a_leak);
    RUN(hypervisor_bug_fires);
    RUN(vtd_protocol_fires);
    RUN(runs_are_independent);
    RUN(every_check_fired);
    return tests_failed ? 1 : 0;
}
