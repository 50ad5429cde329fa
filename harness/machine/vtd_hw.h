/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Intel VT-d register, table and descriptor layout used by the core.
 *
 * Values come from the VT-d specification (chapters 9 and 11).  The
 * simulated IOMMU of the harness decodes the very same definitions, so a
 * disagreement between the two shows up as a test failure rather than as
 * two private copies drifting apart.
 */
#ifndef GTIO_VTD_HW_H
#define GTIO_VTD_HW_H

#include <xen/types.h>

/* Register offsets in the remapping unit's MMIO block. */
#define VTD_REG_VER             0x00
#define VTD_REG_CAP             0x08
#define VTD_REG_ECAP            0x10
#define VTD_REG_GCMD            0x18    /* 32-bit */
#define VTD_REG_GSTS            0x1c    /* 32-bit */
#define VTD_REG_RTADDR          0x20
#define VTD_REG_CCMD            0x28
#define VTD_REG_FSTS            0x34    /* 32-bit */
#define VTD_REG_FECTL           0x38    /* 32-bit */
#define VTD_REG_IQH             0x80
#define VTD_REG_IQT             0x88
#define VTD_REG_IQA             0x90
#define VTD_REG_ICS             0x9c    /* 32-bit */
#define VTD_REG_IRTA            0xb8
#define VTD_REG_BLOCK_SIZE      0x1000

/* CAP_REG */
#define VTD_CAP_RWBF            (1ULL << 4)
#define VTD_CAP_CM              (1ULL << 7)
#define VTD_CAP_SAGAW_4LEVEL    (1ULL << 10)
#define VTD_CAP_PSI             (1ULL << 39)
#define VTD_CAP_DWD             (1ULL << 54)    /* write draining */
#define VTD_CAP_DRD             (1ULL << 55)    /* read draining */
#define VTD_CAP_MAMV_SHIFT      48
#define VTD_CAP_MAMV_MASK       (0x3fULL << VTD_CAP_MAMV_SHIFT)
#define vtd_cap_mamv(cap) \
    ((unsigned int)(((cap) & VTD_CAP_MAMV_MASK) >> VTD_CAP_MAMV_SHIFT))
/* Fault recording registers: CAP.NFR + 1 of them, at CAP.FRO * 16. */
#define VTD_CAP_FRO_SHIFT       24
#define VTD_CAP_FRO_MASK        (0x3ffULL << VTD_CAP_FRO_SHIFT)
#define VTD_CAP_NFR_SHIFT       40
#define VTD_CAP_NFR_MASK        (0xffULL << VTD_CAP_NFR_SHIFT)
#define vtd_cap_frcd_offset(cap) \
    ((unsigned int)(((cap) & VTD_CAP_FRO_MASK) >> VTD_CAP_FRO_SHIFT) * 16)
#define vtd_cap_nfr(cap) \
    ((unsigned int)(((cap) & VTD_CAP_NFR_MASK) >> VTD_CAP_NFR_SHIFT) + 1)

/* ECAP_REG */
#define VTD_ECAP_C              (1ULL << 0)     /* coherent table walks */
#define VTD_ECAP_QI             (1ULL << 1)
#define VTD_ECAP_IR             (1ULL << 3)
#define VTD_ECAP_IRO_SHIFT      8
#define VTD_ECAP_IRO_MASK       (0x3ffULL << VTD_ECAP_IRO_SHIFT)
/* IVA_REG sits at IRO * 16, IOTLB_REG right after it. */
#define vtd_ecap_iva_offset(ecap) \
    ((unsigned int)(((ecap) & VTD_ECAP_IRO_MASK) >> VTD_ECAP_IRO_SHIFT) * 16)
#define vtd_ecap_iotlb_offset(ecap) (vtd_ecap_iva_offset(ecap) + 8)

/* GCMD_REG / GSTS_REG share bit positions. */
#define VTD_GCMD_TE             (1U << 31)
#define VTD_GCMD_SRTP           (1U << 30)
#define VTD_GCMD_WBF            (1U << 27)
#define VTD_GSTS_WBFS           (1U << 27)  /* write-buffer flush busy */
#define VTD_GCMD_QIE            (1U << 26)
#define VTD_GCMD_IRE            (1U << 25)      /* interrupt remapping */
#define VTD_GCMD_SIRTP          (1U << 24)      /* set IR table pointer */
#define VTD_GCMD_CFI            (1U << 23)      /* compatibility format */
/* What stays enabled until turned off: a GCMD write must repeat it. */
#define VTD_GSTS_PERSISTENT     (VTD_GCMD_TE | VTD_GCMD_QIE | \
                                 VTD_GCMD_IRE | VTD_GCMD_CFI)

