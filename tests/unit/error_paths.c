/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Failure handling of the core on Xen's objects (docs/design.md, "The IOMMU rules",
 * "Failure"), driven through Xen as the harness builds it
 * (harness/xen/world.h) with the machine's failures armed (fault.h) or
 * forced on the simulated unit (vtd_sim_caps, vtd_sim_stall_queue()):
 *
 *  - a table page that cannot be allocated fails the map and leaves
 *    everything as it was;
 *  - an invalidation that does not complete is never success: a domU is
 *    crashed and cut off, the hardware domain gets the error (and a
 *    removal outside a batch is put back), and whatever the removal was
 *    to release stays held for good, with the domain that holds it;
 *  - if cutting the devices off fails too, Xen stops (panic);
 *  - the VT-d driver's bring-up failures fail the boot with an error.
 */
#include <setjmp.h>
#include <string.h>

#include <xen/errno.h>
#include <xen/lib.h>
#include <xen/sched.h>
#include <xen/mm.h>
#include <xen/iommu.h>
#include <public/grant_table.h>

#include "gtio_internal.h"
#include "fault.h"
#include "heap.h"
#include "machine.h"
#include "vtd_sim.h"
#include "xen/world.h"
#include "../lib/check.h"
#include "../lib/xen_world.h"

enum { HWDOM = 0, GRANTER = 1, GUEST = 2, DEV = 0 };

/* A page of the mapping domain's own that keeps its leaf table. */
#define KEEP_MFN        63UL

static void start(const struct world_config *cfg)
{
    CHECK_EQ(world_start(cfg), 0);
}

static void stop(void)
{
    world_power_off();
}

/* ---- Xen's fatal conditions (RUN_XEN: tests/lib/xen_world.h) ---- */

/*
 * Run fn where a fatal condition in Xen is expected: whether it returned,
 * and the kind of fatal event if not.  The test's own unwind point is put
 * back afterwards.
 */
static jmp_buf expected_fatal;

static bool returns(void (*fn)(void), enum harness_fatal_kind *kind)
{
    volatile bool returned = false;

    *kind = HARNESS_FATAL_NONE;
    harness_set_unwind(&expected_fatal);
    if ( !setjmp(expected_fatal) )
    {
        fn();
        returned = true;
    }
    else
        *kind = harness_last_fatal()->kind;
    harness_set_unwind(&xen_fatal);
    return returned;
}

/* ---- the guests ---- */

/*
 * Domain ld (GUEST, or HWDOM for the hardware domain) with device DEV,
 * and, if asked, its own page KEEP_MFN; the granter has no IOMMU.
 */
static void domains(domid_t ld, bool keep_tables)
{
    CHECK_EQ(toolstack_create_domain(GRANTER, false, 1, 1), 0);
    CHECK_EQ(toolstack_create_domain(ld, true, 1, 1), 0);
    CHECK_EQ(toolstack_assign_device(DEV, ld), 0);
    if ( keep_tables )
        CHECK_EQ(guest_populate(ld, KEEP_MFN), 0);
}

static void grant(uint32_t ref, unsigned long mfn, domid_t grantee)
{
    CHECK_EQ(guest_populate(GRANTER, mfn), 0);
    CHECK_EQ(guest_write_grant(GRANTER, ref, GTF_permit_access, grantee,
                               mfn), 0);
}

struct mapping {
    domid_t ld;
    int16_t status;
    grant_handle_t handle;
    uint64_t host_addr;
    uint64_t bus_addr;
};

/* One GNTTABOP_map_grant_ref of ld at host_addr (0: a fresh one). */
static struct mapping map_at(domid_t ld, uint32_t ref, uint32_t flags,
                             uint64_t host_addr)
{
    struct gnttab_map_grant_ref op = {
        .flags = flags, .ref = ref, .dom = GRANTER,
    };
    struct mapping m = { .ld = ld };

    if ( flags & GNTMAP_host_map )
    {
        if ( !host_addr )
        {
            host_addr = next_va;
            next_va += PAGE_SIZE;
        }
        op.host_addr = host_addr;
    }
    CHECK_EQ(guest_grant_table_op(ld, GNTTABOP_map_grant_ref, &op, 1), 0);
    m.status = op.status;
    m.handle = op.handle;
    m.host_addr = op.host_addr;
    m.bus_addr = op.dev_bus_addr;
    return m;
}

