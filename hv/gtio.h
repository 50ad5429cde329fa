/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * gtio: the IOMMU side of grant mappings and PV page types, for the PV
 * domains whose VT-d tables Xen keeps in sync with their memory
 * (need_iommu_pt_sync()), after "VT-d support for PV guests" (Xen-devel,
 * 2008) on Xen 4.17's own objects.
 *
 * What stays Xen's: grant_table.c decides when a grant mapping changes the
 * mapping domain's IOMMU (its maptrack_tree counts read-only and writable
 * handles per frame, XSA-380/394) and mm.c decides when a page's own
 * mapping changes (gaining or losing the writable type, the final put).
 * Both say so through iommu_legacy_map()/iommu_legacy_unmap().  For the
 * domains gtio_manages(), those calls come here, and gtio
 *
 *  - writes the VT-d leaf entries at bfn == mfn in the tables rooted at
 *    dom_iommu(d)->arch.vtd.pgd_maddr (read-only entries, or none at all
 *    when read-only IOMMU mappings are configured off);
 *  - invalidates the IOTLB: outside a batch at once, as Xen does; inside
 *    a batch (a grant map or unmap hypercall's loop) it only records what
 *    changed and gtio_batch_end() sends page-selective invalidations for
 *    a few pages or one domain-selective one, then waits once;
 *  - frees emptied table pages only after an invalidation that also
 *    clears the paging-structure caches has completed;
 *  - on an invalidation that does not complete, crashes the domain and
 *    cuts its devices off (Xen's domain_crash() leaves them running), or,
 *    for the hardware domain, returns the error and puts back what the
 *    change removed.
 *
 * Ordering, the point of it all: grant_table.c drops the page references
 * and clears GTF_reading/GTF_writing of an unmap only after the batch it
 * belongs to has ended (hv/xen/patches/ puts gtio_batch_end() in front of
 * those completions), and skips them if that failed; every other caller
 * is outside a batch and gets a confirmed invalidation before it goes on.
 * So no frame is freed, retyped or released by its granter while a device
 * may still reach it through a stale entry.
 *
 * The hook points, called from Xen's own files in Xen and from the same
 * places in the harness's stand-ins for them:
 *
 *   drivers/passthrough/iommu.c  iommu_legacy_map(), iommu_legacy_unmap():
 *                                gtio_map(), gtio_unmap() if gtio_manages()
 *   arch/x86/mm.c                _get_page_type()'s IOMMU block and
 *                                cleanup_page_mappings(): gtio_page_writable()
 *   common/grant_table.c         map and unmap batch loops:
 *                                gtio_batch_begin(), gtio_batch_end()
 *   common/domain.c              domain_kill(), before
 *                                gnttab_release_mappings(): gtio_quiesce()
 *   drivers/passthrough/x86/iommu.c  iommu_free_pgtables(): gtio_free_tables()
 *   drivers/passthrough/vtd/     domain_pgd_maddr(): gtio_root(); the unit's
 *                                invalidation interface: gtio_set_unit()
 */
#ifndef XEN_GTIO_H
#define XEN_GTIO_H

#include <xen/config.h>
#include <xen/types.h>
#include <xen/mm.h>
#include <xen/iommu.h>

struct domain;

/*
 * What a CPU's batch record can hold: Xen's values.  A build may raise
 * them (the harness's <xen/config.h> does), so that gtio_config can set
 * limits on either side of Xen's.
 */
#ifndef CONFIG_GTIO_PENDING_PAGES
#define CONFIG_GTIO_PENDING_PAGES   8
#endif
#ifndef CONFIG_GTIO_PENDING_TABLES
#define CONFIG_GTIO_PENDING_TABLES  8
#endif
#ifndef CONFIG_GTIO_BATCH_DOMAINS
#define CONFIG_GTIO_BATCH_DOMAINS   4
#endif

/*
 * The VT-d driver's side: Xen's driver keeps the unit (root table, queue,
 * interrupt remapping); gtio only asks it for invalidations.
 */
struct gtio_unit_ops {
    /*
     * Invalidate d's cached translations of [dfn, dfn + 2^order) on every
     * unit a device of d is behind (dfn == INVALID_DFN: all of d's), where
     * flush_flags (IOMMU_FLUSHF_*) say what changed: a unit that caches no
     * non-present entries needs nothing for an entry only added.  Queued
     * invalidation only queues; register-based completes before returning.
     */
    int (*queue_iotlb)(struct domain *d, dfn_t dfn, unsigned int order,
                       unsigned int flush_flags);
    /*
     * The largest order a page-selective invalidation may have on every
     * unit (CAP.MAMV); negative: no page-selective invalidation at all.
     */
    int (*psi_max_order)(void);
    /* Complete everything queued so far (one wait descriptor per unit). */
    int (*sync)(void);
    /* Move every device of d to quarantine, and confirm it. */
    int (*block_devices)(struct domain *d);
};

/*
 * When changes are invalidated.  Deferred is the design's (merged, at
 * the end of a batch); the others are for comparison (make bench-flush):
 * Xen 4.17's, one synchronous invalidation per change, and one
 * domain-selective invalidation per change whatever it was.
 */
enum gtio_flush_policy {
    GTIO_FLUSH_DEFERRED,
    GTIO_FLUSH_EACH_CHANGE,
    GTIO_FLUSH_ALWAYS,
};

/* Boot-time choices (command line in Xen; per run in the harness). */
struct gtio_config {
    /* Read-only grants give read-only entries; off: none (2008's V2). */
    bool iommu_readonly;
    /* Pages invalidated one by one before a domain-selective one. */
    unsigned int psi_max;
    /*
     * The batch record's limits (at most the CONFIG_GTIO_* capacity):
     * pages noted per domain before its flush becomes domain-selective,
     * emptied tables and domains per record before it is flushed early.
     */
    unsigned int pending_pages, pending_tables, batch_domains;
    enum gtio_flush_policy flush_policy;
};

/* What gtio asked of the hardware (the debug key prints these). */
struct gtio_stats {
    unsigned long maps, unmaps;         /* leaf entries changed */
    unsigned long type_changes;         /* gtio_page_writable() calls */
    unsigned long psi, dsi;             /* IOTLB invalidations queued */
    unsigned long waits;                /* syncs that had work */
    unsigned long merged;               /* changes covered by another's */
    unsigned long failures;             /* invalidations not confirmed */
    /* Each limit of the batch record reached (gtio_config). */
    unsigned long pages_full, tables_full, domains_full;
    /* The fullest the batch record got: pages, tables, domains. */
    unsigned long pages_high, tables_high, domains_high;
};

#define GTIO_DEFAULT_PSI_MAX            4
#define GTIO_DEFAULT_PENDING_PAGES      8
#define GTIO_DEFAULT_PENDING_TABLES     8
#define GTIO_DEFAULT_BATCH_DOMAINS      4

extern struct gtio_config gtio_config;
extern struct gtio_stats gtio_stats;

void gtio_set_unit(const struct gtio_unit_ops *ops);

/* Does gtio keep d's IOMMU tables? */
bool gtio_manages(const struct domain *d);

/* iommu_legacy_map()/iommu_legacy_unmap() for a domain gtio_manages(). */
int __must_check gtio_map(struct domain *d, dfn_t dfn, mfn_t mfn,
                          unsigned long page_count, unsigned int flags);
int __must_check gtio_unmap(struct domain *d, dfn_t dfn,
                            unsigned long page_count);

/*
 * _get_page_type() and cleanup_page_mappings() for a domain
 * gtio_manages(): mfn, a page of d's own, gains or loses the writable
 * type, so its mapping comes or goes.
 */
int __must_check gtio_page_writable(struct domain *d, mfn_t mfn,
                                    bool writable);

/*
 * A batch defers invalidations to its end.  0 from gtio_batch_end() means
 * no device can use a translation the batch removed or reduced: it was
 * invalidated, or its domain's devices were cut off.  Otherwise the caller
 * must not release anything the batch unmapped.
 */
void gtio_batch_begin(void);
int __must_check gtio_batch_end(void);

/* The root table for d's context entries, allocated on first use. */
int __must_check gtio_root(struct domain *d, paddr_t *maddr);

/*
 * domain_kill(): cut d's devices off and confirm it before its grant
 * mappings are released; an error leaves them to be held for good.
 */
int __must_check gtio_quiesce(struct domain *d);

/* After gtio_quiesce(): free all of d's table pages. */
void gtio_free_tables(struct domain *d);

/*
 * The hardware domain's last invalidation failed and none has completed
 * since: its devices may still use translations it gave up.
 */
bool gtio_unconfirmed(const struct domain *d);

/* printk() the counters (a debug key in Xen). */
void gtio_dump_stats(void);

#endif /* XEN_GTIO_H */
