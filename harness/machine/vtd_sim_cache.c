/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The simulated VT-d unit's caches: the possible-translation sets
 * (vtd_sim.c says where the other parts are).
 *
 * For every VT-d domain id, the set of entries the hardware may hold:
 * leaves (IOTLB, level 1), paging-structure entries (levels 2..4,
 * pointing at a table frame) and, under CAP.CM, non-present entries.  A
 * context entry's root pointer is a pseudo entry of level 5.  Every
 * cached table pointer is a "reacher" of its frame: when a visible word
 * of the frame changes, the new value is recorded for every reacher, so
 * the set always contains everything any possible walk gives now and
 * everything it gave since the entries were last invalidated.  That is
 * the adversarial hardware: it may have fetched at any of those moments.
 * The walks that fill the sets are in vtd_sim_walk.c; here are the
 * entries' pool, hash and lists, the reachers, and the sweeps that drop
 * what a completed invalidation covers.
 *
 * Context entries are handled the same way, per device, with the current
 * possibilities recomputed whenever the root or context table changes;
 * under sid_tag a device also keeps the domain ids whose leaves it may
 * hit by source id.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "heap.h"
#include "vtd_sim_internal.h"

#define POOL_CHUNK          4096

struct did_state vs_dids[NR_DIDS];
uint16_t vs_touched_dids[NR_DIDS];
unsigned int vs_nr_touched_dids;

struct tl_entry *vs_hash[HASH_SIZE];
static struct tl_entry *free_entries;

#define NP_HASH_BITS        12
static struct np_block *np_hash[1U << NP_HASH_BITS];
static struct np_block *free_np_blocks;

struct dev_state vs_devs[VTD_SIM_DEVICES];
bool vs_ctx_dirty;

/* ---- Cached entries ---- */

static void did_touch(uint16_t did)
{
    if ( !vs_dids[did].touched )
    {
        vs_dids[did].touched = true;
        vs_touched_dids[vs_nr_touched_dids++] = did;
    }
}

static struct tl_entry *entry_alloc(void)
{
    struct tl_entry *e;

    if ( !free_entries )
    {
        struct tl_entry *chunk = calloc(POOL_CHUNK, sizeof(*chunk));
        unsigned int i;

        if ( !chunk )
        {
            fprintf(stderr, "vtd-sim: out of memory\n");
            abort();
        }
        for ( i = 0; i < POOL_CHUNK; i++ )
        {
            chunk[i].hash_next = free_entries;
            free_entries = &chunk[i];
        }
    }
    e = free_entries;
    free_entries = e->hash_next;
    memset(e, 0, sizeof(*e));
    return e;
}

void vs_entry_release(struct tl_entry *e)
{
    e->hash_next = free_entries;
    free_entries = e;
}

static void reach_link(struct tl_entry *e)
{
    unsigned long mfn = e->val;
    struct sim_frame *f = sframe_lazy(mfn);

    /* A frame nobody reached may be stale in our copy: catch up first. */
    if ( f->watch_pos < 0 )
    {
        vs_frame_sync(mfn, f);
        vs_watch_add(f);
    }
    e->reach_prev = NULL;
    e->reach_next = f->reachers;
    if ( f->reachers )
        f->reachers->reach_prev = e;
    f->reachers = e;
}

static void reach_unlink(struct tl_entry *e)
{
    struct sim_frame *f = sframe_lazy(e->val);

    if ( e->reach_prev )
        e->reach_prev->reach_next = e->reach_next;
    else
        f->reachers = e->reach_next;
    if ( e->reach_next )
        e->reach_next->reach_prev = e->reach_prev;
    vs_watch_drop_if_idle(f);
}

static void list_push(struct tl_entry **head, struct tl_entry *e)
{
    e->did_prev = NULL;
    e->did_next = *head;
    if ( *head )
        (*head)->did_prev = e;
    *head = e;
}

static void list_unlink(struct tl_entry **head, struct tl_entry *e)
{
    if ( e->did_prev )
        e->did_prev->did_next = e->did_next;
    else
        *head = e->did_next;
    if ( e->did_next )
        e->did_next->did_prev = e->did_prev;
}

