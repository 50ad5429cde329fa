/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The simulated VT-d unit's walker (vtd_sim.c says where the other parts
 * are): the walks of the translation tables through device-visible
 * memory that fill the possible-translation sets (vs_note_entry(),
 * vs_walk_table()), the stamping walks an invalidation's submission makes
 * (vs_mark_did()), the walks that ask whether a DMA may fault, and the
 * queries the oracles make of the sets: what a device may reach or
 * fault on, whether a walk may go wild, whether a frame is walkable.
 */
#include <inttypes.h>
#include <stdio.h>

#include "heap.h"
#include "vtd_sim_internal.h"

unsigned long vs_walk_budget;
bool vs_walk_overflow;
static unsigned long bfn_limit = 4096;

/* ---- Small helpers ---- */

static bool budget_take(void)
{
    if ( vs_walk_budget )
    {
        vs_walk_budget--;
        return true;
    }
    vs_walk_overflow = true;
    return false;
}

/* n visits at once, as n budget_take() calls would count them. */
static void budget_take_n(unsigned long n)
{
    if ( vs_walk_budget >= n )
        vs_walk_budget -= n;
    else
    {
        vs_walk_budget = 0;
        vs_walk_overflow = true;
    }
}

/*
 * The first word in [idx, end) that may show a present entry; end if none.
 * Only those can give an entry that is cached without CAP.CM.
 */
static unsigned int next_maybe_present(const struct sim_frame *f,
                                       unsigned int idx, unsigned int end)
{
    uint64_t bits;

    while ( idx < end )
    {
        bits = (f->present_map[idx / 64] | f->extra_map[idx / 64]) &
               (~0ULL << (idx % 64));
        if ( bits )
        {
            idx = (idx & ~63U) + __builtin_ctzll(bits);
            return idx < end ? idx : end;
        }
        idx = (idx & ~63U) + 64;
    }
    return end;
}

/* ---- Walks ---- */

static bool special_frame(unsigned long mfn, const struct sim_frame *f)
{
    uint64_t qbase = vs_regs.iqa >> 12;
    uint64_t qpages = 1ULL << (vs_regs.iqa & VTD_IQA_QS_MASK);

    if ( f->ctx_watch )
        return true;
    return (vs_regs.gsts & GSTS_QIES) && mfn >= qbase && mfn < qbase + qpages;
}

bool vs_usable_table(unsigned long mfn)
{
    struct sim_frame *f = sframe_lazy(mfn);

    return f && !special_frame(mfn, f);
}

static void classify(unsigned int level, uint64_t pte, uint8_t *kind,
                     uint64_t *val)
{
    unsigned long mfn;

    *val = 0;
    if ( !dma_pte_present(pte) )
        *kind = TL_NP;
    else if ( level == 1 )
    {
        *kind = TL_LEAF;
        *val = pte & (DMA_PTE_ADDR_MASK | DMA_PTE_PROT);
    }
    else if ( pte & DMA_PTE_SP )
        *kind = TL_NP;      /* superpage bit without SLLPS: a fault */
    else
    {
        mfn = (pte & DMA_PTE_ADDR_MASK) >> 12;
        if ( vs_usable_table(mfn) )
        {
            *kind = TL_TABLE;
            *val = mfn;
        }
        else
        {
            *kind = TL_WILD;
            *val = pte;
        }
    }
}

static struct tl_entry *entry_find(uint16_t did, unsigned int level,
                                   uint64_t key, uint8_t kind, uint64_t val,
                                   uint8_t perm)
{
    struct tl_entry *e;

    for ( e = vs_hash[hash_of(did, level, key)]; e; e = e->hash_next )
        if ( e->key == key && e->did == did && e->level == level &&
             e->kind == kind && e->val == val && e->perm == perm )
            return e;
    return NULL;
}

/*
 * The hardware may have fetched entry (level, key) of did with value pte:
 * record it as seen now, and everything below it within scope.
 */