static struct mapping map_ok(domid_t ld, uint32_t ref)
{
    struct mapping m = map_at(ld, ref, HOST_DEV, 0);

    CHECK_EQ(m.status, GNTST_okay);
    return m;
}

/* GNTTABOP_unmap_grant_ref of the whole mapping: the hypercall's result. */
static long unmap(const struct mapping *m)
{
    struct gnttab_unmap_grant_ref op = {
        .host_addr = m->host_addr, .dev_bus_addr = m->bus_addr,
        .handle = m->handle,
    };
    long rc = guest_grant_table_op(m->ld, GNTTABOP_unmap_grant_ref, &op, 1);

    /* unmap_common() did its part; only the completion is in question. */
    if ( rc != -ESRCH )
        CHECK_EQ(op.status, GNTST_okay);
    return rc;
}

/* ---- what Xen and the unit have (and tests/lib/xen_world.h) ---- */

/* ld's table pages other than the root, into mfns[]; how many. */
static unsigned int non_root_tables(domid_t ld, unsigned long *mfns,
                                    unsigned int max)
{
    const struct domain_iommu *hd = dom_iommu(dom(ld));
    const struct page_info *pg;
    unsigned int n = 0;

    page_list_for_each ( pg, &hd->arch.pgtables.list )
        if ( page_to_maddr(pg) != hd->arch.vtd.pgd_maddr && n < max )
            mfns[n++] = mfn_x(page_to_mfn(pg));
    return n;
}

static uint16_t grant_flags(uint32_t ref)
{
    grant_entry_v1_t e;

    CHECK_EQ(guest_read_grant(GRANTER, ref, &e), 0);
    return e.flags;
}

static uint32_t pin_of(uint32_t ref)
{
    uint32_t pin = ~0U;
    domid_t domid;
    unsigned long mfn;

    CHECK(gnttab_view_active(dom(GRANTER), ref, &pin, &domid, &mfn));
    return pin;
}

/* Handles of ld still in use (maptrack entries with flags). */
static unsigned int live_handles(domid_t ld)
{
    unsigned int h, n = 0, limit = gnttab_view_maptrack_limit(dom(ld));
    uint16_t flags;
    grant_ref_t ref;
    domid_t domid;

    for ( h = 0; h < limit; h++ )
        if ( gnttab_view_handle(dom(ld), h, &flags, &ref, &domid) && flags )
            n++;
    return n;
}

/*
 * Everything a grant mapping holds of frame mfn (granted as ref): the
 * active entry's pins, the page's references and type count, the
 * granter's status bits.
 */
struct grant_hold {
    uint32_t pin;
    unsigned long count_info;
    unsigned long type_count;
    uint16_t flags;
};

static struct grant_hold hold_of(uint32_t ref, unsigned long mfn)
{
    struct page_info *pg = hh_mfn_to_page(mfn);
    struct grant_hold h = {
        .pin = pin_of(ref),
        .count_info = pg->count_info,
        .type_count = pg->u.inuse.type_info & PGT_count_mask,
        .flags = grant_flags(ref),
    };

    return h;
}

#define CHECK_HOLD(now, was) do {                                       \
    CHECK_EQ((now).pin, (was).pin);                                     \
    CHECK_EQ((now).count_info, (was).count_info);                       \
    CHECK_EQ((now).type_count, (was).type_count);                       \
    CHECK_EQ((now).flags, (was).flags);                                 \
} while ( 0 )

/*
 * What the core asked for and the unit did since mark_unit().  They can
 * differ after a queue error: the unit executes the descriptor it
 * stopped at once the error is acknowledged.
 */
static struct vtd_sim_stats unit_mark;
static struct gtio_stats core_mark;

static void mark_unit(void)
{
    unit_mark = *vtd_sim_stats();
    core_mark = gtio_stats;
}

#define UNIT_SINCE(field)   (vtd_sim_stats()->field - unit_mark.field)
#define CORE_SINCE(field)   (gtio_stats.field - core_mark.field)

