/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * VT-d second-level paging entries, as gtio writes them (VT-d
 * specification, chapter 9): 4 levels of 512 entries, 4K leaves, R in bit
 * 0, W in bit 1, the address in bits 12..51.  Non-leaf entries are always
 * R|W; access is decided at the leaf, as Xen's VT-d driver does.
 */
#ifndef GTIO_VTD_PTE_H
#define GTIO_VTD_PTE_H

#include <xen/types.h>

#define GTIO_PTE_R              (1ULL << 0)
#define GTIO_PTE_W              (1ULL << 1)
#define GTIO_PTE_PROT           (GTIO_PTE_R | GTIO_PTE_W)
/* A superpage at a non-leaf level: never in tables gtio keeps. */
#define GTIO_PTE_SUPERPAGE      (1ULL << 7)
#define GTIO_PTE_ADDR_MASK      0x000ffffffffff000ULL
#define GTIO_PT_LEVELS          4
#define GTIO_PT_STRIDE          9
#define GTIO_PTES_PER_TABLE     512

static inline unsigned int gtio_pt_index(unsigned long dfn, unsigned int level)
{
    return (dfn >> ((level - 1) * GTIO_PT_STRIDE)) & (GTIO_PTES_PER_TABLE - 1);
}

static inline bool gtio_pte_present(uint64_t pte)
{
    return pte & GTIO_PTE_PROT;
}

#endif /* GTIO_VTD_PTE_H */
