/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Domains, devices and hypercall boundaries.
 *
 * A domain created with IOMMU permission gets its tables when its first
 * device is assigned (built from the pages and grant mappings it holds
 * then) and keeps them in sync until it is destroyed; a domain without
 * IOMMU does no IOMMU work on any path.
 *
 * Device moves and teardown follow the order XSA-302/386/399/400 taught:
 * point the device at quarantine (a non-present context entry) first,
 * invalidate the context cache and the old domain's IOTLB, and only then
 * free tables, drop grant references or let the domain id be reused.
 */

#include <xen/types.h>
#include <xen/errno.h>
#include <xen/lib.h>
#include <xen/string.h>
#include <xen/xmalloc.h>

#include "gtio_internal.h"

struct gtio_domain *gtio_domain(struct gtio_machine *m, domid_t d)
{
    return d < GTIO_MAX_DOMAINS ? &m->dom[d] : NULL;
}

struct gtio_domain *gtio_domain_live(struct gtio_machine *m, domid_t d)
{
    struct gtio_domain *dom = gtio_domain(m, d);

    return dom && dom->state == GTIO_DOM_LIVE && !dom->crashed ? dom : NULL;
}

bool gtio_domain_iommu_on(const struct gtio_domain *dom)
{
    return dom->iommu.enabled;
}

bool gtio_hypercall_enter(struct gtio_machine *m)
{
    if ( m->in_hypercall )
        return false;
    gtio_hypercall_begin(m);
    return true;
}

int gtio_hypercall_leave(struct gtio_machine *m, bool implicit, int rc)
{
    int end = implicit ? gtio_hypercall_end(m) : 0;

    return rc ? rc : end;
}

void gtio_hypercall_begin(struct gtio_machine *m)
{
    ASSERT(!m->in_hypercall);
    m->in_hypercall = true;
}

/* (a): nothing deferred survives the return to the guest. */
int gtio_hypercall_end(struct gtio_machine *m)
{
    int rc;

    ASSERT(m->in_hypercall);
    rc = gtio_flush_now(m);
    gtio_grant_complete_releases(m);
    m->in_hypercall = false;
    return rc;
}

/* Some domain's grant is still pinned for d (a release never confirmed). */
static bool pinned_for(const struct gtio_machine *m, domid_t d)
{
    unsigned int i, g;

    for ( i = 0; i < GTIO_MAX_DOMAINS; i++ )
        for ( g = 0; g < GTIO_NR_GRANTS; g++ )
        {
            const struct gtio_active_entry *a = &m->dom[i].active[g];

            if ( (a->pin.host_rw || a->pin.host_ro || a->pin.dev_rw ||
                  a->pin.dev_ro) && a->domid == d )
                return true;
        }
    return false;
}

/*
 * A destroyed domain's slot is free once nothing refers to it any more,
 * including pins it holds on other domains' grants: a later domain with
 * the same id must not inherit them.
 */
void gtio_domain_try_reap(struct gtio_machine *m, struct gtio_domain *dom)
{
    if ( dom->state != GTIO_DOM_DYING || dom->held || dom->nr_pages ||
         gtio_grant_pinned(dom) || pinned_for(m, dom->domid) )
        return;
    memset(dom, 0, sizeof(*dom));
    dom->state = GTIO_DOM_NONE;
}

int gtio_domain_create(struct gtio_machine *m, domid_t d, bool iommu)
{
    struct gtio_domain *dom = gtio_domain(m, d);

    if ( !dom )
        return -EINVAL;
    if ( dom->state != GTIO_DOM_NONE )
        return dom->state == GTIO_DOM_LIVE ? -EEXIST : -EBUSY;
    memset(dom, 0, sizeof(*dom));
    dom->state = GTIO_DOM_LIVE;
    dom->domid = d;
    dom->is_hardware = d == 0;
    dom->iommu_allowed = iommu;
    /* VT-d domain id 0 is reserved under caching mode: never use it. */
    dom->iommu.did = d + 1;
    return 0;
}

/* Context-cache invalidation, then the old domain's IOTLB, then a wait. */
static int invalidate_device_move(struct gtio_machine *m, uint16_t old_did)
{
    int rc = gtio_vtd_queue_context_global(m);

    if ( !rc && old_did )
        rc = gtio_vtd_queue_dsi(m, old_did);
    return rc ? rc : gtio_vtd_sync(m);
}

