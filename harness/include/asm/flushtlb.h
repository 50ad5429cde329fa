/* SPDX-License-Identifier: GPL-2.0-only */
/* Shim of x86's <asm/flushtlb.h>: no CPU TLBs or caches to flush here. */
#ifndef SHIM_ASM_FLUSHTLB_H
#define SHIM_ASM_FLUSHTLB_H

#include <xen/cpumask.h>

#define arch_flush_tlb_mask(mask)       ((void)(mask))
#define flush_tlb_mask(mask)            ((void)(mask))

static inline int clean_dcache_va_range(const void *p, unsigned long size)
{
    (void)p;
    (void)size;
    return 0;
}

static inline int invalidate_dcache_va_range(const void *p, unsigned long size)
{
    (void)p;
    (void)size;
    return 0;
}

static inline int clean_and_invalidate_dcache_va_range(const void *p,
                                                       unsigned long size)
{
    (void)p;
    (void)size;
    return 0;
}

#endif