void vs_note_entry(uint16_t did, unsigned int level, uint64_t key,
                uint64_t pte, const struct range *scope)
{
    struct tl_entry *e;
    uint8_t kind, perm;
    uint64_t val;

    if ( !budget_take() )
        return;
    classify(level, pte, &kind, &val);
    if ( kind == TL_NP )
    {
        /* Without Caching Mode, non-present entries are never cached. */
        if ( vs_caps.cm )
            vs_np_note_range(did, level, key >> VTD_LEVEL_STRIDE,
                             key & (PTES - 1), (key & (PTES - 1)) + 1);
        return;
    }
    perm = kind == TL_TABLE ? pte & (SIM_R | SIM_W) : 0;
    e = entry_find(did, level, key, kind, val, perm);
    if ( !e )
        e = vs_entry_insert(did, level, key, kind, val, perm);
    e->seen = vs_seq;
    if ( kind == TL_TABLE )
        vs_walk_table(did, level - 1, key, val, scope);
}

/* Note every entry of a level-'level' table whose region meets scope. */
void vs_walk_table(uint16_t did, unsigned int level, uint64_t rkey,
                unsigned long mfn, const struct range *scope)
{
    struct sim_frame *f = sframe(mfn);
    unsigned int shift = VTD_LEVEL_STRIDE * (level - 1);
    uint64_t base = rkey << (VTD_LEVEL_STRIDE * level);
    uint64_t end = base + ((uint64_t)PTES << shift);
    uint64_t vals[MAX_VISIBLE];
    unsigned int i, i_lo, i_hi, n, v;

    if ( !f || level < 1 || scope->hi <= base || scope->lo >= end )
        return;
    i_lo = scope->lo <= base ? 0 : (scope->lo - base) >> shift;
    i_hi = scope->hi >= end ? PTES
                            : (scope->hi - base + (1ULL << shift) - 1) >> shift;
    for ( i = i_lo; i < i_hi && !vs_walk_overflow; i++ )
    {
        /*
         * Words that can show only a non-present entry: a visit each, and
         * under CAP.CM cached as such, all at once.
         */
        unsigned int next = next_maybe_present(f, i, i_hi);

        if ( next > i )
        {
            budget_take_n(next - i);
            if ( vs_caps.cm && !vs_walk_overflow )
                vs_np_note_range(did, level, rkey, i, next);
            i = next;
            if ( i >= i_hi || vs_walk_overflow )
                break;
        }
        n = visible_values(f, i, vals);
        for ( v = 0; v < n; v++ )
            vs_note_entry(did, level, (rkey << VTD_LEVEL_STRIDE) | i, vals[v],
                       scope);
    }
}

/* Stamp what is fetchable now within the invalidation's scope. */
void vs_mark_did(uint16_t did, const struct range *scope, bool from_ps)
{
    struct tl_entry *e, *next;
    unsigned int level;

    for ( e = vs_dids[did].roots; e; e = e->did_next )
        vs_walk_table(did, VTD_PT_LEVELS, 0, e->val, scope);
    if ( !from_ps )
        return;
    /* IH=1 keeps paging-structure entries: walks through them stay possible. */
    for ( level = 2; level <= VTD_PT_LEVELS; level++ )
    {
        unsigned int shift = VTD_LEVEL_STRIDE * (level - 1);
        uint64_t k_lo = scope->lo >> shift, k_hi = (scope->hi - 1) >> shift;

        if ( k_hi - k_lo < 64 )
        {
            uint64_t k;

            for ( k = k_lo; k <= k_hi; k++ )
                for ( e = vs_hash[hash_of(did, level, k)]; e; e = next )
                {
                    next = e->hash_next;
                    if ( e->did == did && e->level == level && e->key == k &&
                         e->kind == TL_TABLE )
                        vs_walk_table(did, level - 1, k, e->val, scope);
                }
        }
        else
            for ( e = vs_dids[did].entries; e; e = e->did_next )
                if ( e->level == level && e->kind == TL_TABLE &&
                     overlaps(scope, region_lo(level, e->key),
                              region_hi(level, e->key)) )
                    vs_walk_table(did, level - 1, e->key, e->val, scope);
    }
}

/* ---- Queries ---- */

void vtd_sim_set_bfn_limit(unsigned long limit)
{
    bfn_limit = limit;
}

