/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Randomised check of the simulated VT-d against a brute-force reference.
 *
 * A mini core makes random leaf changes, invalidations and device moves.
 * The reference remembers, per (domain id, bfn), every outcome the current
 * tables gave since the last completed invalidation covering it (leaves
 * only, no paging-structure caches): the model must always allow at least
 * that (soundness: no missed stale mapping).  After everything is written
 * back and invalidated, the model must allow exactly the current tables
 * (precision: no false positive for a correct core).
 */
#include <stdio.h>
#include <stdlib.h>

#include "sim_util.h"

#define NR_DIDS_USED    2
#define NR_DEVS_USED    2
#define NR_STEPS        1500

static const unsigned long bfns[] = {
    0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 510, 511, 512, 513, 1023, 1024, 1500, 3000,
};
#define NR_BFNS (sizeof(bfns) / sizeof(bfns[0]))

#define OUTCOME_FAULT   0xffffffffUL    /* non-present leaf */

struct outcome_set {
    unsigned long v[16];
    unsigned int n;
};

static uint64_t pgds[NR_DIDS_USED];
static int dev_did[NR_DEVS_USED];          /* index into pgds, -1 quarantine */
static struct outcome_set ref[NR_DIDS_USED][NR_BFNS];
static uint64_t rng = 0x2545f4914f6cdd1dULL;

static unsigned int rnd(unsigned int n)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (unsigned int)(rng % n);
}

static uint16_t did_of(unsigned int d)
{
    return d + 1;
}

/* What the CPU view of d's tables gives for bfn, as an outcome. */
static unsigned long current_outcome(unsigned int d, unsigned long bfn)
{
    uint64_t pte = *pte_slot(pgds[d], bfn, 1, NULL);

    if ( !dma_pte_present(pte) )
        return OUTCOME_FAULT;
    return ((pte >> 12) << 2) | (pte & DMA_PTE_PROT);
}

static void set_add(struct outcome_set *s, unsigned long v)
{
    unsigned int i;

    if ( v == OUTCOME_FAULT && !sim_caps.cm )
        return;
    for ( i = 0; i < s->n; i++ )
        if ( s->v[i] == v )
            return;
    if ( s->n < 16 )
        s->v[s->n++] = v;
}

static bool reachable(unsigned int d)
{
    unsigned int dev;

    for ( dev = 0; dev < NR_DEVS_USED; dev++ )
        if ( dev_did[dev] == (int)d )
            return true;
    return false;
}

/* The reference sees what any device can fetch now. */
static void ref_record(void)
{
    unsigned int d, b;

    for ( d = 0; d < NR_DIDS_USED; d++ )
        if ( reachable(d) )
            for ( b = 0; b < NR_BFNS; b++ )
                set_add(&ref[d][b], current_outcome(d, bfns[b]));
}

static void ref_invalidate(int d, unsigned long lo, unsigned long hi)
{
    unsigned int i, b;

    for ( i = 0; i < NR_DIDS_USED; i++ )
        if ( d < 0 || (int)i == d )
            for ( b = 0; b < NR_BFNS; b++ )
                if ( bfns[b] >= lo && bfns[b] < hi )
                    ref[i][b].n = 0;
    ref_record();
}

/* One pass over the model's set of a device, sorted by the bfns we use. */
static bool model_collect(void *ctx, unsigned int dev,
                          const struct sim_translation *t)
{
    struct outcome_set *sets = ctx;
    unsigned int b, i;
    unsigned long v;

    (void)dev;
    for ( b = 0; b < NR_BFNS && bfns[b] != t->bfn; b++ )
        ;
    if ( b == NR_BFNS )
        return true;
    v = t->access ? (t->mfn << 2) | t->access : OUTCOME_FAULT;
    for ( i = 0; i < sets[b].n; i++ )
        if ( sets[b].v[i] == v )
            return true;
    if ( sets[b].n < 16 )
        sets[b].v[sets[b].n++] = v;
    return true;
}

static void model(unsigned int dev, struct outcome_set *sets)
{
    memset(sets, 0, NR_BFNS * sizeof(*sets));
    vtd_sim_for_each_possible(dev, model_collect, sets);
}

static bool contains(const struct outcome_set *s, unsigned long v)
{
    unsigned int i;

    for ( i = 0; i < s->n; i++ )
        if ( s->v[i] == v )
            return true;
    return false;
}

static unsigned int failures;

static void report_mismatch(const char *what, unsigned int dev,
                            unsigned long bfn, unsigned long v)
{
    if ( failures++ < 5 )
        printf("# %s: dev %u bfn %#lx outcome %#lx\n", what, dev, bfn, v);
}

static void check_sound(void)
{
    struct outcome_set sets[NR_BFNS];
    unsigned int dev, b, i;

    vtd_sim_sync();
    for ( dev = 0; dev < NR_DEVS_USED; dev++ )
    {
        if ( dev_did[dev] < 0 )
            continue;
        model(dev, sets);
        for ( b = 0; b < NR_BFNS; b++ )
        {
            const struct outcome_set *r = &ref[dev_did[dev]][b];

            for ( i = 0; i < r->n; i++ )
                if ( !contains(&sets[b], r->v[i]) )
                {
                    report_mismatch("missed", dev, bfns[b], r->v[i]);
                    CHECK(contains(&sets[b], r->v[i]));
                }
        }
    }
}

