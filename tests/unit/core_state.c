/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Unit tests of the state that outlives one call: hv/flush.c's batch
 * record when it fills up, the hardware domain's unconfirmed mark, and
 * the VT-d driver stand-in's unit after a hung register or a failed boot.
 * The core runs in the harness's Xen (harness/xen/) on the simulated unit;
 * the tests call the hook points directly, as grant_table.c and mm.c do.
 */
#include <setjmp.h>
#include <string.h>

#include <xen/errno.h>
#include <xen/sched.h>
#include <xen/domain_page.h>
#include <xen/mm.h>

#include "gtio_internal.h"
#include "fault.h"
#include "heap.h"
#include "vtd_sim.h"
#include "xen/world.h"
#include "../lib/check.h"
#include "../lib/xen_world.h"

/* More domains than a batch keeps records for (GTIO_BATCH_DOMAINS, 4). */
#define NR_DOMS     5
#define FRAME_OF(d) (10UL + (d))

static void boot(void)
{
    domid_t d;

    CHECK_EQ(world_start(&default_config), 0);
    for ( d = 1; d <= NR_DOMS; d++ )
    {
        CHECK_EQ(toolstack_create_domain(d, true, 1, 1), 0);
        CHECK_EQ(guest_populate(d, FRAME_OF(d)), 0);
        /* The first four have devices, so their invalidation waits. */
        if ( d <= VTD_SIM_DEVICES )
            CHECK_EQ(toolstack_assign_device(d - 1, d), 0);
    }
}

/* Take each domain's own page out of its IOMMU tables, in one batch. */
static int remove_one_page_each(void)
{
    domid_t d;

    gtio_batch_begin();
    for ( d = 1; d <= NR_DOMS; d++ )
        CHECK_EQ(gtio_unmap(world_domain(d), _dfn(FRAME_OF(d)), 1), 0);
    return gtio_batch_end();
}

static void full_batch_flushes_early_and_succeeds(void)
{
    boot();
    CHECK_EQ(remove_one_page_each(), 0);
    CHECK(!world_domain_crashed(world_domain(1)));
    world_power_off();
}

/*
 * The fifth domain's record pushes out the first four: their flush fails.
 * Those reductions were not confirmed, so the batch's end must say so even
 * though its own final flush (the fifth domain's) completes.
 */
static void early_flush_failure_reaches_batch_end(void)
{
    int rc;

    boot();
    fault_arm_point(FP_QI_WAIT_TIMEOUT, 1);
    rc = remove_one_page_each();
    CHECK_EQ(fault_injected(FP_QI_WAIT_TIMEOUT), 1);
    CHECK(rc != 0);
    CHECK(world_domain_crashed(world_domain(1)));
    CHECK(!world_domain_crashed(world_domain(NR_DOMS)));
    world_power_off();
}

/*
 * More emptied tables in one batch than a record keeps: the record is
 * flushed early, and the tables emptied after that go into a fresh
 * record.  Every one must be freed once a flush confirms it, none lost.
 * Leaves 512 frames apart each have a leaf table of their own (past the
 * harness's guest frames: gtio writes bfn == mfn entries, nothing checks
 * that the frame exists, and no device does DMA here).
 */
#define SPREAD      512UL
/* 8 leaf tables, then the last unmap's level-2 and level-3 tables: the
 * ninth overflows, and a fresh record holds only tables, no page. */
#define NR_LEAVES   8

static void emptied_tables_past_a_record_are_all_freed(void)
{
    struct domain *d;
    unsigned int pages, k;

    CHECK_EQ(world_start(&default_config), 0);
    CHECK_EQ(toolstack_create_domain(1, true, 1, 1), 0);
    CHECK_EQ(toolstack_assign_device(0, 1), 0);
    d = world_domain(1);
    pages = heap_live_pages();
    for ( k = 1; k <= NR_LEAVES; k++ )
        CHECK_EQ(gtio_map(d, _dfn(k * SPREAD), _mfn(k * SPREAD), 1,
                          IOMMUF_readable | IOMMUF_writable), 0);
    CHECK(heap_live_pages() > pages + NR_LEAVES);
    gtio_batch_begin();
    for ( k = 1; k <= NR_LEAVES; k++ )
        CHECK_EQ(gtio_unmap(d, _dfn(k * SPREAD), 1), 0);
    CHECK_EQ(gtio_batch_end(), 0);
    CHECK_EQ(heap_live_pages(), pages);
    CHECK_EQ(gtio_stats.failures, 0);
    world_power_off();
}

