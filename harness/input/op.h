/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The fuzzer's alphabet (docs/design.md, "Inputs and reproduction"): one struct op per thing a
 * guest or the toolstack can ask of Xen, and the run header that chooses
 * the simulated hardware and the core's configuration.
 *
 * An op carries raw guest input: a domain id may name no domain, a ref or
 * handle may be out of range, flags may be any bits.  Only the values the
 * encodings can carry are limited (trace.h's field tables): small ones, so
 * that collisions stay frequent, and a few at and past Xen's limits.
 *
 * Grant map and unmap ops between `begin` and `end` of the same domain
 * and kind form one GNTTABOP_map_grant_ref / GNTTABOP_unmap_grant_ref
 * hypercall with several ops; every other op is a hypercall (or domctl)
 * of its own.
 */
#ifndef HARNESS_OP_H
#define HARNESS_OP_H

#include <stdbool.h>
#include <stdint.h>

enum op_kind {
    OP_BEGIN,           /* start a batch */
    OP_END,             /* issue the batch */
    OP_CREATE,          /* XEN_DOMCTL_createdomain d, iommu, grant limits */
    OP_DESTROY,         /* XEN_DOMCTL_destroydomain d */
    OP_ASSIGN,          /* XEN_DOMCTL_assign_device dev to d */
    OP_DEASSIGN,        /* XEN_DOMCTL_deassign_device dev */
    OP_POPULATE,        /* d: XENMEM_populate_physmap of frame mfn */
    OP_REMOVE,          /* d: XENMEM_decrease_reservation of mfn */
    OP_GET_TYPE,        /* d pins mfn as type (or maps it: writable) */
    OP_PUT_TYPE,        /* d drops its last type reference of mfn */
    OP_GRANT_WRITE,     /* d writes its shared entry ref */
    OP_MAP,             /* d: GNTTABOP_map_grant_ref of rd's ref */
    OP_UNMAP,           /* d: GNTTABOP_unmap_grant_ref of handle */
    OP_FAULT_NTH,       /* fail the n-th fault point hit from now */
    OP_FAULT_AT,        /* fail fault point 'point' at its k-th hit */
    OP_SETUP_TABLE,     /* d: GNTTABOP_setup_table of rd, n frames */
    OP_QUERY_SIZE,      /* d: GNTTABOP_query_size of rd */
    OP_RACE,            /* d's other vCPU flips bits of its entry ref (n) */
    OP_DMA,             /* device dev reads (n=0) or writes bfn (mfn) */
    OP_PREEMPT,         /* the next call is preempted at its n-th check */
    OP_NR
};

/* Unmap parts: which of a mapping to unmap, and how the guest names it. */
#define UNMAP_HOST          0x1     /* host_addr of the mapping */
#define UNMAP_DEVICE        0x2     /* dev_bus_addr of the mapping */
#define UNMAP_WRONG_BUS     0x4     /* with UNMAP_DEVICE: a wrong address */
#define UNMAP_PARTS_MASK    0x7

struct op {
    uint8_t kind;           /* enum op_kind */
    uint8_t iommu;          /* create: passthrough (IOMMU) enabled */
    uint8_t dev;            /* assign/deassign */
    uint8_t point;          /* fault_at: enum fault_point */
    uint16_t d;             /* acting domain (domid) */
    uint16_t rd;            /* map, setup, query: the other domain */
    uint16_t grantee;       /* grant_write: the domid the entry names */
    uint16_t flags;         /* GTF_* / GNTMAP_* / UNMAP_* */
    uint16_t handle;        /* unmap */
    uint16_t n;             /* fault n/k; setup: frames; create: grant frames */
    uint16_t maptrack;      /* create: maptrack frames */
    uint32_t ref;           /* grant_write, map */
    uint32_t type;          /* get_type: PGT_* >> 61, 7 = none is invalid */
    uint32_t mfn;           /* page ops; grant_write: the frame written */
};

/* Simulated hardware and core configuration of one run. */
struct run_header {
    /* VT-d capabilities (struct vtd_sim_caps) */
    bool cm;                /* CAP.CM: non-present entries may be cached */
    bool psi;               /* CAP.PSI */
    bool qi;                /* ECAP.QI */
    bool coherent;          /* ECAP.C */
    bool rwbf;              /* CAP.RWBF */
    bool drain;             /* CAP.DRD and CAP.DWD */
    bool sid_tag;           /* IOTLB tagged by source id (no CAP bit) */
    uint8_t mamv;           /* CAP.MAMV, 0..63 */
    uint8_t delay;          /* invalidation completion delay */
    /* core configuration (struct gtio_config) */
    uint16_t nr_frames;     /* guest frames 0..nr_frames-1, 1..1024 */
    bool iommu_readonly;    /* read-only grants map R (else non-present) */
    uint8_t psi_max;        /* 0..15; 0 lets the core pick its default */
    /*
     * gtio's batch record limits (struct gtio_config), 0: Xen's value.
     * Xen's are 8, 8 and 4; the harness's record holds more, so that an
     * input may set each from 1 to past Xen's.
     */
    uint8_t pending_pages;  /* 0..15 */
    uint8_t pending_tables; /* 0..15 */
    uint8_t batch_domains;  /* 0..8 */
    /*
     * The width of Xen's pin counters (an active entry's four), 0: Xen's
     * 8.  Scaled down, a counter overflows at 2^(pin_bits - 1) mappings
     * of one grant instead of 128 (grant_table.c's overflow check).
     */
    uint8_t pin_bits;       /* 0..8 */
    /*
     * Handles a maptrack frame holds: 0, Xen's 256; 1..7, 2^order.  So
     * that a domain's maptrack (mframes= frames) fills with a few maps.
     */
    uint8_t maptrack_order; /* 0..7 */
    /*
     * Unmaps Xen takes in one go (GNTTAB_UNMAP_BATCH_SIZE, 0: Xen's 32):
     * each chunk of a longer unmap hypercall is a batch of its own, its
     * invalidation confirmed before its completions.  From 1, so that a
     * short hypercall crosses a chunk boundary, to past Xen's.
     */
    uint8_t unmap_batch;    /* 0..64 */
    /*
     * Entries of the invalidation queue, 0: one page (256), the smallest
     * the hardware has.  Scaled down (2..255) by the harness alone, on
     * the simulated unit and its driver both, so that a slow unit fills
     * it with a few descriptors.
     */
    uint8_t qi_entries;     /* 0, 2..255 */
    /*
     * enum gtio_flush_policy: 0 the design's, 1 Xen 4.17's, 2 always.
     * Set only by bench_flush: traces and the binary format carry the
     * design's alone, which is what the fuzzers and soak test.
     */
    uint8_t flush_policy;
};

#define RUN_MAX_FRAMES      1024
#define RUN_MAX_MAMV        63
#define RUN_MAX_PSI_MAX     15
#define RUN_MAX_PENDING     15      /* pending_pages, pending_tables */
#define RUN_MAX_BATCH_DOMAINS   8
#define RUN_MAX_PIN_BITS        8
#define RUN_MAX_MAPTRACK_ORDER  7
#define RUN_MAX_UNMAP_BATCH     64
#define RUN_MAX_QI_ENTRIES      255
#define RUN_MAX_FLUSH_POLICY    2

#endif /* HARNESS_OP_H */
