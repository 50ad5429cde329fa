/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Error paths of the core that no trace can reach, because they need a
 * state or a call only C can make (tests/coverage/unreached.md names each):
 * a bad machine size, a unit without 4-level tables, a global command
 * that never completes, the wrap of the QI wait sequence, and the crash
 * of Xen's own struct domain when the core is wired into Xen.
 */
#include <stdint.h>

#include <xen/errno.h>

#include "gtio_internal.h"
#include "vtd_sim.h"
#include "heap.h"
#include "fault.h"
#include <harness/hooks.h>
#include <public/grant_table.h>
#include "../lib/check.h"

static struct gtio_machine m;

enum { DOM = 1, DEV = 0 };

static const struct vtd_sim_caps default_caps = {
    .psi = true, .qi = true, .coherent = true, .mamv = 9,
    .completion_delay = 1,
};

static int start_unit(unsigned int nr_frames, const struct vtd_sim_caps *unit)
{
    struct vtd_sim_caps caps = *unit;
    struct gtio_config cfg = { .nr_frames = nr_frames, .iommu_readonly = true };

    heap_reset();
    fault_reset();
    harness_hooks_reset();
    vtd_sim_reset(&caps);
    cfg.vtd_regs = vtd_sim_regs();
    return gtio_machine_init(&m, &cfg);
}

static int start(unsigned int nr_frames)
{
    return start_unit(nr_frames, &default_caps);
}

/* A domain with a device and one page of its own. */
static void domain_with_device(void)
{
    CHECK_EQ(gtio_domain_create(&m, DOM, true), 0);
    CHECK_EQ(gtio_device_assign(&m, DEV, DOM), 0);
    CHECK_EQ(gtio_page_populate(&m, DOM, 7), 0);
}

static void machine_init_rejects_bad_frame_counts(void)
{
    CHECK_EQ(start(0), -EINVAL);
    CHECK_EQ(start(GTIO_MAX_FRAMES + 1), -EINVAL);
    CHECK_EQ(start(GTIO_MAX_FRAMES), 0);
    gtio_machine_teardown(&m);
}

/* A unit the core cannot drive is refused before anything is allocated. */
static void machine_init_refuses_a_unit_without_4level_tables(void)
{
    struct vtd_sim_caps caps = default_caps;

    caps.no_4level = true;
    CHECK_EQ(start_unit(64, &caps), -EOPNOTSUPP);
    CHECK_EQ(heap_live_pages(), 0);
    CHECK_EQ(heap_live_xmallocs(), 0);
}

/* A global command that never completes fails bring-up, leaking nothing. */
static void machine_init_fails_when_a_global_command_hangs(void)
{
    struct vtd_sim_caps caps = default_caps;

    caps.gcmd_hangs = true;
    CHECK_EQ(start_unit(64, &caps), -ETIMEDOUT);
    CHECK_EQ(heap_live_pages(), 0);
    CHECK_EQ(heap_live_xmallocs(), 0);
}

/*
 * The status write of a wait carries its sequence number; 0 is what the
 * status page holds before any wait, so a wrapped sequence must skip it
 * or a wait would "complete" before the hardware wrote anything.
 */
static void qi_wait_sequence_skips_zero_when_it_wraps(void)
{
    CHECK_EQ(start(64), 0);
    domain_with_device();
    /* Frame 8 keeps the leaf table: no table to retire, a single wait. */
    CHECK_EQ(gtio_page_populate(&m, DOM, 8), 0);
    m.vtd.wait_seq = UINT32_MAX;
    CHECK_EQ(gtio_page_remove(&m, DOM, 7), 0);
    CHECK_EQ(m.vtd.wait_seq, 1);
    CHECK(!m.frames[7].held);
    CHECK(!gtio_domain(&m, DOM)->crashed);
    gtio_machine_teardown(&m);
}

/*
 * The unit stops fetching: every wait of the hardware domain times out
 * and, since it keeps running, its descriptors pile up until the queue is
 * full.  A full queue is one more failed flush: an error, never a hang
 * and never success; what could not be confirmed is held.
 */
