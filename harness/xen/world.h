/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The Xen the harness runs: Xen 4.17's own grant_table.c and radix-tree.c
 * (from the Debian source tree, compiled as they are), the core (hv/), and
 * small stand-ins for the rest of Xen that they call, each naming the Xen
 * function it stands in for:
 *
 *   domain.c      common/domain.c: domains, domain_kill(), `current`
 *   mm.c          arch/x86/mm.c, pv/grant_table.c, common/memory.c: page
 *                 references and types, PV host grant mappings, populate
 *                 and decrease_reservation, pinning
 *   page_alloc.c  common/page_alloc.c, xmalloc: the heap, fault points
 *   iommu.c       drivers/passthrough/iommu.c and x86/iommu.c: the legacy
 *                 map/unmap entry, domain IOMMU state, table pages
 *   vtd.c         drivers/passthrough/vtd/: the unit (root and context
 *                 tables, register and queued invalidation), device
 *                 assignment, and the invalidation interface gtio uses
 *   grant_table.c Xen's file itself, and read-only views of its state
 *   printk.c      common/vsprintf.c: printk() with Xen's %pd and %pv
 *
 * This header is what the executor and the tests use: the toolstack's
 * domctls and the guests' hypercalls.  Each guest op runs on the acting
 * domain's vCPU 0; an op of a domain that does not run (missing, dying or
 * crashed) returns -ESRCH without entering Xen.
 */
#ifndef HARNESS_XEN_WORLD_H
#define HARNESS_XEN_WORLD_H

#include <stdbool.h>
#include <stdint.h>

#include <xen/types.h>
#include <public/grant_table.h>

#include "vtd_sim.h"

struct domain;

struct world_config {
    struct vtd_sim_caps caps;   /* the simulated unit */
    unsigned long nr_frames;    /* guest frames 0..nr-1 */
    bool iommu_readonly;        /* gtio_config */
    unsigned int psi_max;       /* gtio_config; 0: gtio's default */
    /* gtio_config's batch record limits; 0: Xen's value */
    unsigned int pending_pages, pending_tables, batch_domains;
    unsigned int flush_policy;  /* enum gtio_flush_policy */
    /* Bits of each pin counter of grant_table.c, 1..8; 0: Xen's 8. */
    unsigned int pin_bits;
    /* Handles of a maptrack frame, 2..128; 0: Xen's 256. */
    unsigned int maptrack_per_frame;
    /* Unmaps one chunk of an unmap hypercall takes, 1..64; 0: Xen's 32. */
    unsigned int unmap_batch;
};

/* Xen's pin counter width (GNTPIN_cntr_width). */
#define GNTPIN_XEN_WIDTH    8
/* Xen's handles per maptrack frame: a page of 16-byte grant_mappings. */
#define MAPTRACK_XEN_PER_PAGE   256
/* Xen's unmaps a chunk (GNTTAB_UNMAP_BATCH_SIZE). */
#define UNMAP_XEN_BATCH_SIZE    32

/*
 * The events the checks judge, as they happen inside Xen; each callback
 * may be NULL.
 */
struct world_events {
    /* A guest frame went back to the heap. */
    void (*frame_freed)(void *ctx, unsigned long mfn, domid_t owner);
    /* A guest frame is about to be validated as a page table/descriptor. */
    void (*frame_validated)(void *ctx, unsigned long mfn, unsigned long type);
    /* A page Xen freed while the unit may still walk it as a table. */
    void (*table_freed)(void *ctx, unsigned long mfn);
    /* GTF_reading/GTF_writing 'bits' cleared in rd's entry ref. */
    void (*grant_released)(void *ctx, domid_t rd, uint32_t ref,
                           unsigned int bits);
    void *ctx;
};

/*
 * Power on: the unit with its capabilities, then Xen's boot (the VT-d
 * driver brings the unit up and hands gtio its invalidation interface).
 * 0, or the driver's error.
 */
int world_boot(const struct world_config *cfg);
/*
 * Power off after an input: whatever is left (held domains, leaked
 * frames) is dropped without any hypervisor code running.
 */
void world_power_off(void);
void world_set_events(const struct world_events *ev);

/* The unit raised its fault event: the driver's interrupt handler runs. */
void world_fault_event(void);

/* ---- the toolstack (XEN_DOMCTL_*) ---- */

int toolstack_create_domain(domid_t id, bool iommu, int max_grant_frames,
                            int max_maptrack_frames);
/*
 * domain_kill(): the driver's error (-ETIMEDOUT, -EIO) while gtio
 * could not confirm quiescence; the domain stays dying, held.
 */
int toolstack_destroy_domain(domid_t id);
int toolstack_assign_device(unsigned int dev, domid_t id);
int toolstack_deassign_device(unsigned int dev);

/* ---- guests (hypercalls, and the guest's own memory) ---- */

