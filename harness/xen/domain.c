/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Stand-in for common/domain.c: domains made, found, crashed and killed
 * the way Xen 4.17 does it, for PV domains of one vCPU.
 *
 * domain_kill() keeps Xen's order (mark dying, domain_teardown() with
 * gnttab_release_mappings(), then domain_relinquish_resources()) with the
 * one step the patched Xen adds in front of the release: the devices go
 * first.  Xen 4.17 releases the grant mappings while the devices are
 * still assigned (tests/variants/kill-releases-before-devices.patch);
 * hv/xen/patches/0006 calls pci_release_devices() first, here
 * gtio_quiesce() moves the devices to quarantine and confirms that no
 * cached translation of the domain's tables is left.  If that cannot be
 * confirmed, the kill stops there (the domain stays dying, holding its
 * mappings, tables and domain id) and may be retried.
 *
 * Like Xen, a dead domain lives on while it owns pages (other domains may
 * still hold references to them) and is destroyed with its last one.  Its
 * memory goes only after an RCU grace period (call_rcu() of
 * complete_domain_destroy()): code that found it with
 * rcu_lock_domain_by_id() may still use it until it returns.  Here the
 * grace period ends when the hypercall or domctl does (domain_leave()).
 */
#include <xen/types.h>
#include <xen/errno.h>
#include <xen/lib.h>
#include <xen/sched.h>
#include <xen/xmalloc.h>
#include <xen/grant_table.h>

#include "gtio.h"
#include "nocov.h"
#include "internal.h"

/* How many domains (dying ones included) the harness keeps at once. */
#define WORLD_MAX_DOMAINS   8

struct vcpu *harness_current;
struct domain *hardware_domain;
struct domain *dom_io;
struct domain *dom_xen;

static struct domain dom_io_struct = { .domain_id = DOMID_IO };
static struct domain dom_xen_struct = { .domain_id = DOMID_XEN };
static struct domain dom_idle_struct = { .domain_id = DOMID_IDLE };
static struct vcpu idle_vcpu = { .domain = &dom_idle_struct };

static const struct world_events no_events;
const struct world_events *world_events = &no_events;

struct domain *domain_list;
rcu_read_lock_t domlist_read_lock;
static unsigned int nr_domains;

void world_set_events(const struct world_events *ev)
{
    world_events = ev ? ev : &no_events;
}

void domain_enter(struct domain *d)
{
    harness_current = d ? d->vcpu[0] : &idle_vcpu;
}

/* Domains destroyed in this call, freed when it returns (RCU). */
static struct domain *rcu_dead;

static void free_domain_struct(struct domain *d);

/* complete_domain_destroy(), once no code can hold the domain any more. */
static void rcu_quiescent(void)
{
    while ( rcu_dead )
    {
        struct domain *d = rcu_dead;

        rcu_dead = d->next_in_list;
        grant_table_destroy(d);
        iommu_domain_destroy(d);
        vtd_domain_destroy(d);
        free_domain_struct(d);
    }
}

void domain_leave(void)
{
    harness_current = &idle_vcpu;
    rcu_quiescent();
}

/* A list walk every guest op and check makes: no coverage (nocov.h). */
struct domain *NO_COVERAGE domain_find(domid_t id)
{
    struct domain *d;

    for ( d = domain_list; d; d = d->next_in_list )
        if ( d->domain_id == id )
            return d;
    return NULL;
}

struct domain *rcu_lock_domain_by_id(domid_t dom)
{
    return domain_find(dom);
}

struct domain *rcu_lock_domain_by_any_id(domid_t dom)
{
    return dom == DOMID_SELF ? current->domain : domain_find(dom);
}

void __domain_crash(struct domain *d)
{
    d->is_shutting_down = true;
}

void get_knownalive_domain(struct domain *d)
{
    ASSERT(d->refcnt);
    d->refcnt++;
}

static void free_domain_struct(struct domain *d)
{
    if ( d->vcpu )
        xfree(d->vcpu[0]);
    xfree(d->vcpu);
    xfree(d->dirty_cpumask);
    xfree(d);
}

/* domain_destroy(): the last reference went; no lookup finds it now. */
static void domain_destroy(struct domain *d)
{
    struct domain **pp = &domain_list;

    while ( *pp != d )
        pp = &(*pp)->next_in_list;
    *pp = d->next_in_list;
    nr_domains--;
    if ( hardware_domain == d )
        hardware_domain = NULL;
    d->next_in_list = rcu_dead;
    rcu_dead = d;
}

void put_domain(struct domain *d)
{
    ASSERT(d->refcnt);
    if ( --d->refcnt == 0 )
        domain_destroy(d);
}

