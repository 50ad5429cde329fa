/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Grant-table / IOMMU core for PV guests on Intel VT-d.
 *
 * Implements "VT-d support for PV guests" (Xen-devel, May 2008) on top of
 * the rules Xen 4.17 settled on: IOMMU tables for PV domains with bus frame
 * == machine frame, grant mappings counted per (mapping domain, frame) and
 * per maptrack handle, read-only IOMMU mappings, invalidations deferred and
 * merged inside a hypercall but complete before it returns and before any
 * frame is freed, retyped or released by its granter.
 *
 * The core keeps its own frame, domain and grant state so that the same
 * files build into Xen and into the userspace harness; it talks to hardware
 * only through the VT-d register block and memory it allocates from the
 * domain heap.
 */
#ifndef GTIO_H
#define GTIO_H

#include <xen/types.h>
#include <xen/spinlock.h>
#include <public/grant_table.h>

#define GTIO_MAX_DOMAINS        4
#define GTIO_MAX_DEVICES        4
#define GTIO_MAX_FRAMES         4096
#define GTIO_NR_GRANTS          16      /* shared entries per domain */
#define GTIO_MAPTRACK_CHUNK     32      /* handles per maptrack allocation */
#define GTIO_MAPTRACK_CHUNKS    8       /* so 256 handles per domain */
#define GTIO_MAX_HANDLES        (GTIO_MAPTRACK_CHUNK * GTIO_MAPTRACK_CHUNKS)
#define GTIO_PENDING_PAGES      8       /* deferred page invalidations */
#define GTIO_PENDING_TABLES     8       /* emptied tables awaiting a flush */
#define GTIO_PENDING_RELEASES   32      /* unmaps awaiting completion */
#define GTIO_DEFAULT_PSI_MAX    4       /* above this, one DSI instead */
#define GTIO_QI_WAIT_NS         100000000LL     /* 100ms, as Xen's QI */
#define GTIO_REG_WAIT_NS        1000000000LL    /* DMAR_OPERATION_TIMEOUT */

/* Per-counter pin limit: as Xen's GNTPIN_*, refuse at 128 (bit 7 set). */
#define GTIO_PIN_LIMIT          128
/*
 * Per-(domain, frame) handle counters.  A domain has at most
 * GTIO_MAX_HANDLES handles, and a frame can be granted through several
 * refs, so an 8-bit counter can really overflow; the map is then refused.
 */
#define GTIO_COUNT_MAX          255

#define GTIO_OWNER_FREE         0x7ff0U         /* DOMID_FIRST_RESERVED */
#define GTIO_NO_DOMAIN          0x7ff1U

/* PV page types, as Xen's PGT_* type field. */
enum gtio_page_type {
    GTIO_PGT_NONE,
    GTIO_PGT_L1,
    GTIO_PGT_L2,
    GTIO_PGT_L3,
    GTIO_PGT_L4,
    GTIO_PGT_SEG_DESC,
    GTIO_PGT_WRITABLE,
    GTIO_PGT_NR
};

struct gtio_frame {
    domid_t owner;              /* GTIO_OWNER_FREE when in the free pool */
    bool held;                  /* removal unconfirmed: leaked, never freed */
    bool allocated;             /* the owner's allocation reference */
    uint8_t type;               /* enum gtio_page_type */
    uint32_t refs;              /* page references, incl. the allocation */
    uint32_t type_count;
    uint32_t pinned;            /* type references the owner took itself */
};

/* Active grant entry pins, as Xen's GNTPIN_* counters. */
struct gtio_pins {
    uint16_t host_rw, host_ro, dev_rw, dev_ro;
};

struct gtio_active_entry {
    struct gtio_pins pin;
    domid_t domid;              /* the grantee the entry is pinned for */
    unsigned long mfn;
};

/* A maptrack handle; flags == 0 means free. */
struct gtio_maptrack {
    uint32_t ref;
    uint16_t flags;             /* GNTMAP_host_map|device_map|readonly */
    domid_t domid;              /* the granting domain */
    unsigned long mfn;
};

struct gtio_maptrack_chunk {
    struct gtio_maptrack entry[GTIO_MAPTRACK_CHUNK];
};

/* Grant mappings one domain holds of one foreign frame. */
struct gtio_map_count {
    struct gtio_map_count *next;
    unsigned long mfn;
    uint8_t ro, rw;             /* maptrack handles, by kind */
};

/* An unmap whose page/pin release waits for the invalidation (batch end). */
struct gtio_release {
    domid_t ld, rd;
    uint32_t ref;
    unsigned long mfn;
    uint16_t done;              /* GNTMAP_host_map|device_map|readonly */
};

struct gtio_iommu {
    bool enabled;               /* tables maintained for this domain */
    uint16_t did;               /* VT-d domain id; never 0 */
    uint64_t pgd_maddr;
    unsigned int table_pages;   /* live table pages, root included */
    /* Deferred invalidation inside the current hypercall. */
    unsigned int nr_pending;
    unsigned long pending_bfn[GTIO_PENDING_PAGES];
    bool pending_dsi;           /* too many pages, or tables to free */
    bool unconfirmed;           /* a flush failed: releases are held */
    unsigned int nr_dead_tables;
    uint64_t dead_table[GTIO_PENDING_TABLES];
};