/* CCMD_REG: register-based context-cache invalidation. */
#define VTD_CCMD_ICC            (1ULL << 63)
#define VTD_CCMD_CIRG_SHIFT     61
#define VTD_CCMD_GLOBAL         (1ULL << VTD_CCMD_CIRG_SHIFT)
#define VTD_CCMD_DOMAIN         (2ULL << VTD_CCMD_CIRG_SHIFT)
#define VTD_CCMD_DEVICE         (3ULL << VTD_CCMD_CIRG_SHIFT)
#define VTD_CCMD_CIRG_MASK      (3ULL << VTD_CCMD_CIRG_SHIFT)
#define VTD_CCMD_SID_SHIFT      16
#define VTD_CCMD_DID_MASK       0xffffULL

/* IOTLB_REG: register-based IOTLB invalidation. */
#define VTD_IOTLB_IVT           (1ULL << 63)
#define VTD_IOTLB_IIRG_SHIFT    60
#define VTD_IOTLB_GLOBAL        (1ULL << VTD_IOTLB_IIRG_SHIFT)
#define VTD_IOTLB_DSI           (2ULL << VTD_IOTLB_IIRG_SHIFT)
#define VTD_IOTLB_PSI           (3ULL << VTD_IOTLB_IIRG_SHIFT)
#define VTD_IOTLB_IIRG_MASK     (3ULL << VTD_IOTLB_IIRG_SHIFT)
#define VTD_IOTLB_DR            (1ULL << 49)
#define VTD_IOTLB_DW            (1ULL << 48)
#define VTD_IOTLB_DID_SHIFT     32
#define VTD_IOTLB_DID_MASK      (0xffffULL << VTD_IOTLB_DID_SHIFT)

/* IVA_REG */
#define VTD_IVA_IH              (1ULL << 6)
#define VTD_IVA_AM_MASK         0x3fULL

/* FSTS_REG */
#define VTD_FSTS_PFO            (1U << 0)       /* a fault record was lost */
#define VTD_FSTS_PPF            (1U << 1)       /* a record holds a fault */
#define VTD_FSTS_FRI_SHIFT      8               /* the next record to fill */
#define VTD_FSTS_FRI_MASK       (0xffU << VTD_FSTS_FRI_SHIFT)
#define VTD_FSTS_IQE            (1U << 4)
#define VTD_FSTS_ICE            (1U << 5)
#define VTD_FSTS_ITE            (1U << 6)

/* IQA_REG: queue base and size (2^QS pages of 256 16-byte descriptors). */
#define VTD_IQA_QS_MASK         0x7ULL
#define VTD_QI_ENTRIES_PER_PAGE 256
#define VTD_QI_INDEX_SHIFT      4       /* IQH/IQT hold index * 16 */
#define VTD_QI_INDEX_MASK       0x7fff0ULL

/* ICS_REG */
#define VTD_ICS_IWC             (1U << 0)

/* FECTL_REG: the fault event (an interrupt) and its mask. */
#define VTD_FECTL_IM            (1U << 31)
#define VTD_FECTL_IP            (1U << 30)

/*
 * A fault record, 128 bits: the faulting address in the low quadword,
 * and in the high one (at +8) F (software writes 1 to clear it), the
 * request type, the reason and the source id.
 */
#define VTD_FRCD_HI_F           (1ULL << 63)
#define VTD_FRCD_HI_READ        (1ULL << 62)    /* T: 1 read, 0 write */
#define VTD_FRCD_HI_FR_SHIFT    32
#define VTD_FRCD_HI_FR_MASK     (0xffULL << VTD_FRCD_HI_FR_SHIFT)
#define VTD_FRCD_HI_SID_MASK    0xffffULL

/*
 * FR, the reason of a translation fault (legacy mode, non-recoverable;
 * the specification's "Fault Reason Encodings").  A missing permission
 * is also what a non-present second-level entry (R = W = 0) gives.
 */
