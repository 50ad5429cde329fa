/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Grant tables v1: map and unmap by maptrack handle, and the IOMMU
 * mappings of the mapping domain.
 *
 * A grant mapping by domain L of domain R's frame f (L != R) maps f at
 * bfn == f in L's IOMMU.  As in Xen 4.17 after XSA-380 and XSA-394, the
 * mappings are counted per (L, f) and per maptrack handle, read-only and
 * writable apart: a handle counts once whatever mix of host and device
 * mapping it carries, and stops counting only when it is fully released.
 * The IOMMU entry is R|W while a writable handle exists, R while only
 * read-only ones do (non-present when read-only IOMMU mappings are
 * configured off), and absent otherwise.
 *
 * An unmap changes the IOMMU at once but releases pins, page references
 * and GTF_reading/GTF_writing only after the invalidation has completed
 * (gtio_grant_complete_releases(), run by the flush at the end of the
 * hypercall): the granter may reuse its frame as soon as those go.
 */

#include <xen/types.h>
#include <xen/errno.h>
#include <xen/lib.h>
#include <xen/xmalloc.h>
#include <asm/system.h>

#include "gtio_internal.h"

/* The first two fields of a v1 entry, changed together like Xen does. */
union grant_combo {
    uint32_t raw;
    struct {
        uint16_t flags;
        domid_t domid;
    };
};

static uint32_t *combo_of(grant_entry_v1_t *sha)
{
    return (uint32_t *)sha;
}

static uint16_t *pin_slot(struct gtio_pins *pin, bool host, bool ro)
{
    if ( host )
        return ro ? &pin->host_ro : &pin->host_rw;
    return ro ? &pin->dev_ro : &pin->dev_rw;
}

static bool pins_any(const struct gtio_pins *pin)
{
    return pin->host_rw || pin->host_ro || pin->dev_rw || pin->dev_ro;
}

static bool pins_writable(const struct gtio_pins *pin)
{
    return pin->host_rw || pin->dev_rw;
}

static void pins_add(struct gtio_pins *pin, uint32_t parts, bool ro, int delta)
{
    if ( parts & GNTMAP_host_map )
        *pin_slot(pin, true, ro) += delta;
    if ( parts & GNTMAP_device_map )
        *pin_slot(pin, false, ro) += delta;
}

static bool pins_would_overflow(struct gtio_pins *pin, uint32_t parts, bool ro)
{
    return ((parts & GNTMAP_host_map) &&
            *pin_slot(pin, true, ro) >= GTIO_PIN_LIMIT) ||
           ((parts & GNTMAP_device_map) &&
            *pin_slot(pin, false, ro) >= GTIO_PIN_LIMIT);
}

bool gtio_grant_pinned(const struct gtio_domain *dom)
{
    unsigned int i;

    for ( i = 0; i < GTIO_NR_GRANTS; i++ )
        if ( pins_any(&dom->active[i].pin) )
            return true;
    return false;
}

/*
 * Set GTF_reading (and GTF_writing) in the granter's entry, checking the
 * entry as read in that same compare-and-swap.  The frame is read once,
 * after, and only when the entry was not already pinned.
 */
static int set_status(grant_entry_v1_t *sha, domid_t ld, bool ro,
                      bool pinned, uint32_t *frame)
{
    unsigned int tries;

    for ( tries = 0; tries < 5; tries++ )
    {
        union grant_combo cur, want;

        cur.raw = ACCESS_ONCE(*combo_of(sha));
        if ( !pinned &&
             ((cur.flags & GTF_type_mask) != GTF_permit_access ||
              (cur.flags & GTF_sub_page) || cur.domid != ld) )
            return GNTST_general_error;
        if ( !ro && (cur.flags & GTF_readonly) )
            return GNTST_general_error;
        want = cur;
        want.flags |= GTF_reading | (ro ? 0 : GTF_writing);
        if ( cmpxchg(combo_of(sha), cur.raw, want.raw) == cur.raw )
        {
            if ( !pinned )
                *frame = ACCESS_ONCE(sha->frame);
            return GNTST_okay;
        }
    }
    return GNTST_general_error;
}