enum gtio_domain_state {
    GTIO_DOM_NONE,              /* slot free */
    GTIO_DOM_LIVE,
    GTIO_DOM_DYING,             /* destroyed; waits for its last frame/pin */
};

struct gtio_domain {
    enum gtio_domain_state state;
    domid_t domid;
    bool iommu_allowed;         /* created with a passthrough flag */
    bool crashed;
    bool is_hardware;
    bool held;                  /* teardown unconfirmed: slot never reused */
    struct domain *xen_domain;  /* Xen's own domain, when wired in */
    struct gtio_iommu iommu;
    grant_entry_v1_t shared[GTIO_NR_GRANTS];    /* guest-writable */
    struct gtio_active_entry active[GTIO_NR_GRANTS];
    struct gtio_maptrack_chunk *maptrack[GTIO_MAPTRACK_CHUNKS];
    unsigned int maptrack_used;
    struct gtio_map_count *counts;
    unsigned int nr_pages;      /* frames owned */
};

struct gtio_config {
    unsigned int nr_frames;
    bool iommu_readonly;        /* RO grants map R; else non-present (2008) */
    unsigned int psi_max;       /* pages flushed by PSI before one DSI */
    void __iomem *vtd_regs;
};

/* Counters for benchmarks and tests: what the core asked of hardware. */
struct gtio_stats {
    unsigned long psi, dsi, global, context, waits, clflush;
};

struct gtio_vtd {
    void __iomem *regs;
    uint64_t cap, ecap;
    bool qi;
    uint64_t root_maddr;
    uint64_t ctx_maddr;         /* context table of bus 0 */
    uint64_t qi_maddr;
    unsigned int qi_entries;
    unsigned int qi_tail;
    uint64_t status_maddr;      /* QI wait status slots */
    uint32_t wait_seq;          /* fresh value for every wait */
    unsigned int nr_queued;     /* descriptors since the last wait */
};

struct gtio_machine {
    spinlock_t lock;
    struct gtio_config cfg;
    struct gtio_vtd vtd;
    struct gtio_frame *frames;
    struct gtio_domain dom[GTIO_MAX_DOMAINS];
    domid_t device_owner[GTIO_MAX_DEVICES];     /* GTIO_NO_DOMAIN: quarantine */
    bool in_hypercall;
    unsigned int nr_releases;
    struct gtio_release release[GTIO_PENDING_RELEASES];
    struct gtio_stats stats;
};

/* Machine set-up: reads CAP/ECAP, builds root/context tables, enables. */
int gtio_machine_init(struct gtio_machine *m, const struct gtio_config *cfg);
void gtio_machine_teardown(struct gtio_machine *m);

/* Hypercall boundaries: deferred invalidations complete at the end. */
void gtio_hypercall_begin(struct gtio_machine *m);
int gtio_hypercall_end(struct gtio_machine *m);

int gtio_domain_create(struct gtio_machine *m, domid_t d, bool iommu);
int gtio_domain_destroy(struct gtio_machine *m, domid_t d);
int gtio_device_assign(struct gtio_machine *m, unsigned int dev, domid_t d);
int gtio_device_deassign(struct gtio_machine *m, unsigned int dev);

int gtio_page_populate(struct gtio_machine *m, domid_t d, unsigned long mfn);
int gtio_page_remove(struct gtio_machine *m, domid_t d, unsigned long mfn);
int gtio_page_get_type(struct gtio_machine *m, domid_t d, unsigned long mfn,
                       enum gtio_page_type type);
int gtio_page_put_type(struct gtio_machine *m, domid_t d, unsigned long mfn);

/* The granter writes its shared entry (guest memory: no validation). */
int gtio_grant_write(struct gtio_machine *m, domid_t d, uint32_t ref,
                     uint16_t flags, domid_t grantee, uint32_t frame);
/* GNTTABOP_map_grant_ref; returns GNTST_*, *handle on success. */
int gtio_grant_map(struct gtio_machine *m, domid_t ld, domid_t rd,
                   uint32_t ref, uint32_t flags, uint32_t *handle);
/* GNTTABOP_unmap_grant_ref of the host and/or device part of a handle. */
int gtio_grant_unmap(struct gtio_machine *m, domid_t ld, uint32_t handle,
                     uint32_t parts);

/* Read-only views for accounting checks and tests. */
struct gtio_domain *gtio_domain(struct gtio_machine *m, domid_t d);
const struct gtio_maptrack *gtio_handle(const struct gtio_domain *dom,
                                        uint32_t handle);
const struct gtio_map_count *gtio_count_of(const struct gtio_domain *dom,
                                           unsigned long mfn);

#endif /* GTIO_H */