#define VTD_FR_ROOT_NP          0x1     /* root entry's P clear */
#define VTD_FR_CTX_NP           0x2     /* context entry's P clear */
#define VTD_FR_CTX_INVALID      0x3     /* bad TT or AW, or its table root */
#define VTD_FR_BEYOND_AW        0x4     /* input address above the AW */
#define VTD_FR_NO_WRITE         0x5     /* a write lacks W permission */
#define VTD_FR_NO_READ          0x6     /* a read lacks R permission */
#define VTD_FR_PTE_FETCH        0x7     /* a next-level table unreadable */
#define VTD_FR_ROOT_TABLE       0x8     /* the root table unreadable */
#define VTD_FR_CTX_TABLE        0x9     /* a context table unreadable */
#define VTD_FR_PTE_RSVD         0xc     /* reserved bit set in a present PTE */

/* Queued-invalidation descriptors, two 64-bit words. */
struct vtd_qi_desc {
    uint64_t lo;
    uint64_t hi;
};

#define VTD_QI_TYPE_MASK        0xfULL
#define VTD_QI_TYPE_CONTEXT     1ULL
#define VTD_QI_TYPE_IOTLB       2ULL
#define VTD_QI_TYPE_WAIT        5ULL
/* Granularity field, bits 4-5, for context and IOTLB descriptors. */
#define VTD_QI_GRAN_SHIFT       4
#define VTD_QI_GRAN_MASK        (3ULL << VTD_QI_GRAN_SHIFT)
#define VTD_QI_GRAN_GLOBAL      1ULL
#define VTD_QI_GRAN_DOMAIN      2ULL
#define VTD_QI_GRAN_PAGE        3ULL    /* IOTLB: page; context: device */
#define VTD_QI_DID_SHIFT        16
#define VTD_QI_DID_MASK         (0xffffULL << VTD_QI_DID_SHIFT)
#define VTD_QI_CTX_SID_SHIFT    32
#define VTD_QI_IOTLB_DW         (1ULL << 6)
#define VTD_QI_IOTLB_DR         (1ULL << 7)
/* IOTLB descriptor, high word. */
#define VTD_QI_IOTLB_AM_MASK    0x3fULL
#define VTD_QI_IOTLB_IH         (1ULL << 6)
/* Wait descriptor. */
#define VTD_QI_WAIT_IF          (1ULL << 4)
#define VTD_QI_WAIT_SW          (1ULL << 5)
#define VTD_QI_WAIT_FN          (1ULL << 6)
#define VTD_QI_WAIT_DATA_SHIFT  32

/* Root and context entries, 128 bits each, 256 to a 4K table. */
#define VTD_ROOT_PRESENT        (1ULL << 0)
#define VTD_CTX_PRESENT         (1ULL << 0)
#define VTD_CTX_TT_MULTILEVEL   (0ULL << 2)
#define VTD_CTX_AW_4LEVEL       2ULL            /* 48-bit, 4 levels */
#define VTD_CTX_DID_SHIFT       8
#define VTD_CTX_DID_MASK        (0xffffULL << VTD_CTX_DID_SHIFT)
#define VTD_ENTRIES_PER_ROOT    256

/* Second-level paging entries. */
#define DMA_PTE_READ            (1ULL << 0)
#define DMA_PTE_WRITE           (1ULL << 1)
#define DMA_PTE_PROT            (DMA_PTE_READ | DMA_PTE_WRITE)
#define DMA_PTE_ADDR_MASK       0x000ffffffffff000ULL  /* bits 12..51 */
#define VTD_PT_LEVELS           4
#define VTD_LEVEL_STRIDE        9
#define VTD_PTES_PER_TABLE      512
#define vtd_level_index(bfn, level) \
    ((unsigned int)((bfn) >> (((level) - 1) * VTD_LEVEL_STRIDE)) & \
     (VTD_PTES_PER_TABLE - 1))

static inline bool dma_pte_present(uint64_t pte)
{
    return pte & DMA_PTE_PROT;
}

/* The fault reason (VTD_FR_*) in a fault record's high quadword. */
static inline unsigned int vtd_frcd_reason(uint64_t hi)
{
    return (hi & VTD_FRCD_HI_FR_MASK) >> VTD_FRCD_HI_FR_SHIFT;
}

#endif /* GTIO_VTD_HW_H */
