/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the unit tests that run Xen (harness/xen/world.h) share: a test
 * runner that turns a BUG() or panic() in Xen into the test's failure
 * (RUN_XEN), and reads of what Xen and the simulated unit have now.
 * Include after check.h.
 */
#ifndef TESTS_XEN_WORLD_H
#define TESTS_XEN_WORLD_H

#include <setjmp.h>
#include <stdio.h>

#include <xen/lib.h>
#include <xen/sched.h>
#include <xen/mm.h>
#include <xen/iommu.h>

#include "gtio_internal.h"
#include "vtd_sim.h"
#include "xen/world.h"
#include "fault.h"
#include "heap.h"
#include "harness/hooks.h"
#include <public/grant_table.h>

/* ---- power on ---- */

#define HOST_DEV        (GNTMAP_host_map | GNTMAP_device_map)
/* Where the tests' guests put their host grant mappings. */
#define GUEST_VA_BASE   0x10000000ULL

/* The unit and configuration most tests use; CAP.CM=0. */
static const struct world_config default_config = {
    .caps = {
        .psi = true, .qi = true, .coherent = true, .mamv = 9,
        .completion_delay = 1,
    },
    .nr_frames = 64,
    .iommu_readonly = true,
    .psi_max = GTIO_DEFAULT_PSI_MAX,
};

/* The next free guest address for a host mapping. */
static uint64_t next_va;

/* A clean harness (hooks, faults, heap), then world_boot(): its result. */
static inline int world_start(const struct world_config *cfg)
{
    harness_hooks_reset();
    fault_reset();
    heap_reset();
    next_va = GUEST_VA_BASE;
    return world_boot(cfg);
}

/* ---- BUG() or panic() in Xen: a failed test, not a dead process ---- */

static jmp_buf xen_fatal;
static void (*guarded_test)(void);

static void guarded(void)
{
    static char msg[360];
    const struct harness_fatal *f;

    harness_set_unwind(&xen_fatal);
    if ( !setjmp(xen_fatal) )
    {
        guarded_test();
        harness_set_unwind(NULL);
        return;
    }
    harness_set_unwind(NULL);
    f = harness_last_fatal();
    snprintf(msg, sizeof(msg), "%s in Xen at %s:%d: %s",
             f->kind == HARNESS_FATAL_PANIC ? "panic" : "BUG",
             f->file ? f->file : "?", f->line, f->what);
    if ( !check_failed_at )
    {
        check_failed_at = msg;
        check_failed_file = __FILE__;
        check_failed_line = __LINE__;
    }
    world_power_off();
}

/* RUN() with Xen's fatal conditions reported as the test's failure. */
#define RUN_XEN(fn) do {                                                \
    guarded_test = (fn);                                                \
    run_test(#fn, guarded);                                             \
} while ( 0 )

/* ---- what Xen and the unit have now ---- */

static inline struct domain *dom(domid_t id)
{
    struct domain *d = world_domain(id);

    ASSERT(d);
    return d;
}

/* The leaf the core wrote for mfn in id's tables (GTIO_ACCESS_*). */
static inline unsigned int entry(domid_t id, unsigned long mfn)
{
    return gtio_pt_get(dom(id), mfn);
}

struct reach_query {
    unsigned long mfn;
    unsigned int access;
};

static inline bool reach_visit(void *ctx, unsigned int dev,
                               const struct sim_translation *t)
{
    struct reach_query *q = ctx;

    (void)dev;
    if ( t->mfn == q->mfn )
        q->access |= t->access;
    return true;
}

/* What DMA of dev may do to frame mfn now (SIM_R|SIM_W), stale or not. */
static inline unsigned int reach(unsigned int dev, unsigned long mfn)
{
    struct reach_query q = { .mfn = mfn };

    vtd_sim_for_each_reachable(dev, reach_visit, &q);
    return q.access;
}

/* The IOMMU table pages id's tables hold now. */
static inline unsigned int table_pages(domid_t id)
{
    const struct page_info *pg;
    unsigned int n = 0;

    page_list_for_each ( pg, &dom_iommu(dom(id))->arch.pgtables.list )
        n++;
    return n;
}

#endif /* TESTS_XEN_WORLD_H */