static int alloc_domain_struct(domid_t id, struct domain **out)
{
    struct domain *d = xzalloc(struct domain);
    struct vcpu *v;

    if ( !d )
        return -ENOMEM;
    d->vcpu = xzalloc_array(struct vcpu *, 1);
    d->dirty_cpumask = xzalloc(cpumask_t);
    v = d->vcpu ? xzalloc(struct vcpu) : NULL;
    if ( v )
        d->vcpu[0] = v;
    if ( !v || !d->dirty_cpumask )
    {
        free_domain_struct(d);
        return -ENOMEM;
    }
    v->domain = d;
    d->domain_id = id;
    d->max_vcpus = 1;
    d->max_pages = ~0U;
    d->refcnt = 1;
    spin_lock_init(&d->page_alloc_lock);
    INIT_PAGE_LIST_HEAD(&d->page_list);
    INIT_PAGE_LIST_HEAD(&d->xenpage_list);
    *out = d;
    return 0;
}

/* XEN_DOMCTL_createdomain for a PV guest: domain_create(). */
int toolstack_create_domain(domid_t id, bool iommu, int max_grant_frames,
                            int max_maptrack_frames)
{
    struct domain *d, **tail;
    int rc;

    if ( id >= DOMID_FIRST_RESERVED )
        return -EINVAL;
    if ( domain_find(id) )
        return -EEXIST;
    if ( nr_domains == WORLD_MAX_DOMAINS )
        return -ENOSPC;
    rc = alloc_domain_struct(id, &d);
    if ( rc )
        return rc;
    d->options = iommu ? XEN_DOMCTL_CDF_iommu : 0;
    d->is_privileged = id == 0;
    iommu_domain_init(d);
    rc = grant_table_init(d, max_grant_frames, max_maptrack_frames,
                          XEN_DOMCTL_GRANT_version(1));
    if ( rc )
    {
        free_domain_struct(d);
        return rc;
    }
    grant_table_init_vcpu(d->vcpu[0]);
    if ( id == 0 )
        hardware_domain = d;
    for ( tail = &domain_list; *tail; tail = &(*tail)->next_in_list )
        continue;
    *tail = d;
    nr_domains++;
    return 0;
}

/* domain_kill(), from the toolstack (never the domain itself). */
static int domain_kill(struct domain *d)
{
    int rc;

    switch ( d->is_dying )
    {
    case DOMDYING_alive:
        d->is_dying = DOMDYING_dying;
        /* fallthrough */
    case DOMDYING_dying:
        /*
         * domain_teardown(), with the patched Xen's step first.  A kill
         * continued after a preempted release does not quiesce again:
         * there pci_release_devices() finds no device left and flushes
         * nothing, as domain_teardown()'s PROGRESS() steps do not run
         * twice.  Only a quiescence that failed is tried again.
         */
        if ( !d->kill_quiesced )
        {
            rc = gtio_quiesce(d);
            if ( rc )
                return rc;
            d->kill_quiesced = true;
        }
        rc = gnttab_release_mappings(d);
        if ( rc )
            return rc;
        mm_relinquish_resources(d);
        d->is_dying = DOMDYING_dead;
        put_domain(d);
        /* fallthrough */
    case DOMDYING_dead:
        break;
    }
    return 0;
}

/*
 * gnttab_release_mappings() may stop once per maptrack page it frees:
 * more continuations than a domain can have maptrack pages make no
 * progress.
 */
#define DESTROY_RESTARTS_MAX    1024

int toolstack_destroy_domain(domid_t id)
{
    struct domain *d = domain_find(id);
    unsigned int restarts;
    int rc;

    if ( !d )
        return -ESRCH;
    domain_enter(NULL);
    /*
     * XEN_DOMCTL_destroydomain turns domain_kill()'s -ERESTART (a
     * preemption in gnttab_release_mappings()) into a continuation, which
     * the toolstack's vCPU issues again.
     */
    for ( restarts = 0; (rc = domain_kill(d)) == -ERESTART; restarts++ )
        if ( restarts > DESTROY_RESTARTS_MAX )
            hh_bug(__FILE__, __LINE__, "a domain's destruction continued "
                   "without end");
    domain_leave();
    return rc;
}

/* ---- what the checks read ---- */

struct domain *world_domain(domid_t id)
{
    return domain_find(id);
}

struct domain *world_first_domain(void)
{
    return domain_list;
}

struct domain *world_next_domain(const struct domain *d)
{
    return d->next_in_list;
}

bool world_domain_held(const struct domain *d)
{
    return d->is_dying == DOMDYING_dying;
}

bool world_domain_crashed(const struct domain *d)
{
    return d->is_shutting_down;
}

/*
 * Power off: the remaining domains are forgotten without any hypervisor
 * code running; their memory goes with the heap's reset.
 */
void domains_power_off(void)
{
    domain_list = NULL;
    rcu_dead = NULL;
    nr_domains = 0;
    hardware_domain = NULL;
    dom_io = &dom_io_struct;
    dom_xen = &dom_xen_struct;
    harness_current = &idle_vcpu;
}