/* Clear the status bits no remaining pin needs. */
static void reduce_status(struct gtio_machine *m, struct gtio_domain *rdom,
                          uint32_t ref)
{
    const struct gtio_active_entry *act = &rdom->active[ref];
    uint16_t clear = 0, *flags = &rdom->shared[ref].flags, old;

    if ( !pins_any(&act->pin) )
        clear = GTF_reading | GTF_writing;
    else if ( !pins_writable(&act->pin) )
        clear = GTF_writing;
    if ( !clear )
        return;
    /* (d): the granter may reuse the frame once these are clear. */
    if ( gtio_flush_pending_for(m, act->mfn) && gtio_flush_now(m) )
        return;
    do {
        old = ACCESS_ONCE(*flags);
    } while ( cmpxchg(flags, old, (uint16_t)(old & ~clear)) != old );
}

static struct gtio_maptrack *handle_entry(struct gtio_domain *dom,
                                          uint32_t handle)
{
    struct gtio_maptrack_chunk *chunk;

    if ( handle >= GTIO_MAX_HANDLES )
        return NULL;
    chunk = dom->maptrack[handle / GTIO_MAPTRACK_CHUNK];
    return chunk ? &chunk->entry[handle % GTIO_MAPTRACK_CHUNK] : NULL;
}

const struct gtio_maptrack *gtio_handle(const struct gtio_domain *dom,
                                        uint32_t handle)
{
    const struct gtio_maptrack *map;

    map = handle_entry((struct gtio_domain *)dom, handle);
    return map && map->flags ? map : NULL;
}

/* Find a free handle, growing the maptrack by a chunk if needed. */
static int get_handle(struct gtio_domain *dom, uint32_t *handle,
                      bool *new_chunk)
{
    unsigned int c, i;

    *new_chunk = false;
    for ( c = 0; c < GTIO_MAPTRACK_CHUNKS; c++ )
    {
        struct gtio_maptrack_chunk *chunk = dom->maptrack[c];

        if ( !chunk )
        {
            chunk = xzalloc(struct gtio_maptrack_chunk);
            if ( !chunk )
                return GNTST_no_space;
            dom->maptrack[c] = chunk;
            *new_chunk = true;
        }
        for ( i = 0; i < GTIO_MAPTRACK_CHUNK; i++ )
            if ( !chunk->entry[i].flags )
            {
                *handle = c * GTIO_MAPTRACK_CHUNK + i;
                return GNTST_okay;
            }
    }
    return GNTST_no_space;
}

static void drop_new_chunk(struct gtio_domain *dom, uint32_t handle)
{
    unsigned int c = handle / GTIO_MAPTRACK_CHUNK;

    xfree(dom->maptrack[c]);
    dom->maptrack[c] = NULL;
}

const struct gtio_map_count *gtio_count_of(const struct gtio_domain *dom,
                                           unsigned long mfn)
{
    const struct gtio_map_count *c;

    for ( c = dom->counts; c; c = c->next )
        if ( c->mfn == mfn )
            return c;
    return NULL;
}

unsigned int gtio_grant_count_access(const struct gtio_machine *m,
                                     const struct gtio_map_count *c)
{
    if ( !c )
        return GTIO_ACCESS_NONE;
    if ( c->rw )
        return GTIO_ACCESS_RW;
    return c->ro && m->cfg.iommu_readonly ? GTIO_ACCESS_R : GTIO_ACCESS_NONE;
}

static struct gtio_map_count *count_find(struct gtio_domain *dom,
                                         unsigned long mfn)
{
    return (struct gtio_map_count *)gtio_count_of(dom, mfn);
}

static void count_unlink(struct gtio_domain *dom, struct gtio_map_count *node)
{
    struct gtio_map_count **pp = &dom->counts;

    while ( *pp != node )
        pp = &(*pp)->next;
    *pp = node->next;
    xfree(node);
}

/* Count one more handle; refuse on overflow, like Xen's counter wrap. */
static int count_get(struct gtio_domain *dom, unsigned long mfn, bool ro)
{
    struct gtio_map_count *node = count_find(dom, mfn);

    /* A new node starts at 0: only an existing one can be full. */
    if ( node && (ro ? node->ro : node->rw) == GTIO_COUNT_MAX )
        return -EBUSY;
    if ( !node )
    {
        node = xzalloc(struct gtio_map_count);
        if ( !node )
            return -ENOMEM;
        node->mfn = mfn;
        node->next = dom->counts;
        dom->counts = node;
    }
    if ( ro )
        node->ro++;
    else
        node->rw++;
    return 0;
}

/* An underflow means a handle was released twice: a hypervisor bug. */
static void count_put(struct gtio_domain *dom, struct gtio_map_count *node,
                      bool ro)
{
    uint8_t *ctr = ro ? &node->ro : &node->rw;

    BUG_ON(!*ctr);
    (*ctr)--;
    if ( !node->ro && !node->rw )
        count_unlink(dom, node);
}

