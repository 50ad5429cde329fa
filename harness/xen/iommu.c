/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Stand-in for drivers/passthrough/iommu.c and x86/iommu.c: a domain's
 * IOMMU state, the legacy map/unmap entry, and the table-page allocator.
 *
 * iommu_legacy_map()/iommu_legacy_unmap() hand the domains gtio keeps to
 * gtio, as Xen does with hv/xen/patches/0003; any other domain has no tables to keep
 * here (no HVM, no relaxed hardware domain), so there is nothing to do.
 * The hardware domain syncs its tables (dom0-iommu=strict): only then are
 * its own pages and its grant mappings under the same rules as a domU's.
 */
#include <xen/types.h>
#include <xen/errno.h>
#include <xen/lib.h>
#include <xen/sched.h>
#include <xen/iommu.h>
#include <xen/domain_page.h>

#include "gtio.h"
#include "internal.h"

bool iommu_non_coherent;
bool iommu_hwdom_strict = true;

/* iommu_domain_init(): PV, so no shared HAP tables; need_sync if enabled. */
void iommu_domain_init(struct domain *d)
{
    struct domain_iommu *hd = dom_iommu(d);

    spin_lock_init(&hd->arch.mapping_lock);
    spin_lock_init(&hd->arch.pgtables.lock);
    INIT_PAGE_LIST_HEAD(&hd->arch.pgtables.list);
    hd->arch.vtd.pgd_maddr = 0;
    hd->need_sync = is_iommu_enabled(d) &&
                    (!is_hardware_domain(d) || iommu_hwdom_strict);
}

/* iommu_domain_destroy(): gtio_free_tables() ran at relinquish. */
void iommu_domain_destroy(struct domain *d)
{
    ASSERT(page_list_empty(&dom_iommu(d)->arch.pgtables.list));
}

int iommu_legacy_map(struct domain *d, dfn_t dfn, mfn_t mfn,
                     unsigned long page_count, unsigned int flags)
{
    if ( !gtio_manages(d) )
        return 0;
    return gtio_map(d, dfn, mfn, page_count, flags);
}

int iommu_legacy_unmap(struct domain *d, dfn_t dfn, unsigned long page_count)
{
    if ( !gtio_manages(d) )
        return 0;
    return gtio_unmap(d, dfn, page_count);
}

/* x86/iommu.c: a zeroed table page on the domain's list. */
struct page_info *iommu_alloc_pgtable(struct domain_iommu *hd,
                                      uint64_t contig_mask)
{
    struct page_info *pg = alloc_domheap_page(NULL, 0);
    void *p;

    ASSERT(!contig_mask);
    if ( !pg )
        return NULL;
    p = __map_domain_page(pg);
    clear_page(p);
    iommu_sync_cache(p, PAGE_SIZE);
    unmap_domain_page(p);
    spin_lock(&hd->arch.pgtables.lock);
    page_list_add_tail(pg, &hd->arch.pgtables.list);
    spin_unlock(&hd->arch.pgtables.lock);
    return pg;
}

/* domain_relinquish_resources() -> iommu_free_pgtables(). */
int iommu_free_pgtables(struct domain *d)
{
    if ( gtio_manages(d) )
        gtio_free_tables(d);
    return 0;
}
