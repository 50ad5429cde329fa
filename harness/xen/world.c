/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Power on and off, the hypercall entry of the guests' grant table ops,
 * and the little of Xen's library the hypervisor files need.
 */
#include <stdlib.h>
#include <string.h>

#include <xen/types.h>
#include <xen/errno.h>
#include <xen/lib.h>
#include <xen/sched.h>
#include <xen/grant_table.h>
#include <xen/guest_access.h>
#include <xen/param.h>

#include "gtio.h"
#include "heap.h"
#include "internal.h"

int world_boot(const struct world_config *cfg)
{
    vtd_sim_reset(&cfg->caps);
    gnttab_cpu_power_on();
    vtd_sim_set_bfn_limit(cfg->nr_frames);
    heap_set_guest_frames(cfg->nr_frames);
    domains_power_off();
    gtio_config.iommu_readonly = cfg->iommu_readonly;
    gtio_config.psi_max = cfg->psi_max ? cfg->psi_max : GTIO_DEFAULT_PSI_MAX;
    gtio_config.pending_pages = cfg->pending_pages ?: GTIO_DEFAULT_PENDING_PAGES;
    gtio_config.pending_tables = cfg->pending_tables ?:
                                 GTIO_DEFAULT_PENDING_TABLES;
    gtio_config.batch_domains = cfg->batch_domains ?: GTIO_DEFAULT_BATCH_DOMAINS;
    gtio_config.flush_policy = cfg->flush_policy;
    harness_pin_cntr_width = cfg->pin_bits ?: GNTPIN_XEN_WIDTH;
    harness_maptrack_per_page = cfg->maptrack_per_frame ?:
                                MAPTRACK_XEN_PER_PAGE;
    harness_unmap_batch_size = cfg->unmap_batch ?: UNMAP_XEN_BATCH_SIZE;
    /* The driver's queue is as long as the simulated unit's. */
    harness_qi_entries = cfg->caps.qi_entries;
    memset(&gtio_stats, 0, sizeof(gtio_stats));
    return vtd_boot();
}

void world_power_off(void)
{
    vtd_power_off();
    mm_power_off();
    domains_power_off();
    world_set_events(NULL);
}

void world_fault_event(void)
{
    if ( vtd_sim_fault_event() )
        vtd_fault_event();
}

struct domain *world_device_owner(unsigned int dev)
{
    return vtd_device_owner(dev);
}

/* XEN_DOMCTL_assign_device / deassign_device, for devices on bus 0. */
int toolstack_assign_device(unsigned int dev, domid_t id)
{
    struct domain *d = domain_find(id);
    int rc;

    /* No device for a domain being killed or crashed (it will be). */
    if ( dev >= VTD_SIM_DEVICES || !d || d->is_dying || d->is_shutting_down )
        return -EINVAL;
    domain_enter(NULL);
    rc = vtd_assign_device(dev, d);
    domain_leave();
    return rc;
}

int toolstack_deassign_device(unsigned int dev)
{
    int rc;

    if ( dev >= VTD_SIM_DEVICES )
        return -EINVAL;
    domain_enter(NULL);
    rc = vtd_deassign_device(dev);
    domain_leave();
    return rc;
}

/* The hypercall: do_grant_table_op() on the acting domain's vCPU. */
long guest_grant_table_op(domid_t id, unsigned int cmd, void *ops,
                          unsigned int count)
{
    struct domain *d = domain_find(id);
    long rc;

    if ( !d || d->is_dying != DOMDYING_alive || d->is_shutting_down )
        return -ESRCH;
    domain_enter(d);
    rc = do_grant_table_op(cmd, guest_handle_from_ptr(ops, void), count);
    /*
     * Preempted: the guest's vCPU issues the rest again when it next runs,
     * which a crashed or dying domain's never does.
     */
    while ( hh_continuation.pending )
    {
        hh_continuation.pending = false;
        if ( d->is_dying != DOMDYING_alive || d->is_shutting_down )
        {
            rc = HH_HYPERCALL_ABANDONED;
            break;
        }
        /* Each continuation is left with fewer ops than the last. */
        if ( hh_continuation.count >= count )
            hh_bug(__FILE__, __LINE__, "a hypercall continued without "
                   "progress");
        count = hh_continuation.count;
        rc = do_grant_table_op(hh_continuation.cmd,
                               guest_handle_from_ptr(hh_continuation.uop,
                                                     void),
                               hh_continuation.count);
    }
    domain_leave();
    return rc;
}

void hh_grant_flags_cleared(struct domain *d, const uint16_t *addr,
                            unsigned int bits)
{
    grant_ref_t ref;

    if ( bits && gnttab_view_status_ref(d, addr, &ref) )
        event_grant_released(d->domain_id, ref, bits);
}

/* Guest memory is the harness's own: copies never fault. */
unsigned long hh_copy_guest(void *dst, const void *src, unsigned long len)
{
    memmove(dst, src, len);
    return 0;
}

unsigned long hh_clear_guest(void *dst, unsigned long len)
{
    memset(dst, 0, len);
    return 0;
}

/* steal_maptrack_handle()'s victim: there is one vCPU; reproducible. */
unsigned int get_random(void)
{
    return 0;
}

/* The command line parsers grant_table.c carries; never called here. */
int parse_bool(const char *s, const char *e)
{
    (void)s;
    (void)e;
    return -1;
}

int parse_boolean(const char *name, const char *s, const char *e)
{
    (void)name;
    (void)s;
    (void)e;
    return -1;
}

long simple_strtol(const char *cp, const char **endp, unsigned int base)
{
    char *end;
    long v = strtol(cp, &end, base);

    if ( endp )
        *endp = end;
    return v;
}

unsigned long simple_strtoul(const char *cp, const char **endp,
                             unsigned int base)
{
    char *end;
    unsigned long v = strtoul(cp, &end, base);

    if ( endp )
        *endp = end;
    return v;
}