/* Frames freed and validated, as Xen does it. */
static struct {
    unsigned long mfn;
    unsigned int freed, validated;
} seen;

static void on_frame_freed(void *ctx, unsigned long mfn, domid_t owner)
{
    (void)ctx;
    (void)owner;
    if ( mfn == seen.mfn )
        seen.freed++;
}

static void on_frame_validated(void *ctx, unsigned long mfn,
                               unsigned long type)
{
    (void)ctx;
    (void)type;
    if ( mfn == seen.mfn )
        seen.validated++;
}

static const struct world_events seen_events = {
    .frame_freed = on_frame_freed,
    .frame_validated = on_frame_validated,
};

static void watch_frame(unsigned long mfn)
{
    memset(&seen, 0, sizeof(seen));
    seen.mfn = mfn;
    world_set_events(&seen_events);
}

/* ---- table allocation ---- */

/*
 * The k-th of the three tables a first mapping needs cannot be had: the
 * map fails with Xen's general error and leaves no trace (no entry, no
 * half-built path, no pin, no page reference, no status bit, no handle,
 * no host mapping), so the same map then succeeds.
 */
static void table_alloc_failure_rolls_back_map(void)
{
    unsigned int k, live;
    struct grant_hold before;
    struct mapping m;

    for ( k = 1; k <= 3; k++ )
    {
        start(&default_config);
        domains(GUEST, false);
        grant(0, 5, GUEST);
        /* An unpermitted ref: allocates the maptrack frame, nothing else. */
        CHECK_EQ(map_at(GUEST, 1, HOST_DEV, 0).status, GNTST_general_error);
        before = hold_of(0, 5);
        CHECK_EQ(before.flags, GTF_permit_access);
        live = heap_live_pages();

        fault_arm_point(FP_PT_ALLOC, k);
        m = map_at(GUEST, 0, HOST_DEV, GUEST_VA_BASE + 0x100000);
        CHECK_EQ(m.status, GNTST_general_error);
        CHECK_EQ(fault_injected(FP_PT_ALLOC), 1);
        CHECK_EQ(entry(GUEST, 5), GTIO_ACCESS_NONE);
        CHECK_EQ(reach(DEV, 5), 0);
        CHECK_EQ(table_pages(GUEST), 1);
        CHECK_EQ(heap_live_pages(), live);
        CHECK_EQ(live_handles(GUEST), 0);
        CHECK_HOLD(hold_of(0, 5), before);
        CHECK_EQ(hold_of(0, 5).pin, 0);
        CHECK_EQ(gtio_stats.maps, 0);

        m = map_at(GUEST, 0, HOST_DEV, GUEST_VA_BASE + 0x100000);
        CHECK_EQ(m.status, GNTST_okay);
        CHECK_EQ(entry(GUEST, 5), GTIO_ACCESS_RW);
        CHECK_EQ(reach(DEV, 5), SIM_R | SIM_W);
        CHECK_EQ(table_pages(GUEST), 4);
        stop();
    }
}

/* populate's IOMMU map fails: the frame goes straight back, unmapped. */
static void table_alloc_failure_fails_populate(void)
{
    struct page_info *pg = NULL;

    start(&default_config);
    domains(GUEST, false);
    watch_frame(20);
    fault_arm_point(FP_PT_ALLOC, 1);
    CHECK_EQ(guest_populate(GUEST, 20), -ENOMEM);
    pg = hh_mfn_to_page(20);
    CHECK(page_get_owner(pg) == NULL);
    CHECK_EQ(pg->count_info, 0);
    CHECK_EQ(pg->u.inuse.type_info, 0);
    CHECK_EQ(seen.freed, 1);
    CHECK_EQ(dom(GUEST)->tot_pages, 0);
    CHECK_EQ(table_pages(GUEST), 1);
    CHECK_EQ(reach(DEV, 20), 0);

    CHECK_EQ(guest_populate(GUEST, 20), 0);
    CHECK_EQ(entry(GUEST, 20), GTIO_ACCESS_RW);
    stop();
}

/* ---- invalidations that do not complete ---- */