static unsigned int devices_of(const struct gtio_machine *m, domid_t d)
{
    unsigned int dev, n = 0;

    for ( dev = 0; dev < GTIO_MAX_DEVICES; dev++ )
        n += m->device_owner[dev] == d;
    return n;
}

/*
 * Move every device of dom to quarantine; confirmed or an error.  Only the
 * context cache needs invalidating for that: once a device's context
 * entry is gone it faults before any IOTLB lookup, so this works even when
 * IOTLB invalidation is what failed.
 */
int gtio_domain_block_devices(struct gtio_machine *m, struct gtio_domain *dom)
{
    unsigned int dev;
    int rc;

    if ( !devices_of(m, dom->domid) )
        return 0;
    for ( dev = 0; dev < GTIO_MAX_DEVICES; dev++ )
        if ( m->device_owner[dev] == dom->domid )
        {
            gtio_vtd_set_context(m, dev, NULL);
            m->device_owner[dev] = GTIO_NO_DOMAIN;
        }
    rc = gtio_vtd_queue_context_global(m);
    return rc ? rc : gtio_vtd_sync(m);
}

/* Nothing cached under the domain id survives: required before reuse. */
static int forget_domain_id(struct gtio_machine *m, struct gtio_domain *dom)
{
    int rc = gtio_vtd_queue_dsi(m, dom->iommu.did);

    rc = rc ? rc : gtio_vtd_sync(m);
    if ( !rc )
        dom->iommu.unconfirmed = false;
    return rc;
}

/* Build tables from what the domain holds now; all or nothing. */
static int enable_iommu(struct gtio_machine *m, struct gtio_domain *dom)
{
    unsigned long mfn;
    int rc;

    rc = gtio_pt_create_root(m, dom);
    for ( mfn = 0; mfn < m->cfg.nr_frames && !rc; mfn++ )
    {
        const struct gtio_frame *f = &m->frames[mfn];

        if ( f->owner == dom->domid && gtio_frame_own_access(f) )
            rc = gtio_pt_set(m, dom, mfn, gtio_frame_own_access(f));
    }
    if ( !rc )
        rc = gtio_grant_build_counts(m, dom);
    if ( rc )
    {
        /* Never reachable by a device yet: no invalidation needed. */
        gtio_grant_free_counts(dom);
        dom->iommu.nr_pending = 0;
        dom->iommu.pending_dsi = false;
        gtio_pt_free_all(m, dom);
        return rc;
    }
    dom->iommu.enabled = true;
    return 0;
}

int gtio_device_assign(struct gtio_machine *m, unsigned int dev, domid_t d)
{
    bool implicit = gtio_hypercall_enter(m);
    struct gtio_domain *dom = gtio_domain_live(m, d);
    int rc = 0;

    if ( dev >= GTIO_MAX_DEVICES || !dom )
        rc = -EINVAL;
    else if ( !dom->iommu_allowed )
        rc = -EPERM;
    else if ( m->device_owner[dev] != GTIO_NO_DOMAIN )
        rc = -EBUSY;
    else if ( !gtio_domain_iommu_on(dom) )
        rc = enable_iommu(m, dom);
    /* Deferred changes must be in the tables the device starts from. */
    if ( !rc )
        rc = gtio_flush_domain_now(m, dom);
    if ( !rc )
    {
        gtio_vtd_set_context(m, dev, dom);
        m->device_owner[dev] = d;
        rc = invalidate_device_move(m, 0);
        if ( rc )
            gtio_flush_failed(m, dom, rc);
    }
    return gtio_hypercall_leave(m, implicit, rc);
}

int gtio_device_deassign(struct gtio_machine *m, unsigned int dev)
{
    bool implicit = gtio_hypercall_enter(m);
    struct gtio_domain *dom;
    int rc = -EINVAL;

    if ( dev < GTIO_MAX_DEVICES && m->device_owner[dev] != GTIO_NO_DOMAIN )
    {
        dom = &m->dom[m->device_owner[dev]];
        gtio_vtd_set_context(m, dev, NULL);
        m->device_owner[dev] = GTIO_NO_DOMAIN;
        rc = invalidate_device_move(m, dom->iommu.did);
        if ( rc )
        {
            /* The device may still use the old tables: keep them forever. */
            dom->held = true;
            gtio_flush_failed(m, dom, rc);
        }
    }
    return gtio_hypercall_leave(m, implicit, rc);
}

