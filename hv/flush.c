/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * IOTLB invalidation, deferred and merged inside a batch.
 *
 * A change only records what it needs: the page and whether an entry was
 * only added (which a unit without Caching Mode never caches while
 * non-present, so the driver may skip it) or a present one changed, and
 * the tables it emptied.  gtio_flush_now() turns each domain's record into
 * page-selective invalidations (aligned buddies sharing one) for up to
 * gtio_config.psi_max pages, else one domain-selective invalidation, which
 * is also what freeing table pages needs; then one sync for all.
 *
 * Outside a batch every change is flushed before gtio_map()/gtio_unmap()
 * return, as Xen does.  Inside one (a hypercall's grant loop, on this CPU)
 * the flush waits for gtio_batch_end(), which grant_table.c calls before
 * it drops the page references and status bits of what the batch unmapped.
 *
 * An invalidation that does not complete is never success for what it
 * was to take away.  The domain is crashed and its devices cut off (the
 * context cache is a separate invalidation, so this works even when IOTLB
 * invalidation is what fails); if even that fails, nothing can keep them
 * from memory about to be reused: panic.  The hardware domain cannot be
 * crashed: it gets the error, and its next flush is domain-selective until
 * one completes.  Tables the failed flush was to retire are leaked, never
 * freed.  A flush that only had additions to announce is no error for its
 * caller: the new entries are valid either way.  The domain is still
 * crashed, as Xen crashes it on any failed flush: a unit with Caching
 * Mode may go on faulting DMA on them.
 */

#include <xen/types.h>
#include <xen/errno.h>
#include <xen/lib.h>
#include <xen/sched.h>
#include <xen/cpumask.h>
#include <xen/percpu.h>
#include <xen/string.h>

#include "gtio_internal.h"
#include "vtd_pte.h"

struct gtio_pending {
    struct domain *d;
    unsigned int nr_pages;
    unsigned long dfn[CONFIG_GTIO_PENDING_PAGES];
    unsigned int flags[CONFIG_GTIO_PENDING_PAGES];      /* IOMMU_FLUSHF_* */
    bool all;                   /* one domain-selective invalidation */
    unsigned int all_flags;
    bool reduced;               /* some access went: it must be confirmed */
    unsigned int nr_dead;
    struct page_info *dead[CONFIG_GTIO_PENDING_TABLES];
};

struct gtio_batch {
    unsigned int depth;
    /* A flush inside the batch left a reduction unconfirmed: its error. */
    int failed;
    unsigned int nr_domains;
    struct gtio_pending dom[CONFIG_GTIO_BATCH_DOMAINS];
};

static DEFINE_PER_CPU(struct gtio_batch, gtio_batch);

/* A limit of gtio_config's, within what the record can hold. */
static unsigned int limit(unsigned int want, unsigned int capacity)
{
    return want && want < capacity ? want : capacity;
}

static void high_water(unsigned long *high, unsigned int level)
{
    if ( level > *high )
        *high = level;
}

/* The hardware domain's last flush failed: its next one is a DSI. */
static bool hwdom_unconfirmed;

bool gtio_in_batch(void)
{
    /* Only the deferred policy keeps changes for the end of a batch. */
    return this_cpu(gtio_batch).depth &&
           gtio_config.flush_policy == GTIO_FLUSH_DEFERRED;
}

void gtio_batch_begin(void)
{
    this_cpu(gtio_batch).depth++;
}

int gtio_batch_end(void)
{
    struct gtio_batch *b = &this_cpu(gtio_batch);
    int rc;

    ASSERT(b->depth);
    if ( --b->depth )
        return 0;
    rc = gtio_flush_now();
    if ( !rc )
        rc = b->failed;
    b->failed = 0;
    return rc;
}

/*
 * A record that fills up inside a batch is flushed early; if that fails
 * for a reduction, the batch's caller must hear it at the end.
 */
static void flush_early(struct gtio_batch *b)
{
    int rc = gtio_flush_now();

    if ( rc && b->depth && !b->failed )
        b->failed = rc;
}

static struct gtio_pending *pending_of(struct domain *d)
{
    struct gtio_batch *b = &this_cpu(gtio_batch);
    struct gtio_pending *p;
    unsigned int i;

    for ( i = 0; i < b->nr_domains; i++ )
        if ( b->dom[i].d == d )
            return &b->dom[i];
    /*
     * Too many domains in one batch: flush what is there (confirmed or
     * handled as a failure) and start a fresh record.
     */
    if ( b->nr_domains ==
         limit(gtio_config.batch_domains, CONFIG_GTIO_BATCH_DOMAINS) )
    {
        gtio_stats.domains_full++;
        flush_early(b);
    }
    p = &b->dom[b->nr_domains++];
    high_water(&gtio_stats.domains_high, b->nr_domains);
    memset(p, 0, sizeof(*p));
    p->d = d;
    return p;
}

void gtio_flush_note(struct domain *d, unsigned long dfn,
                     unsigned int flush_flags, bool reduced)
{
    struct gtio_pending *p = pending_of(d);
    unsigned int i;

    p->reduced |= reduced;
    if ( p->all )
    {
        p->all_flags |= flush_flags;
        gtio_stats.merged++;
        return;
    }
    for ( i = 0; i < p->nr_pages; i++ )
        if ( p->dfn[i] == dfn )
        {
            p->flags[i] |= flush_flags;
            gtio_stats.merged++;
            return;
        }
    if ( p->nr_pages ==
         limit(gtio_config.pending_pages, CONFIG_GTIO_PENDING_PAGES) )
    {
        gtio_stats.pages_full++;
        p->all = true;
        p->all_flags = flush_flags;
        for ( i = 0; i < p->nr_pages; i++ )
            p->all_flags |= p->flags[i];
        return;
    }
    p->dfn[p->nr_pages] = dfn;
    p->flags[p->nr_pages++] = flush_flags;
    high_water(&gtio_stats.pages_high, p->nr_pages);
}

/* Freeing a table needs the paging-structure caches invalidated: a DSI. */
void gtio_flush_note_dead_table(struct domain *d, struct page_info *pg)
{
    struct gtio_pending *p = pending_of(d);

    if ( p->nr_dead ==
         limit(gtio_config.pending_tables, CONFIG_GTIO_PENDING_TABLES) )
    {
        gtio_stats.tables_full++;
        flush_early(&this_cpu(gtio_batch));
        p = pending_of(d);
    }
    p->dead[p->nr_dead++] = pg;
    high_water(&gtio_stats.tables_high, p->nr_dead);
    p->all = true;
    p->reduced = true;
    p->all_flags |= IOMMU_FLUSHF_modified | IOMMU_FLUSHF_all;
}

static void sort_pages(struct gtio_pending *p)
{
    unsigned int i, j;

    for ( i = 1; i < p->nr_pages; i++ )
        for ( j = i; j && p->dfn[j - 1] > p->dfn[j]; j-- )
        {
            unsigned long dfn = p->dfn[j];
            unsigned int flags = p->flags[j];

            p->dfn[j] = p->dfn[j - 1];
            p->flags[j] = p->flags[j - 1];
            p->dfn[j - 1] = dfn;
            p->flags[j - 1] = flags;
        }
}

/*
 * Page-selective invalidations, two aligned neighbours sharing one of
 * order 1 where the unit takes a mask: an invalidation covers exactly its
 * aligned 2^order block, nothing around it.
 */
static int queue_pages(struct gtio_pending *p, int max_order)
{
    unsigned int i, order, flags;
    int rc = 0;

    sort_pages(p);
    for ( i = 0; i < p->nr_pages && !rc; i += 1U << order )
    {
        order = max_order >= 1 && i + 1 < p->nr_pages &&
                !(p->dfn[i] & 1) && p->dfn[i + 1] == p->dfn[i] + 1;
        flags = p->flags[i] | (order ? p->flags[i + 1] : 0);
        gtio_stats.psi++;
        rc = gtio_unit->queue_iotlb(p->d, _dfn(p->dfn[i]), order, flags);
    }
    return rc;
}

/*
 * A domain-selective invalidation, as a change so that no driver skips
 * it for a mere addition: whatever the hardware domain's failed flush
 * left is covered too, and the flush-always policy wants nothing else.
 */
static bool forced_dsi(const struct gtio_pending *p)
{
    return (is_hardware_domain(p->d) && hwdom_unconfirmed) ||
           gtio_config.flush_policy == GTIO_FLUSH_ALWAYS;
}

static int queue_domain(struct gtio_pending *p)
{
    int max_order = gtio_unit->psi_max_order();

    if ( forced_dsi(p) )
        p->all_flags |= IOMMU_FLUSHF_modified;
    if ( max_order < 0 || p->nr_pages > gtio_config.psi_max ||
         forced_dsi(p) )
    {
        for ( ; p->nr_pages; p->nr_pages-- )
            p->all_flags |= p->flags[p->nr_pages - 1];
        p->all = true;
    }
    if ( !p->all )
        return queue_pages(p, max_order);
    gtio_stats.dsi++;
    return gtio_unit->queue_iotlb(p->d, INVALID_DFN, 0,
                                  p->all_flags | IOMMU_FLUSHF_all);
}

static bool has_work(const struct gtio_pending *p)
{
    return p->nr_pages || p->all;
}

/* Confirmed: nothing cached refers to the dead tables any more. */
static void retire(struct gtio_pending *p)
{
    unsigned int i;

    for ( i = 0; i < p->nr_dead; i++ )
        gtio_pt_free_table(p->d, p->dead[i]);
    if ( is_hardware_domain(p->d) && p->all )
        hwdom_unconfirmed = false;
}

static void failed(struct gtio_pending *p, int rc)
{
    struct domain *d = p->d;
    unsigned int i;

    gtio_stats.failures++;
    /*
     * What the change took away stays held by the caller (frames leaked,
     * grant releases skipped, so other domains' grants stay pinned for
     * d): d must never go, or its domain id could come back and find
     * them.  Held for good, as the leaked memory is.
     */
    if ( p->reduced )
        get_knownalive_domain(d);
    for ( i = 0; i < p->nr_dead; i++ )
        gtio_pt_leak_table(d, p->dead[i]);
    printk(XENLOG_ERR "gtio: %pd: IOTLB invalidation failed: %d\n", d, rc);
    if ( is_hardware_domain(d) )
    {
        hwdom_unconfirmed = true;
        return;
    }
    domain_crash(d);
    if ( gtio_unit->block_devices(d) )
        panic("gtio: cannot cut off the devices of %pd\n", d);
}

/*
 * Queue every domain's invalidations, sync once, settle each domain.  The
 * error is returned only if an access was reduced and not confirmed: an
 * entry only added or widened is a valid mapping whether or not the unit
 * still caches its old value (it may fault DMA, never let one through).
 */
int gtio_flush_now(void)
{
    struct gtio_batch *b = &this_cpu(gtio_batch);
    unsigned int i, n = b->nr_domains;
    bool work = false, unsafe = false;
    int rc = 0;

    for ( i = 0; i < n && !rc; i++ )
        if ( has_work(&b->dom[i]) )
        {
            work = true;
            rc = queue_domain(&b->dom[i]);
        }
    if ( work && !rc )
    {
        gtio_stats.waits++;
        rc = gtio_unit->sync();
    }
    b->nr_domains = 0;
    for ( i = 0; i < n; i++ )
    {
        if ( !has_work(&b->dom[i]) )
            continue;
        if ( rc )
        {
            failed(&b->dom[i], rc);
            unsafe |= b->dom[i].reduced;
        }
        else
            retire(&b->dom[i]);
    }
    return unsafe ? rc : 0;
}

/* A confirmed domain-selective invalidation of d (gtio_quiesce()). */
void gtio_flush_confirmed_all(const struct domain *d)
{
    if ( is_hardware_domain(d) )
        hwdom_unconfirmed = false;
}

/*
 * A unit registers at boot, before any domain has a device: nothing is
 * pending or unconfirmed.  (In Xen the CPUs brought up later start with
 * zeroed per-CPU data; the harness boots many times in one process, and
 * may have unwound out of a batch at a panic.)
 */
void gtio_flush_reset(void)
{
    unsigned int cpu;

    for_each_online_cpu ( cpu )
        memset(&per_cpu(gtio_batch, cpu), 0, sizeof(struct gtio_batch));
    hwdom_unconfirmed = false;
}

bool gtio_unconfirmed(const struct domain *d)
{
    return is_hardware_domain(d) && hwdom_unconfirmed;
}