/*
 * The three ways an invalidation fails, on the unit that has it.  After a
 * queue's failure the unit recovers; a hung register stays hung, so a
 * domU's devices can never be cut off (failed_cut_off_in_unmap_batch_panics):
 * the tests of a crashed domU take the queue's failures only.
 */
static const struct {
    enum fault_point point;
    bool qi;                    /* queued invalidation: the unit recovers */
    int rc;                     /* what the driver makes of it */
} inv_failures[] = {
    { FP_REG_INV_TIMEOUT, false, -ETIMEDOUT },
    { FP_QI_WAIT_TIMEOUT, true, -ETIMEDOUT },
    { FP_QI_ERROR, true, -EIO },
};

static void start_failing(unsigned int i)
{
    struct world_config cfg = default_config;

    cfg.caps.qi = inv_failures[i].qi;
    start(&cfg);
}

/*
 * A domU's unmap batch whose invalidation fails: the call fails with -EIO,
 * the domain is crashed and its device is in quarantine (nothing of the
 * frame reachable), and the pins, page references, type count and GTF
 * bits stay as they were, held with the domain, which is never
 * destroyed: its destruction leaves it dead but present.
 */
static void failed_unmap_invalidation_crashes_domu_and_holds(void)
{
    struct grant_hold before;
    struct mapping m;
    struct domain *d;
    unsigned int i;

    for ( i = 0; i < ARRAY_SIZE(inv_failures); i++ )
    {
        if ( !inv_failures[i].qi )
            continue;
        start_failing(i);
        domains(GUEST, true);
        grant(0, 5, GUEST);
        m = map_ok(GUEST, 0);
        before = hold_of(0, 5);
        CHECK_EQ(before.flags, GTF_permit_access | GTF_reading | GTF_writing);

        fault_arm_point(inv_failures[i].point, 1);
        CHECK_EQ(unmap(&m), -EIO);
        CHECK_EQ(fault_injected(inv_failures[i].point), 1);
        d = dom(GUEST);
        CHECK(world_domain_crashed(d));
        CHECK_EQ(harness_domain_crashes(), 1);
        CHECK(harness_last_crash_domain() == d);
        CHECK(world_device_owner(DEV) == NULL);
        CHECK_EQ(reach(DEV, 5), 0);
        CHECK_EQ(reach(DEV, KEEP_MFN), 0);
        CHECK(vtd_sim_may_fault(DEV, 5, SIM_R));
        CHECK_EQ(gtio_stats.failures, 1);
        CHECK_HOLD(hold_of(0, 5), before);
        /* A crashed domain runs no more hypercalls. */
        CHECK_EQ(unmap(&m), -ESRCH);

        /* Destroyed, it stays: it holds what was never confirmed. */
        CHECK_EQ(toolstack_destroy_domain(GUEST), 0);
        CHECK_EQ(d->is_dying, DOMDYING_dead);
        CHECK(world_domain(GUEST) == d);
        CHECK_HOLD(hold_of(0, 5), before);
        stop();
    }
}

/*
 * The hardware domain's unmap batch whose invalidation fails: -EIO, not
 * crashed, its device still its own, what the unmap was to release held;
 * its next invalidation is domain-selective, which also confirms.
 */
static void failed_unmap_invalidation_hwdom_gets_error(void)
{
    struct grant_hold before;
    struct mapping m, other;
    struct domain *d0;
    unsigned int i;

    for ( i = 0; i < ARRAY_SIZE(inv_failures); i++ )
    {
        /* A hung IOTLB register stays hung: no later one completes. */
        if ( !inv_failures[i].qi )
            continue;
        start_failing(i);
        domains(HWDOM, true);
        grant(0, 5, HWDOM);
        grant(1, 9, HWDOM);
        m = map_ok(HWDOM, 0);
        other = map_ok(HWDOM, 1);
        before = hold_of(0, 5);
        d0 = dom(HWDOM);

        fault_arm_point(inv_failures[i].point, 1);
        CHECK_EQ(unmap(&m), -EIO);
        CHECK(!world_domain_crashed(d0));
        CHECK_EQ(harness_domain_crashes(), 0);
        CHECK(world_device_owner(DEV) == d0);
        CHECK(gtio_unconfirmed(d0));
        CHECK_EQ(gtio_stats.failures, 1);
        CHECK_HOLD(hold_of(0, 5), before);
        CHECK_EQ(reach(DEV, 9), SIM_R | SIM_W);

        mark_unit();
        CHECK_EQ(unmap(&other), 0);
        CHECK_EQ(CORE_SINCE(dsi), 1);
        CHECK_EQ(CORE_SINCE(psi), 0);
        CHECK_EQ(UNIT_SINCE(dsi), 1);
        CHECK(!gtio_unconfirmed(d0));
        CHECK_EQ(reach(DEV, 5), 0);
        CHECK_EQ(reach(DEV, 9), 0);
        CHECK_EQ(grant_flags(1), GTF_permit_access);
        CHECK_HOLD(hold_of(0, 5), before);
        stop();
    }
}

