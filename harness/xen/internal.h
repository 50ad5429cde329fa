/* SPDX-License-Identifier: GPL-2.0-only */
/* Declarations shared by the stand-ins for Xen (world.h); not an interface. */
#ifndef HARNESS_XEN_INTERNAL_H
#define HARNESS_XEN_INTERNAL_H

#include <xen/types.h>
#include <xen/sched.h>
#include <public/grant_table.h>

#include "world.h"

/*
 * grant_table.c: the pin counters' width (GNTPIN_cntr_width), the
 * handles of a maptrack frame (MAPTRACK_PER_PAGE) and the unmaps of a
 * chunk (GNTTAB_UNMAP_BATCH_SIZE).
 */
extern unsigned int harness_pin_cntr_width;
extern unsigned int harness_maptrack_per_page;
extern unsigned int harness_unmap_batch_size;
/* vtd.c: the invalidation queue's entries (0: one page). */
extern unsigned int harness_qi_entries;

/* domain.c */
extern const struct world_events *world_events;

static inline void event_frame_freed(unsigned long mfn, domid_t owner)
{
    if ( world_events->frame_freed )
        world_events->frame_freed(world_events->ctx, mfn, owner);
}

static inline void event_frame_validated(unsigned long mfn, unsigned long type)
{
    if ( world_events->frame_validated )
        world_events->frame_validated(world_events->ctx, mfn, type);
}

static inline void event_table_freed(unsigned long mfn)
{
    if ( world_events->table_freed )
        world_events->table_freed(world_events->ctx, mfn);
}

static inline void event_grant_released(domid_t rd, uint32_t ref,
                                        unsigned int bits)
{
    if ( world_events->grant_released )
        world_events->grant_released(world_events->ctx, rd, ref, bits);
}
struct domain *domain_find(domid_t id);
/* The vCPU hypervisor code runs on: vCPU 0 of d, or the idle one. */
void domain_enter(struct domain *d);
void domain_leave(void);
void domains_power_off(void);

/* mm.c */
void mm_relinquish_resources(struct domain *d);
void mm_power_off(void);

/* page_alloc.c: where a guest frame goes when its last reference does. */
void page_alloc_free_guest_page(struct page_info *pg);

/* iommu.c */
void iommu_domain_init(struct domain *d);
void iommu_domain_destroy(struct domain *d);
extern bool iommu_hwdom_strict;

/* vtd.c */
int vtd_boot(void);
int vtd_assign_device(unsigned int dev, struct domain *d);
int vtd_deassign_device(unsigned int dev);
void vtd_domain_destroy(struct domain *d);
struct domain *vtd_device_owner(unsigned int dev);
void vtd_power_off(void);
void vtd_fault_event(void);

/* grant_table.c: read-only views of Xen's private grant table state. */
mfn_t gnttab_view_shared_mfn(const struct domain *d, unsigned int i);
/* Which entry of d's table a status word is, if it is one. */
bool gnttab_view_status_ref(const struct domain *d, const uint16_t *addr,
                            grant_ref_t *ref);

#endif /* HARNESS_XEN_INTERNAL_H */