/* Give up every frame the domain owns; foreign references keep theirs. */
static void release_own_frames(struct gtio_machine *m, struct gtio_domain *dom)
{
    unsigned long mfn;

    for ( mfn = 0; mfn < m->cfg.nr_frames; mfn++ )
    {
        struct gtio_frame *f = &m->frames[mfn];

        if ( f->owner != dom->domid || f->held )
            continue;
        while ( f->pinned )
        {
            f->pinned--;
            gtio_frame_put_type(m, mfn);
            gtio_frame_put_ref(m, mfn);
        }
        if ( f->allocated )
        {
            f->allocated = false;
            gtio_frame_put_ref(m, mfn);
        }
    }
}

/*
 * Quarantine the devices and confirm it before anything the devices could
 * reach is released.  If that cannot be confirmed the domain is held: its
 * tables, frames and domain id are never reused.
 */
int gtio_domain_destroy(struct gtio_machine *m, domid_t d)
{
    bool implicit = gtio_hypercall_enter(m);
    struct gtio_domain *dom = gtio_domain(m, d);
    int rc = 0;

    if ( !dom || dom->state != GTIO_DOM_LIVE )
        return gtio_hypercall_leave(m, implicit, -EINVAL);
    rc = gtio_flush_now(m);
    gtio_grant_complete_releases(m);
    if ( gtio_domain_iommu_on(dom) )
    {
        int brc = gtio_domain_block_devices(m, dom);

        rc = rc ? rc : brc;
    }
    if ( !rc && gtio_domain_iommu_on(dom) )
        rc = forget_domain_id(m, dom);
    dom->state = GTIO_DOM_DYING;
    if ( rc || dom->iommu.unconfirmed || dom->held )
    {
        dom->held = true;
        dom->crashed = true;
        return gtio_hypercall_leave(m, implicit, rc ? rc : -EIO);
    }
    dom->iommu.enabled = false;
    /* Not reaped (cleared) halfway through its own teardown. */
    dom->held = true;
    gtio_grant_release_domain(m, dom);
    gtio_pt_free_all(m, dom);
    release_own_frames(m, dom);
    dom->held = false;
    gtio_domain_try_reap(m, dom);
    return gtio_hypercall_leave(m, implicit, 0);
}

int gtio_machine_init(struct gtio_machine *m, const struct gtio_config *cfg)
{
    unsigned int i;
    int rc;

    if ( !cfg->nr_frames || cfg->nr_frames > GTIO_MAX_FRAMES )
        return -EINVAL;
    memset(m, 0, sizeof(*m));
    spin_lock_init(&m->lock);
    m->cfg = *cfg;
    if ( !m->cfg.psi_max )
        m->cfg.psi_max = GTIO_DEFAULT_PSI_MAX;
    for ( i = 0; i < GTIO_MAX_DEVICES; i++ )
        m->device_owner[i] = GTIO_NO_DOMAIN;
    m->frames = xzalloc_array(struct gtio_frame, cfg->nr_frames);
    if ( !m->frames )
        return -ENOMEM;
    for ( i = 0; i < cfg->nr_frames; i++ )
        m->frames[i].owner = GTIO_OWNER_FREE;
    rc = gtio_vtd_init(m);
    if ( rc )
        gtio_machine_teardown(m);
    return rc;
}

/*
 * End of the whole machine (the harness, between inputs): free what the
 * core allocated, held tables included, since no device outlives it.
 */
void gtio_machine_teardown(struct gtio_machine *m)
{
    unsigned int i;

    for ( i = 0; i < GTIO_MAX_DOMAINS; i++ )
    {
        struct gtio_domain *dom = &m->dom[i];
        unsigned int c;

        gtio_grant_free_counts(dom);
        for ( c = 0; c < GTIO_MAPTRACK_CHUNKS; c++ )
            xfree(dom->maptrack[c]);
        gtio_pt_free_all(m, dom);
    }
    gtio_vtd_teardown(m);
    xfree(m->frames);
    m->frames = NULL;
}