/*
 * The hardware domain pins its own page as a page table and the removal
 * cannot be confirmed: the pin fails, the mapping is put back (its page
 * is still writable), and the next invalidation is domain-selective.
 */
static void failed_removal_is_put_back_for_hwdom(void)
{
    struct page_info *pg;
    struct domain *d0;
    unsigned int i;

    for ( i = 0; i < ARRAY_SIZE(inv_failures); i++ )
    {
        if ( !inv_failures[i].qi )
            continue;
        start_failing(i);
        domains(HWDOM, true);
        CHECK_EQ(guest_populate(HWDOM, 20), 0);
        pg = hh_mfn_to_page(20);
        d0 = dom(HWDOM);

        watch_frame(20);
        fault_arm_point(inv_failures[i].point, 1);
        CHECK_EQ(guest_pin(HWDOM, 20, PGT_l1_page_table), -EINVAL);
        CHECK_EQ(seen.validated, 0);
        CHECK_EQ(pg->u.inuse.type_info, PGT_writable_page | PGT_validated);
        CHECK_EQ(pg->count_info, PGC_allocated | 1);
        CHECK_EQ(entry(HWDOM, 20), GTIO_ACCESS_RW);
        CHECK_EQ(reach(DEV, 20), SIM_R | SIM_W);
        CHECK(!world_domain_crashed(d0));
        CHECK(world_device_owner(DEV) == d0);
        CHECK(gtio_unconfirmed(d0));
        CHECK_EQ(gtio_stats.failures, 1);

        mark_unit();
        CHECK_EQ(guest_pin(HWDOM, 20, PGT_l1_page_table), 0);
        CHECK_EQ(seen.validated, 1);
        CHECK_EQ(CORE_SINCE(dsi), 1);
        CHECK_EQ(CORE_SINCE(psi), 0);
        CHECK_EQ(UNIT_SINCE(dsi), 1);
        CHECK(!gtio_unconfirmed(d0));
        CHECK_EQ(entry(HWDOM, 20), GTIO_ACCESS_NONE);
        CHECK_EQ(reach(DEV, 20), 0);
        stop();
    }
}

/*
 * A domU's own page: a pin whose removal cannot be confirmed fails (the
 * type stays writable), and the domain is crashed and cut off.
 */
static void failed_removal_crashes_domu(void)
{
    struct page_info *pg;
    unsigned int i;

    for ( i = 0; i < ARRAY_SIZE(inv_failures); i++ )
    {
        if ( !inv_failures[i].qi )
            continue;
        start_failing(i);
        domains(GUEST, true);
        CHECK_EQ(guest_populate(GUEST, 20), 0);
        pg = hh_mfn_to_page(20);

        watch_frame(20);
        fault_arm_point(inv_failures[i].point, 1);
        CHECK_EQ(guest_pin(GUEST, 20, PGT_l1_page_table), -EINVAL);
        CHECK_EQ(seen.validated, 0);
        CHECK_EQ(pg->u.inuse.type_info, PGT_writable_page | PGT_validated);
        CHECK(world_domain_crashed(dom(GUEST)));
        CHECK(world_device_owner(DEV) == NULL);
        CHECK_EQ(reach(DEV, 20), 0);
        CHECK_EQ(gtio_stats.failures, 1);
        stop();
    }
}

