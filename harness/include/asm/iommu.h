/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Shim of x86's <asm/iommu.h>: struct arch_iommu (the VT-d part), the
 * cache write-back of IOMMU-walked memory, and the page-table page
 * allocator (harness/xen/iommu.c stands in for x86's
 * drivers/passthrough/x86/iommu.c).
 */
#ifndef SHIM_ASM_IOMMU_H
#define SHIM_ASM_IOMMU_H

#include <xen/types.h>
#include <xen/spinlock.h>
#include <xen/mm.h>
#include <asm/cache.h>

struct domain_iommu;

struct arch_iommu {
    spinlock_t mapping_lock;
    struct {
        struct page_list_head list;
        spinlock_t lock;
    } pgtables;
    union {
        struct {
            uint64_t pgd_maddr;
        } vtd;
    };
};

extern bool iommu_non_coherent;

static inline void iommu_sync_cache(const void *addr, unsigned int size)
{
    if ( iommu_non_coherent )
        cache_writeback(addr, size);
}

struct page_info *__must_check iommu_alloc_pgtable(struct domain_iommu *hd,
                                                   uint64_t contig_mask);
int __must_check iommu_free_pgtables(struct domain *d);

#endif