/* Everything written back and invalidated: exactly the current tables. */
static void check_exact(void)
{
    struct outcome_set sets[NR_BFNS];
    unsigned int dev, b, i;

    if ( !sim_caps.coherent )
    {
        /* Write back every table frame in use. */
        for ( i = 0; i < heap_frames_used(); i++ )
            if ( heap_frame_state(HEAP_BASE_MFN + i) == HEAP_FRAME_LIVE )
                hh_cache_writeback(heap_frame_va(HEAP_BASE_MFN + i), 4096);
    }
    CHECK(inv_ctx_global());
    CHECK(inv_global());
    ref_invalidate(-1, 0, ~0UL);
    vtd_sim_sync();
    for ( dev = 0; dev < NR_DEVS_USED; dev++ )
    {
        if ( dev_did[dev] < 0 )
        {
            CHECK(vtd_sim_may_fault(dev, 0, SIM_R));
            continue;
        }
        model(dev, sets);
        for ( b = 0; b < NR_BFNS; b++ )
        {
            const struct outcome_set *m = &sets[b];
            unsigned long cur = current_outcome(dev_did[dev], bfns[b]);
            unsigned int acc = cur == OUTCOME_FAULT ? 0 : cur & 3;

            if ( cur == OUTCOME_FAULT && !sim_caps.cm )
            {
                if ( m->n )
                    report_mismatch("extra", dev, bfns[b], m->v[0]);
                CHECK_EQ(m->n, 0);
            }
            else
            {
                if ( m->n != 1 || m->v[0] != cur )
                    report_mismatch("not exact", dev, bfns[b],
                                    m->n ? m->v[0] : 0);
                CHECK_EQ(m->n, 1);
                CHECK(contains(m, cur));
            }
            CHECK_EQ(vtd_sim_may_fault(dev, bfns[b], SIM_R), !(acc & SIM_R));
            CHECK_EQ(vtd_sim_may_fault(dev, bfns[b], SIM_R | SIM_W),
                     acc != (SIM_R | SIM_W));
        }
    }
}

static void random_step(void)
{
    unsigned int d = rnd(NR_DIDS_USED), b = rnd(NR_BFNS), dev;
    unsigned long bfn = bfns[b];
    unsigned int op = rnd(100);

    if ( op < 50 )
    {
        static const unsigned int accs[] = { 0, DMA_PTE_READ, DMA_PTE_PROT };
        unsigned int acc = accs[rnd(3)];

        set_leaf(pgds[d], bfn, acc ? 0x10 + rnd(3) : 0, acc,
                 sim_caps.coherent || rnd(2));
        ref_record();
    }
    else if ( op < 70 )
    {
        unsigned int am = rnd(4);
        unsigned long lo = bfn & ~((1UL << am) - 1);

        CHECK(inv_psi(did_of(d), bfn, am, rnd(2)));
        ref_invalidate(d, lo, lo + (1UL << am));
    }
    else if ( op < 76 )
    {
        CHECK(inv_dsi(did_of(d)));
        ref_invalidate(d, 0, ~0UL);
    }
    else if ( op < 78 )
    {
        CHECK(inv_global());
        ref_invalidate(-1, 0, ~0UL);
    }
    else if ( op < 86 )
    {
        int to = rnd(3) ? (int)d : -1;

        dev = rnd(NR_DEVS_USED);
        set_context(dev, did_of(d), to < 0 ? 0 : pgds[to]);
        dev_did[dev] = to;
        ref_record();
        if ( rnd(2) )
            CHECK(inv_ctx_global());
    }
    else if ( op < 90 )
        ticks(rnd(5));
    else
        check_exact();
}

static void run(bool cm, bool qi, bool coherent)
{
    struct vtd_sim_caps c = {
        .cm = cm, .psi = true, .qi = qi, .coherent = coherent, .mamv = 3,
        .completion_delay = 1,
    };
    unsigned int d, b, dev, step;
    char why[256];

    sim_start(&c);
    memset(ref, 0, sizeof(ref));
    for ( d = 0; d < NR_DIDS_USED; d++ )
    {
        pgds[d] = new_table();
        /* Build every table up front: the test changes leaves only. */
        for ( b = 0; b < NR_BFNS; b++ )
            (void)pte_slot(pgds[d], bfns[b], 1, NULL);
    }
    for ( dev = 0; dev < NR_DEVS_USED; dev++ )
    {
        dev_did[dev] = dev % NR_DIDS_USED;
        set_context(dev, did_of(dev_did[dev]), pgds[dev_did[dev]]);
    }
    CHECK(inv_ctx_global());
    CHECK(inv_global());
    ref_record();
    for ( step = 0; step < NR_STEPS && !check_failed_at; step++ )
    {
        random_step();
        check_sound();
        for ( dev = 0; dev < NR_DEVS_USED; dev++ )
            CHECK(!vtd_sim_wild(dev, why, sizeof(why)));
    }
    check_exact();
    CHECK(no_protocol_error());
}

#define CONFIG_TEST(name, cm, qi, coherent)     \
    static void name(void) { run(cm, qi, coherent); }

CONFIG_TEST(random_reg_coherent, false, false, true)
CONFIG_TEST(random_qi_coherent, false, true, true)
CONFIG_TEST(random_qi_coherent_cm, true, true, true)
CONFIG_TEST(random_reg_noncoherent_cm, true, false, false)
CONFIG_TEST(random_qi_noncoherent, false, true, false)

int main(void)
{
    RUN(random_reg_coherent);
    RUN(random_qi_coherent);
    RUN(random_qi_coherent_cm);
    RUN(random_reg_noncoherent_cm);
    RUN(random_qi_noncoherent);
    return tests_failed ? 1 : 0;
}