/* A final put whose removal cannot be confirmed leaks the frame. */
static void failed_final_put_leaks_frame(void)
{
    struct page_info *pg;

    start(&default_config);
    domains(GUEST, true);
    CHECK_EQ(guest_populate(GUEST, 20), 0);
    pg = hh_mfn_to_page(20);
    watch_frame(20);
    fault_arm_point(FP_QI_WAIT_TIMEOUT, 1);
    CHECK_EQ(guest_decrease_reservation(GUEST, 20), 0);
    CHECK_EQ(seen.freed, 0);
    CHECK(page_get_owner(pg) == dom(GUEST));
    CHECK(world_domain_crashed(dom(GUEST)));
    CHECK(world_device_owner(DEV) == NULL);
    CHECK_EQ(reach(DEV, 20), 0);

    /* Not even the domain's destruction frees it. */
    CHECK_EQ(toolstack_destroy_domain(GUEST), 0);
    CHECK_EQ(seen.freed, 0);
    CHECK(page_get_owner(pg) != NULL);
    stop();
}

/*
 * Tables an unmap emptied wait for a DSI; if it fails they are leaked
 * (off the domain's list, never freed), since a walk may still use them.
 */
static void failed_table_retirement_leaks_tables(void)
{
    unsigned long tables[4];
    struct mapping m;
    unsigned int i;

    start(&default_config);
    domains(GUEST, false);
    grant(0, 5, GUEST);
    m = map_ok(GUEST, 0);
    CHECK_EQ(non_root_tables(GUEST, tables, ARRAY_SIZE(tables)), 3);

    fault_arm_point(FP_QI_WAIT_TIMEOUT, 1);
    CHECK_EQ(unmap(&m), -EIO);
    CHECK_EQ(table_pages(GUEST), 1);
    for ( i = 0; i < 3; i++ )
        CHECK_EQ(heap_frame_state(tables[i]), HEAP_FRAME_LIVE);

    /* Domain teardown frees what is on the list, not the leaked ones. */
    CHECK_EQ(toolstack_destroy_domain(GUEST), 0);
    for ( i = 0; i < 3; i++ )
        CHECK_EQ(heap_frame_state(tables[i]), HEAP_FRAME_LIVE);
    stop();
}

/*
 * Destruction whose quarantine cannot be confirmed stops before the grant
 * mappings are released: the domain stays dying, holding them and its
 * tables; a later attempt that succeeds releases everything.
 */
static void failed_quiesce_holds_dying_domain(void)
{
    struct grant_hold before;
    struct domain *d;

    start(&default_config);
    domains(GUEST, true);
    grant(0, 5, GUEST);
    map_ok(GUEST, 0);
    before = hold_of(0, 5);

    fault_arm_point(FP_QI_WAIT_TIMEOUT, 1);
    CHECK(toolstack_destroy_domain(GUEST) < 0);
    d = dom(GUEST);
    CHECK(world_domain_held(d));
    CHECK(world_device_owner(DEV) == NULL);
    /* The device may still use its old context entry: all stays held. */
    CHECK_HOLD(hold_of(0, 5), before);
    CHECK_EQ(table_pages(GUEST), 4);

    CHECK_EQ(toolstack_destroy_domain(GUEST), 0);
    CHECK(world_domain(GUEST) == NULL);
    CHECK_EQ(grant_flags(0), GTF_permit_access);
    CHECK_EQ(hh_mfn_to_page(5)->count_info, PGC_allocated | 1);
    stop();
}

/*
 * The unit stops fetching: each of the hardware domain's removals times
 * out, and as it keeps running its descriptors pile up until the queue is
 * full.  A full queue is one more failed flush: an error, never a hang,
 * never success; every frame is leaked, its mapping put back.
 */
static void full_queue_is_a_failed_flush(void)
{
    struct world_config cfg = default_config;
    unsigned long mfn, leaked = 0;

    cfg.nr_frames = 512;
    start(&cfg);
    domains(HWDOM, true);
    for ( mfn = 100; mfn < 300; mfn++ )
        CHECK_EQ(guest_populate(HWDOM, mfn), 0);

    vtd_sim_stall_queue(true);
    for ( mfn = 100; mfn < 300; mfn++ )
    {
        watch_frame(mfn);
        CHECK_EQ(guest_decrease_reservation(HWDOM, mfn), 0);
        CHECK_EQ(seen.freed, 0);
        CHECK_EQ(entry(HWDOM, mfn), GTIO_ACCESS_RW);
        leaked += page_get_owner(hh_mfn_to_page(mfn)) == dom(HWDOM);
    }
    CHECK_EQ(leaked, 200);
    CHECK_EQ(gtio_stats.failures, 200);
    CHECK(!world_domain_crashed(dom(HWDOM)));
    CHECK(gtio_unconfirmed(dom(HWDOM)));
    vtd_sim_stall_queue(false);
    stop();
}