/*
 * A domain's tables change on several CPUs at once in Xen (type changes,
 * populate, grant maps): every walk and change holds the mapping lock,
 * as Xen's VT-d driver does.  Held by someone else, gtio must take it
 * too (the harness's spinlocks make a second acquire a BUG).
 */
/* Does gtio_map() of dfn in d hit a BUG()? (Returning at all is no.) */
static bool map_bugs(struct domain *d, unsigned long dfn)
{
    static jmp_buf unwind;
    volatile bool returned = false;

    harness_set_unwind(&unwind);
    if ( !setjmp(unwind) )
    {
        if ( gtio_map(d, _dfn(dfn), _mfn(dfn), 1, IOMMUF_readable) )
            returned = true;
        else
            returned = true;
    }
    /* Back to RUN_XEN's unwind point (tests/lib/xen_world.h). */
    harness_set_unwind(&xen_fatal);
    return !returned && harness_last_fatal()->kind == HARNESS_FATAL_BUG;
}

static void table_changes_take_the_mapping_lock(void)
{
    struct domain *d;

    boot();
    d = world_domain(1);
    spin_lock(&dom_iommu(d)->arch.mapping_lock);
    CHECK(map_bugs(d, 40));
    world_power_off();
}

/*
 * gtio is given a unit only with superpages off; a superpage in its
 * tables means another writer, and walking it as a table would write
 * into the memory it maps.
 */
static void a_superpage_in_the_walk_is_a_bug(void)
{
    struct domain *d;
    uint64_t *root;

    boot();
    d = world_domain(1);
    CHECK_EQ(gtio_map(d, _dfn(40), _mfn(40), 1, IOMMUF_readable), 0);
    root = map_domain_page(maddr_to_mfn(dom_iommu(d)->arch.vtd.pgd_maddr));
    root[0] |= 1ULL << 7;
    unmap_domain_page(root);
    CHECK(map_bugs(d, 41));
    world_power_off();
}

/* mm.c's type changes come through their own entry point, counted. */
static void type_changes_are_counted(void)
{
    unsigned long before;

    /* (Populating a page gives it the writable type: one each.) */
    boot();
    before = gtio_stats.type_changes;
    CHECK_EQ(before, NR_DOMS);
    CHECK_EQ(guest_pin(1, FRAME_OF(1), PGT_l1_page_table), 0);
    CHECK_EQ(gtio_stats.type_changes, before + 1);
    CHECK_EQ(gtio_pt_get(world_domain(1), FRAME_OF(1)), 0);
    CHECK_EQ(guest_unpin(1, FRAME_OF(1)), 0);
    CHECK_EQ(guest_pin(1, FRAME_OF(1), PGT_writable_page), 0);
    CHECK_EQ(gtio_stats.type_changes, before + 2);
    CHECK(gtio_pt_get(world_domain(1), FRAME_OF(1)) != 0);
    gtio_dump_stats();
    world_power_off();
}

/* ---- the hardware domain's unconfirmed mark ---- */

/* d0 with a device and frame 20; its removal's flush times out. */
static struct domain *hwdom_with_failed_flush(void)
{
    struct domain *d0;

    CHECK_EQ(world_start(&default_config), 0);
    CHECK_EQ(toolstack_create_domain(0, true, 1, 1), 0);
    CHECK_EQ(toolstack_assign_device(0, 0), 0);
    CHECK_EQ(guest_populate(0, 20), 0);
    d0 = world_domain(0);
    fault_arm_point(FP_QI_WAIT_TIMEOUT, 1);
    CHECK(gtio_unmap(d0, _dfn(20), 1) != 0);
    CHECK(gtio_unconfirmed(d0));
    return d0;
}

/*
 * The next flush covers the whole domain, and only a domain-selective
 * invalidation the unit carries out may clear the mark: also when all
 * there is to announce is an addition, which a unit without Caching Mode
 * would otherwise be spared.
 */
static void hwdom_mark_cleared_only_by_a_dsi_the_unit_runs(void)
{
    struct domain *d0 = hwdom_with_failed_flush();
    unsigned long dsi = vtd_sim_stats()->dsi;

    CHECK_EQ(gtio_map(d0, _dfn(30), _mfn(30), 1,
                      IOMMUF_readable | IOMMUF_writable), 0);
    CHECK_EQ(vtd_sim_stats()->dsi, dsi + 1);
    CHECK(!gtio_unconfirmed(d0));
    world_power_off();
}

