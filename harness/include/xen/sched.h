/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Shim of Xen's <xen/sched.h>: struct domain and struct vcpu with Xen
 * 4.17's field names and types (only the fields used), `current`, the
 * domain lookup, and domain_crash().  The domains themselves are made and
 * torn down by the harness's stand-in for common/domain.c
 * (harness/xen/domain.c).
 */
#ifndef SHIM_XEN_SCHED_H
#define SHIM_XEN_SCHED_H

#include <xen/types.h>
#include <xen/lib.h>
#include <xen/spinlock.h>
#include <xen/cpumask.h>
#include <xen/mm.h>
#include <xen/rcupdate.h>
#include <xen/nospec.h>
#include <xen/iommu.h>
#include <xen/init.h>
#include <xen/bitops.h>
#include <asm/atomic.h>
#include <public/xen.h>
#include <public/domctl.h>

struct grant_table;

struct vcpu {
    int vcpu_id;
    struct domain *domain;
    /* Maptrack free list of this vCPU (grant_table.c). */
    spinlock_t maptrack_freelist_lock;
    unsigned int maptrack_head;
    unsigned int maptrack_tail;
};

struct domain {
    domid_t domain_id;
    unsigned int max_vcpus;
    struct vcpu **vcpu;
    rcu_read_lock_t rcu_lock;
    struct domain *next_in_list;

    spinlock_t page_alloc_lock;
    struct page_list_head page_list;
    struct page_list_head xenpage_list;
    unsigned int tot_pages;
    unsigned int xenheap_pages;
    unsigned int max_pages;
    unsigned int extra_pages;

    unsigned int options;               /* XEN_DOMCTL_CDF_* */
    bool is_privileged;
    bool is_shutting_down;
    enum { DOMDYING_alive, DOMDYING_dying, DOMDYING_dead } is_dying;
    /* domain_kill()'s first step done: a continuation goes on after it. */
    bool kill_quiesced;
    unsigned int refcnt;

    cpumask_var_t dirty_cpumask;
    struct grant_table *grant_table;
    struct domain_iommu iommu;
};

/* The vCPU running the hypercall (harness/xen/domain.c sets it). */
extern struct vcpu *harness_current;
#define current         harness_current

/* Every domain, dying ones included (harness/xen/domain.c). */
extern struct domain *domain_list;
extern rcu_read_lock_t domlist_read_lock;
#define for_each_domain(d) \
    for ( (d) = domain_list; (d); (d) = (d)->next_in_list )

static inline unsigned int domain_tot_pages(const struct domain *d)
{
    return d->tot_pages - d->extra_pages;
}

extern struct domain *hardware_domain;
extern struct domain *dom_io;
extern struct domain *dom_xen;
#define dom_cow         NULL

static always_inline bool is_hardware_domain(const struct domain *d)
{
    return evaluate_nospec(d == hardware_domain);
}

static always_inline bool is_control_domain(const struct domain *d)
{
    return evaluate_nospec(d->is_privileged);
}

static always_inline bool is_pv_domain(const struct domain *d)
{
    return evaluate_nospec(!(d->options & XEN_DOMCTL_CDF_hvm));
}

static always_inline bool is_iommu_enabled(const struct domain *d)
{
    return evaluate_nospec(d->options & XEN_DOMCTL_CDF_iommu);
}

struct domain *rcu_lock_domain_by_id(domid_t dom);
struct domain *rcu_lock_domain_by_any_id(domid_t dom);

static inline struct domain *rcu_lock_domain(struct domain *d)
{
    return d;
}

static inline struct domain *rcu_lock_current_domain(void)
{
    return current->domain;
}

static inline void rcu_unlock_domain(struct domain *d)
{
    (void)d;
}

void get_knownalive_domain(struct domain *d);
void put_domain(struct domain *d);

/* Mark d crashed; returns (harness/xen/domain.c). */
void __domain_crash(struct domain *d);
#define domain_crash(d) do {                                            \
    hh_domain_crash(d, __FILE__, __LINE__);                             \
    __domain_crash(d);                                                  \
} while ( 0 )

#endif
