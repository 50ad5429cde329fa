/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The fuzzer's alphabet (DESIGN.md section 4): one struct op per thing a
 * guest or the toolstack can ask of the core, and the run header that
 * chooses the simulated hardware and the core's configuration.
 *
 * An op carries raw guest input: a domain id may name no domain, a ref or
 * handle may be out of range, flags may be any bits.  Only the ranges the
 * encodings can carry are limited (op_field_range() in trace.h); the core
 * must answer everything else as Xen would.
 */
#ifndef HARNESS_OP_H
#define HARNESS_OP_H

#include <stdbool.h>
#include <stdint.h>

enum op_kind {
    OP_BEGIN,           /* hypercall begin */
    OP_END,             /* hypercall end: deferred flushes complete */
    OP_CREATE,          /* domain create d, iommu */
    OP_DESTROY,         /* domain destroy d */
    OP_ASSIGN,          /* device dev to domain d */
    OP_DEASSIGN,        /* device dev back to quarantine */
    OP_POPULATE,        /* frame mfn to domain d */
    OP_REMOVE,          /* decrease_reservation of mfn by d */
    OP_GET_TYPE,        /* d pins mfn as type */
    OP_PUT_TYPE,        /* d unpins mfn */
    OP_GRANT_WRITE,     /* d writes its shared entry ref */
    OP_MAP,             /* GNTTABOP_map_grant_ref by d of rd's ref */
    OP_UNMAP,           /* GNTTABOP_unmap_grant_ref by d of handle */
    OP_FAULT_NTH,       /* fail the n-th fault point hit from now */
    OP_FAULT_AT,        /* fail fault point 'point' at its k-th hit */
    OP_NR
};

/* Ranges of the ids an op can name; the last value of each names nothing. */
#define OP_DOMAINS          5       /* 0..3 exist as slots, 4 never */
#define OP_DEVICES          5       /* 0..3 exist, 4 never */
#define OP_REFS             17      /* 0..15 exist, 16 is out of range */
#define OP_HANDLES          256     /* every handle a domain can have */
#define OP_PAGE_TYPES       8       /* enum gtio_page_type, 7 is invalid */
#define OP_COUNT_MAX        255     /* fault n / k */

struct op {
    uint8_t kind;           /* enum op_kind */
    uint8_t d;              /* acting domain; ld of map/unmap */
    uint8_t rd;             /* map: the granting domain */
    uint8_t dev;            /* assign/deassign */
    uint8_t iommu;          /* create: may have devices (passthrough) */
    uint8_t type;           /* get_type: enum gtio_page_type */
    uint8_t point;          /* fault_at: enum fault_point */
    uint8_t grantee;        /* grant_write: the domain the entry names */
    uint16_t ref;           /* grant_write, map */
    /* grant_write: GTF_*; map: GNTMAP_host/device/readonly; unmap: parts */
    uint16_t flags;
    uint16_t handle;        /* unmap */
    uint16_t n;             /* fault_nth: n; fault_at: k (0 disarms) */
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
    uint8_t mamv;           /* CAP.MAMV, 0..63 */
    uint8_t delay;          /* invalidation completion delay */
    /* core configuration (struct gtio_config) */
    uint16_t nr_frames;     /* guest frames 0..nr_frames-1, 1..1024 */
    bool iommu_readonly;    /* read-only grants map R (else non-present) */
    uint8_t psi_max;        /* 0..15; 0 lets the core pick its default */
};

#define RUN_MAX_FRAMES      1024
#define RUN_MAX_MAMV        63
#define RUN_MAX_PSI_MAX     15

#endif /* HARNESS_OP_H */
