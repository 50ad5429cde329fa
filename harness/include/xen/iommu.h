/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Shim of Xen's <xen/iommu.h>: struct domain_iommu, the IOMMUF_ and
 * IOMMU_FLUSHF_ flags, and the legacy map/unmap interface.  The latter is
 * served by harness/xen/iommu.c, the stand-in for
 * drivers/passthrough/iommu.c, which hands PV domains with synced tables to
 * the core as the patched Xen does.
 */
#ifndef SHIM_XEN_IOMMU_H
#define SHIM_XEN_IOMMU_H

#include <xen/types.h>
#include <xen/mm-frame.h>
#include <asm/iommu.h>

SHIM_TYPE_SAFE(uint64_t, dfn);
#define PRI_dfn         "05" PRIx64
#define INVALID_DFN     _dfn(~0ULL)

static inline dfn_t dfn_add(dfn_t dfn, unsigned long i)
{
    return _dfn(dfn_x(dfn) + i);
}

static inline bool dfn_eq(dfn_t x, dfn_t y)
{
    return dfn_x(x) == dfn_x(y);
}

#define IOMMUF_order(n)         ((n) & 0x3f)
#define _IOMMUF_readable        6
#define IOMMUF_readable         (1u << _IOMMUF_readable)
#define _IOMMUF_writable        7
#define IOMMUF_writable         (1u << _IOMMUF_writable)
#define IOMMUF_preempt          (1u << 8)

#define IOMMU_FLUSHF_added      (1u << 0)
#define IOMMU_FLUSHF_modified   (1u << 1)
#define IOMMU_FLUSHF_all        (1u << 2)

struct domain;

struct domain_iommu {
    struct arch_iommu arch;
    /* Does the guest require mappings to be synchronized (dfn == pfn)? */
    bool need_sync;
};

#define dom_iommu(d)            (&(d)->iommu)
#define need_iommu_pt_sync(d)   (dom_iommu(d)->need_sync)
#define iommu_use_hap_pt(d)     false

int __must_check iommu_legacy_map(struct domain *d, dfn_t dfn, mfn_t mfn,
                                  unsigned long page_count,
                                  unsigned int flags);
int __must_check iommu_legacy_unmap(struct domain *d, dfn_t dfn,
                                    unsigned long page_count);

#endif
