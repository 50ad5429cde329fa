/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * iommu_legacy_map()/iommu_legacy_unmap() for the domains gtio keeps, and
 * the domain-lifetime hooks.
 *
 * The callers decide what a domain's IOMMU must map (grant_table.c: RW
 * while a writable handle of the frame exists, R while only read-only ones
 * do; mm.c: RW while the domain's own page has the writable type).  Here
 * that becomes a leaf entry and the invalidation the change needs: none
 * for an entry only added, unless the unit caches non-present entries;
 * one for any change of a present entry (a promotion R -> RW included,
 * since a cached R entry would fault DMA writes).
 *
 * Outside a batch a change is confirmed before the call returns.  A
 * removal that cannot be confirmed is put back for the hardware domain,
 * which keeps running and must still reach what it owns; any other domain
 * has been crashed and cut off by then.  The caller gets the error either
 * way and must not free or retype the page.  An addition is done whatever
 * its invalidation did (gtio_flush_now()).
 */

#include <xen/types.h>
#include <xen/errno.h>
#include <xen/lib.h>
#include <xen/sched.h>
#include <xen/iommu.h>

#include "gtio_internal.h"

const struct gtio_unit_ops *gtio_unit;
struct gtio_config gtio_config = {
    .iommu_readonly = true,
    .psi_max = GTIO_DEFAULT_PSI_MAX,
    .pending_pages = GTIO_DEFAULT_PENDING_PAGES,
    .pending_tables = GTIO_DEFAULT_PENDING_TABLES,
    .batch_domains = GTIO_DEFAULT_BATCH_DOMAINS,
};
struct gtio_stats gtio_stats;

void gtio_set_unit(const struct gtio_unit_ops *ops)
{
    gtio_flush_reset();
    gtio_unit = ops;
}

bool gtio_manages(const struct domain *d)
{
    return gtio_unit && is_pv_domain(d) && need_iommu_pt_sync(d);
}

/* What IOMMUF_* flags ask for, as a leaf gives it. */
static unsigned int access_of(unsigned int flags)
{
    unsigned int access = GTIO_ACCESS_NONE;

    if ( flags & IOMMUF_readable )
        access |= GTIO_ACCESS_R;
    if ( flags & IOMMUF_writable )
        access |= GTIO_ACCESS_RW;
    /* Read-only IOMMU mappings off: a read-only grant maps nothing. */
    if ( access == GTIO_ACCESS_R && !gtio_config.iommu_readonly )
        access = GTIO_ACCESS_NONE;
    return access;
}

/* Only a removal or reduction needs its invalidation to be safe. */
static bool reduces(unsigned int old, unsigned int access)
{
    return (old & ~access) != 0;
}

/* Change one leaf and record the invalidation the change needs. */
static int change(struct domain *d, unsigned long dfn, unsigned int access,
                  unsigned int *old)
{
    int rc = gtio_pt_set(d, dfn, access, old);

    if ( rc || *old == access )
        return rc;
    if ( access == GTIO_ACCESS_NONE )
        gtio_stats.unmaps++;
    else
        gtio_stats.maps++;
    gtio_flush_note(d, dfn, *old == GTIO_ACCESS_NONE ? IOMMU_FLUSHF_added
                                                     : IOMMU_FLUSHF_modified,
                    reduces(*old, access));
    return 0;
}

/*
 * One page outside a batch: change, confirm, and only then let emptied
 * tables go (their retirement is a second, domain-selective flush).
 */
static int change_confirmed(struct domain *d, unsigned long dfn,
                            unsigned int access)
{
    unsigned int old, dummy;
    int rc = change(d, dfn, access, &old);

    if ( rc || old == access )
        return rc;
    rc = gtio_flush_now();
    if ( rc )
    {
        if ( is_hardware_domain(d) )
            gtio_pt_set(d, dfn, old, &dummy);
        return rc;
    }
    if ( access == GTIO_ACCESS_NONE )
    {
        gtio_pt_collapse(d, dfn);
        /* The removal is confirmed; a failure here only leaks tables. */
        gtio_flush_now();
    }
    return 0;
}