static bool report(sim_visit_fn fn, void *ctx, unsigned int dev,
                   unsigned long bfn, unsigned long mfn, unsigned int access,
                   uint16_t did)
{
    struct sim_translation t = {
        .bfn = bfn, .mfn = mfn, .access = access, .did = did,
    };

    return fn(ctx, dev, &t);
}

static bool report_fault_range(sim_visit_fn fn, void *ctx, unsigned int dev,
                               uint64_t lo, uint64_t hi, uint16_t did)
{
    uint64_t bfn;

    for ( bfn = lo; bfn < hi && bfn < bfn_limit; bfn++ )
        if ( !report(fn, ctx, dev, bfn, 0, 0, did) )
            return false;
    return true;
}

/*
 * What did's cached leaves give (the reachable part of report_did()),
 * those first fetchable by 'by'.
 */
static bool report_leaves(sim_visit_fn fn, void *ctx, unsigned int dev,
                          uint16_t did, uint64_t by)
{
    const struct tl_entry *e;

    for ( e = vs_dids[did].leaves; e; e = e->leaf_next )
        if ( e->born <= by &&
             !report(fn, ctx, dev, e->key, e->val >> 12,
                     e->val & DMA_PTE_PROT, did) )
            return false;
    return true;
}

/* Leaves the device hits by source id, of dids no context gave it. */
static bool report_tags(sim_visit_fn fn, void *ctx, unsigned int dev,
                        const uint16_t *seen_dids, unsigned int nr_seen)
{
    const struct dev_state *d = &vs_devs[dev];
    unsigned int i, j;

    for ( i = 0; i < d->nr_tags; i++ )
    {
        for ( j = 0; j < nr_seen && seen_dids[j] != d->tags[i].did; j++ )
            ;
        if ( j == nr_seen &&
             !report_leaves(fn, ctx, dev, d->tags[i].did, d->tags[i].moment) )
            return false;
    }
    return true;
}

/* The cached entries of did; faulting ones (access 0) only with faults. */
static bool report_did(sim_visit_fn fn, void *ctx, unsigned int dev,
                       uint16_t did, bool faults)
{
    const struct tl_entry *e;
    const struct np_block *b;
    unsigned int m;
    uint64_t bits;

    if ( !faults )
        return report_leaves(fn, ctx, dev, did, vs_seq);
    for ( e = vs_dids[did].entries; e; e = e->did_next )
        if ( e->level == 1 && e->kind == TL_LEAF &&
             !report(fn, ctx, dev, e->key, e->val >> 12,
                     e->val & DMA_PTE_PROT, did) )
            return false;
    for ( b = vs_dids[did].np_blocks; b; b = b->did_next )
        for ( m = 0; m < PTES / 64; m++ )
            for ( bits = b->map[m]; bits; bits &= bits - 1 )
            {
                uint64_t key = b->rkey << VTD_LEVEL_STRIDE |
                               (m * 64 + __builtin_ctzll(bits));

                /* A cached non-present leaf is listed wherever it is. */
                if ( b->level == 1 ? !report(fn, ctx, dev, key, 0, 0, did)
                                   : !report_fault_range(fn, ctx, dev,
                                         region_lo(b->level, key),
                                         region_hi(b->level, key), did) )
                    return false;
            }
    return true;
}

static void for_each(unsigned int dev, sim_visit_fn fn, void *ctx,
                     bool faults)
{
    const struct dev_state *d;
    uint16_t seen_dids[64];
    unsigned int nr_seen = 0, i, j;
    bool fault_done = !faults;

    if ( dev >= VTD_SIM_DEVICES || !fn )
        return;
    op_begin();
    settle_if_needed();
    if ( !(vs_regs.gsts & GSTS_TES) )
        return;
    d = &vs_devs[dev];
    for ( i = 0; i < d->nr; i++ )
    {
        const struct ctx_poss *p = &d->poss[i];

        if ( p->kind == CTX_FAULT && !fault_done )
        {
            fault_done = true;
            if ( !report_fault_range(fn, ctx, dev, 0, BFN_END, p->did) )
                return;
        }
        if ( p->kind != CTX_VALID )
            continue;
        for ( j = 0; j < nr_seen && seen_dids[j] != p->did; j++ )
            ;
        if ( j < nr_seen )
            continue;
        if ( nr_seen < sizeof(seen_dids) / sizeof(seen_dids[0]) )
            seen_dids[nr_seen++] = p->did;
        if ( !report_did(fn, ctx, dev, p->did, faults) )
            return;
    }
    report_tags(fn, ctx, dev, seen_dids, nr_seen);
}