static void leaf_push(struct tl_entry **head, struct tl_entry *e)
{
    e->leaf_prev = NULL;
    e->leaf_next = *head;
    if ( *head )
        (*head)->leaf_prev = e;
    *head = e;
}

static void leaf_unlink(struct tl_entry **head, struct tl_entry *e)
{
    if ( e->leaf_prev )
        e->leaf_prev->leaf_next = e->leaf_next;
    else
        *head = e->leaf_next;
    if ( e->leaf_next )
        e->leaf_next->leaf_prev = e->leaf_prev;
}

struct tl_entry *vs_entry_insert(uint16_t did, unsigned int level,
                              uint64_t key, uint8_t kind, uint64_t val,
                              uint8_t perm)
{
    struct tl_entry *e = entry_alloc();
    unsigned int h = hash_of(did, level, key);

    e->did = did;
    e->level = level;
    e->key = key;
    e->kind = kind;
    e->val = val;
    e->perm = perm;
    e->born = vs_seq;
    e->hash_next = vs_hash[h];
    vs_hash[h] = e;
    did_touch(did);
    list_push(&vs_dids[did].entries, e);
    vs_dids[did].nr_entries++;
    if ( kind == TL_TABLE )
        reach_link(e);
    else if ( kind == TL_WILD )
        vs_dids[did].nr_wild++;
    else if ( kind == TL_LEAF )
        leaf_push(&vs_dids[did].leaves, e);
    return e;
}

static void entry_remove(struct tl_entry *e)
{
    struct tl_entry **link = &vs_hash[hash_of(e->did, e->level, e->key)];

    while ( *link != e )
        link = &(*link)->hash_next;
    *link = e->hash_next;
    list_unlink(&vs_dids[e->did].entries, e);
    vs_dids[e->did].nr_entries--;
    if ( e->kind == TL_TABLE )
        reach_unlink(e);
    else if ( e->kind == TL_WILD )
        vs_dids[e->did].nr_wild--;
    else if ( e->kind == TL_LEAF )
        leaf_unlink(&vs_dids[e->did].leaves, e);
    vs_entry_release(e);
}

/* A context entry of some device points did at root: a pseudo entry. */
static struct tl_entry *root_get(uint16_t did, unsigned long root)
{
    struct tl_entry *e;

    for ( e = vs_dids[did].roots; e; e = e->did_next )
        if ( e->val == root )
        {
            e->refs++;
            return e;
        }
    e = entry_alloc();
    e->did = did;
    e->level = ROOT_LEVEL;
    e->kind = TL_TABLE;
    e->perm = SIM_R | SIM_W;        /* a context entry limits nothing */
    e->val = root;
    e->refs = 1;
    e->seen = vs_seq;
    did_touch(did);
    list_push(&vs_dids[did].roots, e);
    reach_link(e);
    vs_walk_table(did, VTD_PT_LEVELS, 0, root, &all_bfns);
    return e;
}

static void root_put(struct tl_entry *e)
{
    if ( --e->refs )
        return;
    list_unlink(&vs_dids[e->did].roots, e);
    reach_unlink(e);
    vs_entry_release(e);
}

/* ---- Context entries ---- */

/*
 * fr: the fault reason of a DMA through it, unless CTX_VALID.  It tells
 * apart a cleared context entry from a non-present root entry (both
 * 0:0), so that each keeps its own reason.
 */
static void ctx_add(struct dev_state *d, uint8_t kind, uint8_t fr,
                    uint64_t lo, uint64_t hi, const char *why)
{
    struct ctx_poss *p;
    unsigned int i;
    uint16_t did = (hi & VTD_CTX_DID_MASK) >> VTD_CTX_DID_SHIFT;

    for ( i = 0; i < d->nr; i++ )
    {
        p = &d->poss[i];
        if ( p->kind == kind && p->fr == fr && p->lo == lo && p->hi == hi )
        {
            p->current = true;
            p->seen = vs_seq;
            return;
        }
    }
    if ( d->nr == d->cap )
        d->poss = vs_grow(d->poss, &d->cap, 8, sizeof(*d->poss));
    p = &d->poss[d->nr++];
    memset(p, 0, sizeof(*p));
    p->kind = kind;
    p->fr = fr;
    p->lo = lo;
    p->hi = hi;
    p->did = did;
    p->why = why;
    p->current = true;
    p->seen = vs_seq;
    if ( kind == CTX_VALID )
        p->root = root_get(did, (lo & DMA_PTE_ADDR_MASK) >> 12);
}