static int map_iommu(struct gtio_machine *m, struct gtio_domain *ldom,
                     unsigned long mfn, bool ro)
{
    unsigned int old = gtio_grant_count_access(m, count_find(ldom, mfn)), new;
    int rc = count_get(ldom, mfn, ro);

    if ( rc )
        return rc;
    new = gtio_grant_count_access(m, count_find(ldom, mfn));
    if ( new != old )
        rc = gtio_pt_set(m, ldom, mfn, new);
    if ( rc )
        count_put(ldom, count_find(ldom, mfn), ro);
    return rc;
}

static int unmap_iommu(struct gtio_machine *m, struct gtio_domain *ldom,
                       unsigned long mfn, bool ro)
{
    struct gtio_map_count *node = count_find(ldom, mfn);
    unsigned int old, new;
    int rc;

    BUG_ON(!node);
    old = gtio_grant_count_access(m, node);
    count_put(ldom, node, ro);
    new = gtio_grant_count_access(m, count_find(ldom, mfn));
    if ( new == old )
        return 0;
    rc = gtio_pt_set(m, ldom, mfn, new);
    if ( !rc && new == GTIO_ACCESS_NONE )
        rc = gtio_pt_collapse(m, ldom, mfn);
    return rc;
}

/* Page and type references for each part of a mapping, undone on failure. */
static int get_frame_refs(struct gtio_machine *m, unsigned long mfn,
                          domid_t rd, uint32_t parts, bool ro)
{
    unsigned int n = !!(parts & GNTMAP_host_map) +
                     !!(parts & GNTMAP_device_map), got;
    int rc = 0;

    for ( got = 0; got < n && !rc; got++ )
    {
        rc = gtio_frame_get_ref(m, mfn, rd);
        if ( !rc && !ro &&
             (rc = gtio_frame_get_type(m, mfn, GTIO_PGT_WRITABLE)) )
            gtio_frame_put_ref(m, mfn);
    }
    if ( !rc )
        return 0;
    while ( --got > 0 )
    {
        if ( !ro )
            gtio_frame_put_type(m, mfn);
        gtio_frame_put_ref(m, mfn);
    }
    return rc;
}

static void put_frame_refs(struct gtio_machine *m, unsigned long mfn,
                           uint32_t parts, bool ro)
{
    if ( parts & GNTMAP_device_map )
    {
        if ( !ro )
            gtio_frame_put_type(m, mfn);
        gtio_frame_put_ref(m, mfn);
    }
    if ( parts & GNTMAP_host_map )
    {
        if ( !ro )
            gtio_frame_put_type(m, mfn);
        gtio_frame_put_ref(m, mfn);
    }
}

static bool frame_mappable(struct gtio_machine *m, unsigned long mfn,
                           domid_t rd)
{
    const struct gtio_frame *f = gtio_frame_of(m, mfn);

    return f && f->owner == rd && f->refs && !f->held;
}

/* Pin the entry for ld; on success *mfn is the frame it grants. */
static int pin_entry(struct gtio_machine *m, struct gtio_domain *rdom,
                     uint32_t ref, domid_t ld, uint32_t parts, bool ro,
                     unsigned long *mfn)
{
    struct gtio_active_entry *act = &rdom->active[ref];
    bool pinned = pins_any(&act->pin);
    uint32_t frame = 0;
    int rc;

    if ( pinned &&
         (act->domid != ld || pins_would_overflow(&act->pin, parts, ro)) )
        return GNTST_general_error;
    if ( !pinned || (!ro && !pins_writable(&act->pin)) )
    {
        rc = set_status(&rdom->shared[ref], ld, ro, pinned, &frame);
        if ( rc )
            return rc;
        if ( !pinned && !frame_mappable(m, frame, rdom->domid) )
        {
            reduce_status(m, rdom, ref);
            return GNTST_bad_page;
        }
    }
    if ( !pinned )
    {
        act->domid = ld;
        act->mfn = frame;
    }
    pins_add(&act->pin, parts, ro, 1);
    *mfn = act->mfn;
    return GNTST_okay;
}

static void unpin_entry(struct gtio_machine *m, struct gtio_domain *rdom,
                        uint32_t ref, uint32_t parts, bool ro)
{
    struct gtio_active_entry *act = &rdom->active[ref];

    pins_add(&act->pin, parts, ro, -1);
    reduce_status(m, rdom, ref);
    /* Unpinned: the next pin re-reads the entry, keep nothing stale. */
    if ( !pins_any(&act->pin) )
    {
        act->domid = 0;
        act->mfn = 0;
    }
}