static void full_queue_is_a_failed_flush(void)
{
    unsigned long mfn;
    int rc = 0;

    CHECK_EQ(start(1024), 0);
    CHECK_EQ(gtio_domain_create(&m, 0, true), 0);
    CHECK_EQ(gtio_device_assign(&m, DEV, 0), 0);
    for ( mfn = 0; mfn < 400; mfn++ )
        CHECK_EQ(gtio_page_populate(&m, 0, mfn), 0);
    /* Each remove queues at least an invalidation and a wait: > 256. */
    vtd_sim_stall_queue(true);
    for ( mfn = 0; mfn < 400; mfn++ )
    {
        rc = gtio_page_remove(&m, 0, mfn);
        CHECK_EQ(rc, -ETIMEDOUT);
        CHECK(m.frames[mfn].held);
    }
    CHECK(!gtio_domain(&m, 0)->crashed);
    vtd_sim_stall_queue(false);
    gtio_machine_teardown(&m);
}

/* The guest's other vCPU flips a flag bit the core does not check. */
static void flip_pwt(volatile void *ptr)
{
    *(volatile uint16_t *)ptr ^= 1U << 5;          /* GTF_PWT */
}

/*
 * A guest that rewrites its grant entry between every read and
 * compare-and-swap of the map gets an error after a bounded number of
 * tries, and the map leaves nothing behind (no pin, no status bit).
 */
static void map_gives_up_on_a_guest_racing_its_entry(void)
{
    uint32_t handle;

    CHECK_EQ(start(64), 0);
    CHECK_EQ(gtio_domain_create(&m, 1, false), 0);
    CHECK_EQ(gtio_domain_create(&m, 2, false), 0);
    CHECK_EQ(gtio_page_populate(&m, 1, 5), 0);
    CHECK_EQ(gtio_grant_write(&m, 1, 0, GTF_permit_access, 2, 5), 0);
    hh_racing_vcpu = flip_pwt;
    CHECK_EQ(gtio_grant_map(&m, 2, 1, 0, GNTMAP_host_map, &handle),
             GNTST_general_error);
    hh_racing_vcpu = NULL;
    CHECK(!(gtio_domain(&m, 1)->shared[0].flags &
            (GTF_reading | GTF_writing)));
    CHECK(!gtio_domain(&m, 1)->active[0].pin.host_rw);
    CHECK_EQ(m.frames[5].refs, 1);
    CHECK_EQ(gtio_grant_map(&m, 2, 1, 0, GNTMAP_host_map, &handle),
             GNTST_okay);
    gtio_machine_teardown(&m);
}

/* Wired into Xen, a failed flush crashes Xen's own domain too. */
static void failed_flush_crashes_the_xen_domain(void)
{
    struct domain *xen_domain = (struct domain *)&m;   /* never dereferenced */

    CHECK_EQ(start(64), 0);
    domain_with_device();
    gtio_domain(&m, DOM)->xen_domain = xen_domain;
    fault_arm_point(FP_QI_WAIT_TIMEOUT, 1);
    CHECK(gtio_page_remove(&m, DOM, 7) != 0);
    CHECK(gtio_domain(&m, DOM)->crashed);
    CHECK_EQ(harness_domain_crashes(), 1);
    CHECK(harness_last_crash_domain() == xen_domain);
    CHECK_EQ(m.device_owner[DEV], GTIO_NO_DOMAIN);
    gtio_machine_teardown(&m);
}

int main(void)
{
    RUN(machine_init_rejects_bad_frame_counts);
    RUN(machine_init_refuses_a_unit_without_4level_tables);
    RUN(machine_init_fails_when_a_global_command_hangs);
    RUN(qi_wait_sequence_skips_zero_when_it_wraps);
    RUN(full_queue_is_a_failed_flush);
    RUN(map_gives_up_on_a_guest_racing_its_entry);
    RUN(failed_flush_crashes_the_xen_domain);
    return tests_failed ? 1 : 0;
}
