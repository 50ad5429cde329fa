/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Shim of Xen's <xen/grant_table.h>: the public ABI (the real
 * <public/grant_table.h>), x86's <asm/grant_table.h> and the entry points
 * of grant_table.c, with CONFIG_GRANT_TABLE on.
 */
#ifndef SHIM_XEN_GRANT_TABLE_H
#define SHIM_XEN_GRANT_TABLE_H

#include <xen/mm-frame.h>
#include <xen/rwlock.h>
#include <public/grant_table.h>
#include <public/memory.h>
#include <asm/grant_table.h>

struct grant_table;
struct domain;
struct vcpu;

extern unsigned int opt_gnttab_max_version;
extern unsigned int opt_max_grant_frames;

int grant_table_init(struct domain *d, int max_grant_frames,
                     int max_maptrack_frames, unsigned int options);
void grant_table_destroy(struct domain *d);
void grant_table_init_vcpu(struct vcpu *v);
void grant_table_warn_active_grants(struct domain *d);
int gnttab_release_mappings(struct domain *d);
int mem_sharing_gref_to_gfn(struct grant_table *gt, grant_ref_t ref,
                            gfn_t *gfn, uint16_t *status);
int gnttab_map_frame(struct domain *d, unsigned long idx, gfn_t gfn,
                     mfn_t *mfn);
unsigned int gnttab_resource_max_frames(const struct domain *d,
                                        unsigned int id);
int gnttab_acquire_resource(struct domain *d, unsigned int id,
                            unsigned int frame, unsigned int nr_frames,
                            xen_pfn_t mfn_list[]);
long do_grant_table_op(unsigned int cmd, XEN_GUEST_HANDLE_PARAM(void) uop,
                       unsigned int count);

#endif