/*
 * Under sid_tag, d may hit did's leaves first fetchable until now; a
 * moment passes, so that a leaf fetchable from now on is not among them.
 */
static void tag_add(struct dev_state *d, uint16_t did)
{
    uint64_t now = vs_seq++;
    unsigned int i;

    for ( i = 0; i < d->nr_tags; i++ )
        if ( d->tags[i].did == did )
        {
            d->tags[i].moment = now;
            return;
        }
    if ( d->nr_tags == d->cap_tags )
        d->tags = vs_grow(d->tags, &d->cap_tags, 4, sizeof(*d->tags));
    d->tags[d->nr_tags].did = did;
    d->tags[d->nr_tags++].moment = now;
}

/*
 * The context cache no longer holds poss[i].  Under sid_tag the IOTLB may
 * still hold what the device fetched through it.
 */
void vs_ctx_remove(struct dev_state *d, unsigned int i)
{
    if ( d->poss[i].kind == CTX_VALID && vs_caps.sid_tag )
        tag_add(d, d->poss[i].did);
    if ( d->poss[i].root )
        root_put(d->poss[i].root);
    d->poss[i] = d->poss[--d->nr];
}

/*
 * An IOTLB invalidation of did (every did for a global one) completed:
 * whatever a device fetched under it before the submission is gone, unless
 * a DMA it translated may still be on its way (may_be_in_flight()).
 */
void vs_tags_drop(const struct inv *inv)
{
    unsigned int dev, i;

    if ( vs_caps.drain && !inv->drained )
        return;
    for ( dev = 0; dev < VTD_SIM_DEVICES; dev++ )
    {
        struct dev_state *d = &vs_devs[dev];

        for ( i = 0; i < d->nr_tags; )
            if ( d->tags[i].moment < inv->sub_seq &&
                 (inv->gran == INV_GLOBAL || d->tags[i].did == inv->did) )
                d->tags[i] = d->tags[--d->nr_tags];
            else
                i++;
    }
}

static void ctx_classify(struct dev_state *d, uint64_t lo, uint64_t hi)
{
    unsigned int tt = (lo >> 2) & 3;
    unsigned long root = (lo & DMA_PTE_ADDR_MASK) >> 12;

    /*
     * A pass-through entry may reach anything; as ECAP.PT is clear, where
     * a DMA through it faults, the reason is an invalid TT (3).
     */
    if ( !(lo & VTD_CTX_PRESENT) )
        ctx_add(d, CTX_FAULT, VTD_FR_CTX_NP, lo, hi, NULL);
    else if ( tt == 2 )
        ctx_add(d, CTX_WILD, VTD_FR_CTX_INVALID, lo, hi,
                "pass-through context entry");
    else if ( tt == 3 || (hi & 7) != VTD_CTX_AW_4LEVEL )
        ctx_add(d, CTX_FAULT, VTD_FR_CTX_INVALID, lo, hi, NULL);
    else if ( !vs_usable_table(root) )
        ctx_add(d, CTX_WILD, VTD_FR_CTX_INVALID, lo, hi,
                "context entry's table root is not a heap table frame");
    else
        ctx_add(d, CTX_VALID, 0, lo, hi, NULL);
}

static void ctx_watch(unsigned long mfn, struct sim_frame *f)
{
    if ( f->ctx_watch )
        return;
    if ( f->watch_pos < 0 )
        vs_frame_sync(mfn, f);
    f->ctx_watch = true;
    vs_watch_add(f);
}