void vtd_sim_for_each_possible(unsigned int dev, sim_visit_fn fn, void *ctx)
{
    for_each(dev, fn, ctx, true);
}

void vtd_sim_for_each_reachable(unsigned int dev, sim_visit_fn fn, void *ctx)
{
    for_each(dev, fn, ctx, false);
}

/*
 * The fault reasons (FR) below are those of the outcome that faulted:
 * the first faulting one each walk finds.  They are worked out only once
 * a walk faults, so that a DMA that does not pays nothing for them.
 */

/* An entry lacking part of 'access' (a non-present one lacks all). */
static unsigned int lack_reason(uint64_t pte, unsigned int access)
{
    return (access & ~pte & SIM_W) ? VTD_FR_NO_WRITE : VTD_FR_NO_READ;
}

/*
 * A table the walk cannot read: the context entry's root (at the top
 * level) makes the context entry invalid, any other a paging entry's.
 */
static unsigned int fetch_reason(unsigned int level)
{
    return level == VTD_PT_LEVELS ? VTD_FR_CTX_INVALID : VTD_FR_PTE_FETCH;
}

static unsigned int walk_fault(unsigned long mfn, unsigned int level,
                               unsigned long bfn, unsigned int access);

/* Why a walk through pte (an entry at level) for bfn may fault; 0: never. */
static unsigned int pte_fault(uint64_t pte, unsigned int level,
                              unsigned long bfn, unsigned int access)
{
    unsigned long next = (pte & DMA_PTE_ADDR_MASK) >> 12;

    /* Each level grants at most its own R/W (a non-present one: none). */
    if ( (pte & access) != access )
        return lack_reason(pte, access);
    if ( level == 1 )
        return 0;
    if ( pte & DMA_PTE_SP )
        return VTD_FR_PTE_RSVD;
    if ( !vs_usable_table(next) )
        return VTD_FR_PTE_FETCH;
    return walk_fault(next, level - 1, bfn, access);
}

/* Why a walk from table mfn (at level) for bfn may fault now; 0: never. */
static unsigned int walk_fault(unsigned long mfn, unsigned int level,
                               unsigned long bfn, unsigned int access)
{
    struct sim_frame *f = sframe(mfn);
    unsigned int idx = vtd_level_index(bfn, level);
    uint64_t vals[MAX_VISIBLE];
    unsigned int n, v, fr;

    /*
     * A table no longer a heap frame cannot be read.  Past the budget the
     * walk is reported wild (vtd_sim_wild()): any reason would do.
     */
    if ( !f || !budget_take() )
        return fetch_reason(level);
    /* Still in the write buffer: may read as the non-present entry it was. */
    if ( wbuf_has(f, idx) )
        return lack_reason(0, access);
    n = visible_values(f, idx, vals);
    for ( v = 0; v < n; v++ )
    {
        fr = pte_fault(vals[v], level, bfn, access);
        if ( fr )
            return fr;
    }
    return 0;
}

/*
 * Why a cached entry e (for bfn) may make the walk fault; 0: never.
 * Cached non-present entries are not tl_entries (vs_np_cached()).
 */
static unsigned int cached_fault(const struct tl_entry *e, unsigned long bfn,
                                 unsigned int access)
{
    switch ( e->kind )
    {
    case TL_WILD:
        return VTD_FR_PTE_FETCH;
    case TL_LEAF:
        return (e->val & access) != access ? lack_reason(e->val, access) : 0;
    case TL_TABLE:
        if ( (e->perm & access) != access )
            return lack_reason(e->perm, access);
        return walk_fault(e->val, e->level - 1, bfn, access);
    }
    return 0;
}