/* XENMEM_populate_physmap of one given frame. */
int guest_populate(domid_t d, unsigned long mfn);
/* XENMEM_decrease_reservation of one frame. */
int guest_decrease_reservation(domid_t d, unsigned long mfn);
/*
 * A type reference the guest holds on its own frame: MMUEXT_PIN_L*_TABLE
 * for page-table types (once per frame), a descriptor or a writable
 * mapping of it in its page tables for the others (as many as it likes).
 * guest_unpin() drops the last one taken.
 */
int guest_pin(domid_t d, unsigned long mfn, unsigned long type);
int guest_unpin(domid_t d, unsigned long mfn);
/*
 * The granter writes shared entry ref in its own grant frame (guest
 * memory: the hypervisor is not involved).  -EINVAL: the frame holding
 * ref is not there (the table has not grown that far).
 */
int guest_write_grant(domid_t d, uint32_t ref, uint16_t flags,
                      domid_t grantee, uint32_t frame);
/* Read it back, for the checks. */
int guest_read_grant(domid_t d, uint32_t ref, grant_entry_v1_t *e);
/* Where the guest's entry ref keeps its flags (NULL: no such entry). */
uint16_t *guest_grant_flags(domid_t d, uint32_t ref);
/* GNTTABOP_* through do_grant_table_op(), count ops from the array. */
long guest_grant_table_op(domid_t d, unsigned int cmd, void *ops,
                          unsigned int count);

/* ---- for the checks: state as Xen has it ---- */

struct domain *world_domain(domid_t id);
/* Every domain, dying ones included, in creation order. */
struct domain *world_first_domain(void);
struct domain *world_next_domain(const struct domain *d);
/* Which domain owns device dev (NULL: quarantine). */
struct domain *world_device_owner(unsigned int dev);
/* A domain gtio could not quiesce at destruction: kept for good. */
bool world_domain_held(const struct domain *d);
bool world_domain_crashed(const struct domain *d);
/* Guest-held type references on a frame (guest_pin() counts). */
unsigned int world_guest_type_refs(unsigned long mfn);

/*
 * Read-only views of grant_table.c's private state (harness/xen/
 * grant_table.c): the active entry of rd's ref (false past the table),
 * the maptrack entry of ld's handle (false at or past maptrack_limit;
 * flags 0: free), and the maptrack_tree counters of (ld, mfn).
 */
bool gnttab_view_active(const struct domain *rd, grant_ref_t ref,
                        uint32_t *pin, domid_t *domid, unsigned long *mfn);
unsigned int gnttab_view_maptrack_limit(const struct domain *ld);
bool gnttab_view_handle(const struct domain *ld, grant_handle_t handle,
                        uint16_t *flags, grant_ref_t *ref, domid_t *domid);
/* Maptrack entries [0, n) at once (n capped at maptrack_limit). */
struct gnttab_handle_view {
    uint16_t flags;
    domid_t domid;
    grant_ref_t ref;
};
unsigned int gnttab_view_handles(const struct domain *ld,
                                 struct gnttab_handle_view *out,
                                 unsigned int n);
/*
 * d's v1 shared entries refs[0, n), read through Xen's own mapping of
 * their frames, with their active entries: what the checks compare after
 * every call, at once.  present: the ref is in the table (and it is v1).
 */
struct gnttab_grant_view {
    bool present;
    grant_entry_v1_t shared;
    uint32_t pin;
    domid_t domid;
    unsigned long mfn;
};
void gnttab_view_grants(const struct domain *d, const grant_ref_t *refs,
                        unsigned int n, struct gnttab_grant_view *out);
void gnttab_view_counts(const struct domain *ld, unsigned long mfn,
                        unsigned long *rd, unsigned long *wr);
unsigned int gnttab_view_nr_frames(const struct domain *d);
/*
 * Power-on of grant_table.c's per-CPU state: a hypercall a panic unwound
 * may have left this CPU's grant_rwlock set (Xen would have stopped).
 */
void gnttab_cpu_power_on(void);
bool gnttab_view_cpu_reads_a_table(void);
/*
 * The most mappings of one kind (read-only or writable) of one frame by
 * one domain that a maptrack_tree count holds: a build constant, not
 * state (HARNESS_MAPTRACK_COUNT_BITS).
 */
unsigned long gnttab_view_maptrack_count_max(void);

/*
 * For the tests of the checks only: a defect's footprint, made behind the
 * model's back.  The flags of ld's maptrack entry handle become flags
 * (false at or past maptrack_limit).
 */
bool gnttab_break_handle_flags(struct domain *ld, grant_handle_t handle,
                               uint16_t flags);

/*
 * The same, for rd's active entry ref: its pin word and frame become pin
 * and mfn (false at or past the table's end).
 */
bool gnttab_break_active(struct domain *rd, grant_ref_t ref, uint32_t pin,
                         unsigned long mfn);

#endif /* HARNESS_XEN_WORLD_H */