/* What each device's context entry may be now, from the visible tables. */
static void ctx_compute(unsigned int dev)
{
    struct dev_state *d = &vs_devs[dev];
    uint64_t roots[MAX_VISIBLE], los[MAX_VISIBLE], his[MAX_VISIBLE];
    struct sim_frame *rf, *cf;
    unsigned int nr, nl, nh, a, b, c;

    if ( !vs_regs.root_latched )
    {
        ctx_add(d, CTX_WILD, VTD_FR_ROOT_TABLE, 0, 0,
                "no root table pointer set");
        return;
    }
    rf = sframe(vs_regs.root_mfn);
    if ( !rf )
    {
        ctx_add(d, CTX_WILD, VTD_FR_ROOT_TABLE, vs_regs.root_mfn, 0,
                "root table is not a heap frame");
        return;
    }
    ctx_watch(vs_regs.root_mfn, rf);
    nr = visible_values(rf, 0, roots);      /* bus 0, low word */
    for ( a = 0; a < nr; a++ )
    {
        unsigned long ctx_mfn = (roots[a] & DMA_PTE_ADDR_MASK) >> 12;

        if ( !(roots[a] & VTD_ROOT_PRESENT) )
        {
            ctx_add(d, CTX_FAULT, VTD_FR_ROOT_NP, 0, 0, NULL);
            continue;
        }
        cf = sframe(ctx_mfn);
        if ( !cf || ctx_mfn == vs_regs.root_mfn )
        {
            ctx_add(d, CTX_WILD, VTD_FR_CTX_TABLE, roots[a], ~0ULL,
                    "root entry points outside the heap");
            continue;
        }
        ctx_watch(ctx_mfn, cf);
        nl = visible_values(cf, dev * 2, los);
        nh = visible_values(cf, dev * 2 + 1, his);
        for ( b = 0; b < nl; b++ )
            for ( c = 0; c < nh; c++ )
                ctx_classify(d, los[b], his[c]);
    }
}

void vs_ctx_refresh(void)
{
    unsigned int dev, i;

    vs_ctx_dirty = false;
    for ( dev = 0; dev < VTD_SIM_DEVICES; dev++ )
    {
        struct dev_state *d = &vs_devs[dev];

        for ( i = 0; i < d->nr; i++ )
        {
            d->poss[i].was_current = d->poss[i].current;
            d->poss[i].current = false;
        }
        ctx_compute(dev);
        for ( i = 0; i < d->nr; )
        {
            struct ctx_poss *p = &d->poss[i];

            if ( !p->current && p->was_current )
                p->seen = vs_seq;      /* visible until this moment */
            /* Without Caching Mode a non-present entry is not cached. */
            if ( !p->current && p->kind == CTX_FAULT && !vs_caps.cm )
                vs_ctx_remove(d, i);
            else
                i++;
        }
    }
}

/* ---- Non-present entries (CAP.CM) ---- */

static unsigned int np_hash_of(uint16_t did, unsigned int level,
                               uint64_t rkey)
{
    uint64_t h = (rkey * 0x9e3779b97f4a7c15ULL) ^
                 (((uint64_t)did << 3 | level) * 0xc2b2ae3d27d4eb4fULL);

    return h >> (64 - NP_HASH_BITS);
}

static struct np_block *np_find(uint16_t did, unsigned int level,
                                uint64_t rkey)
{
    struct np_block *b;

    for ( b = np_hash[np_hash_of(did, level, rkey)]; b; b = b->hash_next )
        if ( b->rkey == rkey && b->did == did && b->level == level )
            return b;
    return NULL;
}

static struct np_block *np_get(uint16_t did, unsigned int level,
                               uint64_t rkey)
{
    struct np_block *b = np_find(did, level, rkey);
    struct did_state *ds = &vs_dids[did];
    unsigned int h;

    if ( b )
        return b;
    b = free_np_blocks;
    if ( b )
        free_np_blocks = b->hash_next;
    else if ( !(b = malloc(sizeof(*b))) )
    {
        fprintf(stderr, "vtd-sim: out of memory\n");
        abort();
    }
    /* seen[] means something only where map is set: left as it was. */
    memset(b->map, 0, sizeof(b->map));
    b->seen_max = 0;
    b->did = did;
    b->level = level;
    b->rkey = rkey;
    b->nr = 0;
    h = np_hash_of(did, level, rkey);
    b->hash_next = np_hash[h];
    np_hash[h] = b;
    did_touch(did);
    b->did_prev = NULL;
    b->did_next = ds->np_blocks;
    if ( ds->np_blocks )
        ds->np_blocks->did_prev = b;
    ds->np_blocks = b;
    return b;
}

