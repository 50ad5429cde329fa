/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The shadow model: see shadow.h for what it keeps and why.  Every rule
 * here is written from Xen 4.17's ABI and documented behaviour (the order
 * of the checks in map_grant_ref(), unmap_common(), the setup and query
 * ops, domain_kill(), mm.c's reference and type rules) and docs/design.md,
 * "The IOMMU rules", never from Xen's or the core's data structures.
 *
 * Each op is applied in two steps: its checks, which decide the status
 * without changing anything, then, if it succeeds, its effect.  Re-applying
 * an op whose outcome an injected fault changed is then the same code with
 * the effect left out.
 */
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <xen/errno.h>
#include <xen/lib.h>
#include <public/xen.h>
#include <public/grant_table.h>

#include "digest.h"
#include "fault.h"
#include "nocov.h"
#include "shadow.h"
#include "trace.h"

#define PARTS           (GNTMAP_host_map | GNTMAP_device_map)
#define STATUS_BITS     (GTF_reading | GTF_writing)

struct apply_ctx {
    struct shadow *sh;
    struct sh_call *call;
    const struct sh_facts *facts;       /* NULL: no fault in this call */
    unsigned int idx;                   /* the op of the call */
    /*
     * Only the statuses matter (the prediction a faulted call is judged
     * against): maps take any free handle, not Xen's.
     */
    bool any_handle;
    unsigned int d0;                    /* its slot, d0_snapshot() taken */
    char *why;
    size_t whylen;
    bool violated;
};