/* ---- fail-stop ---- */

static void pin_page_20(void)
{
    (void)guest_pin(GUEST, 20, PGT_l1_page_table);
}

/*
 * A domU's invalidation fails and its devices cannot be cut off either
 * (the queue no longer runs): nothing could keep them from the frame,
 * so Xen stops before the frame is validated as a page table.
 */
static void failed_cut_off_panics(void)
{
    enum harness_fatal_kind kind;

    start(&default_config);
    domains(GUEST, true);
    CHECK_EQ(guest_populate(GUEST, 20), 0);
    watch_frame(20);
    vtd_sim_stall_queue(true);
    CHECK(!returns(pin_page_20, &kind));
    CHECK_EQ(kind, HARNESS_FATAL_PANIC);
    CHECK_EQ(seen.validated, 0);
    CHECK_EQ(hh_mfn_to_page(20)->u.inuse.type_info & PGT_validated, 0);
    vtd_sim_stall_queue(false);
    stop();
}

static struct mapping panic_mapping;

static void unmap_panic_mapping(void)
{
    (void)unmap(&panic_mapping);
}

/*
 * The same inside an unmap batch, on a register-based unit: the IOTLB
 * invalidation hangs, and cutting the devices off needs it too (IOTLB
 * entries may be tagged by source id), whether or not the context-cache
 * register hangs as well.  Xen stops before the page references and GTF
 * bits are released.
 */
static void failed_cut_off_in_unmap_batch_panics(void)
{
    struct world_config cfg = default_config;
    enum harness_fatal_kind kind;
    struct grant_hold before;
    unsigned int hangs;

    cfg.caps.qi = false;
    /* The IOTLB register alone (1), then the context-cache one too (2). */
    for ( hangs = 1; hangs <= 2; hangs++ )
    {
        start(&cfg);
        domains(GUEST, true);
        grant(0, 5, GUEST);
        panic_mapping = map_ok(GUEST, 0);
        before = hold_of(0, 5);
        fault_arm_point(FP_REG_INV_TIMEOUT, 1);
        if ( hangs == 2 )
            fault_arm_nth(2);
        CHECK(!returns(unmap_panic_mapping, &kind));
        CHECK_EQ(kind, HARNESS_FATAL_PANIC);
        CHECK_EQ(fault_injected(FP_REG_INV_TIMEOUT), hangs);
        CHECK_HOLD(hold_of(0, 5), before);
        stop();
    }
}

static void destroy_guest(void)
{
    (void)toolstack_destroy_domain(GUEST);
}

/*
 * A panic can unwind out of grant_table.c's read lock: the guest's
 * destruction releases its writable device mapping of the granter's frame
 * (gnttab_release_mappings(), under the granter's table lock), the last
 * reference goes there, and the granter's removal of the frame from its
 * own IOMMU can neither be confirmed nor its devices cut off (the IOTLB
 * register hangs).
 * Xen would have stopped; the harness boots again in the same process,
 * and the CPU must then hold no grant lock, or the next read lock of a
 * table at the same address is a recursion (BUG).
 */