static int map_grant(struct gtio_machine *m, domid_t ld, domid_t rd,
                     uint32_t ref, uint32_t flags, uint32_t *handle)
{
    uint32_t parts = flags & (GNTMAP_host_map | GNTMAP_device_map);
    bool ro = flags & GNTMAP_readonly, new_chunk;
    struct gtio_domain *ldom = gtio_domain_live(m, ld), *rdom;
    struct gtio_maptrack *map;
    unsigned long mfn;
    int rc;

    if ( !parts )
        return GNTST_bad_gntref;
    if ( !ldom )
        return GNTST_general_error;
    rdom = rd < GTIO_MAX_DOMAINS && m->dom[rd].state == GTIO_DOM_LIVE
           ? &m->dom[rd] : NULL;
    if ( !rdom )
        return GNTST_bad_domain;
    if ( ref >= GTIO_NR_GRANTS )
        return GNTST_bad_gntref;
    rc = get_handle(ldom, handle, &new_chunk);
    if ( rc )
        return rc;

    rc = pin_entry(m, rdom, ref, ld, parts, ro, &mfn);
    if ( rc )
        goto undo_handle;
    if ( get_frame_refs(m, mfn, rd, parts, ro) )
    {
        rc = GNTST_general_error;
        goto undo_pin;
    }
    if ( ld != rd && gtio_domain_iommu_on(ldom) && map_iommu(m, ldom, mfn, ro) )
    {
        rc = GNTST_general_error;
        goto undo_refs;
    }

    map = handle_entry(ldom, *handle);
    map->ref = ref;
    map->domid = rd;
    map->mfn = mfn;
    map->flags = parts | (ro ? GNTMAP_readonly : 0);
    ldom->maptrack_used++;
    return GNTST_okay;

 undo_refs:
    put_frame_refs(m, mfn, parts, ro);
 undo_pin:
    unpin_entry(m, rdom, ref, parts, ro);
 undo_handle:
    if ( new_chunk )
        drop_new_chunk(ldom, *handle);
    return rc;
}

int gtio_grant_map(struct gtio_machine *m, domid_t ld, domid_t rd,
                   uint32_t ref, uint32_t flags, uint32_t *handle)
{
    bool implicit = gtio_hypercall_enter(m);
    int st = map_grant(m, ld, rd, ref, flags, handle);

    if ( gtio_hypercall_leave(m, implicit, 0) && st == GNTST_okay )
        st = GNTST_general_error;
    return st;
}

static bool release_confirmed(const struct gtio_machine *m,
                              const struct gtio_release *r)
{
    const struct gtio_domain *ldom = &m->dom[r->ld];

    return !ldom->crashed && !ldom->iommu.unconfirmed;
}

static void complete_release(struct gtio_machine *m,
                             const struct gtio_release *r)
{
    struct gtio_domain *rdom = &m->dom[r->rd];
    bool ro = r->done & GNTMAP_readonly;
    uint32_t parts = r->done & (GNTMAP_host_map | GNTMAP_device_map);

    put_frame_refs(m, r->mfn, parts, ro);
    unpin_entry(m, rdom, r->ref, parts, ro);
    gtio_domain_try_reap(m, rdom);
}

/*
 * Run after a flush: release what the unmaps of this hypercall gave up.
 * Releases of a domain whose flush failed are never completed: their
 * frames stay referenced (held) and the granter keeps its status bits.
 */
int gtio_grant_complete_releases(struct gtio_machine *m)
{
    unsigned int i, n = m->nr_releases;

    m->nr_releases = 0;
    for ( i = 0; i < n; i++ )
        if ( release_confirmed(m, &m->release[i]) )
            complete_release(m, &m->release[i]);
    return 0;
}

static int queue_release(struct gtio_machine *m, domid_t ld,
                         const struct gtio_maptrack *map, uint16_t done)
{
    struct gtio_release *r;
    int rc = 0;

    if ( m->nr_releases == GTIO_PENDING_RELEASES )
    {
        rc = gtio_flush_now(m);
        gtio_grant_complete_releases(m);
    }
    r = &m->release[m->nr_releases++];
    r->ld = ld;
    r->rd = map->domid;
    r->ref = map->ref;
    r->mfn = map->mfn;
    r->done = done;
    return rc;
}