static void np_remove(struct np_block *b)
{
    struct np_block **link = &np_hash[np_hash_of(b->did, b->level, b->rkey)];
    struct did_state *ds = &vs_dids[b->did];

    while ( *link != b )
        link = &(*link)->hash_next;
    *link = b->hash_next;
    if ( b->did_prev )
        b->did_prev->did_next = b->did_next;
    else
        ds->np_blocks = b->did_next;
    if ( b->did_next )
        b->did_next->did_prev = b->did_prev;
    b->hash_next = free_np_blocks;
    free_np_blocks = b;
}

/* The bits of a block's map word w that stand for slots [lo, hi). */
static uint64_t slots_in_word(unsigned int w, unsigned int lo, unsigned int hi)
{
    uint64_t mask = ~0ULL;

    if ( w == lo / 64 )
        mask &= ~0ULL << (lo % 64);
    if ( (w + 1) * 64 > hi )
        mask &= ~0ULL >> (64 - hi % 64);
    return mask;
}

/*
 * Slots [lo, hi) of the level-'level' table for keys rkey << 9 | slot
 * were fetchable as non-present now.
 */
void vs_np_note_range(uint16_t did, unsigned int level, uint64_t rkey,
                      unsigned int lo, unsigned int hi)
{
    struct np_block *b = np_get(did, level, rkey);
    unsigned int i, w, added = 0;

    /* A word of the map at a time, then the moments in one plain loop. */
    for ( w = lo / 64; w * 64 < hi; w++ )
    {
        uint64_t mask = slots_in_word(w, lo, hi);

        added += __builtin_popcountll(mask & ~b->map[w]);
        b->map[w] |= mask;
    }
    for ( i = lo; i < hi; i++ )
        b->seen[i] = vs_seq;
    b->seen_max = vs_seq;
    b->nr += added;
    vs_dids[did].nr_np += added;
}

bool vs_np_cached(uint16_t did, unsigned int level, uint64_t key)
{
    const struct np_block *b = vs_dids[did].np_blocks
                               ? np_find(did, level, key >> VTD_LEVEL_STRIDE)
                               : NULL;
    return b && np_slot_set(b, key & (PTES - 1));
}

void vs_np_drop_did(struct did_state *ds)
{
    while ( ds->np_blocks )
        np_remove(ds->np_blocks);
    ds->nr_np = 0;
}

/*
 * The slots of b an invalidation covers, [*lo, *hi): the keys whose
 * region meets its block (for paging-structure entries, unless IH=1).
 */
static bool np_scope(const struct np_block *b, const struct inv *inv,
                     unsigned int *lo, unsigned int *hi)
{
    unsigned int shift = VTD_LEVEL_STRIDE * (b->level - 1);
    uint64_t first = b->rkey << VTD_LEVEL_STRIDE, k_lo, k_hi;

    *lo = 0;
    *hi = PTES;
    if ( inv->gran != INV_PAGE )
        return true;
    if ( b->level > 1 && inv->ih )
        return false;
    k_lo = inv->r.lo >> shift;
    k_hi = ((inv->r.hi - 1) >> shift) + 1;
    if ( k_hi <= first || k_lo >= first + PTES )
        return false;
    *lo = k_lo > first ? k_lo - first : 0;
    *hi = k_hi < first + PTES ? k_hi - first : PTES;
    return true;
}

/*
 * Drop the set slots of map word w within [lo, hi) that were not
 * fetchable since the invalidation was submitted; how many went.
 */