static void violation(struct apply_ctx *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void violation(struct apply_ctx *c, const char *fmt, ...)
{
    va_list ap;

    if ( c->violated || !c->why )
        return;
    c->violated = true;
    va_start(ap, fmt);
    vsnprintf(c->why, c->whylen, fmt, ap);
    va_end(ap);
}

/* ---- reset ---- */

static void frame_clear(struct shadow *sh, unsigned long mfn)
{
    unsigned int d;

    memset(&sh->frame[mfn], 0, sizeof(sh->frame[mfn]));
    sh->frame[mfn].owner = SH_NOBODY;
    for ( d = 0; d < SH_DOMAINS; d++ )
        sh->count_ro[d][mfn] = sh->count_rw[d][mfn] = 0;
}

/* Only the frames the last run touched need clearing. */
void shadow_reset(struct shadow *sh, const struct run_header *hdr)
{
    unsigned int i;
    unsigned long mfn;

    if ( !sh->frames_clean )
    {
        for ( mfn = 0; mfn < RUN_MAX_FRAMES; mfn++ )
            frame_clear(sh, mfn);
        sh->frames_clean = true;
    }
    else
        for_each_frame ( mfn, &sh->touched )
            frame_clear(sh, mfn);
    memset(sh, 0, offsetof(struct shadow, frames_clean));
    frame_set_init(&sh->touched, hdr->nr_frames);
    sh->hdr = *hdr;
    for ( i = 0; i < SH_DEVICES; i++ )
        sh->dev[i].owner = SH_NOBODY;
}

/*
 * A free slot is all zero, its counts too: shadow_reset() and the end and
 * the creation of a domain clear them.  And no frame past the run's last
 * is ever touched, nor a handle past a slot's handles_used.  So a copy
 * leaves out the slots free on both sides, the frames past both sides'
 * last and the handles past both sides' handles_used: most runs use a few
 * of SH_DOMAINS, of RUN_MAX_FRAMES and of SH_HANDLES, and the model is
 * copied at every call it cannot predict alone (shadow_reapply()).
 */
static void copy_domain(struct sh_domain *dst, const struct sh_domain *src)
{
    unsigned int handles = max(src->handles_used, dst->handles_used);

    memcpy(dst, src, offsetof(struct sh_domain, handle));
    memcpy(dst->handle, src->handle, handles * sizeof(src->handle[0]));
}

void shadow_copy(struct shadow *dst, const struct shadow *src)
{
    unsigned long frames = max(src->hdr.nr_frames, dst->hdr.nr_frames);
    unsigned int d;

    memcpy(dst, src, offsetof(struct shadow, dom));
    for ( d = 0; d < SH_DOMAINS; d++ )
    {
        if ( src->dom[d].state == SH_DOM_NONE &&
             dst->dom[d].state == SH_DOM_NONE )
            continue;
        copy_domain(&dst->dom[d], &src->dom[d]);
        memcpy(dst->count_ro[d], src->count_ro[d],
               frames * sizeof(src->count_ro[d][0]));
        memcpy(dst->count_rw[d], src->count_rw[d],
               frames * sizeof(src->count_rw[d][0]));
    }
    dst->frames_clean = src->frames_clean;
    dst->touched = src->touched;
    memcpy(dst->frame, src->frame, frames * sizeof(src->frame[0]));
}

/*
 * A frame's model state, field by field (so padding does not count);
 * 0 for a frame in the state it starts in, whoever touched it.
 */
static uint64_t frame_digest(const struct shadow *sh, unsigned long mfn)
{
    const struct sh_frame *f = &sh->frame[mfn];
    uint64_t h = digest_u64(DIGEST_SEED, mfn);
    bool clear = f->owner == SH_NOBODY && !f->allocated && !f->held &&
                 !f->pinned && !f->type && !f->refs && !f->type_count &&
                 !f->guest_refs && !f->leaked_ro && !f->leaked_rw;
    unsigned int d;

    h = digest_u64(h, f->owner | f->allocated << 8 | f->held << 9 |
                      f->pinned << 10 | f->type << 11 |
                      (uint64_t)f->leaked_ro << 16 |
                      (uint64_t)f->leaked_rw << 24);
    h = digest_u64(h, f->refs | (uint64_t)f->type_count << 32);
    h = digest_u64(h, f->guest_refs);
    for ( d = 0; d < SH_DOMAINS; d++ )
    {
        clear = clear && !sh->count_ro[d][mfn] && !sh->count_rw[d][mfn];
        h = digest_u64(h, sh->count_ro[d][mfn] |
                          (uint64_t)sh->count_rw[d][mfn] << 16);
    }
    return clear ? 0 : h;
}

uint64_t shadow_digest(const struct shadow *sh, uint64_t h)
{
    unsigned long mfn;
    uint64_t f;

    /* Cleared with memset, and only changed field by field after. */
    h = digest_sparse(h, sh, offsetof(struct shadow, frames_clean));
    for_each_frame ( mfn, &sh->touched )
        if ( (f = frame_digest(sh, mfn)) )
            h = digest_u64(h, f);
    return h;
}

/* ---- small helpers ---- */

static void touch(struct shadow *sh, unsigned long mfn)
{
    frame_set_add(&sh->touched, mfn);
}

unsigned int NO_COVERAGE shadow_slot(const struct shadow *sh,
                                     unsigned int domid)
{
    unsigned int d;

    for ( d = 0; d < SH_DOMAINS; d++ )
        if ( sh->dom[d].state != SH_DOM_NONE && sh->dom[d].domid == domid )
            return d;
    return SH_NOBODY;
}

/* The slot of a domain whose vCPU runs (a guest op's caller). */
static unsigned int running_slot(const struct shadow *sh, unsigned int domid)
{
    unsigned int d = shadow_slot(sh, domid);

    return d != SH_NOBODY && sh->dom[d].state == SH_DOM_LIVE &&
           !sh->dom[d].crashed ? d : SH_NOBODY;
}

static struct sh_frame *frame_of(struct shadow *sh, unsigned long mfn)
{
    return mfn < sh->hdr.nr_frames ? &sh->frame[mfn] : NULL;
}

bool NO_COVERAGE shadow_pins_any(const struct sh_pins *p)
{
    return p->host_rw || p->host_ro || p->dev_rw || p->dev_ro;
}

static bool pins_writable(const struct sh_pins *p)
{
    return p->host_rw || p->dev_rw;
}

static uint16_t *pin_slot(struct sh_pins *p, bool host, bool ro)
{
    if ( host )
        return ro ? &p->host_ro : &p->host_rw;
    return ro ? &p->dev_ro : &p->dev_rw;
}

static void pins_add(struct sh_pins *p, uint32_t parts, bool ro, int delta)
{
    if ( parts & GNTMAP_host_map )
        *pin_slot(p, true, ro) += delta;
    if ( parts & GNTMAP_device_map )
        *pin_slot(p, false, ro) += delta;
}

/* Xen's GNTPIN_incr2oflow_mask(): a counter at the limit may not grow. */
static bool pins_would_overflow(struct sh_pins *p, uint32_t parts, bool ro,
                                unsigned int limit)
{
    return ((parts & GNTMAP_host_map) && *pin_slot(p, true, ro) >= limit) ||
           ((parts & GNTMAP_device_map) && *pin_slot(p, false, ro) >= limit);
}

static bool page_table_type(unsigned int type)
{
    return type >= SH_PGT_L1 && type <= SH_PGT_L4;
}

/* Entries of a grant table grow a frame (512 of them) at a time. */
static bool ref_in_table(const struct sh_domain *dom, unsigned int code)
{
    return op_ref_value(code) <
           (uint32_t)dom->nr_gframes * SH_ENTRIES_PER_FRAME;
}

/* A confirmed context-cache invalidation: no device uses an old context. */
static void context_cache_flushed(struct shadow *sh)
{
    unsigned int i;

    for ( i = 0; i < SH_DEVICES; i++ )
    {
        sh->dev[i].unconfirmed = false;
        sh->dev[i].stale_contexts = 0;
    }
}

/* Move a device; unconfirmed, it may go on using the context it left. */
static void device_move(struct sh_device *dv, unsigned int to, bool confirmed)
{
    if ( confirmed )
    {
        dv->unconfirmed = false;
        dv->stale_contexts = 0;
    }
    else
    {
        if ( dv->owner != SH_NOBODY )
            dv->stale_contexts |= 1U << dv->owner;
        dv->unconfirmed = true;
    }
    dv->owner = to;
}

/* d's devices to quarantine (confirmed: the context cache was invalidated). */
static void block_devices(struct shadow *sh, unsigned int d, bool confirmed)
{
    unsigned int i;

    for ( i = 0; i < SH_DEVICES; i++ )
        if ( sh->dev[i].owner == d )
            device_move(&sh->dev[i], SH_NOBODY, confirmed);
    if ( confirmed )
        context_cache_flushed(sh);
}

static void count_add(struct shadow *sh, unsigned int d, unsigned long mfn,
                      bool ro, int delta)
{
    uint16_t *count = ro ? &sh->count_ro[d][mfn] : &sh->count_rw[d][mfn];

    touch(sh, mfn);
    *count += delta;
    if ( *count > sh->count_high )
        sh->count_high = *count;
}

/*
 * map_grant_ref() counts a foreign frame's mappings per kind for the
 * domain's IOMMU entry; a count that would wrap fails the map, past
 * _set_status(), with everything the map took given back.
 */
static bool count_full(const struct shadow *sh, unsigned int ld,
                       unsigned int rd, unsigned long mfn, bool ro)
{
    if ( !sh->count_max || ld == rd || !sh->dom[ld].iommu )
        return false;
    return (ro ? sh->count_ro[ld][mfn] : sh->count_rw[ld][mfn]) >=
           sh->count_max;
}

static void clear_counts(struct shadow *sh, unsigned int d)
{
    unsigned long mfn;

    for_each_frame ( mfn, &sh->touched )
    {
        sh->count_ro[d][mfn] = sh->count_rw[d][mfn] = 0;
        sh->frame[mfn].leaked_ro &= ~(1U << d);
        sh->frame[mfn].leaked_rw &= ~(1U << d);
    }
}

/* ---- frames ---- */

static bool is_fault_run(const struct apply_ctx *c)
{
    return c->facts != NULL;
}

/* Did a release of slot d's mappings leak (a frame still pinned for it)? */
static bool releases_leaked(const struct shadow *sh, unsigned int d)
{
    unsigned long mfn;

    for ( mfn = 0; mfn < sh->hdr.nr_frames; mfn++ )
        if ( ((sh->frame[mfn].leaked_ro | sh->frame[mfn].leaked_rw) >> d) & 1 )
            return true;
    return false;
}

/* Did an earlier failed flush touch slot d (its fate is then Xen's)? */
static bool fault_touched(const struct shadow *sh, unsigned int d)
{
    const struct sh_domain *dom = &sh->dom[d];

    return dom->crashed || dom->flush_failed || releases_leaked(sh, d);
}

unsigned int shadow_entry_max_pin(const struct shadow *sh, unsigned int domid,
                                  uint32_t ref)
{
    unsigned int d = shadow_slot(sh, domid), g = op_ref_code(ref), most;
    const struct sh_pins *p;

    if ( d == SH_NOBODY || sh->dom[d].state == SH_DOM_NONE || g >= SH_REFS )
        return 0;
    p = &sh->dom[d].active[g].pin;
    most = p->host_rw;
    most = p->host_ro > most ? p->host_ro : most;
    most = p->dev_rw > most ? p->dev_rw : most;
    return p->dev_ro > most ? p->dev_ro : most;
}

unsigned int NO_COVERAGE shadow_maptrack_room(const struct shadow *sh)
{
    unsigned int d, fewest = UINT_MAX;

    for ( d = 0; d < SH_DOMAINS; d++ )
    {
        const struct sh_domain *sd = &sh->dom[d];
        unsigned int usable = sd->max_mframes *
                              sh_handles_per_frame(&sh->hdr) - 1;
        unsigned int room;

        if ( sd->state != SH_DOM_LIVE || !sd->max_mframes )
            continue;
        room = sd->live_handles < usable ? usable - sd->live_handles : 0;
        fewest = room < fewest ? room : fewest;
    }
    return fewest;
}

/* A dead domain is destroyed with its last frame; its slot frees. */
static void domain_try_destroy(struct apply_ctx *c, unsigned int d)
{
    struct shadow *sh = c->sh;
    struct sh_domain *dom = &sh->dom[d];

    if ( dom->state != SH_DOM_DEAD || dom->nr_pages || dom->held_for_pins )
        return;
    /*
     * gtio holds a domain whose reduction it could not confirm (what was
     * taken away stays with its caller): Xen keeps it, dead, for good.
     * Only one a failed flush touched: crashed, the hardware domain once
     * a flush of its failed, or one whose releases leaked.
     */
    if ( is_fault_run(c) && c->facts->exists[d] && fault_touched(sh, d) )
    {
        dom->held_for_pins = true;
        return;
    }
    memset(dom, 0, sizeof(*dom));
    clear_counts(sh, d);
}

static void frame_free(struct apply_ctx *c, unsigned long mfn)
{
    struct shadow *sh = c->sh;
    struct sh_frame *f = &sh->frame[mfn];
    unsigned int owner = f->owner;

    memset(f, 0, offsetof(struct sh_frame, leaked_ro));
    f->owner = SH_NOBODY;
    if ( owner < SH_DOMAINS )
    {
        sh->dom[owner].nr_pages--;
        domain_try_destroy(c, owner);
    }
}

/* Could an invalidation have failed in this call (or hung for good)? */
static bool flush_may_fail(const struct apply_ctx *c)
{
    return c->facts->flush_fault_in_call || c->facts->register_hung;
}

/*
 * Could the last put of this frame have failed to take it out of its
 * owner's IOMMU?  Only a writable page of an owner whose IOMMU follows
 * its pages is taken out, and only an invalidation that fails in this
 * call (or a register hung for good) leaves that unconfirmed.
 */
static bool removal_may_fail(const struct apply_ctx *c, const struct sh_frame *f)
{
    return flush_may_fail(c) && f->owner < SH_DOMAINS &&
           c->sh->dom[f->owner].iommu &&
           f->type == SH_PGT_WRITABLE;
}

/*
 * Drop a reference; the last one frees the frame (put_page()), after its
 * owner's IOMMU lets go of it.  Where Xen could not confirm that (facts),
 * the frame is leaked: held, with its owner, never freed.
 */
static void frame_put_ref(struct apply_ctx *c, unsigned long mfn)
{
    struct sh_frame *f = &c->sh->frame[mfn];

    if ( !f->refs )
    {
        violation(c, "shadow: reference underflow on frame %lu", mfn);
        return;
    }
    if ( --f->refs )
        return;
    if ( is_fault_run(c) && c->facts->frame_held[mfn] )
    {
        if ( !removal_may_fail(c, f) )
            violation(c, "frame %lu leaked, though no removal of it from "
                      "its owner's IOMMU could fail", mfn);
        f->held = true;
        return;
    }
    frame_free(c, mfn);
}

static void frame_put_type(struct sh_frame *f)
{
    if ( f->type_count )
        f->type_count--;
}

/*
 * get_page_type(): may the frame take a reference of this type?  A type
 * changes only while no reference of the old type is held.
 */
static bool frame_type_ok(const struct sh_frame *f, unsigned int type)
{
    return !f->type_count || f->type == type;
}

static void frame_get_type(struct sh_frame *f, unsigned int type)
{
    if ( !f->type_count )
        f->type = type;
    f->type_count++;
}

/* get_page(): the owner's, with a reference to take. */
static bool frame_gettable(const struct sh_frame *f, unsigned int owner)
{
    return f && f->owner == owner && f->refs && !f->held;
}

/* ---- grant entries ---- */

/* Xen's _set_status(): only when the pins do not cover the access yet. */
static void set_status(struct sh_domain *rdom, unsigned int ref, bool ro)
{
    const struct sh_active *act = &rdom->active[ref];

    if ( !shadow_pins_any(&act->pin) || (!ro && !pins_writable(&act->pin)) )
        rdom->shared[ref].flags |= GTF_reading | (ro ? 0 : GTF_writing);
}

/* Xen's reduce_status_for_pin(): the bits the remaining pins do not need. */
static void reduce_status(struct sh_domain *rdom, unsigned int ref, bool ro)
{
    const struct sh_active *act = &rdom->active[ref];
    uint16_t clear = shadow_pins_any(&act->pin) ? 0 : GTF_reading;

    if ( !ro && !pins_writable(&act->pin) )
        clear |= GTF_writing;
    rdom->shared[ref].flags &= ~clear;
}

/* A release that will never happen: its mapping may stay reachable. */
static void release_leaked(struct shadow *sh, unsigned int ld,
                           unsigned int rd, unsigned long mfn, bool ro)
{
    struct sh_frame *f = &sh->frame[mfn];

    if ( ld == rd )
        return;
    if ( ro )
        f->leaked_ro |= 1U << ld;
    else
        f->leaked_rw |= 1U << ld;
}

/* ---- domain ops ---- */

static int op_create(struct apply_ctx *c, const struct op *op)
{
    struct shadow *sh = c->sh;
    struct sh_domain *dom;
    unsigned int d;

    if ( op->d >= DOMID_FIRST_RESERVED )
        return -EINVAL;
    if ( shadow_slot(sh, op->d) != SH_NOBODY )
        return -EEXIST;
    for ( d = 0; d < SH_DOMAINS && sh->dom[d].state != SH_DOM_NONE; d++ )
        continue;
    if ( d == SH_DOMAINS )
        return -ENOSPC;
    /* grant_table_init(): at least the initial frame, at most Xen's max. */
    if ( op->n < 1 || op->n > SH_OPT_MAX_GFRAMES )
        return -EINVAL;
    if ( is_fault_run(c) && c->facts->status[c->idx] )
        return c->facts->status[c->idx];
    dom = &sh->dom[d];
    memset(dom, 0, sizeof(*dom));
    clear_counts(sh, d);
    dom->state = SH_DOM_LIVE;
    dom->domid = op->d;
    dom->iommu = op->iommu;
    dom->max_gframes = op->n;
    dom->max_mframes = op->maptrack;
    dom->nr_gframes = 1;
    return 0;
}

/* One part of a mapping gives back its frame reference (and type). */
static void drop_part(struct apply_ctx *c, unsigned long mfn, bool ro)
{
    if ( !ro )
        frame_put_type(&c->sh->frame[mfn]);
    frame_put_ref(c, mfn);
}

/* The handles a dying domain holds go (gnttab_release_mappings()). */
static void release_mappings(struct apply_ctx *c, unsigned int d)
{
    struct shadow *sh = c->sh;
    struct sh_domain *dom = &sh->dom[d];
    unsigned int h, limit = sh_maptrack_entries(sh, dom);

    /* No handle lives past the domain's maptrack frames. */
    for ( h = 0; h < limit; h++ )
    {
        struct sh_handle *hd = &dom->handle[h];
        struct sh_domain *rdom = &sh->dom[hd->rd];
        bool ro = hd->flags & GNTMAP_readonly;

        if ( !hd->flags )
            continue;
        /* The device part's reference; a PV host part's goes with the
         * page tables (relinquish_host_mappings()). */
        if ( hd->flags & GNTMAP_device_map )
            drop_part(c, hd->mfn, ro);
        pins_add(&rdom->active[hd->ref].pin, hd->flags & PARTS, ro, -1);
        reduce_status(rdom, hd->ref, ro);
        memset(hd, 0, sizeof(*hd));
    }
    dom->live_handles = 0;
    dom->nr_mframes = 0;
    clear_counts(sh, d);
}

/* Page-table teardown: the host parts of mappings it had, and its own
 * type references; then the allocation references. */
static void relinquish_memory(struct apply_ctx *c, unsigned int d,
                              const uint16_t *host_rw, const uint16_t *host_ro)
{
    struct shadow *sh = c->sh;
    unsigned long mfn;

    for_each_frame ( mfn, &sh->touched )
    {
        struct sh_frame *f = &sh->frame[mfn];
        unsigned int n;

        for ( n = host_rw[mfn]; n; n-- )
        {
            frame_put_type(f);
            frame_put_ref(c, mfn);
        }
        for ( n = host_ro[mfn]; n; n-- )
            frame_put_ref(c, mfn);
    }
    for_each_frame ( mfn, &sh->touched )
    {
        struct sh_frame *f = &sh->frame[mfn];

        /* get_page() of relinquish_memory(): a held frame is skipped. */
        if ( f->owner != d || !f->refs || f->held )
            continue;
        /* Xen holds a reference across these: the frame goes last. */
        f->refs++;
        while ( f->guest_refs )
        {
            f->guest_refs--;
            frame_put_type(f);
            frame_put_ref(c, mfn);
        }
        if ( f->pinned )
        {
            f->pinned = false;
            frame_put_type(f);
            frame_put_ref(c, mfn);
        }
        if ( f->allocated )
        {
            f->allocated = false;
            frame_put_ref(c, mfn);
        }
        frame_put_ref(c, mfn);
    }
}

static uint16_t scratch_host_rw[RUN_MAX_FRAMES], scratch_host_ro[RUN_MAX_FRAMES];

/* Count the host parts before release_mappings() forgets the handles. */
static void count_host_parts(struct shadow *sh, unsigned int d)
{
    const struct sh_domain *dom = &sh->dom[d];
    unsigned int h, limit = sh_maptrack_entries(sh, dom);
    unsigned long mfn;

    for_each_frame ( mfn, &sh->touched )
        scratch_host_rw[mfn] = scratch_host_ro[mfn] = 0;
    /* No handle lives past the domain's maptrack frames. */
    for ( h = 0; h < limit; h++ )
    {
        const struct sh_handle *hd = &dom->handle[h];

        if ( !(hd->flags & GNTMAP_host_map) )
            continue;
        if ( hd->flags & GNTMAP_readonly )
            scratch_host_ro[hd->mfn]++;
        else
            scratch_host_rw[hd->mfn]++;
    }
}

/*
 * A dying domain's devices are cut off and its IOTLB invalidated only if
 * gtio keeps its IOMMU; that fails only with an invalidation that fails
 * in the call (or a register hung for good).
 */
static bool quiescence_may_fail(const struct apply_ctx *c,
                                const struct sh_domain *dom)
{
    return dom->iommu && flush_may_fail(c);
}

/*
 * domain_kill(): mark dying; quiesce the devices (confirmed, or the kill
 * stops there: held); release the grant mappings; relinquish the IOMMU
 * tables, the page tables and the memory; dead until the last frame goes.
 */
static int op_destroy(struct apply_ctx *c, const struct op *op)
{
    struct shadow *sh = c->sh;
    unsigned int d = shadow_slot(sh, op->d);
    struct sh_domain *dom;
    int st = 0;

    if ( d == SH_NOBODY )
        return -ESRCH;
    dom = &sh->dom[d];
    if ( dom->state == SH_DOM_DEAD )
        return 0;
    dom->state = SH_DOM_DYING;
    if ( is_fault_run(c) && c->facts->held[d] )
    {
        /* The quiescence was not confirmed: nothing is released. */
        if ( c->facts->status[c->idx] == 0 )
            violation(c, "d%u held but its destroy returned 0", dom->domid);
        else if ( !quiescence_may_fail(c, dom) )
            violation(c, "d%u held, though nothing of its quiescence could "
                      "fail", dom->domid);
        block_devices(sh, d, false);
        return c->facts->status[c->idx];
    }
    /* Only a domain that ever had a device has a domain id to flush. */
    if ( dom->had_device )
        block_devices(sh, d, true);
    if ( dom->domid == 0 )
        sh->d0_excused = false;
    count_host_parts(sh, d);
    release_mappings(c, d);
    dom->iommu = false;
    dom->has_root = false;
    relinquish_memory(c, d, scratch_host_rw, scratch_host_ro);
    dom->state = SH_DOM_DEAD;
    if ( is_fault_run(c) )
        st = c->facts->status[c->idx];
    domain_try_destroy(c, d);
    return st;
}

static int op_assign(struct apply_ctx *c, const struct op *op)
{
    struct shadow *sh = c->sh;
    unsigned int d = shadow_slot(sh, op->d);
    struct sh_domain *dom = d != SH_NOBODY ? &sh->dom[d] : NULL;
    int st;

    if ( op->dev >= SH_DEVICES || !dom || dom->state != SH_DOM_LIVE ||
         dom->crashed )
        return -EINVAL;
    if ( !dom->iommu )
        return -EPERM;
    if ( sh->dev[op->dev].owner != SH_NOBODY )
        return -EBUSY;
    /* The domain id comes first, and stays whatever happens next. */
    dom->had_device = true;
    st = is_fault_run(c) ? c->facts->status[c->idx] : 0;
    if ( st == -ENOMEM )
        return st;
    dom->has_root = true;
    if ( !st )
    {
        device_move(&sh->dev[op->dev], d, true);
        context_cache_flushed(sh);
        return 0;
    }
    /* Not confirmed: the hardware domain keeps the device, unconfirmed;
     * any other domain was crashed and cut off. */
    device_move(&sh->dev[op->dev], d, false);
    return st;
}

static int op_deassign(struct apply_ctx *c, const struct op *op)
{
    struct shadow *sh = c->sh;
    int st;

    if ( op->dev >= SH_DEVICES || sh->dev[op->dev].owner == SH_NOBODY )
        return -EINVAL;
    st = is_fault_run(c) ? c->facts->status[c->idx] : 0;
    device_move(&sh->dev[op->dev], SH_NOBODY, !st);
    if ( !st )
        context_cache_flushed(sh);
    return st;
}

/* ---- memory ops ---- */

static int op_populate(struct apply_ctx *c, const struct op *op)
{
    struct shadow *sh = c->sh;
    unsigned int d = running_slot(sh, op->d);
    struct sh_frame *f = frame_of(sh, op->mfn);
    int st;

    if ( d == SH_NOBODY )
        return -ESRCH;
    if ( !f )
        return -EINVAL;
    if ( f->owner != SH_NOBODY || f->refs || f->held )
        return -EBUSY;
    st = is_fault_run(c) ? c->facts->status[c->idx] : 0;
    if ( st )
        return st;
    touch(sh, op->mfn);
    f->owner = d;
    f->refs = 1;
    f->allocated = true;
    /* A PV page synced into the IOMMU starts writable (count 0). */
    f->type = sh->dom[d].iommu ? SH_PGT_WRITABLE : SH_PGT_NONE;
    f->type_count = 0;
    sh->dom[d].nr_pages++;
    if ( sh->dom[d].iommu )
        sh->dom[d].has_root = true;
    return 0;
}

static int op_remove(struct apply_ctx *c, const struct op *op)
{
    struct shadow *sh = c->sh;
    unsigned int d = running_slot(sh, op->d);
    struct sh_frame *f = frame_of(sh, op->mfn);

    if ( d == SH_NOBODY )
        return -ESRCH;
    if ( !f )
        return -EINVAL;
    if ( !frame_gettable(f, d) )
        return -ENXIO;
    if ( f->allocated )
    {
        f->allocated = false;
        frame_put_ref(c, op->mfn);
    }
    return 0;
}

/* guest_pin(): get_page_and_type(), then the pin or a counted reference. */
static int op_get_type(struct apply_ctx *c, const struct op *op)
{
    struct shadow *sh = c->sh;
    unsigned int d = running_slot(sh, op->d);
    struct sh_frame *f = frame_of(sh, op->mfn);
    unsigned int type = op->type;

    if ( d == SH_NOBODY )
        return -ESRCH;
    if ( !f || type == SH_PGT_NONE || type == SH_PGT_SHARED || type > 7 )
        return -EINVAL;
    if ( !frame_gettable(f, d) || !frame_type_ok(f, type) )
        return -EINVAL;
    if ( page_table_type(type) && f->pinned )
        return -EINVAL;
    if ( is_fault_run(c) && c->facts->status[c->idx] )
        return c->facts->status[c->idx];
    f->refs++;
    frame_get_type(f, type);
    if ( page_table_type(type) )
        f->pinned = true;
    else
        f->guest_refs++;
    if ( type == SH_PGT_WRITABLE && sh->dom[d].iommu )
        sh->dom[d].has_root = true;
    return 0;
}

static int op_put_type(struct apply_ctx *c, const struct op *op)
{
    struct shadow *sh = c->sh;
    unsigned int d = running_slot(sh, op->d);
    struct sh_frame *f = frame_of(sh, op->mfn);

    if ( d == SH_NOBODY )
        return -ESRCH;
    if ( !f || f->owner != d || (!f->guest_refs && !f->pinned) )
        return -EINVAL;
    if ( f->guest_refs )
        f->guest_refs--;
    else
        f->pinned = false;
    frame_put_type(f);
    frame_put_ref(c, op->mfn);
    return 0;
}

/* ---- grant table ops ---- */

static int op_grant_write(struct apply_ctx *c, const struct op *op)
{
    struct shadow *sh = c->sh;
    unsigned int d = running_slot(sh, op->d), ref = op_ref_code(op->ref);
    struct sh_entry *e;

    if ( d == SH_NOBODY )
        return -ESRCH;
    if ( ref >= SH_REFS || !ref_in_table(&sh->dom[d], ref) )
        return -EINVAL;
    e = &sh->dom[d].shared[ref];
    /* The status bits are the hypervisor's: a guest preserves them. */
    e->flags = (op->flags & ~STATUS_BITS) | (e->flags & STATUS_BITS);
    e->domid = op->grantee;
    e->frame = op->mfn;
    return 0;
}

/* The guest's own entry, while a vCPU of the domain can write it. */
static struct sh_entry *running_entry(struct shadow *sh, unsigned int domid,
                                      uint32_t ref)
{
    unsigned int d = shadow_slot(sh, domid), code = op_ref_code(ref);

    /* It raced while it ran; the call may have crashed it since. */
    if ( d == SH_NOBODY || (sh->dom[d].state != SH_DOM_LIVE &&
                            sh->dom[d].state != SH_DOM_DYING) ||
         code >= SH_REFS || !ref_in_table(&sh->dom[d], code) )
        return NULL;
    return &sh->dom[d].shared[code];
}

void shadow_raced_flags(struct shadow *sh, unsigned int domid, uint32_t ref,
                        uint16_t flags)
{
    struct sh_entry *e = running_entry(sh, domid, ref);

    /*
     * All of them, the status bits too: they are in the guest's memory.
     * Xen must not trust them; the checks judge what Xen does with pins,
     * references and mappings, which the guest cannot write.
     */
    if ( e )
        e->flags = flags;
}

/*
 * setup_table and query_size: the caller must run; the domain (DOMID_SELF
 * allowed), XSM.
 */
static int table_target(const struct shadow *sh, const struct op *op,
                        unsigned int *target)
{
    unsigned int caller = running_slot(sh, op->d);
    unsigned int domid = op->rd;

    if ( caller == SH_NOBODY )
        return -ESRCH;
    *target = domid == DOMID_SELF ? caller : shadow_slot(sh, domid);
    if ( *target == SH_NOBODY )
        return GNTST_bad_domain;
    /* The dummy XSM policy: one's own table, or the control domain. */
    if ( *target != caller && sh->dom[caller].domid != 0 )
        return GNTST_permission_denied;
    return GNTST_okay;
}

static int op_setup_table(struct apply_ctx *c, const struct op *op)
{
    struct shadow *sh = c->sh;
    unsigned int d;
    int st = table_target(sh, op, &d);

    if ( st )
        return st;
    c->call->res[c->idx].table_full = op->n > sh->dom[d].max_gframes;
    if ( op->n > sh->dom[d].max_gframes )
        return GNTST_general_error;
    if ( op->n > sh->dom[d].nr_gframes )
    {
        if ( is_fault_run(c) && c->facts->status[c->idx] )
            return c->facts->status[c->idx];
        sh->dom[d].nr_gframes = op->n;
    }
    return GNTST_okay;
}

static int op_query_size(struct apply_ctx *c, const struct op *op)
{
    struct shadow *sh = c->sh;
    struct sh_op_result *res = &c->call->res[c->idx];
    unsigned int d;
    int st = table_target(sh, op, &d);

    if ( st )
        return st;
    res->query_frames = sh->dom[d].nr_gframes;
    res->query_max = sh->dom[d].max_gframes;
    return GNTST_okay;
}

/*
 * get_maptrack_handle(): a handle is free while fewer than all but one of
 * the maptrack frames' entries are used (Xen keeps one entry on the free
 * list); else a new frame if the domain may have one.
 */
static bool maptrack_needs_frame(const struct shadow *sh,
                                 const struct sh_domain *ldom)
{
    unsigned int cap = sh_maptrack_entries(sh, ldom);

    return !ldom->nr_mframes || cap - ldom->live_handles <= 1;
}

/*
 * GNTTABOP_map_grant_ref of one op, in Xen's order of checks: flags, the
 * granting domain, a handle, the ref, the active entry (pinned by another
 * domain, pin overflow), the shared entry (type, sub-page, grantee,
 * read-only), the frame, its references and type, the IOMMU counter.
 */
static int map_check(struct shadow *sh, unsigned int ld, const struct op *op,
                     unsigned int *rd_out, unsigned long *mfn_out,
                     bool *past_maptrack, bool *past_status, bool *pin_full)
{
    uint32_t parts = op->flags & PARTS;
    bool ro = op->flags & GNTMAP_readonly;
    unsigned int rd = shadow_slot(sh, op->rd), ref = op_ref_code(op->ref);
    struct sh_domain *ldom = &sh->dom[ld], *rdom;
    struct sh_active *act;
    struct sh_entry *sha;
    struct sh_frame *f;
    bool pinned;

    if ( !parts )
        return GNTST_bad_gntref;
    if ( rd == SH_NOBODY )
        return GNTST_bad_domain;
    *rd_out = rd;
    rdom = &sh->dom[rd];
    if ( maptrack_needs_frame(sh, ldom) &&
         ldom->nr_mframes == ldom->max_mframes )
        return GNTST_no_space;
    /* Xen has taken a maptrack handle: what follows reads the ref. */
    *past_maptrack = true;
    if ( ref >= SH_REFS || !ref_in_table(rdom, ref) )
        return GNTST_bad_gntref;
    act = &rdom->active[ref];
    sha = &rdom->shared[ref];
    pinned = shadow_pins_any(&act->pin);
    *pin_full = pinned && act->domid == ldom->domid &&
                pins_would_overflow(&act->pin, parts, ro,
                                    sh_pin_limit(&sh->hdr));
    if ( pinned && (act->domid != ldom->domid || *pin_full) )
        return GNTST_general_error;
    if ( !pinned || (!ro && !pins_writable(&act->pin)) )
    {
        if ( !pinned &&
             ((sha->flags & (GTF_type_mask | GTF_sub_page)) !=
              GTF_permit_access || sha->domid != ldom->domid) )
            return GNTST_general_error;
        if ( !ro && (sha->flags & GTF_readonly) )
            return GNTST_general_error;
    }
    /* Past _set_status(): a failure from here on reduces the status. */
    *past_status = true;
    *mfn_out = pinned ? act->mfn : sha->frame;
    f = frame_of(sh, *mfn_out);
    if ( !pinned && !frame_gettable(f, rd) )
        return GNTST_bad_page;
    /* Writable mappings take writable type references of rd's frame. */
    if ( !ro && !frame_type_ok(f, SH_PGT_WRITABLE) )
        return GNTST_general_error;
    return GNTST_okay;
}

static void map_apply(struct shadow *sh, unsigned int ld, unsigned int rd,
                      const struct op *op, unsigned long mfn, uint32_t handle)
{
    uint32_t parts = op->flags & PARTS;
    bool ro = op->flags & GNTMAP_readonly;
    unsigned int ref = op_ref_code(op->ref), n;
    struct sh_domain *ldom = &sh->dom[ld], *rdom = &sh->dom[rd];
    struct sh_active *act = &rdom->active[ref];
    struct sh_frame *f = &sh->frame[mfn];
    struct sh_handle *hd;

    set_status(rdom, ref, ro);
    if ( !shadow_pins_any(&act->pin) )
    {
        act->domid = ldom->domid;
        act->mfn = mfn;
    }
    pins_add(&act->pin, parts, ro, 1);
    for ( n = !!(parts & GNTMAP_host_map) + !!(parts & GNTMAP_device_map);
          n; n-- )
    {
        f->refs++;
        if ( !ro )
            frame_get_type(f, SH_PGT_WRITABLE);
    }
    hd = &ldom->handle[handle];
    hd->flags = parts | (ro ? GNTMAP_readonly : 0);
    hd->ref = ref;
    hd->rd = rd;
    hd->mfn = mfn;
    ldom->live_handles++;
    ldom->handles_used = max(ldom->handles_used, handle + 1);
    if ( ld != rd && ldom->iommu )
    {
        count_add(sh, ld, mfn, ro, 1);
        /* A read-only grant maps nothing with read-only mappings off. */
        if ( !ro || sh->hdr.iommu_readonly )
            ldom->has_root = true;
    }
    touch(sh, mfn);
}

/* A free handle (the model has one whenever Xen has one). */
static uint32_t free_handle(const struct sh_domain *ldom)
{
    uint32_t h;

    for ( h = 0; h < SH_HANDLES && ldom->handle[h].flags; h++ )
        continue;
    return h < SH_HANDLES ? h : 0;
}

/* Is handle h one Xen may give a successful map: in range, not live? */
static bool handle_acceptable(struct apply_ctx *c, unsigned int ld,
                              uint32_t handle)
{
    const struct sh_domain *ldom = &c->sh->dom[ld];

    unsigned int entries = sh_maptrack_entries(c->sh, ldom);

    if ( handle >= entries || handle >= SH_HANDLES )
    {
        violation(c, "map %u returned handle %u, past d%u's %u maptrack "
                  "entries", c->idx, handle, ldom->domid, entries);
        return false;
    }
    if ( ldom->handle[handle].flags )
    {
        violation(c, "map %u returned handle %u, which is live", c->idx,
                  handle);
        return false;
    }
    return true;
}

/*
 * A map that failed after taking its writable type reference (an
 * allocation for the IOMMU counter or table) puts it back with
 * put_page_type(), which leaves the type writable at count 0: the frame
 * is then an ordinary writable page of its owner, in its IOMMU.
 */
static void map_failed_late(struct apply_ctx *c, const struct op *op,
                            unsigned long mfn)
{
    struct sh_frame *f = &c->sh->frame[mfn];

    if ( !(op->flags & GNTMAP_readonly) && !f->type_count &&
         c->facts->frame_type[mfn] == SH_PGT_WRITABLE )
        f->type = SH_PGT_WRITABLE;
}

/*
 * A map that failed past _set_status() clears what the pins left do not
 * need (reduce_status_for_pin()).  With the entry as Xen found it, that
 * undoes what _set_status() set; a racing vCPU's own bits may go too.
 */
static void map_failed_status(struct shadow *sh, unsigned int rd,
                              const struct op *op)
{
    bool ro = op->flags & GNTMAP_readonly;

    set_status(&sh->dom[rd], op_ref_code(op->ref), ro);
    reduce_status(&sh->dom[rd], op_ref_code(op->ref), ro);
}

/* The errors an injected fault may turn a map into. */
static bool map_fault_status(int st)
{
    return st == GNTST_general_error || st == GNTST_no_space;
}

static int op_map(struct apply_ctx *c, const struct op *op, unsigned int ld)
{
    struct shadow *sh = c->sh;
    struct sh_op_result *res = &c->call->res[c->idx];
    unsigned int rd = SH_NOBODY;
    unsigned long mfn = 0;
    bool past_maptrack = false, past_status = false, pin_full = false;
    int st = map_check(sh, ld, op, &rd, &mfn, &past_maptrack, &past_status,
                       &pin_full);
    struct sh_domain *ldom = &sh->dom[ld];

    res->pin_full = pin_full;
    if ( st == GNTST_okay &&
         count_full(sh, ld, rd, mfn, op->flags & GNTMAP_readonly) )
    {
        res->count_full = true;
        past_status = true;
        st = GNTST_general_error;
    }
    /*
     * Past the flags and domain checks, a maptrack frame if needed.  Its
     * allocation may fail (an injected fault): get_maptrack_handle() then
     * gives no handle, and map_grant_ref() fails right there, before the
     * ref's checks and before it reads the entry, which keeps what the
     * guest left.  Any later failure comes after the frame was added,
     * and a frame, once added, stays until the domain goes.
     */
    if ( past_maptrack && maptrack_needs_frame(sh, ldom) )
    {
        if ( is_fault_run(c) && c->facts->status[c->idx] == GNTST_no_space )
            return GNTST_no_space;
        ldom->nr_mframes++;
    }
    else if ( past_maptrack && is_fault_run(c) &&
              c->facts->status[c->idx] == GNTST_no_space )
        violation(c, "map %u returned GNTST_no_space, but d%u had a free "
                  "maptrack handle", c->idx, ldom->domid);
    if ( is_fault_run(c) )
    {
        int core = c->facts->status[c->idx];

        if ( st == GNTST_okay && map_fault_status(core) )
        {
            map_failed_late(c, op, mfn);
            map_failed_status(sh, rd, op);
            return core;
        }
    }
    if ( st != GNTST_okay )
    {
        if ( past_status )
            map_failed_status(sh, rd, op);
        return st;
    }
    if ( c->any_handle )
        c->call->handle[c->idx] = free_handle(ldom);
    else if ( !handle_acceptable(c, ld, c->call->handle[c->idx]) )
        return GNTST_general_error;
    map_apply(sh, ld, rd, op, mfn, c->call->handle[c->idx]);
    res->done = true;
    res->mfn = mfn;
    return GNTST_okay;
}

/* What one unmap op did, for the completion at the end of its batch. */
struct completion {
    bool pending;
    uint8_t rd, ref, ld;
    uint16_t done;              /* parts released | GNTMAP_readonly */
    uint32_t mfn;
};

static struct completion completions[SH_MAX_CALL];

static int op_unmap(struct apply_ctx *c, const struct op *op, unsigned int ld)
{
    struct shadow *sh = c->sh;
    struct sh_domain *ldom = &sh->dom[ld];
    struct sh_op_result *res = &c->call->res[c->idx];
    struct completion *done = &completions[c->idx];
    uint32_t handle = op->handle;
    struct sh_handle *hd;
    uint16_t parts;
    bool ro, bus;

    done->pending = false;
    if ( handle >= sh_maptrack_entries(sh, ldom) ||
         !ldom->handle[handle].flags )
        return GNTST_bad_handle;
    hd = &ldom->handle[handle];
    res->mfn = hd->mfn;
    /*
     * The guest names the device part by its bus address, mfn << 12; an
     * address of 0 names none (so frame 0's device part stays mapped).
     */
    bus = (op->flags & UNMAP_DEVICE) &&
          (hd->mfn || (op->flags & UNMAP_WRONG_BUS));
    if ( bus && (op->flags & UNMAP_WRONG_BUS) &&
         (hd->flags & GNTMAP_device_map) )
        return GNTST_bad_dev_addr;
    parts = 0;
    if ( op->flags & UNMAP_HOST )
        parts |= hd->flags & GNTMAP_host_map;
    if ( bus )
        parts |= hd->flags & GNTMAP_device_map;
    if ( !parts )
        return GNTST_okay;
    ro = hd->flags & GNTMAP_readonly;
    done->pending = true;
    done->rd = hd->rd;
    done->ref = hd->ref;
    done->ld = ld;
    done->mfn = hd->mfn;
    done->done = parts | (ro ? GNTMAP_readonly : 0);
    hd->flags &= ~parts;
    if ( !(hd->flags & PARTS) )
    {
        /* The handle is gone; so is its count, its IOMMU entry with it. */
        if ( done->rd != ld && ldom->iommu )
            count_add(sh, ld, done->mfn, ro, -1);
        memset(hd, 0, sizeof(*hd));
        ldom->live_handles--;
    }
    res->done = true;
    return GNTST_okay;
}

/* unmap_common_complete(): the references and pins the unmap gave up. */
static void complete(struct apply_ctx *c, const struct completion *done)
{
    struct shadow *sh = c->sh;
    struct sh_domain *rdom = &sh->dom[done->rd];
    bool ro = done->done & GNTMAP_readonly;

    if ( done->done & GNTMAP_device_map )
        drop_part(c, done->mfn, ro);
    if ( done->done & GNTMAP_host_map )
        drop_part(c, done->mfn, ro);
    pins_add(&rdom->active[done->ref].pin, done->done & PARTS, ro, -1);
    reduce_status(rdom, done->ref, ro);
}

/* ---- calls ---- */

/*
 * Could Xen 4.17 stop the call for a continuation with ops [0, done) run?
 * The map loop checks before every op but the first, the unmap loop
 * after every chunk that leaves ops; the input chose which check says yes.
 */
static bool preemption_point(const struct shadow *sh,
                             const struct sh_call *call, unsigned int done)
{
    unsigned int step = call->ops[0].kind == OP_UNMAP ?
                        sh_unmap_batch(&sh->hdr) : 1;

    if ( !call->preempt || done == 0 || done >= call->nr || done % step )
        return false;
    return !call->preempt_nth || done == call->preempt_nth * step;
}

/*
 * Where the call was abandoned: preempted there, with its domain crashed
 * by then, the guest never issued the continuation (a fault run; the call
 * never returned).  Xen's facts say where, among the points the input's
 * preemption allows; call->nr if it was not.
 */
static unsigned int abandoned_at(const struct apply_ctx *c)
{
    unsigned int done = 0;

    if ( !c->facts || c->facts->rc != SH_NOT_RUN )
        return c->call->nr;
    while ( done < c->call->nr && c->facts->status[done] != SH_NOT_RUN )
        done++;
    return preemption_point(c->sh, c->call, done) ? done : c->call->nr;
}

/*
 * Map and unmap batches, as the acting domain's hypercall: if it does not
 * run, the call fails with -ESRCH and no op is run.
 */
static int grant_call(struct apply_ctx *c)
{
    struct shadow *sh = c->sh;
    struct sh_call *call = c->call;
    unsigned int ld = running_slot(sh, call->ops[0].d), i, first;
    unsigned int last_run = call->nr, stop = abandoned_at(c);
    bool unmap = call->ops[0].kind == OP_UNMAP;
    const struct sh_facts *fx = c->facts;

    if ( ld == SH_NOBODY )
    {
        for ( i = 0; i < call->nr; i++ )
            call->res[i].status = SH_NOT_RUN;
        return -ESRCH;
    }
    /* A failed invalidation ends the call with the batch it ended. */
    if ( fx && fx->rc == -EIO )
        for ( last_run = call->nr; last_run &&
              fx->status[last_run - 1] == SH_NOT_RUN; last_run-- )
            continue;
    for ( first = 0; first < call->nr; first += sh_unmap_batch(&sh->hdr) )
    {
        unsigned int end = min(first + sh_unmap_batch(&sh->hdr), call->nr);

        if ( first >= stop )
            break;
        end = min(end, stop);

        for ( i = first; i < end; i++ )
        {
            c->idx = i;
            call->res[i].status = unmap ? op_unmap(c, &call->ops[i], ld)
                                        : op_map(c, &call->ops[i], ld);
        }
        if ( !unmap )
            continue;
        /* The batch's invalidation failed: its completions leak. */
        if ( fx && fx->rc == -EIO && end >= last_run )
        {
            /* Others' grants stay pinned for ld: its id stays taken. */
            sh->dom[ld].held_for_pins = true;
            for ( i = first; i < end; i++ )
                if ( completions[i].pending )
                    release_leaked(sh, ld, completions[i].rd,
                                   completions[i].mfn,
                                   completions[i].done & GNTMAP_readonly);
            for ( i = end; i < call->nr; i++ )
                call->res[i].status = SH_NOT_RUN;
            return -EIO;
        }
        for ( i = first; i < end; i++ )
            if ( completions[i].pending )
                complete(c, &completions[i]);
    }
    /* Preempted, its caller crashed: the continuation never ran. */
    if ( stop < call->nr )
    {
        for ( i = stop; i < call->nr; i++ )
            call->res[i].status = SH_NOT_RUN;
        return SH_NOT_RUN;
    }
    return 0;
}

static int single_op(struct apply_ctx *c, const struct op *op)
{
    switch ( op->kind )
    {
    case OP_CREATE:         return op_create(c, op);
    case OP_DESTROY:        return op_destroy(c, op);
    case OP_ASSIGN:         return op_assign(c, op);
    case OP_DEASSIGN:       return op_deassign(c, op);
    case OP_POPULATE:       return op_populate(c, op);
    case OP_REMOVE:         return op_remove(c, op);
    case OP_GET_TYPE:       return op_get_type(c, op);
    case OP_PUT_TYPE:       return op_put_type(c, op);
    case OP_GRANT_WRITE:    return op_grant_write(c, op);
    case OP_SETUP_TABLE:    return op_setup_table(c, op);
    case OP_QUERY_SIZE:     return op_query_size(c, op);
    default:                return 0;
    }
}

static void apply(struct apply_ctx *c)
{
    struct sh_call *call = c->call;
    unsigned int i;

    for ( i = 0; i < call->nr; i++ )
        memset(&call->res[i], 0, sizeof(call->res[i]));
    if ( call->nr && (call->ops[0].kind == OP_MAP ||
                      call->ops[0].kind == OP_UNMAP) )
    {
        call->rc = grant_call(c);
        return;
    }
    c->idx = 0;
    call->rc = call->res[0].status = single_op(c, &call->ops[0]);
}

/*
 * The hardware domain's flush failed: it is not crashed, and its devices
 * may keep stale entries until a later flush of its own completes (gtio
 * makes that one domain-selective, confirming all).  The model decides
 * from the ops and the faults alone: excused from a call that changed, or
 * was to change, its IOMMU and saw a flush fault (or ran with a hung
 * register) until a call that did change it with neither.  (A call that
 * failed before its change flushed nothing.)
 */
static void hwdom_flush_outcome(struct shadow *sh, bool to_change,
                                bool changed, bool failed)
{
    unsigned int d0 = shadow_slot(sh, 0);

    if ( d0 == SH_NOBODY )
        return;
    if ( failed && (to_change || changed) )
    {
        sh->d0_excused = true;
        sh->dom[d0].flush_failed = true;
    }
    else if ( !failed && changed )
        sh->d0_excused = false;
}

/* What the hardware domain's IOMMU maps, while it is excused. */
static uint8_t d0_access[RUN_MAX_FRAMES];

static void d0_snapshot(const struct shadow *sh, unsigned int d0)
{
    unsigned long mfn;

    for ( mfn = 0; mfn < sh->hdr.nr_frames; mfn++ )
        d0_access[mfn] = shadow_allowed(sh, d0, mfn);
}

static bool d0_changed(const struct shadow *sh, unsigned int d0)
{
    unsigned long mfn;

    for ( mfn = 0; mfn < sh->hdr.nr_frames; mfn++ )
        if ( d0_access[mfn] != shadow_allowed(sh, d0, mfn) )
            return true;
    return false;
}

bool shadow_apply(struct shadow *sh, struct sh_call *call, char *why,
                  size_t whylen)
{
    struct apply_ctx c = { .sh = sh, .call = call, .why = why,
                           .whylen = whylen };
    unsigned int d0 = sh->d0_excused ? shadow_slot(sh, 0) : SH_NOBODY;

    /* Only while excused: a call without faults may confirm it. */
    if ( d0 != SH_NOBODY )
        d0_snapshot(sh, d0);
    apply(&c);
    if ( d0 != SH_NOBODY && shadow_slot(sh, 0) == d0 )
        hwdom_flush_outcome(sh, false, d0_changed(sh, d0), false);
    return !c.violated;
}

/* ---- outcomes under faults ---- */

bool shadow_outcome_open(const struct shadow *sh, const struct sh_call *call)
{
    const struct op *op = &call->ops[0];
    unsigned int d;

    /*
     * Whether gtio holds a domain an earlier failed flush touched depends
     * on whether that flush was to take something away, which only Xen
     * knows: its kill, and any call that may free a dead one's last
     * frame, are open.
     */
    for ( d = 0; d < SH_DOMAINS; d++ )
        if ( sh->dom[d].state == SH_DOM_DEAD && fault_touched(sh, d) )
            return true;
    if ( op->kind != OP_DESTROY )
        return false;
    d = shadow_slot(sh, op->d);
    return d != SH_NOBODY &&
           (sh->dom[d].state == SH_DOM_DYING || fault_touched(sh, d));
}

/* The errors a fault may turn an op of this kind into (docs/design.md, "The IOMMU rules" and "Fault injection"). */
static bool fault_error(unsigned int kind, long st)
{
    switch ( kind )
    {
    case OP_MAP:
        return map_fault_status(st);
    case OP_UNMAP:
        return st == SH_NOT_RUN;
    case OP_SETUP_TABLE:
        return st == GNTST_general_error;
    case OP_CREATE:
    case OP_POPULATE:
        return st == -ENOMEM;
    case OP_GET_TYPE:
        return st == -EINVAL;
    case OP_ASSIGN:
        return st == -ENOMEM || st == -EIO || st == -ETIMEDOUT;
    case OP_DEASSIGN:
    case OP_DESTROY:
        return st == -EIO || st == -ETIMEDOUT;
    default:
        return false;
    }
}

/* Did the call change what slot d's IOMMU maps (before -> after)? */
static bool iommu_changed(const struct shadow *before,
                          const struct shadow *after, unsigned int d)
{
    unsigned long mfn;

    if ( before->dom[d].state != after->dom[d].state )
        return true;
    for_each_frame ( mfn, &after->touched )
        if ( shadow_allowed(before, d, mfn) != shadow_allowed(after, d, mfn) )
            return true;
    return false;
}

/*
 * The domains a failed flush of the call may crash, from the model alone:
 * those whose IOMMU mappings the call changes, and the domains a device
 * it moves leaves or joins (a move not confirmed crashes the one left).
 */
static unsigned int may_crash(const struct shadow *before,
                              const struct shadow *after, bool *moved)
{
    unsigned int d, i, set = 0;

    *moved = false;
    for ( d = 0; d < SH_DOMAINS; d++ )
        if ( before->dom[d].iommu && iommu_changed(before, after, d) )
            set |= 1U << d;
    for ( i = 0; i < SH_DEVICES; i++ )
    {
        unsigned int from = before->dev[i].owner, to = after->dev[i].owner;

        if ( from == to )
            continue;
        *moved = true;
        set |= (from < SH_DOMAINS ? 1U << from : 0) |
               (to < SH_DOMAINS ? 1U << to : 0);
    }
    return set;
}

/* Only a domain the call changed may be crashed; never the hardware one. */
static void check_crash(struct apply_ctx *c, unsigned int d)
{
    const struct sh_domain *dom = &c->sh->dom[d];

    if ( dom->domid == 0 && dom->state == SH_DOM_LIVE )
        violation(c, "the hardware domain was crashed (it must get the "
                  "error instead)");
    else if ( !((c->call->may_crash >> d) & 1) )
        violation(c, "d%u was crashed, but the call changed nothing its "
                  "IOMMU maps and moved none of its devices", dom->domid);
}

/*
 * The ops say when a domain gets its IOMMU root table; a failed op
 * (its status said so) allocated none, by the model.  But the failure
 * may have been of a table below the root, allocated after it: the root
 * then stays, as it does for every domain with IOMMU tables.  Anything
 * else is Xen's table and the model's disagreeing.
 */
static void root_outcome(struct apply_ctx *c, unsigned int d)
{
    struct sh_domain *dom = &c->sh->dom[d];
    bool xen_root = c->facts->has_root[d];

    if ( xen_root == dom->has_root )
        return;
    if ( xen_root && c->facts->table_alloc_failed )
        dom->has_root = true;
    else
        violation(c, "d%u has %s IOMMU root table, the model %s",
                  dom->domid, xen_root ? "an" : "no",
                  dom->has_root ? "has one" : "none");
}

/* Adopt what the flush failures did to the domains and devices. */
static void adopt_fault_state(struct apply_ctx *c)
{
    struct shadow *sh = c->sh;
    const struct sh_facts *fx = c->facts;
    unsigned int d, i;
    unsigned long mfn;

    for ( d = 0; d < SH_DOMAINS; d++ )
    {
        struct sh_domain *dom = &sh->dom[d];

        if ( dom->state == SH_DOM_NONE || !fx->exists[d] )
            continue;
        if ( fx->crashed[d] && !dom->crashed )
        {
            check_crash(c, d);
            dom->crashed = true;
        }
        else if ( !fx->crashed[d] && dom->crashed )
            violation(c, "d%u is no longer crashed", dom->domid);
        root_outcome(c, d);
        if ( fx->nr_mframes[d] != dom->nr_mframes )
            violation(c, "d%u has %u maptrack frames, %u expected",
                      dom->domid, fx->nr_mframes[d], dom->nr_mframes);
    }
    for ( i = 0; i < SH_DEVICES; i++ )
    {
        struct sh_device *dv = &sh->dev[i];

        if ( fx->dev_owner[i] == dv->owner )
            continue;
        /* Only a crashed domain's devices may go (cut off, confirmed). */
        if ( fx->dev_owner[i] == SH_NOBODY && dv->owner != SH_NOBODY &&
             sh->dom[dv->owner].crashed )
            device_move(dv, SH_NOBODY, true);
        else
            violation(c, "dev %u went to %s", i,
                      fx->dev_owner[i] == SH_NOBODY ? "quarantine"
                                                    : "another domain");
    }
    for_each_frame ( mfn, &sh->touched )
        if ( fx->frame_held[mfn] && !sh->frame[mfn].held )
            violation(c, "frame %lu leaked where no release failed", mfn);
    if ( c->d0 != SH_NOBODY && shadow_slot(sh, 0) == c->d0 )
        hwdom_flush_outcome(sh, (c->call->may_crash >> c->d0) & 1,
                            d0_changed(sh, c->d0),
                            flush_may_fail(c));
    if ( fx->flush_fault )
        sh->faulted = true;
}

/*
 * Is each op's status what expected gives it, or an error an injected
 * fault allows?  until_diverged: stop after the first op Xen gave another
 * status than expected (allowed or not).  Past that op, expected (the
 * call without a fault) no longer says what later ops find: a map that
 * failed gave its handle back, so the next one may get it.
 */
static bool statuses_allowed(const struct sh_call *expected,
                             const struct sh_facts *fx, bool until_diverged,
                             char *why, size_t whylen)
{
    unsigned int i;

    for ( i = 0; i < expected->nr; i++ )
    {
        const struct op *op = &expected->ops[i];
        int want = expected->res[i].status, got = fx->status[i];

        if ( got == want )
            continue;
        /*
         * Only a failed invalidation ends a call early, with -EIO; or one
         * crashed its caller in a preempted call, which never returned
         * (shadow_reapply() checks where: abandoned_at()).
         */
        if ( (fault_error(op->kind, got) &&
              (got != SH_NOT_RUN || fx->rc == -EIO)) ||
             (got == SH_NOT_RUN && fx->rc == SH_NOT_RUN && expected->preempt) )
        {
            if ( until_diverged )
                break;
            continue;
        }
        snprintf(why, whylen, "%s (op %u of the call) returned %d, expected "
                 "%d (or an error an injected fault allows)",
                 op_kind_name(op->kind), i, got, want);
        return false;
    }
    return true;
}

enum sh_verdict shadow_reapply(struct shadow *sh, struct sh_call *call,
                               const struct sh_facts *facts, char *why,
                               size_t whylen)
{
    static struct shadow predicted_sh, before_sh;
    static struct sh_call predicted;
    bool moved;
    struct apply_ctx c = { .sh = sh, .call = call, .facts = facts,
                           .why = why, .whylen = whylen };
    struct apply_ctx p = { .sh = &predicted_sh, .call = &predicted,
                           .any_handle = true };

    /* What the call would have been without a fault. */
    shadow_copy(&predicted_sh, sh);
    predicted.ops = call->ops;
    predicted.nr = call->nr;
    predicted.preempt = call->preempt;
    predicted.preempt_nth = call->preempt_nth;
    apply(&p);
    call->may_crash = may_crash(sh, &predicted_sh, &call->moved_devices);
    if ( !statuses_allowed(&predicted, facts, true, why, whylen) )
    {
        shadow_copy(sh, &predicted_sh);
        memcpy(call->res, predicted.res, call->nr * sizeof(call->res[0]));
        call->rc = predicted.rc;
        return SH_BAD_STATUS;
    }

    c.d0 = shadow_slot(sh, 0);
    if ( c.d0 != SH_NOBODY )
        d0_snapshot(sh, c.d0);
    shadow_copy(&before_sh, sh);
    apply(&c);
    /*
     * A fault may let an op change what it would not have changed without
     * one (a map that takes the handle a failed one gave back): its
     * domains may be crashed too.
     */
    call->may_crash |= may_crash(&before_sh, sh, &moved);
    call->moved_devices |= moved;
    adopt_fault_state(&c);
    if ( c.violated )
        return SH_BAD_STATE;
    /* Each op against the state Xen's earlier ops left. */
    if ( !statuses_allowed(call, facts, false, why, whylen) )
        return SH_BAD_STATUS;
    if ( facts->rc != call->rc && !fault_error(call->ops[0].kind, facts->rc) &&
         !(call->ops[0].kind == OP_UNMAP && facts->rc == -EIO) )
    {
        snprintf(why, whylen, "the call returned %ld, expected %ld",
                 facts->rc, call->rc);
        return SH_BAD_STATUS;
    }
    return SH_ALLOWED;
}

/*
 * The run's first flush fault fired in a call that changed one domain's
 * IOMMU, and no device moved: the failed flush was that domain's.  A
 * domain other than the hardware domain is crashed for it, as Xen
 * crashes it on any failed flush, additions included.  (With more
 * domains changed the model cannot tell whose flush it was: each may be
 * the one.)
 */
bool shadow_victim_spared(const struct shadow *sh, const struct sh_call *call,
                          const struct sh_facts *fx, char *why, size_t len)
{
    unsigned int set = call->may_crash;
    unsigned int d = __builtin_ctz(set | 1U << SH_DOMAINS);
    const struct sh_domain *dom = &sh->dom[d];

    if ( !fx->first_flush_fault || d == SH_DOMAINS || (set & (set - 1)) ||
         call->moved_devices || dom->state != SH_DOM_LIVE ||
         dom->domid == 0 || !fx->exists[d] || fx->crashed[d] )
        return false;
    snprintf(why, len, "d%u's flush failed in this call, and d%u was not "
             "crashed", dom->domid, dom->domid);
    return true;
}

/* ---- queries ---- */

/* What the checks ask, frame by frame: read-only, so uninstrumented. */
static enum sh_access NO_COVERAGE access_of(const struct shadow *sh,
                                            unsigned int d, unsigned long bfn,
                                            bool with_leaked)
{
    const struct sh_domain *dom;
    const struct sh_frame *f;
    unsigned int ro, rw;

    if ( d >= SH_DOMAINS || bfn >= sh->hdr.nr_frames )
        return SH_NONE;
    dom = &sh->dom[d];
    if ( dom->state == SH_DOM_NONE || dom->state == SH_DOM_DEAD ||
         !dom->iommu )
        return SH_NONE;
    f = &sh->frame[bfn];
    if ( f->owner == d && f->type == SH_PGT_WRITABLE )
        return SH_RW;
    ro = sh->count_ro[d][bfn] + (with_leaked ? (f->leaked_ro >> d) & 1 : 0);
    rw = sh->count_rw[d][bfn] + (with_leaked ? (f->leaked_rw >> d) & 1 : 0);
    if ( rw )
        return SH_RW;
    return ro && sh->hdr.iommu_readonly ? SH_R : SH_NONE;
}

enum sh_access shadow_allowed(const struct shadow *sh, unsigned int d,
                              unsigned long bfn)
{
    return access_of(sh, d, bfn, false);
}

enum sh_access shadow_may_reach(const struct shadow *sh, unsigned int d,
                                unsigned long bfn)
{
    return access_of(sh, d, bfn, true);
}

enum sh_access shadow_handle_allows(const struct shadow *sh, unsigned int d,
                                    uint32_t handle, unsigned long bfn)
{
    const struct sh_handle *h;

    if ( d >= SH_DOMAINS || handle >= SH_HANDLES ||
         !sh->dom[d].iommu || sh->dom[d].state != SH_DOM_LIVE )
        return SH_NONE;
    h = &sh->dom[d].handle[handle];
    if ( !h->flags || h->mfn != bfn )
        return SH_NONE;
    if ( !(h->flags & GNTMAP_readonly) )
        return SH_RW;
    return sh->hdr.iommu_readonly ? SH_R : SH_NONE;
}

static unsigned int hwdom_slot(const struct shadow *sh)
{
    return shadow_slot(sh, 0);
}

bool shadow_device_excused(const struct shadow *sh, unsigned int dev)
{
    const struct sh_device *dv = &sh->dev[dev];
    unsigned int d0 = hwdom_slot(sh);

    if ( d0 == SH_NOBODY )
        return false;
    /*
     * A device moved to or from the hardware domain without a confirmed
     * context invalidation may still use any context it had since; frees
     * stay checked for it (freed-reachable).
     */
    if ( dv->unconfirmed && sh_device_may_use(dv, d0) )
        return true;
    return sh->d0_excused && dv->owner == d0;
}

void shadow_stale_contexts_name(const struct shadow *sh, char *buf,
                                size_t len, const struct sh_device *dv)
{
    unsigned int d;
    size_t used = 0;

    snprintf(buf, len, "quarantine");
    for ( d = 0; d < SH_DOMAINS; d++ )
        if ( (dv->stale_contexts >> d) & 1 && used < len )
            used += snprintf(buf + used, len - used, "%sd%u",
                             used ? "," : "", sh->dom[d].domid);
}

const char *sh_access_name(enum sh_access a)
{
    switch ( a )
    {
    case SH_R:  return "R";
    case SH_RW: return "RW";
    default:    return "none";
    }
}

/* ---- printing state changes ---- */

static const char *const state_names[] = { "none", "live", "dying", "dead" };

static void print_domain(FILE *out, const struct sh_domain *dom)
{
    fprintf(out, "    d%u: %s%s%s gframes=%u/%u mframes=%u/%u handles=%u\n",
            dom->domid, state_names[dom->state],
            dom->crashed ? " crashed" : "", dom->iommu ? " iommu" : "",
            dom->nr_gframes, dom->max_gframes, dom->nr_mframes,
            dom->max_mframes, dom->live_handles);
}

static void print_frame(FILE *out, const struct shadow *sh, unsigned long mfn,
                        const struct sh_frame *f)
{
    if ( f->owner == SH_NOBODY )
    {
        fprintf(out, "    frame %lu: free\n", mfn);
        return;
    }
    fprintf(out, "    frame %lu: d%u refs=%u type=%s/%u%s%s%s", mfn,
            sh->dom[f->owner].domid, f->refs, page_type_name(f->type),
            f->type_count, f->pinned ? " pinned" : "",
            f->allocated ? " allocated" : "", f->held ? " HELD" : "");
    if ( f->guest_refs )
        fprintf(out, " guest-refs=%u", f->guest_refs);
    if ( f->leaked_ro || f->leaked_rw )
        fprintf(out, " leaked-releases ro=%#x rw=%#x", f->leaked_ro,
                f->leaked_rw);
    fputc('\n', out);
}

static void diff_domain(FILE *out, const struct shadow *b,
                        const struct sh_domain *x, const struct sh_domain *y)
{
    unsigned int g, h;

    if ( x->state != y->state || x->crashed != y->crashed ||
         x->nr_gframes != y->nr_gframes || x->nr_mframes != y->nr_mframes ||
         x->live_handles != y->live_handles )
    {
        /* A slot freed is zeroed: name the domain that left it. */
        if ( y->state == SH_DOM_NONE )
        {
            fprintf(out, "    d%u: gone\n", x->domid);
            return;
        }
        print_domain(out, y);
    }
    if ( y->state == SH_DOM_NONE )
        return;
    for ( g = 0; g < SH_REFS; g++ )
    {
        const struct sh_entry *ex = &x->shared[g], *ey = &y->shared[g];
        const struct sh_active *ax = &x->active[g], *ay = &y->active[g];

        if ( memcmp(ex, ey, sizeof(*ex)) )
        {
            char flags[96];

            format_gtf_flags(flags, sizeof(flags), ey->flags);
            fprintf(out, "    d%u grant %u: flags=%s grantee=%u frame=%u\n",
                    y->domid, op_ref_value(g), flags, ey->domid, ey->frame);
        }
        if ( memcmp(&ax->pin, &ay->pin, sizeof(ax->pin)) )
        {
            fprintf(out, "    d%u active %u: host rw=%u ro=%u dev rw=%u "
                    "ro=%u", y->domid, op_ref_value(g), ay->pin.host_rw,
                    ay->pin.host_ro, ay->pin.dev_rw, ay->pin.dev_ro);
            if ( shadow_pins_any(&ay->pin) )
                fprintf(out, " for d%u mfn %u", ay->domid, ay->mfn);
            fputc('\n', out);
        }
    }
    for ( h = 0; h < SH_HANDLES; h++ )
    {
        const struct sh_handle *hx = &x->handle[h], *hy = &y->handle[h];
        char flags[64];

        if ( !memcmp(hx, hy, sizeof(*hx)) )
            continue;
        if ( !hy->flags )
        {
            fprintf(out, "    d%u handle %u: freed\n", y->domid, h);
            continue;
        }
        format_map_flags(flags, sizeof(flags), hy->flags);
        fprintf(out, "    d%u handle %u: d%u ref %u mfn %u flags=%s\n",
                y->domid, h, b->dom[hy->rd].domid, op_ref_value(hy->ref),
                hy->mfn, flags);
    }
}

void shadow_print_diff(FILE *out, const struct shadow *a,
                       const struct shadow *b)
{
    unsigned int d, i;
    unsigned long mfn;

    for ( d = 0; d < SH_DOMAINS; d++ )
        diff_domain(out, b, &a->dom[d], &b->dom[d]);
    for ( i = 0; i < SH_DEVICES; i++ )
        if ( memcmp(&a->dev[i], &b->dev[i], sizeof(a->dev[i])) )
        {
            if ( b->dev[i].owner == SH_NOBODY )
                fprintf(out, "    dev %u: quarantine", i);
            else
                fprintf(out, "    dev %u: d%u", i,
                        b->dom[b->dev[i].owner].domid);
            if ( b->dev[i].unconfirmed )
            {
                char old[48];

                shadow_stale_contexts_name(b, old, sizeof(old), &b->dev[i]);
                fprintf(out, " (move unconfirmed, from %s)", old);
            }
            fputc('\n', out);
        }
    for_each_frame ( mfn, &b->touched )
        if ( memcmp(&a->frame[mfn], &b->frame[mfn], sizeof(b->frame[mfn])) )
            print_frame(out, b, mfn, &b->frame[mfn]);
    for ( d = 0; d < SH_DOMAINS; d++ )
        for_each_frame ( mfn, &b->touched )
        {
            enum sh_access was = shadow_allowed(a, d, mfn);
            enum sh_access now = shadow_allowed(b, d, mfn);

            if ( was != now )
                fprintf(out, "    allowed d%u bfn %lu: %s -> %s\n",
                        b->dom[d].state ? b->dom[d].domid : a->dom[d].domid,
                        mfn, sh_access_name(was), sh_access_name(now));
        }
    if ( !a->d0_excused && b->d0_excused )
        fprintf(out, "    d0's devices excused from stale-dma/dma-fault "
                "(its invalidation failed)\n");
}