static void panic_inside_grant_lock_leaves_next_boot_clean(void)
{
    struct world_config cfg = default_config;
    enum harness_fatal_kind kind;

    cfg.caps.qi = false;
    start(&cfg);
    CHECK_EQ(toolstack_create_domain(GRANTER, true, 1, 1), 0);
    CHECK_EQ(toolstack_create_domain(GUEST, false, 1, 1), 0);
    CHECK_EQ(toolstack_assign_device(DEV, GRANTER), 0);
    grant(0, 5, GUEST);
    CHECK_EQ(map_at(GUEST, 0, GNTMAP_device_map, 0).status, GNTST_okay);
    CHECK_EQ(guest_decrease_reservation(GRANTER, 5), 0);
    fault_arm_point(FP_REG_INV_TIMEOUT, 1);
    CHECK(!returns(destroy_guest, &kind));
    CHECK_EQ(kind, HARNESS_FATAL_PANIC);
    /* The panic came inside the lock (else this test shows nothing). */
    CHECK(gnttab_view_cpu_reads_a_table());
    stop();

    start(&default_config);
    CHECK(!gnttab_view_cpu_reads_a_table());
    stop();
}

/* ---- bring-up ---- */

static struct world_config boot_config;
static int boot_rc;

static void boot_it(void)
{
    boot_rc = world_boot(&boot_config);
}

/* world_boot() with cfg (and point armed, unless FP_NR): its result. */
static int failing_boot(const struct world_config *cfg,
                        enum fault_point point)
{
    enum harness_fatal_kind kind;

    machine_reset();
    if ( point != FP_NR )
        fault_arm_point(point, 1);
    boot_config = *cfg;
    boot_rc = 0;
    CHECK(returns(boot_it, &kind));
    CHECK_EQ(kind, HARNESS_FATAL_NONE);
    return boot_rc;
}

/* After a failed boot gtio has no unit: no domain gets a device. */
static void check_no_unit(void)
{
    CHECK_EQ(toolstack_create_domain(GUEST, true, 1, 1), 0);
    CHECK(!gtio_manages(dom(GUEST)));
    CHECK_EQ(toolstack_assign_device(DEV, GUEST), -EPERM);
}

/* The VT-d driver's bring-up failures fail the boot, never crash it. */
static void unit_bring_up_failures_fail_boot(void)
{
    struct world_config cfg = default_config;

    cfg.caps.no_4level = true;
    CHECK_EQ(failing_boot(&cfg, FP_NR), -EOPNOTSUPP);
    /* Refused before anything was allocated. */
    CHECK_EQ(heap_live_pages(), 0);
    check_no_unit();
    stop();

    cfg = default_config;
    cfg.caps.gcmd_hangs = true;
    CHECK_EQ(failing_boot(&cfg, FP_NR), -ETIMEDOUT);
    check_no_unit();
    stop();

    /* The boot's own invalidations, each way they can fail. */
    cfg = default_config;
    CHECK_EQ(failing_boot(&cfg, FP_QI_WAIT_TIMEOUT), -ETIMEDOUT);
    check_no_unit();
    stop();
    CHECK_EQ(failing_boot(&cfg, FP_QI_ERROR), -EIO);
    check_no_unit();
    stop();
    cfg.caps.qi = false;
    CHECK_EQ(failing_boot(&cfg, FP_REG_INV_TIMEOUT), -ETIMEDOUT);
    check_no_unit();
    stop();

    /* And a boot that works after all that. */
    CHECK_EQ(failing_boot(&default_config, FP_NR), 0);
    CHECK_EQ(toolstack_create_domain(GUEST, true, 1, 1), 0);
    CHECK_EQ(toolstack_assign_device(DEV, GUEST), 0);
    stop();
}

int main(void)
{
    RUN_XEN(table_alloc_failure_rolls_back_map);
    RUN_XEN(table_alloc_failure_fails_populate);
    RUN_XEN(failed_unmap_invalidation_crashes_domu_and_holds);
    RUN_XEN(failed_unmap_invalidation_hwdom_gets_error);
    RUN_XEN(failed_removal_is_put_back_for_hwdom);
    RUN_XEN(failed_removal_crashes_domu);
    RUN_XEN(failed_final_put_leaks_frame);
    RUN_XEN(failed_table_retirement_leaks_tables);
    RUN_XEN(failed_quiesce_holds_dying_domain);
    RUN_XEN(full_queue_is_a_failed_flush);
    RUN_XEN(failed_cut_off_panics);
    RUN_XEN(failed_cut_off_in_unmap_batch_panics);
    RUN_XEN(panic_inside_grant_lock_leaves_next_boot_clean);
    RUN_XEN(unit_bring_up_failures_fail_boot);
    return tests_failed ? 1 : 0;
}