static unsigned int np_sweep_word(struct np_block *b, unsigned int w,
                                  unsigned int lo, unsigned int hi,
                                  const struct inv *inv)
{
    uint64_t set = b->map[w] & slots_in_word(w, lo, hi), gone = set;

    /*
     * Unless some slot of b was fetchable since the submission, all of
     * them go without reading seen[] (4 KiB a block: a miss a slot).
     */
    if ( b->seen_max >= inv->sub_seq )
        while ( set )
        {
            unsigned int bit = __builtin_ctzll(set);

            set &= set - 1;
            if ( b->seen[w * 64 + bit] >= inv->sub_seq )
                gone &= ~(1ULL << bit);
        }
    b->map[w] &= ~gone;
    return __builtin_popcountll(gone);
}

/* Drop b's slots the invalidation covers that were not fetchable since. */
static void np_sweep_block(struct np_block *b, const struct inv *inv)
{
    unsigned int lo, hi, w, dropped = 0;

    if ( !np_scope(b, inv, &lo, &hi) )
        return;
    for ( w = lo / 64; w * 64 < hi; w++ )
        if ( b->map[w] )
            dropped += np_sweep_word(b, w, lo, hi, inv);
    b->nr -= dropped;
    vs_dids[b->did].nr_np -= dropped;
    if ( !b->nr )
        np_remove(b);
}

static void np_sweep_did(uint16_t did, const struct inv *inv)
{
    struct np_block *b, *next;

    for ( b = vs_dids[did].np_blocks; b; b = next )
    {
        next = b->did_next;
        np_sweep_block(b, inv);
    }
}

/* ---- Sweeps ---- */

static bool in_scope(const struct tl_entry *e, const struct inv *inv)
{
    if ( inv->gran != INV_PAGE )
        return true;
    if ( e->level == 1 )
        return e->key >= inv->r.lo && e->key < inv->r.hi;
    /* Paging-structure entries translating the block go unless IH=1. */
    return !inv->ih && overlaps(&inv->r, region_lo(e->level, e->key),
                                region_hi(e->level, e->key));
}

/*
 * Under CAP.DRD/DWD, an IOTLB invalidation that did not ask for draining
 * may complete while a DMA it translated before is still on its way: the
 * leaf stays possible (until a draining invalidation covers it).
 */
static bool may_be_in_flight(const struct tl_entry *e, const struct inv *inv)
{
    return vs_caps.drain && !inv->drained && e->kind == TL_LEAF;
}

static void sweep_entry(struct tl_entry *e, const struct inv *inv)
{
    if ( e->seen < inv->sub_seq && in_scope(e, inv) &&
         !may_be_in_flight(e, inv) )
        entry_remove(e);
}

void vs_sweep_did(uint16_t did, const struct inv *inv)
{
    struct tl_entry *e, *next;
    unsigned int level;

    np_sweep_did(did, inv);
    if ( inv->gran == INV_PAGE && inv->r.hi - inv->r.lo <= 64 )
    {
        /* A small block: look its keys up instead of scanning the did. */
        for ( level = 1; level <= (inv->ih ? 1U : VTD_PT_LEVELS); level++ )
        {
            unsigned int shift = VTD_LEVEL_STRIDE * (level - 1);
            uint64_t k, k_hi = (inv->r.hi - 1) >> shift;

            for ( k = inv->r.lo >> shift; k <= k_hi; k++ )
                for ( e = vs_hash[hash_of(did, level, k)]; e; e = next )
                {
                    next = e->hash_next;
                    if ( e->did == did && e->level == level && e->key == k )
                        sweep_entry(e, inv);
                }
        }
        return;
    }
    for ( e = vs_dids[did].entries; e; e = next )
    {
        next = e->did_next;
        sweep_entry(e, inv);
    }
}

/* ---- Queries ---- */

unsigned long vtd_sim_did_cached(uint16_t did)
{
    const struct tl_entry *e;
    unsigned long n;

    op_begin();
    settle_if_needed();
    n = vs_dids[did].nr_entries + vs_dids[did].nr_np;
    for ( e = vs_dids[did].roots; e; e = e->did_next )
        n += e->refs;
    return n;
}