/*
 * Through one context entry: a walk from its root now, or any entry the
 * did may have cached (from whichever context entry it was fetched).
 */
static unsigned int ctx_fault(const struct ctx_poss *p, unsigned long bfn,
                              unsigned int access)
{
    const struct tl_entry *e;
    unsigned int level, fr;
    uint16_t did = p->did;

    fr = walk_fault(p->root->val, VTD_PT_LEVELS, bfn, access);
    for ( level = 1; level <= VTD_PT_LEVELS && !fr; level++ )
    {
        uint64_t key = (uint64_t)bfn >> (VTD_LEVEL_STRIDE * (level - 1));

        for ( e = vs_hash[hash_of(did, level, key)]; e && !fr;
              e = e->hash_next )
            if ( e->did == did && e->level == level && e->key == key )
                fr = cached_fault(e, bfn, access);
        if ( !fr && vs_np_cached(did, level, key) )
            fr = lack_reason(0, access);
    }
    return fr;
}

/* Why a DMA through context possibility p may fault; 0: never. */
static unsigned int poss_fault(const struct ctx_poss *p, unsigned long bfn,
                               unsigned int access)
{
    if ( p->kind != CTX_VALID )
        return p->fr;
    /* Its AW is 4-level (48-bit), the input address wider. */
    if ( bfn >= BFN_END )
        return VTD_FR_BEYOND_AW;
    return ctx_fault(p, bfn, access);
}

unsigned int vs_fault_reason(unsigned int dev, unsigned long bfn,
                             unsigned int access)
{
    const struct dev_state *d;
    unsigned int i, fr;

    /* The unit models no context entry for other devices. */
    if ( dev >= VTD_SIM_DEVICES )
        return VTD_FR_CTX_NP;
    op_begin();
    settle_if_needed();
    if ( !(vs_regs.gsts & GSTS_TES) )
        return 0;
    access &= SIM_R | SIM_W;
    d = &vs_devs[dev];
    if ( !d->nr )
        return VTD_FR_CTX_NP;
    for ( i = 0; i < d->nr; i++ )
    {
        fr = poss_fault(&d->poss[i], bfn, access);
        if ( fr )
            return fr;
    }
    return 0;
}

bool vtd_sim_may_fault(unsigned int dev, unsigned long bfn,
                       unsigned int access)
{
    return vs_fault_reason(dev, bfn, access) != 0;
}

bool vtd_sim_walkable(unsigned long mfn)
{
    const struct sim_frame *f;

    settle_if_needed();
    f = sframe_lazy(mfn);
    return f && f->reachers;
}

bool vtd_sim_wild(unsigned int dev, char *why, size_t len)
{
    const struct dev_state *d;
    const struct tl_entry *e;
    unsigned int i;

    if ( dev >= VTD_SIM_DEVICES )
        return false;
    op_begin();
    settle_if_needed();
    if ( !(vs_regs.gsts & GSTS_TES) )
    {
        snprintf(why, len, "translation is disabled: DMA is untranslated");
        return true;
    }
    if ( vs_walk_overflow )
    {
        snprintf(why, len, "possible walks too many to enumerate "
                 "(cyclic tables or unflushed values)");
        return true;
    }
    d = &vs_devs[dev];
    for ( i = 0; i < d->nr; i++ )
    {
        const struct ctx_poss *p = &d->poss[i];

        if ( p->kind == CTX_WILD )
        {
            snprintf(why, len, "context entry %#" PRIx64 ":%#" PRIx64 ": %s",
                     p->hi, p->lo, p->why);
            return true;
        }
        if ( p->kind != CTX_VALID || !vs_dids[p->did].nr_wild )
            continue;
        for ( e = vs_dids[p->did].entries; e; e = e->did_next )
            if ( e->kind == TL_WILD )
            {
                snprintf(why, len, "did %u: level-%u entry for bfns %#" PRIx64
                         "..%#" PRIx64 " is %#" PRIx64
                         ", not a pointer to a heap table frame",
                         p->did, e->level, region_lo(e->level, e->key),
                         region_hi(e->level, e->key) - 1, e->val);
                return true;
            }
    }
    return false;
}
