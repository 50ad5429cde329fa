/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Deferred IOTLB invalidation.
 *
 * Inside a hypercall, IOMMU changes only record what they need: the pages
 * whose access was reduced or promoted, whether a non-present entry became
 * present (which matters only if the unit caches non-present entries,
 * CAP.CM), and the tables that became empty.  gtio_flush_now() turns that into
 * page-selective invalidations for a few pages, one domain-selective
 * invalidation above cfg.psi_max pages or when tables are to be freed, and
 * one wait at the end.
 *
 * Callers must gtio_flush_now() before the hypercall returns, before a frame
 * with a pending invalidation is freed or loses a reference, gains a
 * non-writable type, or has GTF_reading/GTF_writing cleared.  A flush that
 * does not complete crashes the affected domains and blocks their devices;
 * nothing it would have released is released.
 */

#include <xen/types.h>
#include <xen/errno.h>
#include <xen/lib.h>
#include <xen/sched.h>

#include "gtio_internal.h"
#include "vtd_hw.h"

static bool pending_has(const struct gtio_iommu *io, unsigned long bfn)
{
    unsigned int i;

    for ( i = 0; i < io->nr_pending; i++ )
        if ( io->pending_bfn[i] == bfn )
            return true;
    return false;
}

static void pending_add(struct gtio_iommu *io, unsigned long bfn)
{
    if ( io->pending_dsi || pending_has(io, bfn) )
        return;
    if ( io->nr_pending == GTIO_PENDING_PAGES )
        io->pending_dsi = true;
    else
        io->pending_bfn[io->nr_pending++] = bfn;
}

/*
 * Non-present -> present needs no invalidation unless CAP.CM says the
 * unit may have cached the non-present entry.  Anything else changes a
 * present entry, which may be cached whatever CM says.
 */
void gtio_flush_note_change(struct gtio_machine *m, struct gtio_domain *dom,
                            unsigned long bfn, unsigned int old_access,
                            unsigned int new_access)
{
    ASSERT(old_access != new_access);
    if ( old_access == GTIO_ACCESS_NONE && !gtio_vtd_cm(&m->vtd) )
        return;
    pending_add(&dom->iommu, bfn);
}

int gtio_flush_note_dead_table(struct gtio_machine *m, struct gtio_domain *dom,
                               uint64_t maddr)
{
    struct gtio_iommu *io = &dom->iommu;
    int rc = 0;

    if ( io->nr_dead_tables == GTIO_PENDING_TABLES )
        rc = gtio_flush_now(m);
    if ( rc )
    {
        /* Unconfirmed: the table may still be cached; leak it. */
        io->table_pages--;
        return rc;
    }
    io->dead_table[io->nr_dead_tables++] = maddr;
    io->pending_dsi = true;
    return 0;
}

bool gtio_flush_pending_for(const struct gtio_machine *m, unsigned long mfn)
{
    unsigned int i;

    for ( i = 0; i < GTIO_MAX_DOMAINS; i++ )
    {
        const struct gtio_iommu *io = &m->dom[i].iommu;

        if ( io->pending_dsi || pending_has(io, mfn) )
            return true;
    }
    return false;
}

static bool has_work(const struct gtio_iommu *io)
{
    return io->nr_pending || io->pending_dsi;
}

/* Two pending pages that form an aligned 2-page block share one PSI. */
static bool buddies(unsigned long a, unsigned long b)
{
    return (a ^ b) == 1;
}

static int queue_pages(struct gtio_machine *m, struct gtio_iommu *io)
{
    bool may_merge = vtd_cap_mamv(m->vtd.cap) >= 1;
    unsigned int i, am;
    int rc = 0;

    for ( i = 0; i < io->nr_pending && !rc; i++ )
    {
        unsigned long bfn = io->pending_bfn[i];

        am = may_merge && i + 1 < io->nr_pending &&
             buddies(bfn, io->pending_bfn[i + 1]);
        i += am;
        rc = gtio_vtd_queue_psi(m, io->did, bfn & ~((1UL << am) - 1), am);
    }
    return rc;
}

static int queue_domain(struct gtio_machine *m, struct gtio_iommu *io)
{
    bool psi = (m->vtd.cap & VTD_CAP_PSI) && !io->pending_dsi &&
               io->nr_pending <= m->cfg.psi_max;

    return psi ? queue_pages(m, io) : gtio_vtd_queue_dsi(m, io->did);
}

static void retire(struct gtio_machine *m, struct gtio_domain *dom)
{
    struct gtio_iommu *io = &dom->iommu;
    unsigned int i;

    for ( i = 0; i < io->nr_dead_tables; i++ )
        gtio_pt_free_table(m, dom, io->dead_table[i]);
    io->nr_dead_tables = 0;
    io->nr_pending = 0;
    io->pending_dsi = false;
    io->unconfirmed = false;
}

/*
 * Failed: leak the dead tables (they may be cached) and hold back releases.
 * The hardware domain keeps running, so it retries with a DSI next time.
 */
static void abandon(struct gtio_domain *dom)
{
    struct gtio_iommu *io = &dom->iommu;

    io->table_pages -= io->nr_dead_tables;
    io->nr_dead_tables = 0;
    io->nr_pending = 0;
    io->pending_dsi = dom->is_hardware;
    io->unconfirmed = true;
}

static int flush_set(struct gtio_machine *m, bool only_one,
                     struct gtio_domain *one)
{
    unsigned int i;
    int rc = 0;

    for ( i = 0; i < GTIO_MAX_DOMAINS && !rc; i++ )
        if ( (!only_one || &m->dom[i] == one) &&
             has_work(&m->dom[i].iommu) )
            rc = queue_domain(m, &m->dom[i].iommu);
    if ( !rc )
        rc = gtio_vtd_sync(m);

    for ( i = 0; i < GTIO_MAX_DOMAINS; i++ )
    {
        struct gtio_domain *dom = &m->dom[i];

        if ( (only_one && dom != one) || !has_work(&dom->iommu) )
            continue;
        if ( rc )
        {
            abandon(dom);
            gtio_flush_failed(m, dom, rc);
        }
        else
            retire(m, dom);
    }
    return rc;
}

int gtio_flush_now(struct gtio_machine *m)
{
    return flush_set(m, false, NULL);
}

int gtio_flush_domain_now(struct gtio_machine *m, struct gtio_domain *dom)
{
    return flush_set(m, true, dom);
}

/*
 * The unit did not confirm an invalidation: translations of this domain may
 * live on.  Crash it and cut its devices off; the hardware domain cannot be
 * crashed and gets the error instead.  If even blocking fails, nothing can
 * keep the devices from memory that is about to be reused: stop.
 */
void gtio_flush_failed(struct gtio_machine *m, struct gtio_domain *dom, int rc)
{
    printk(XENLOG_ERR "gtio: d%u IOTLB flush failed: %d\n", dom->domid, rc);
    if ( dom->is_hardware || dom->crashed )
        return;
    dom->crashed = true;
    if ( dom->xen_domain )
        domain_crash(dom->xen_domain);
    if ( gtio_domain_block_devices(m, dom) )
        panic("gtio: cannot block devices of d%u\n", dom->domid);
}