/* Inside a batch: nothing is put back, so tables may go at once. */
static int change_deferred(struct domain *d, unsigned long dfn,
                           unsigned int access)
{
    unsigned int old;
    int rc = change(d, dfn, access, &old);

    if ( !rc && access == GTIO_ACCESS_NONE && old != access )
        gtio_pt_collapse(d, dfn);
    return rc;
}

static int update(struct domain *d, unsigned long dfn, unsigned int access)
{
    return gtio_in_batch() ? change_deferred(d, dfn, access)
                           : change_confirmed(d, dfn, access);
}

int gtio_map(struct domain *d, dfn_t dfn, mfn_t mfn, unsigned long page_count,
             unsigned int flags)
{
    unsigned int access = access_of(flags);
    unsigned long i;
    int rc = 0;

    /* PV: the bus frame is the machine frame. */
    if ( dfn_x(dfn) != mfn_x(mfn) )
        return -EINVAL;
    /*
     * A dying domain's tables are on their way out (or gone): nothing is
     * added to them, as Xen's intel_iommu_map_page() does for is_dying.
     */
    if ( d->is_dying )
        return 0;
    for ( i = 0; i < page_count && !rc; i++ )
        rc = update(d, dfn_x(dfn) + i, access);
    /* As Xen's iommu_map(): what this call mapped goes again. */
    while ( rc && --i )
        (void)update(d, dfn_x(dfn) + i - 1, GTIO_ACCESS_NONE);
    return rc;
}

int gtio_unmap(struct domain *d, dfn_t dfn, unsigned long page_count)
{
    unsigned long i;
    int rc = 0;

    for ( i = 0; i < page_count && !rc; i++ )
        rc = update(d, dfn_x(dfn) + i, GTIO_ACCESS_NONE);
    return rc;
}

/*
 * mm.c's side: a PV page of d gains the writable type in _get_page_type(),
 * or loses it there or for good in cleanup_page_mappings(); its own
 * mapping at bfn == mfn comes or goes.  Outside a grant batch it is
 * confirmed before this returns, so the new type is validated (or the
 * page freed) only after no device can write it.
 */
int gtio_page_writable(struct domain *d, mfn_t mfn, bool writable)
{
    dfn_t dfn = _dfn(mfn_x(mfn));

    gtio_stats.type_changes++;
    if ( writable )
        return gtio_map(d, dfn, mfn, 1, IOMMUF_readable | IOMMUF_writable);
    return gtio_unmap(d, dfn, 1);
}

/* The debug key's output: what gtio asked of the hardware so far. */
void gtio_dump_stats(void)
{
    printk("gtio: maps %lu unmaps %lu type-changes %lu psi %lu dsi %lu "
           "waits %lu merged %lu failures %lu\n",
           gtio_stats.maps, gtio_stats.unmaps, gtio_stats.type_changes,
           gtio_stats.psi, gtio_stats.dsi, gtio_stats.waits,
           gtio_stats.merged, gtio_stats.failures);
}

/*
 * Before the grant mappings of a dying domain are released, its tables
 * freed or its domain id given to another, no device may use a
 * translation of it: the devices go to quarantine (context cache
 * invalidated), then nothing cached under its domain id may survive
 * (domain-selective invalidation), and both are confirmed.
 */
int gtio_quiesce(struct domain *d)
{
    int rc;

    if ( !gtio_manages(d) )
        return 0;
    ASSERT(!gtio_in_batch());
    rc = gtio_unit->block_devices(d);
    if ( !rc )
    {
        gtio_stats.dsi++;
        rc = gtio_unit->queue_iotlb(d, INVALID_DFN, 0,
                                    IOMMU_FLUSHF_modified | IOMMU_FLUSHF_all);
    }
    if ( !rc )
        rc = gtio_unit->sync();
    if ( !rc )
        gtio_flush_confirmed_all(d);
    return rc;
}