static void hwdom_mark_does_not_survive_a_reboot(void)
{
    hwdom_with_failed_flush();
    world_power_off();
    CHECK_EQ(world_boot(&default_config), 0);
    CHECK_EQ(toolstack_create_domain(0, true, 1, 1), 0);
    CHECK(!gtio_unconfirmed(world_domain(0)));
    world_power_off();
}

/* Destroying a domain gtio keeps no tables for costs no invalidation. */
static void destroy_without_iommu_sends_nothing(void)
{
    CHECK_EQ(world_start(&default_config), 0);
    CHECK_EQ(toolstack_create_domain(3, false, 1, 1), 0);
    CHECK_EQ(toolstack_destroy_domain(3), 0);
    CHECK_EQ(gtio_stats.dsi, 0);
    CHECK_EQ(vtd_sim_stats()->dsi, 0);
    world_power_off();
}

/* ---- the driver stand-in ---- */

/* Does gtio_unmap() of dfn in d panic?  (Returning at all is no.) */
static bool unmap_panics(struct domain *d, unsigned long dfn)
{
    static jmp_buf unwind;
    volatile bool returned = false;

    harness_set_unwind(&unwind);
    if ( !setjmp(unwind) )
    {
        if ( gtio_unmap(d, _dfn(dfn), 1) )
            returned = true;
        returned = true;
    }
    harness_set_unwind(&xen_fatal);
    return !returned && harness_last_fatal()->kind == HARNESS_FATAL_PANIC;
}

/*
 * A register whose invalidation hung is never written again: the next
 * request through it fails at once (a failed flush, for another domain
 * too), and the unit sees no command written over a busy one.  The
 * hardware domain gets the error; a domU's devices cannot be cut off
 * without that register (IOTLB entries may be tagged by source id), so
 * Xen stops.
 */
static void hung_register_is_not_written_again(void)
{
    struct world_config cfg = default_config;
    char why[128];

    cfg.caps.qi = false;
    CHECK_EQ(world_start(&cfg), 0);
    CHECK_EQ(toolstack_create_domain(0, true, 1, 1), 0);
    CHECK_EQ(toolstack_create_domain(2, true, 1, 1), 0);
    CHECK_EQ(toolstack_assign_device(0, 0), 0);
    CHECK_EQ(toolstack_assign_device(1, 2), 0);
    CHECK_EQ(guest_populate(0, 11), 0);
    CHECK_EQ(guest_populate(0, 13), 0);
    CHECK_EQ(guest_populate(2, 12), 0);
    fault_arm_point(FP_REG_INV_TIMEOUT, 1);
    CHECK(gtio_unmap(world_domain(0), _dfn(11), 1) != 0);
    CHECK(gtio_unmap(world_domain(0), _dfn(13), 1) != 0);
    CHECK(!world_domain_crashed(world_domain(0)));
    CHECK_EQ(fault_injected(FP_REG_INV_TIMEOUT), 1);
    CHECK(unmap_panics(world_domain(2), 12));
    CHECK(!vtd_sim_protocol_error(why, sizeof(why)));
    world_power_off();
}

/* A failed bring-up frees the pages it never handed to the unit. */
static void failed_boot_frees_what_the_unit_never_saw(void)
{
    unsigned int k;

    /* Allocations 1 and 2: the root and the context table; 3, 4: queue. */
    for ( k = 1; k <= 4; k++ )
    {
        heap_reset();
        fault_reset();
        fault_arm_point(FP_XMALLOC, k);
        CHECK_EQ(world_boot(&default_config), -ENOMEM);
        CHECK_EQ(heap_live_pages(), 0);
        world_power_off();
    }
}

int main(void)
{
    RUN_XEN(full_batch_flushes_early_and_succeeds);
    RUN_XEN(early_flush_failure_reaches_batch_end);
    RUN_XEN(emptied_tables_past_a_record_are_all_freed);
    RUN_XEN(table_changes_take_the_mapping_lock);
    RUN_XEN(a_superpage_in_the_walk_is_a_bug);
    RUN_XEN(type_changes_are_counted);
    RUN_XEN(hwdom_mark_cleared_only_by_a_dsi_the_unit_runs);
    RUN_XEN(hwdom_mark_does_not_survive_a_reboot);
    RUN_XEN(destroy_without_iommu_sends_nothing);
    RUN_XEN(hung_register_is_not_written_again);
    RUN_XEN(failed_boot_frees_what_the_unit_never_saw);
    return tests_failed ? 1 : 0;
}
