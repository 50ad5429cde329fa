/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Unit tests of hv/flush.c's batch record: what a batch holds when it
 * fills up and must be flushed before its end.  The core runs in the
 * harness's Xen (harness/xen/) on the simulated unit; the tests call the
 * hook points directly, as grant_table.c and mm.c would.
 */
#include <string.h>

#include <xen/errno.h>
#include <xen/sched.h>

#include "gtio.h"
#include "fault.h"
#include "xen/world.h"
#include "../lib/check.h"

/* More domains than a batch keeps records for (GTIO_BATCH_DOMAINS, 4). */
#define NR_DOMS     5
#define FRAME_OF(d) (10UL + (d))

static void boot(void)
{
    struct world_config cfg = {
        .caps = { .psi = true, .qi = true, .coherent = true, .mamv = 9,
                  .completion_delay = 1 },
        .nr_frames = 64, .iommu_readonly = true,
    };
    domid_t d;

    fault_reset();
    CHECK_EQ(world_boot(&cfg), 0);
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

int main(void)
{
    RUN(full_batch_flushes_early_and_succeeds);
    RUN(early_flush_failure_reaches_batch_end);
    return tests_failed ? 1 : 0;
}
