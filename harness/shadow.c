/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The shadow model: see shadow.h for what it keeps and why.  Every rule
 * here is written from DESIGN.md sections 4-5, Xen 4.17's grant_table.c
 * and mm.c, and the core's documented interface (gtio.h); the check order
 * of each op is Xen's, so that the predicted status is the one Xen gives.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <xen/errno.h>
#include <xen/lib.h>
#include <public/grant_table.h>

#include "shadow.h"
#include "trace.h"

#define PARTS           (GNTMAP_host_map | GNTMAP_device_map)
#define STATUS_BITS     (GTF_reading | GTF_writing)

struct apply_ctx {
    struct shadow *sh;
    const struct sh_facts *facts;       /* NULL: no fault in this op */
    const bool *leak;                   /* completion i leaked (facts only) */
    struct sh_result *res;
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

static void frame_clear(struct shadow *sh, unsigned long mfn)
{
    unsigned int d;

    memset(&sh->frame[mfn], 0, sizeof(sh->frame[mfn]));
    sh->frame[mfn].owner = SH_NOBODY;
    for ( d = 0; d < SH_DOMAINS; d++ )
        sh->count_ro[d][mfn] = sh->count_rw[d][mfn] =
            sh->pending_ro[d][mfn] = sh->pending_rw[d][mfn] = 0;
}

/*
 * Only the frames the last run touched need clearing: the cost of a reset
 * follows what an input did, not the size of the machine.
 */
void shadow_reset(struct shadow *sh, const struct run_header *hdr)
{
    unsigned int d;
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
    for ( d = 0; d < SH_DEVICES; d++ )
        sh->dev[d].owner = SH_NOBODY;
}

/* ---- small helpers ---- */

/* mfn may get state: the per-frame loops must look at it from now on. */
static void touch(struct shadow *sh, unsigned long mfn)
{
    frame_set_add(&sh->touched, mfn);
}

/* Forget d's handle counts: only touched frames can have any. */
static void clear_counts(struct shadow *sh, unsigned int d)
{
    unsigned long mfn;

    for_each_frame ( mfn, &sh->touched )
    {
        sh->count_ro[d][mfn] = sh->count_rw[d][mfn] = 0;
        sh->pending_ro[d][mfn] = sh->pending_rw[d][mfn] = 0;
        sh->frame[mfn].leaked_ro &= ~(1U << d);
        sh->frame[mfn].leaked_rw &= ~(1U << d);
    }
}

/* A release that will never happen: its mapping may stay reachable. */
static void release_leaked(struct shadow *sh, const struct sh_release *r)
{
    struct sh_frame *f = &sh->frame[r->mfn];

    if ( r->ld == r->rd )
        return;                 /* a domain's own frame: no grant entry */
    if ( r->done & GNTMAP_readonly )
        f->leaked_ro |= 1U << r->ld;
    else
        f->leaked_rw |= 1U << r->ld;
}

static struct sh_frame *frame_of(struct shadow *sh, unsigned long mfn)
{
    return mfn < sh->hdr.nr_frames ? &sh->frame[mfn] : NULL;
}

static struct sh_domain *domain_live(struct shadow *sh, unsigned int d)
{
    return d < SH_DOMAINS && sh->dom[d].state == SH_DOM_LIVE &&
           !sh->dom[d].crashed ? &sh->dom[d] : NULL;
}

bool shadow_pins_any(const struct sh_pins *p)
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

/* Xen's GNTPIN_incr2oflow_mask: a counter at 128 may not grow. */
static bool pins_would_overflow(struct sh_pins *p, uint32_t parts, bool ro)
{
    return ((parts & GNTMAP_host_map) &&
            *pin_slot(p, true, ro) >= GTIO_PIN_LIMIT) ||
           ((parts & GNTMAP_device_map) &&
            *pin_slot(p, false, ro) >= GTIO_PIN_LIMIT);
}

static bool domain_pinned(const struct sh_domain *dom)
{
    unsigned int i;

    for ( i = 0; i < SH_GRANTS; i++ )
        if ( shadow_pins_any(&dom->active[i].pin) )
            return true;
    return false;
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

/* Some domain's grant entry is still pinned for d (a leaked release). */
static bool pinned_for(const struct shadow *sh, unsigned int d)
{
    unsigned int g;

    for ( g = 0; g < SH_DOMAINS * SH_GRANTS; g++ )
    {
        const struct sh_active *act =
            &sh->dom[g / SH_GRANTS].active[g % SH_GRANTS];

        if ( shadow_pins_any(&act->pin) && act->domid == d )
            return true;
    }
    return false;
}

/*
 * A destroyed domain's slot frees once nothing refers to it: no frame, no
 * pin of its grants, and no pin it holds on another domain's grant (one
 * whose release was never confirmed): a later domain with the same id
 * must not inherit the mapping.
 */
static void try_reap(struct shadow *sh, unsigned int d)
{
    struct sh_domain *dom = &sh->dom[d];

    if ( dom->state != SH_DOM_DYING || dom->held || dom->nr_pages ||
         domain_pinned(dom) || pinned_for(sh, d) )
        return;
    memset(dom, 0, sizeof(*dom));
    clear_counts(sh, d);
}

/* ---- frames ---- */

static void frame_free(struct shadow *sh, unsigned long mfn)
{
    struct sh_frame *f = &sh->frame[mfn];
    unsigned int owner = f->owner;

    f->owner = SH_NOBODY;
    f->allocated = false;
    f->type = GTIO_PGT_NONE;
    f->type_count = 0;
    f->pinned = 0;
    f->refs = 0;
    if ( owner < SH_DOMAINS )
    {
        sh->dom[owner].nr_pages--;
        try_reap(sh, owner);
    }
}

/*
 * Drop a page reference; the last one frees the frame.  A frame the core
 * could not confirm removing is held: its reference stays and it is never
 * freed (facts tell which).
 */
static void frame_put_ref(struct apply_ctx *c, unsigned long mfn)
{
    struct shadow *sh = c->sh;
    struct sh_frame *f = &sh->frame[mfn];

    if ( c->facts && c->facts->frame_held[mfn] )
    {
        touch(sh, mfn);
        f->held = true;
    }
    if ( f->held )
    {
        if ( f->refs > 1 )
            f->refs--;
        return;
    }
    if ( !f->refs )
    {
        violation(c, "shadow: reference underflow on frame %lu", mfn);
        return;
    }
    if ( --f->refs == 0 )
    {
        frame_free(sh, mfn);
        if ( c->res->nr_freed < RUN_MAX_FRAMES )
            c->res->freed[c->res->nr_freed++] = mfn;
    }
}

/* A type can change only while no reference of the old type is held. */
static bool frame_type_ok(const struct sh_frame *f, unsigned int type)
{
    return !f->type_count || f->type == type;
}

static void frame_get_type(struct apply_ctx *c, unsigned long mfn,
                           unsigned int type)
{
    struct sh_frame *f = &c->sh->frame[mfn];

    if ( !f->type_count )
    {
        f->type = type;
        /* Validated as a page table or descriptor from now on. */
        if ( type != GTIO_PGT_WRITABLE &&
             c->res->nr_retyped < RUN_MAX_FRAMES )
            c->res->retyped[c->res->nr_retyped++] = mfn;
    }
    f->type_count++;
}

static void frame_put_type(struct sh_frame *f)
{
    if ( f->type_count )
        f->type_count--;
}

/* ---- grant entries ---- */

/*
 * Clear the status bits no remaining pin needs (Xen's
 * reduce_status_for_pin()); the granter may reuse the frame once they go.
 */
static void reduce_status(struct apply_ctx *c, unsigned int rd,
                          unsigned int ref)
{
    struct sh_domain *dom = &c->sh->dom[rd];
    const struct sh_active *act = &dom->active[ref];
    uint16_t clear = 0, gone;

    if ( !shadow_pins_any(&act->pin) )
        clear = STATUS_BITS;
    else if ( !pins_writable(&act->pin) )
        clear = GTF_writing;
    gone = dom->shared[ref].flags & clear;
    dom->shared[ref].flags &= ~clear;
    if ( gone && c->res->nr_cleared < ARRAY_SIZE(c->res->cleared) )
    {
        struct sh_flag_clear *ev = &c->res->cleared[c->res->nr_cleared++];

        ev->rd = rd;
        ev->ref = ref;
        ev->ld = act->domid;
        ev->bits = gone;
        ev->mfn = act->mfn;
    }
}

static void put_frame_refs(struct apply_ctx *c, unsigned long mfn,
                           uint32_t parts, bool ro)
{
    unsigned int n = !!(parts & GNTMAP_host_map) +
                     !!(parts & GNTMAP_device_map);

    while ( n-- )
    {
        if ( !ro )
            frame_put_type(&c->sh->frame[mfn]);
        frame_put_ref(c, mfn);
    }
}

static void complete_release(struct apply_ctx *c, const struct sh_release *r)
{
    struct shadow *sh = c->sh;
    bool ro = r->done & GNTMAP_readonly;
    uint32_t parts = r->done & PARTS;

    put_frame_refs(c, r->mfn, parts, ro);
    pins_add(&sh->dom[r->rd].active[r->ref].pin, parts, ro, -1);
    reduce_status(c, r->rd, r->ref);
    try_reap(sh, r->rd);
}

/*
 * The end of a hypercall (or a full release queue, or a destroy): the
 * invalidations are complete, so the releases go.  Those of a crashed
 * mapping domain never do (the flush was not confirmed); under faults the
 * facts say which others did not.
 */
static void complete_releases(struct apply_ctx *c)
{
    struct shadow *sh = c->sh;
    struct sh_result *res = c->res;
    unsigned int i, d;
    unsigned long mfn;

    for ( i = 0; i < sh->nr_releases; i++ )
    {
        const struct sh_release *r = &sh->release[i];
        unsigned int idx = res->nr_completed;

        if ( idx < SH_MAX_COMPLETIONS )
            res->completed[res->nr_completed++] = *r;
        if ( sh->dom[r->ld].crashed || (c->leak && c->leak[idx]) )
            release_leaked(sh, r);
        else
            complete_release(c, r);
    }
    sh->nr_releases = 0;
    for_each_frame ( mfn, &sh->touched )
        for ( d = 0; d < SH_DOMAINS; d++ )
            sh->pending_ro[d][mfn] = sh->pending_rw[d][mfn] = 0;
}

static unsigned int count_of(const struct shadow *sh, unsigned int d,
                             unsigned long mfn, bool ro)
{
    return ro ? sh->count_ro[d][mfn] : sh->count_rw[d][mfn];
}

static void count_add(struct shadow *sh, unsigned int d, unsigned long mfn,
                      bool ro, int delta)
{
    touch(sh, mfn);
    if ( ro )
        sh->count_ro[d][mfn] += delta;
    else
        sh->count_rw[d][mfn] += delta;
}

/* ---- ops ---- */

static int op_create(struct shadow *sh, const struct op *op)
{
    struct sh_domain *dom;

    if ( op->d >= SH_DOMAINS )
        return -EINVAL;
    dom = &sh->dom[op->d];
    if ( dom->state != SH_DOM_NONE )
        return dom->state == SH_DOM_LIVE ? -EEXIST : -EBUSY;
    memset(dom, 0, sizeof(*dom));
    dom->state = SH_DOM_LIVE;
    dom->iommu_allowed = op->iommu;
    clear_counts(sh, op->d);
    return 0;
}

static bool domain_has_devices(const struct shadow *sh, unsigned int d)
{
    unsigned int i;

    for ( i = 0; i < SH_DEVICES; i++ )
        if ( sh->dev[i].owner == d )
            return true;
    return false;
}

static void block_devices(struct shadow *sh, unsigned int d, bool confirmed)
{
    unsigned int i;

    for ( i = 0; i < SH_DEVICES; i++ )
        if ( sh->dev[i].owner == d )
            device_move(&sh->dev[i], SH_NOBODY, confirmed);
}

/* Teardown after the devices left: handles, tables, own frames. */
static void teardown(struct apply_ctx *c, unsigned int d)
{
    struct shadow *sh = c->sh;
    struct sh_domain *dom = &sh->dom[d];
    unsigned int h;
    unsigned long mfn;

    dom->iommu_on = false;
    for ( h = 0; h < SH_HANDLES; h++ )
    {
        struct sh_handle *hd = &dom->handle[h];
        struct sh_release r;

        if ( !hd->flags )
            continue;
        r.ld = d;
        r.rd = hd->rd;
        r.ref = hd->ref;
        r.mfn = hd->mfn;
        r.done = hd->flags;
        if ( hd->rd != d )
            count_add(sh, d, hd->mfn, hd->flags & GNTMAP_readonly, -1);
        memset(hd, 0, sizeof(*hd));
        complete_release(c, &r);
    }
    dom->handles_used = 0;
    dom->chunks = 0;

    /* A frame d owns was populated: touched. */
    for_each_frame ( mfn, &sh->touched )
    {
        struct sh_frame *f = &sh->frame[mfn];

        if ( f->owner != d || f->held )
            continue;
        while ( f->pinned && f->owner == d && !f->held )
        {
            f->pinned--;
            frame_put_type(f);
            frame_put_ref(c, mfn);
        }
        if ( f->owner == d && !f->held && f->allocated )
        {
            f->allocated = false;
            frame_put_ref(c, mfn);
        }
    }
    try_reap(sh, d);
}

static int op_destroy(struct apply_ctx *c, const struct op *op)
{
    struct shadow *sh = c->sh;
    const struct sh_facts *facts = c->facts;
    struct sh_domain *dom;
    unsigned int d = op->d;

    if ( d >= SH_DOMAINS || sh->dom[d].state != SH_DOM_LIVE )
        return -EINVAL;
    dom = &sh->dom[d];
    /* Everything deferred so far is flushed and released first. */
    complete_releases(c);
    dom->state = SH_DOM_DYING;
    /*
     * Not confirmed: the domain is held, nothing released.  An error with
     * the domain not held is another domain's flush failing during the
     * teardown or at the end of the hypercall: the teardown went on, and
     * frames whose put was not confirmed are held (frame_put_ref()).
     */
    if ( facts && facts->status && facts->held[d] )
    {
        dom->held = true;
        dom->crashed = true;
        block_devices(sh, d, false);
        return facts->status;
    }
    /* Quarantine, then a context and IOTLB invalidation, if it had devices. */
    if ( domain_has_devices(sh, d) )
    {
        block_devices(sh, d, true);
        context_cache_flushed(sh);
    }
    if ( d == 0 )
        sh->d0_excused = false;
    teardown(c, d);
    return 0;
}

static int op_assign(struct apply_ctx *c, const struct op *op)
{
    struct shadow *sh = c->sh;
    const struct sh_facts *facts = c->facts;
    struct sh_domain *dom = domain_live(sh, op->d);
    unsigned long mfn;

    if ( op->dev >= SH_DEVICES || !dom )
        return -EINVAL;
    if ( !dom->iommu_allowed )
        return -EPERM;
    if ( sh->dev[op->dev].owner != SH_NOBODY )
        return -EBUSY;
    if ( !dom->iommu_on )
    {
        /* Tables built from what it holds: a count could overflow. */
        for_each_frame ( mfn, &sh->touched )
            if ( sh->count_ro[op->d][mfn] > GTIO_COUNT_MAX ||
                 sh->count_rw[op->d][mfn] > GTIO_COUNT_MAX )
                return -EBUSY;
    }
    if ( facts && !facts->took_effect )
    {
        /* Tables may have been built before the failure. */
        dom->iommu_on = facts->iommu_on[op->d];
        return facts->status;
    }
    dom->iommu_on = true;
    /* Failed, the hardware domain keeps the device, move unconfirmed. */
    device_move(&sh->dev[op->dev], op->d, !(facts && facts->status));
    if ( facts && facts->status )
        return facts->status;
    context_cache_flushed(sh);
    return 0;
}

static int op_deassign(struct apply_ctx *c, const struct op *op)
{
    struct shadow *sh = c->sh;
    const struct sh_facts *facts = c->facts;
    struct sh_device *dev;

    if ( op->dev >= SH_DEVICES || sh->dev[op->dev].owner == SH_NOBODY )
        return -EINVAL;
    dev = &sh->dev[op->dev];
    device_move(dev, SH_NOBODY, !(facts && facts->status));
    if ( facts && facts->status )
        return facts->status;
    context_cache_flushed(sh);
    return 0;
}

static int op_populate(struct apply_ctx *c, const struct op *op)
{
    struct shadow *sh = c->sh;
    struct sh_domain *dom = domain_live(sh, op->d);
    struct sh_frame *f = frame_of(sh, op->mfn);

    if ( !dom || !f )
        return -EINVAL;
    if ( f->owner != SH_NOBODY || f->held )
        return -EBUSY;
    if ( c->facts && !c->facts->took_effect )
        return c->facts->status;
    touch(sh, op->mfn);
    f->owner = op->d;
    f->refs = 1;
    f->allocated = true;
    f->type = GTIO_PGT_WRITABLE;
    f->type_count = 0;
    f->pinned = 0;
    dom->nr_pages++;
    return c->facts ? c->facts->status : 0;
}

/* A frame d owns and may operate on (Xen: get_page of its own page). */
static struct sh_frame *owned_frame(struct shadow *sh, unsigned int d,
                                    unsigned long mfn)
{
    struct sh_frame *f = frame_of(sh, mfn);

    return domain_live(sh, d) && f && f->owner == d && !f->held ? f : NULL;
}

static int op_remove(struct apply_ctx *c, const struct op *op)
{
    struct sh_frame *f = owned_frame(c->sh, op->d, op->mfn);

    if ( !f || !f->allocated )
        return -EINVAL;
    if ( c->facts && !c->facts->took_effect )
        return c->facts->status;
    f->allocated = false;
    frame_put_ref(c, op->mfn);
    return c->facts ? c->facts->status : 0;
}

static int op_get_type(struct apply_ctx *c, const struct op *op)
{
    struct sh_frame *f = owned_frame(c->sh, op->d, op->mfn);

    if ( !f || !f->allocated || op->type == GTIO_PGT_NONE ||
         op->type >= GTIO_PGT_NR || !frame_type_ok(f, op->type) )
        return -EINVAL;
    if ( c->facts && !c->facts->took_effect )
        return c->facts->status;
    frame_get_type(c, op->mfn, op->type);
    f->refs++;
    f->pinned++;
    return c->facts ? c->facts->status : 0;
}

static int op_put_type(struct apply_ctx *c, const struct op *op)
{
    struct sh_frame *f = owned_frame(c->sh, op->d, op->mfn);

    if ( !f || !f->pinned )
        return -EINVAL;
    if ( c->facts && !c->facts->took_effect )
        return c->facts->status;
    f->pinned--;
    frame_put_type(f);
    frame_put_ref(c, op->mfn);
    return c->facts ? c->facts->status : 0;
}

static int op_grant_write(struct shadow *sh, const struct op *op)
{
    struct sh_domain *dom = domain_live(sh, op->d);
    struct sh_entry *e;

    if ( !dom || op->ref >= SH_GRANTS )
        return -EINVAL;
    e = &dom->shared[op->ref];
    /* The status bits are the hypervisor's: the guest cannot change them. */
    e->flags = (op->flags & ~STATUS_BITS) | (e->flags & STATUS_BITS);
    e->domid = op->grantee;
    e->frame = op->mfn;
    return 0;
}

/* The lowest free handle; a new chunk when all existing ones are full. */
static bool find_handle(const struct sh_domain *dom, uint32_t *handle)
{
    unsigned int h;

    for ( h = 0; h < dom->chunks * GTIO_MAPTRACK_CHUNK; h++ )
        if ( !dom->handle[h].flags )
        {
            *handle = h;
            return true;
        }
    if ( dom->chunks == GTIO_MAPTRACK_CHUNKS )
        return false;
    *handle = dom->chunks * GTIO_MAPTRACK_CHUNK;
    return true;
}

static bool frame_mappable(struct shadow *sh, unsigned long mfn,
                           unsigned int rd)
{
    const struct sh_frame *f = frame_of(sh, mfn);

    return f && f->owner == rd && f->refs && !f->held;
}

/*
 * GNTTABOP_map_grant_ref, in Xen's order: flags, the mapping domain, the
 * granting domain, the ref, a handle, the active entry (pinned by another
 * domain, pin overflow), the shared entry (type, sub-page, grantee,
 * read-only) read once, the frame, its references and type, the IOMMU
 * counter.
 */
static int op_map(struct apply_ctx *c, const struct op *op)
{
    struct shadow *sh = c->sh;
    const struct sh_facts *facts = c->facts;
    uint32_t parts = op->flags & PARTS, handle;
    bool ro = op->flags & GNTMAP_readonly, pinned, ok;
    unsigned int ld = op->d, rd = op->rd, n;
    struct sh_domain *ldom = domain_live(sh, ld), *rdom;
    struct sh_active *act;
    struct sh_entry *sha;
    struct sh_frame *f;
    unsigned long mfn;

    if ( !parts )
        return GNTST_bad_gntref;
    if ( !ldom )
        return GNTST_general_error;
    if ( rd >= SH_DOMAINS || sh->dom[rd].state != SH_DOM_LIVE )
        return GNTST_bad_domain;
    rdom = &sh->dom[rd];
    if ( op->ref >= SH_GRANTS )
        return GNTST_bad_gntref;
    if ( !find_handle(ldom, &handle) )
        return GNTST_no_space;

    act = &rdom->active[op->ref];
    sha = &rdom->shared[op->ref];
    pinned = shadow_pins_any(&act->pin);
    if ( pinned && (act->domid != ld ||
                    pins_would_overflow(&act->pin, parts, ro)) )
        return GNTST_general_error;
    if ( !pinned || (!ro && !pins_writable(&act->pin)) )
    {
        if ( !pinned &&
             ((sha->flags & GTF_type_mask) != GTF_permit_access ||
              (sha->flags & GTF_sub_page) || sha->domid != ld) )
            return GNTST_general_error;
        if ( !ro && (sha->flags & GTF_readonly) )
            return GNTST_general_error;
        if ( !pinned && !frame_mappable(sh, sha->frame, rd) )
        {
            /* Status set, then reduced again: no pin needs any of it. */
            sha->flags &= ~STATUS_BITS;
            return GNTST_bad_page;
        }
    }
    mfn = pinned ? act->mfn : sha->frame;
    f = &sh->frame[mfn];
    /* Writable mappings take writable type references of rd's frame. */
    ok = ro || frame_type_ok(f, GTIO_PGT_WRITABLE);
    if ( ok && ld != rd && ldom->iommu_on &&
         count_of(sh, ld, mfn, ro) >= GTIO_COUNT_MAX )
        ok = false;
    if ( !ok )
    {
        /* Rolled back: the status bits the pins still need stay. */
        if ( !pinned || (!ro && !pins_writable(&act->pin)) )
            sha->flags |= GTF_reading | (ro ? 0 : GTF_writing);
        reduce_status(c, rd, op->ref);
        return GNTST_general_error;
    }
    if ( facts && !facts->took_effect )
        return facts->status;

    if ( !pinned || (!ro && !pins_writable(&act->pin)) )
        sha->flags |= GTF_reading | (ro ? 0 : GTF_writing);
    if ( !pinned )
    {
        act->domid = ld;
        act->mfn = mfn;
    }
    pins_add(&act->pin, parts, ro, 1);
    for ( n = !!(parts & GNTMAP_host_map) + !!(parts & GNTMAP_device_map);
          n; n-- )
    {
        f->refs++;
        if ( !ro )
            frame_get_type(c, mfn, GTIO_PGT_WRITABLE);
    }
    if ( handle / GTIO_MAPTRACK_CHUNK >= ldom->chunks )
        ldom->chunks = handle / GTIO_MAPTRACK_CHUNK + 1;
    ldom->handle[handle].flags = parts | (ro ? GNTMAP_readonly : 0);
    ldom->handle[handle].ref = op->ref;
    ldom->handle[handle].rd = rd;
    ldom->handle[handle].mfn = mfn;
    ldom->handles_used++;
    if ( ld != rd )
        count_add(sh, ld, mfn, ro, 1);
    c->res->handle = handle;
    return facts ? facts->status : GNTST_okay;
}

static int op_unmap(struct apply_ctx *c, const struct op *op)
{
    struct shadow *sh = c->sh;
    const struct sh_facts *facts = c->facts;
    struct sh_domain *ldom = domain_live(sh, op->d);
    struct sh_handle *hd;
    struct sh_release r;
    uint16_t done;
    bool ro;

    if ( !ldom )
        return GNTST_general_error;
    if ( op->handle >= ldom->chunks * GTIO_MAPTRACK_CHUNK ||
         !ldom->handle[op->handle].flags )
        return GNTST_bad_handle;
    hd = &ldom->handle[op->handle];
    done = op->flags & hd->flags & PARTS;
    if ( !done )
        return GNTST_okay;

    ro = hd->flags & GNTMAP_readonly;
    r.ld = op->d;
    r.rd = hd->rd;
    r.ref = hd->ref;
    r.mfn = hd->mfn;
    r.done = done | (ro ? GNTMAP_readonly : 0);
    hd->flags &= ~done;
    if ( !(hd->flags & PARTS) )
    {
        /* The handle is gone; its IOMMU entry may live until the flush. */
        if ( r.rd != op->d )
        {
            count_add(sh, op->d, r.mfn, ro, -1);
            if ( ro )
                sh->pending_ro[op->d][r.mfn]++;
            else
                sh->pending_rw[op->d][r.mfn]++;
        }
        memset(hd, 0, sizeof(*hd));
        ldom->handles_used--;
    }
    if ( facts && !facts->release_queued )
    {
        /* Never queued: pins and references leak. */
        release_leaked(sh, &r);
        return facts->status;
    }
    if ( sh->nr_releases == SH_RELEASES )
        complete_releases(c);
    sh->release[sh->nr_releases++] = r;
    return facts ? facts->status : GNTST_okay;
}

/* Ops that are a hypercall of their own outside begin/end. */
static bool is_hypercall_op(unsigned int kind)
{
    switch ( kind )
    {
    case OP_DESTROY:
    case OP_ASSIGN:
    case OP_DEASSIGN:
    case OP_POPULATE:
    case OP_REMOVE:
    case OP_GET_TYPE:
    case OP_PUT_TYPE:
    case OP_MAP:
    case OP_UNMAP:
        return true;
    default:
        return false;
    }
}

static void apply(struct apply_ctx *c, const struct op *op)
{
    struct shadow *sh = c->sh;
    struct sh_result *res = c->res;
    int st = 0;

    memset(res, 0, offsetof(struct sh_result, completed));
    switch ( op->kind )
    {
    case OP_BEGIN:
        if ( sh->in_hypercall )
            res->ignored = true;
        sh->in_hypercall = true;
        break;
    case OP_END:
        if ( !sh->in_hypercall )
        {
            res->ignored = true;
            break;
        }
        complete_releases(c);
        sh->in_hypercall = false;
        res->hypercall = true;
        st = c->facts ? c->facts->status : 0;
        break;
    case OP_CREATE:
        st = op_create(sh, op);
        break;
    case OP_DESTROY:
        st = op_destroy(c, op);
        break;
    case OP_ASSIGN:
        st = op_assign(c, op);
        break;
    case OP_DEASSIGN:
        st = op_deassign(c, op);
        break;
    case OP_POPULATE:
        st = op_populate(c, op);
        break;
    case OP_REMOVE:
        st = op_remove(c, op);
        break;
    case OP_GET_TYPE:
        st = op_get_type(c, op);
        break;
    case OP_PUT_TYPE:
        st = op_put_type(c, op);
        break;
    case OP_GRANT_WRITE:
        st = op_grant_write(sh, op);
        break;
    case OP_MAP:
        st = op_map(c, op);
        break;
    case OP_UNMAP:
        st = op_unmap(c, op);
        break;
    default:
        break;
    }
    if ( is_hypercall_op(op->kind) && !sh->in_hypercall )
    {
        complete_releases(c);
        res->hypercall = true;
    }
    res->status = st;
}

void shadow_apply(struct shadow *sh, const struct op *op,
                  struct sh_result *res)
{
    struct apply_ctx c = { .sh = sh, .res = res };

    apply(&c, op);
}

bool shadow_outcome_open(const struct shadow *sh, const struct op *op)
{
    return op->kind == OP_DESTROY && op->d < SH_DOMAINS &&
           sh->dom[op->d].state == SH_DOM_LIVE &&
           (sh->dom[op->d].crashed || sh->dom[op->d].held);
}

/* ---- outcomes under faults ---- */

static bool is_grant_op(unsigned int kind)
{
    return kind == OP_MAP || kind == OP_UNMAP;
}

/* The errors a fault may turn an op's result into (DESIGN.md section 5). */
static bool fault_error(unsigned int kind, int st)
{
    if ( is_grant_op(kind) )
        return st == GNTST_general_error ||
               (kind == OP_MAP && st == GNTST_no_space);
    return st == -ENOMEM || st == -EIO || st == -ETIMEDOUT;
}

/* Which releases completed by pass 1 the core did not complete (pins). */
static void choose_leaks(const struct shadow *pass1,
                         const struct sh_result *res1,
                         const struct sh_facts *facts, bool *leak)
{
    struct sh_pins diff[SH_DOMAINS][SH_GRANTS];
    unsigned int i, d, g;

    for ( d = 0; d < SH_DOMAINS; d++ )
        for ( g = 0; g < SH_GRANTS; g++ )
        {
            const struct sh_pins *core = &facts->pins[d][g];
            const struct sh_pins *model = &pass1->dom[d].active[g].pin;

            diff[d][g].host_rw = core->host_rw > model->host_rw ?
                                 core->host_rw - model->host_rw : 0;
            diff[d][g].host_ro = core->host_ro > model->host_ro ?
                                 core->host_ro - model->host_ro : 0;
            diff[d][g].dev_rw = core->dev_rw > model->dev_rw ?
                                core->dev_rw - model->dev_rw : 0;
            diff[d][g].dev_ro = core->dev_ro > model->dev_ro ?
                                core->dev_ro - model->dev_ro : 0;
        }
    for ( i = 0; i < res1->nr_completed; i++ )
    {
        const struct sh_release *r = &res1->completed[i];
        struct sh_pins *p = &diff[r->rd][r->ref];
        bool ro = r->done & GNTMAP_readonly;
        bool host = r->done & GNTMAP_host_map;
        bool dev = r->done & GNTMAP_device_map;

        leak[i] = false;
        if ( (host && !*pin_slot(p, true, ro)) ||
             (dev && !*pin_slot(p, false, ro)) )
            continue;
        leak[i] = true;
        pins_add(p, r->done & PARTS, ro, -1);
    }
}

/* Adopt what the core's flush failures did, if the design allows it. */
static void adopt_fault_state(struct apply_ctx *c, const struct op *op)
{
    struct shadow *sh = c->sh;
    const struct sh_facts *facts = c->facts;
    unsigned int d, g;
    unsigned long mfn;

    for ( d = 0; d < SH_DOMAINS; d++ )
    {
        struct sh_domain *dom = &sh->dom[d];

        /* A slot freed on one side only is for the accounting check. */
        if ( dom->state == SH_DOM_NONE || !facts->exists[d] )
            continue;
        if ( facts->crashed[d] && !dom->crashed )
        {
            if ( d == 0 && dom->state == SH_DOM_LIVE )
                violation(c, "the hardware domain was crashed (it must get "
                          "the error instead)");
            dom->crashed = true;
            /* Crashed for a failed flush: its devices are cut off. */
            block_devices(sh, d, true);
        }
        else if ( !facts->crashed[d] && dom->crashed )
            violation(c, "d%u is no longer crashed", d);
        if ( facts->held[d] )
            dom->held = true;
        else if ( dom->held )
            violation(c, "d%u is no longer held", d);
        if ( op->kind == OP_ASSIGN && op->d == d )
            dom->iommu_on = facts->iommu_on[d];
        for ( g = 0; g < SH_GRANTS; g++ )
        {
            uint16_t extra = facts->flags[d][g] & STATUS_BITS &
                             ~dom->shared[g].flags;

            /* A status bit left set is safe (the granter waits longer). */
            dom->shared[g].flags |= extra;
        }
    }
    for ( mfn = 0; mfn < sh->hdr.nr_frames; mfn++ )
    {
        struct sh_frame *f = &sh->frame[mfn];

        /* Untouched, a frame is free in the model: the core holds none. */
        if ( !frame_set_has(&sh->touched, mfn) )
        {
            if ( facts->frame_held[mfn] )
                violation(c, "frame %lu held although freed", mfn);
            continue;
        }
        /*
         * A failed map may leave the writable type it took (count back to
         * 0), as Xen's put_page_type() does: harmless, the frame is then an
         * ordinary writable page of its owner.
         */
        if ( op->kind == OP_MAP && !facts->took_effect &&
             f->owner != SH_NOBODY && !f->type_count &&
             !facts->frame_type_count[mfn] &&
             facts->frame_type[mfn] == GTIO_PGT_WRITABLE )
            f->type = GTIO_PGT_WRITABLE;
        if ( facts->frame_held[mfn] && !f->held )
        {
            if ( f->owner == SH_NOBODY )
                violation(c, "frame %lu held although freed", mfn);
            else
                f->held = true;
        }
        else if ( !facts->frame_held[mfn] && f->held )
            violation(c, "frame %lu is no longer held", mfn);
    }
    /*
     * The hardware domain's devices are excused only while its own flush
     * is unconfirmed: the domain-selective flush it retries with, once
     * complete, leaves nothing stale to excuse.  A held d0 may stay
     * unconfirmed for good.
     */
    sh->d0_excused = facts->unconfirmed[0] &&
                     sh->dom[0].state != SH_DOM_NONE && sh->dom[0].iommu_on;
    /*
     * Only an unconfirmed flush excuses leaks (held frames and tables are
     * the safe outcome); a failed allocation must leave no trace at all.
     */
    if ( facts->flush_fault )
        sh->faulted = true;
}

static bool status_allowed(const struct op *op, int predicted,
                           const struct sh_facts *facts, char *why,
                           size_t whylen)
{
    int st = facts->status;
    bool success = predicted == 0;      /* GNTST_okay == 0 */

    if ( st == predicted && (!success || facts->took_effect ||
                             op->kind == OP_END || op->kind == OP_DESTROY ||
                             op->kind == OP_DEASSIGN) )
        return true;
    if ( fault_error(op->kind, st) )
        return true;
    snprintf(why, whylen, "%s returned %d, expected %d (or an error an "
             "injected fault allows)%s", op_kind_name(op->kind), st,
             predicted, success && !facts->took_effect && !st ?
             ": reported success but did nothing" : "");
    return false;
}

enum sh_verdict shadow_reapply(struct shadow *sh, const struct op *op,
                               const struct sh_facts *facts,
                               struct sh_result *res, char *why,
                               size_t whylen)
{
    static struct shadow pass1;
    static struct sh_result res1;
    struct shadow before_copy;
    struct apply_ctx c = { .sh = &pass1, .facts = facts, .res = &res1 };
    bool leak[SH_MAX_COMPLETIONS] = { false };
    struct sh_result predicted;
    enum sh_verdict verdict = SH_ALLOWED;

    /* What the op would have been without a fault: its status. */
    before_copy = *sh;
    shadow_apply(&before_copy, op, &predicted);

    /* Pass 1: every completion happens; the core's pins show which did not. */
    pass1 = *sh;
    apply(&c, op);
    choose_leaks(&pass1, &res1, facts, leak);

    c.sh = sh;
    c.leak = leak;
    c.res = res;
    c.why = why;
    c.whylen = whylen;
    apply(&c, op);
    adopt_fault_state(&c, op);
    if ( c.violated )
        verdict = SH_BAD_STATE;
    else if ( !status_allowed(op, predicted.status, facts, why, whylen) )
        verdict = SH_BAD_STATUS;
    res->status = facts->status;
    return verdict;
}

/* ---- queries ---- */

/* with_pending: unmaps of this hypercall; with_leaked: leaked releases. */
static enum sh_access access_of(const struct shadow *sh, unsigned int d,
                                unsigned long bfn, bool with_pending,
                                bool with_leaked)
{
    const struct sh_domain *dom;
    const struct sh_frame *f;
    unsigned int ro, rw;

    if ( d >= SH_DOMAINS || bfn >= sh->hdr.nr_frames )
        return SH_NONE;
    dom = &sh->dom[d];
    if ( dom->state == SH_DOM_NONE || !dom->iommu_on )
        return SH_NONE;
    f = &sh->frame[bfn];
    if ( f->owner == d && f->type == GTIO_PGT_WRITABLE )
        return SH_RW;
    ro = sh->count_ro[d][bfn] + (with_pending ? sh->pending_ro[d][bfn] : 0) +
         (with_leaked ? (f->leaked_ro >> d) & 1 : 0);
    rw = sh->count_rw[d][bfn] + (with_pending ? sh->pending_rw[d][bfn] : 0) +
         (with_leaked ? (f->leaked_rw >> d) & 1 : 0);
    if ( rw )
        return SH_RW;
    return ro && sh->hdr.iommu_readonly ? SH_R : SH_NONE;
}

enum sh_access shadow_allowed(const struct shadow *sh, unsigned int d,
                              unsigned long bfn)
{
    return access_of(sh, d, bfn, false, false);
}

enum sh_access shadow_allowed_now(const struct shadow *sh, unsigned int d,
                                  unsigned long bfn)
{
    return access_of(sh, d, bfn, true, false);
}

enum sh_access shadow_may_reach(const struct shadow *sh, unsigned int d,
                                unsigned long bfn, bool now)
{
    return access_of(sh, d, bfn, now, true);
}

bool shadow_device_excused(const struct shadow *sh, unsigned int dev)
{
    const struct sh_device *dv = &sh->dev[dev];

    /*
     * A device moved to or from the hardware domain without a confirmed
     * context invalidation may still use any context it had since the
     * last one that completed (d0 got the error, and keeps running);
     * frees stay checked for it (freed-reachable).
     */
    if ( dv->unconfirmed && sh_device_may_use(dv, 0) )
        return true;
    return sh->d0_excused && dv->owner == 0;
}

void shadow_stale_contexts_name(char *buf, size_t len,
                                const struct sh_device *dv)
{
    unsigned int d;
    size_t used = 0;

    snprintf(buf, len, "quarantine");
    for ( d = 0; d < SH_DOMAINS; d++ )
        if ( (dv->stale_contexts >> d) & 1 && used < len )
            used += snprintf(buf + used, len - used, "%sd%u",
                             used ? "," : "", d);
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

static const char *const state_names[] = { "none", "live", "dying" };

static void print_domain(FILE *out, unsigned int d, const struct sh_domain *dom)
{
    fprintf(out, "    d%u: %s%s%s%s\n", d, state_names[dom->state],
            dom->crashed ? " crashed" : "", dom->held ? " held" : "",
            dom->iommu_allowed ? (dom->iommu_on ? " iommu=on" : " iommu=off")
                               : "");
}

static void print_frame(FILE *out, unsigned long mfn, const struct sh_frame *f)
{
    if ( f->owner == SH_NOBODY )
    {
        fprintf(out, "    frame %lu: free\n", mfn);
        return;
    }
    fprintf(out, "    frame %lu: d%u refs=%u type=%s/%u pinned=%u%s%s", mfn,
            f->owner, f->refs, page_type_name(f->type), f->type_count,
            f->pinned, f->allocated ? " allocated" : "",
            f->held ? " HELD" : "");
    if ( f->leaked_ro || f->leaked_rw )
        fprintf(out, " leaked-releases ro=%#x rw=%#x", f->leaked_ro,
                f->leaked_rw);
    fputc('\n', out);
}

static void print_pins(FILE *out, const struct sh_active *a)
{
    fprintf(out, "host rw=%u ro=%u dev rw=%u ro=%u", a->pin.host_rw,
            a->pin.host_ro, a->pin.dev_rw, a->pin.dev_ro);
    if ( shadow_pins_any(&a->pin) )
        fprintf(out, " for d%u mfn %u", a->domid, a->mfn);
}

static void diff_domain(FILE *out, unsigned int d, const struct sh_domain *a,
                        const struct sh_domain *b)
{
    unsigned int g, h;

    if ( a->state != b->state || a->crashed != b->crashed ||
         a->held != b->held || a->iommu_on != b->iommu_on )
        print_domain(out, d, b);
    for ( g = 0; g < SH_GRANTS; g++ )
    {
        const struct sh_entry *ea = &a->shared[g], *eb = &b->shared[g];
        const struct sh_active *aa = &a->active[g], *ab = &b->active[g];

        if ( memcmp(ea, eb, sizeof(*ea)) )
        {
            char flags[96];

            format_gtf_flags(flags, sizeof(flags), eb->flags);
            fprintf(out, "    d%u grant %u: flags=%s grantee=%u frame=%u\n",
                    d, g, flags, eb->domid, eb->frame);
        }
        if ( memcmp(&aa->pin, &ab->pin, sizeof(aa->pin)) )
        {
            fprintf(out, "    d%u active %u: ", d, g);
            print_pins(out, ab);
            fputc('\n', out);
        }
    }
    for ( h = 0; h < SH_HANDLES; h++ )
    {
        const struct sh_handle *ha = &a->handle[h], *hb = &b->handle[h];
        char flags[64];

        if ( !memcmp(ha, hb, sizeof(*ha)) )
            continue;
        if ( !hb->flags )
        {
            fprintf(out, "    d%u handle %u: freed\n", d, h);
            continue;
        }
        format_map_flags(flags, sizeof(flags), hb->flags);
        fprintf(out, "    d%u handle %u: d%u ref %u mfn %u flags=%s\n", d, h,
                hb->rd, hb->ref, hb->mfn, flags);
    }
}

void shadow_print_diff(FILE *out, const struct shadow *a,
                       const struct shadow *b)
{
    unsigned int d, i;
    unsigned long mfn;

    for ( d = 0; d < SH_DOMAINS; d++ )
        diff_domain(out, d, &a->dom[d], &b->dom[d]);
    for ( i = 0; i < SH_DEVICES; i++ )
        if ( memcmp(&a->dev[i], &b->dev[i], sizeof(a->dev[i])) )
        {
            if ( b->dev[i].owner == SH_NOBODY )
                fprintf(out, "    dev %u: quarantine", i);
            else
                fprintf(out, "    dev %u: d%u", i, b->dev[i].owner);
            if ( b->dev[i].unconfirmed )
            {
                char old[32];

                shadow_stale_contexts_name(old, sizeof(old), &b->dev[i]);
                fprintf(out, " (move unconfirmed, from %s)", old);
            }
            fputc('\n', out);
        }
    for ( mfn = 0; mfn < b->hdr.nr_frames; mfn++ )
        if ( memcmp(&a->frame[mfn], &b->frame[mfn], sizeof(b->frame[mfn])) )
            print_frame(out, mfn, &b->frame[mfn]);
    if ( a->nr_releases != b->nr_releases )
        fprintf(out, "    pending releases: %u\n", b->nr_releases);
    for ( d = 0; d < SH_DOMAINS; d++ )
        for ( mfn = 0; mfn < b->hdr.nr_frames; mfn++ )
        {
            enum sh_access was = shadow_allowed_now(a, d, mfn);
            enum sh_access now = shadow_allowed_now(b, d, mfn);

            if ( was != now )
                fprintf(out, "    allowed d%u bfn %lu: %s -> %s\n", d, mfn,
                        sh_access_name(was), sh_access_name(now));
        }
    if ( !a->d0_excused && b->d0_excused )
        fprintf(out, "    d0 devices excused from stale-dma/dma-fault "
                "(its flush failed)\n");
}