static int unmap_grant(struct gtio_machine *m, domid_t ld, uint32_t handle,
                       uint32_t parts)
{
    struct gtio_domain *ldom = gtio_domain_live(m, ld);
    struct gtio_maptrack *map;
    uint16_t done;
    bool ro;
    int rc = 0, qrc;

    if ( !ldom )
        return GNTST_general_error;
    map = handle_entry(ldom, handle);
    if ( !map || !map->flags )
        return GNTST_bad_handle;
    done = parts & map->flags & (GNTMAP_host_map | GNTMAP_device_map);
    if ( !done )
        return GNTST_okay;

    ro = map->flags & GNTMAP_readonly;
    map->flags &= ~done;
    if ( !(map->flags & (GNTMAP_host_map | GNTMAP_device_map)) )
    {
        map->flags = 0;
        ldom->maptrack_used--;
        if ( ld != map->domid && gtio_domain_iommu_on(ldom) )
            rc = unmap_iommu(m, ldom, map->mfn, ro);
    }
    /*
     * The handle is gone even if the IOMMU update failed (a flush it had
     * to do inside failed): queue the release anyway.  Like any release it
     * completes once a flush confirms it and is kept (leaked) otherwise;
     * dropped here, its pins and references could never go, even when
     * the hardware domain's flush at the end of the hypercall confirms
     * the unmap.
     */
    qrc = queue_release(m, ld, map, done | (ro ? GNTMAP_readonly : 0));
    return (rc || qrc) ? GNTST_general_error : GNTST_okay;
}

int gtio_grant_unmap(struct gtio_machine *m, domid_t ld, uint32_t handle,
                     uint32_t parts)
{
    bool implicit = gtio_hypercall_enter(m);
    int st = unmap_grant(m, ld, handle, parts);

    if ( gtio_hypercall_leave(m, implicit, 0) && st == GNTST_okay )
        st = GNTST_general_error;
    return st;
}

/* The granter writes its own shared entry: guest memory, no checks. */
int gtio_grant_write(struct gtio_machine *m, domid_t d, uint32_t ref,
                     uint16_t flags, domid_t grantee, uint32_t frame)
{
    struct gtio_domain *dom = gtio_domain_live(m, d);
    grant_entry_v1_t *sha;

    if ( !dom || ref >= GTIO_NR_GRANTS )
        return -EINVAL;
    sha = &dom->shared[ref];
    /* Status bits belong to Xen; the guest can only write the others. */
    flags = (flags & ~(GTF_reading | GTF_writing)) |
            (ACCESS_ONCE(sha->flags) & (GTF_reading | GTF_writing));
    ACCESS_ONCE(sha->frame) = frame;
    ACCESS_ONCE(sha->domid) = grantee;
    smp_wmb();
    ACCESS_ONCE(sha->flags) = flags;
    return 0;
}

/* Domain teardown, after its devices are quarantined and a DSI completed. */
void gtio_grant_release_domain(struct gtio_machine *m, struct gtio_domain *dom)
{
    unsigned int h;

    for ( h = 0; h < GTIO_MAX_HANDLES; h++ )
    {
        struct gtio_maptrack *map = handle_entry(dom, h);
        struct gtio_release r;

        if ( !map || !map->flags )
            continue;
        r.ld = dom->domid;
        r.rd = map->domid;
        r.ref = map->ref;
        r.mfn = map->mfn;
        r.done = map->flags;
        map->flags = 0;
        dom->maptrack_used--;
        complete_release(m, &r);
    }
    for ( h = 0; h < GTIO_MAPTRACK_CHUNKS; h++ )
    {
        xfree(dom->maptrack[h]);
        dom->maptrack[h] = NULL;
    }
    gtio_grant_free_counts(dom);
}

void gtio_grant_free_counts(struct gtio_domain *dom)
{
    while ( dom->counts )
        count_unlink(dom, dom->counts);
}

/* IOMMU turned on late: count the handles the domain already holds. */
int gtio_grant_build_counts(struct gtio_machine *m, struct gtio_domain *dom)
{
    const struct gtio_map_count *c;
    unsigned int h;
    int rc = 0;

    for ( h = 0; h < GTIO_MAX_HANDLES && !rc; h++ )
    {
        const struct gtio_maptrack *map = gtio_handle(dom, h);

        if ( map && map->domid != dom->domid )
            rc = count_get(dom, map->mfn, map->flags & GNTMAP_readonly);
    }
    for ( c = dom->counts; c && !rc; c = c->next )
        rc = gtio_pt_set(m, dom, c->mfn, gtio_grant_count_access(m, c));
    return rc;
}
