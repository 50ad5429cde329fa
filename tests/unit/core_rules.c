/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Unit tests of the IOMMU rules (docs/design.md, "The IOMMU rules") as the core on Xen's
 * objects implements them, each named after the rule it checks.
 *
 * Xen runs as the harness builds it (harness/xen/world.h): the guests'
 * grant ops go through Xen's own do_grant_table_op(), their own pages
 * through the stand-ins for mm.c and memory.c, and the VT-d driver
 * drives the simulated unit.  The tests look at what that leaves:
 *
 *  - what a device can reach (the simulated unit: vtd_sim_for_each_
 *    reachable(), stale cached translations included) and the leaf the
 *    core wrote (gtio_pt_get());
 *  - what was asked of the hardware (vtd_sim_stats(): invalidations by
 *    granularity as the unit executed them, queue waits) and the core's
 *    own counters (gtio_stats);
 *  - Xen's state: the frame table (count_info, type_info), grant_table.c's
 *    active entries, handles and maptrack_tree counters, the granter's
 *    shared entry flags, the domains' IOMMU table lists;
 *  - the moments that matter, from inside Xen (world_set_events()): a
 *    grant's GTF_reading/GTF_writing cleared, a frame freed, a frame about
 *    to be validated as a page table.  What a device could reach at that
 *    moment is what the rule is about.
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
#include "vtd_sim.h"
#include "xen/world.h"
#include "../lib/check.h"
#include "../lib/xen_world.h"

/* Domain 1 grants its frames to domain 2, whose device DEV does DMA. */
enum { GRANTER = 1, GRANTEE = 2, DEV = 0 };

/*
 * A page of the grantee's own, in the same leaf table as every grant
 * frame: unmaps under test then never empty a table (which needs a
 * domain-selective invalidation of its own).
 */
#define KEEP_MFN        63UL

static void start(const struct world_config *cfg)
{
    CHECK_EQ(world_start(cfg), 0);
}

static void stop(void)
{
    world_power_off();
}


/* ---- the guests ---- */

/*
 * The granter has no IOMMU (only the grantee's tables change); the grantee
 * has device DEV and, if asked, its page KEEP_MFN.
 */
static void grant_pair(bool keep_tables)
{
    CHECK_EQ(toolstack_create_domain(GRANTER, false, 1, 1), 0);
    CHECK_EQ(toolstack_create_domain(GRANTEE, true, 1, 1), 0);
    CHECK_EQ(toolstack_assign_device(DEV, GRANTEE), 0);
    if ( keep_tables )
        CHECK_EQ(guest_populate(GRANTEE, KEEP_MFN), 0);
}

/* The granter populates frame mfn and grants it as ref to the grantee. */
static void grant(uint32_t ref, unsigned long mfn, bool readonly)
{
    CHECK_EQ(guest_populate(GRANTER, mfn), 0);
    CHECK_EQ(guest_write_grant(GRANTER, ref,
                               GTF_permit_access |
                               (readonly ? GTF_readonly : 0),
                               GRANTEE, mfn), 0);
}

/* A grant mapping as the grantee knows it. */
struct mapping {
    int16_t status;
    grant_handle_t handle;
    uint64_t host_addr;
    uint64_t bus_addr;
};

static void prepare_map(struct gnttab_map_grant_ref *op, uint32_t ref,
                        uint32_t flags)
{
    memset(op, 0, sizeof(*op));
    op->flags = flags;
    op->ref = ref;
    op->dom = GRANTER;
    if ( flags & GNTMAP_host_map )
    {
        op->host_addr = next_va;
        next_va += PAGE_SIZE;
    }
}

static struct mapping mapping_of(const struct gnttab_map_grant_ref *op)
{
    struct mapping m = {
        .status = op->status, .handle = op->handle,
        .host_addr = op->host_addr, .bus_addr = op->dev_bus_addr,
    };

    return m;
}

/* GNTTABOP_map_grant_ref of one op; the hypercall itself must succeed. */
static struct mapping map_ref(uint32_t ref, uint32_t flags)
{
    struct gnttab_map_grant_ref op;

    prepare_map(&op, ref, flags);
    CHECK_EQ(guest_grant_table_op(GRANTEE, GNTTABOP_map_grant_ref, &op, 1),
             0);
    return mapping_of(&op);
}

/* map_ref(), insisting that the map worked. */
static struct mapping map_ok(uint32_t ref, uint32_t flags)
{
    struct mapping m = map_ref(ref, flags);

    CHECK_EQ(m.status, GNTST_okay);
    return m;
}

#define UNMAP_HOST      1U
#define UNMAP_DEVICE    2U

static void prepare_unmap(struct gnttab_unmap_grant_ref *op,
                          const struct mapping *m, unsigned int parts)
{
    memset(op, 0, sizeof(*op));
    op->handle = m->handle;
    if ( parts & UNMAP_HOST )
        op->host_addr = m->host_addr;
    if ( parts & UNMAP_DEVICE )
        op->dev_bus_addr = m->bus_addr;
}

/* GNTTABOP_unmap_grant_ref of one op: its status. */
static int16_t unmap(const struct mapping *m, unsigned int parts)
{
    struct gnttab_unmap_grant_ref op;

    prepare_unmap(&op, m, parts);
    CHECK_EQ(guest_grant_table_op(GRANTEE, GNTTABOP_unmap_grant_ref, &op, 1),
             0);
    return op.status;
}

/* One hypercall unmapping all n mappings fully; each must succeed. */
static void unmap_batch(const struct mapping *m, unsigned int n)
{
    struct gnttab_unmap_grant_ref ops[16];
    unsigned int i;

    ASSERT(n <= ARRAY_SIZE(ops));
    for ( i = 0; i < n; i++ )
        prepare_unmap(&ops[i], &m[i], UNMAP_HOST | UNMAP_DEVICE);
    CHECK_EQ(guest_grant_table_op(GRANTEE, GNTTABOP_unmap_grant_ref, ops, n),
             0);
    for ( i = 0; i < n; i++ )
        CHECK_EQ(ops[i].status, GNTST_okay);
}

/* ---- what Xen and the unit have now (and tests/lib/xen_world.h) ---- */

static struct page_info *frame(unsigned long mfn)
{
    return hh_mfn_to_page(mfn);
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

/* The grantee's maptrack_tree counters of mfn: read-only, writable. */
static void counts(unsigned long mfn, unsigned long *ro, unsigned long *rw)
{
    gnttab_view_counts(dom(GRANTEE), mfn, ro, rw);
}

#define CHECK_COUNTS(mfn, ro, rw) do {                                  \
    unsigned long ro_, rw_;                                             \
                                                                        \
    counts(mfn, &ro_, &rw_);                                            \
    CHECK_EQ(ro_, ro);                                                  \
    CHECK_EQ(rw_, rw);                                                  \
} while ( 0 )

#define TYPE_COUNT(pg)  ((pg)->u.inuse.type_info & PGT_count_mask)
#define REFS(pg)        ((pg)->count_info & PGC_count_mask)

/* What the unit did since mark_unit(). */
static struct vtd_sim_stats unit_mark;
static struct gtio_stats core_mark;

static void mark_unit(void)
{
    unit_mark = *vtd_sim_stats();
    core_mark = gtio_stats;
}

#define UNIT_SINCE(field)   (vtd_sim_stats()->field - unit_mark.field)
#define CORE_SINCE(field)   (gtio_stats.field - core_mark.field)
#define IOTLB_SINCE()       (UNIT_SINCE(psi) + UNIT_SINCE(dsi) +       \
                             UNIT_SINCE(global))

/* ---- the moments inside Xen ---- */

/* What was true when an event about the watched frame happened. */
struct moment {
    unsigned int nr;            /* events about the frame */
    unsigned int bits;          /* GTF bits cleared (grant_released) */
    unsigned int reach;         /* what DEV could reach of it then */
    unsigned int entry;         /* the grantee's leaf for it then */
    unsigned long waits;        /* queue waits completed by then */
    unsigned long iotlb;        /* IOTLB invalidations executed by then */
    unsigned long type;         /* frame_validated: the type */
};

static struct {
    unsigned long mfn;
    domid_t ld;                 /* whose leaf 'entry' reads */
    struct moment released, freed, validated;
} watch;

static void witness(struct moment *m)
{
    struct domain *ld = world_domain(watch.ld);
    const struct vtd_sim_stats *s = vtd_sim_stats();

    m->nr++;
    m->reach |= reach(DEV, watch.mfn);
    m->entry |= ld ? gtio_pt_get(ld, watch.mfn) : 0;
    m->waits = s->qi_wait - unit_mark.qi_wait;
    m->iotlb = s->psi + s->dsi + s->global -
               (unit_mark.psi + unit_mark.dsi + unit_mark.global);
}

static void on_grant_released(void *ctx, domid_t rd, uint32_t ref,
                              unsigned int bits)
{
    grant_entry_v1_t e;

    (void)ctx;
    if ( rd != GRANTER || guest_read_grant(rd, ref, &e) ||
         e.frame != watch.mfn )
        return;
    watch.released.bits |= bits;
    witness(&watch.released);
}

static void on_frame_freed(void *ctx, unsigned long mfn, domid_t owner)
{
    (void)ctx;
    (void)owner;
    if ( mfn == watch.mfn )
        witness(&watch.freed);
}

static void on_frame_validated(void *ctx, unsigned long mfn,
                               unsigned long type)
{
    (void)ctx;
    if ( mfn != watch.mfn )
        return;
    watch.validated.type = type;
    witness(&watch.validated);
}

static const struct world_events watch_events = {
    .frame_freed = on_frame_freed,
    .frame_validated = on_frame_validated,
    .grant_released = on_grant_released,
};

/* Watch frame mfn (ld's leaf of it) from now; the unit's counts restart. */
static void watch_frame(unsigned long mfn, domid_t ld)
{
    memset(&watch, 0, sizeof(watch));
    watch.mfn = mfn;
    watch.ld = ld;
    mark_unit();
    world_set_events(&watch_events);
}

/* ---- the grant decision table ---- */

/* (0,0) + map ro: an R entry; CAP.CM=0 caches no non-present entry. */
static void first_ro_map_maps_r_without_invalidation(void)
{
    struct mapping m;

    start(&default_config);
    grant_pair(true);
    grant(0, 5, false);
    mark_unit();
    m = map_ok(0, HOST_DEV | GNTMAP_readonly);
    CHECK_EQ(m.bus_addr, 5UL << PAGE_SHIFT);
    CHECK_EQ(entry(GRANTEE, 5), GTIO_ACCESS_R);
    CHECK_EQ(reach(DEV, 5), SIM_R);
    CHECK_COUNTS(5, 1, 0);
    CHECK_EQ(CORE_SINCE(maps), 1);
    CHECK_EQ(IOTLB_SINCE(), 0);
    CHECK_EQ(UNIT_SINCE(qi_wait), 0);
    stop();
}

/* (0,0) + map rw: an RW entry, again nothing to invalidate. */
static void first_rw_map_maps_rw_without_invalidation(void)
{
    start(&default_config);
    grant_pair(true);
    grant(0, 5, false);
    mark_unit();
    map_ok(0, HOST_DEV);
    CHECK_EQ(entry(GRANTEE, 5), GTIO_ACCESS_RW);
    CHECK_EQ(reach(DEV, 5), SIM_R | SIM_W);
    CHECK_COUNTS(5, 0, 1);
    CHECK_EQ(CORE_SINCE(maps), 1);
    CHECK_EQ(IOTLB_SINCE(), 0);
    CHECK_EQ(UNIT_SINCE(qi_wait), 0);
    stop();
}

/* With CAP.CM=1 a cached non-present entry must go: one PSI, one wait. */
static void first_map_invalidates_once_with_caching_mode(void)
{
    struct world_config cfg = default_config;

    cfg.caps.cm = true;
    start(&cfg);
    grant_pair(true);
    grant(0, 5, false);
    grant(1, 9, false);
    mark_unit();
    map_ok(0, HOST_DEV | GNTMAP_readonly);
    CHECK_EQ(entry(GRANTEE, 5), GTIO_ACCESS_R);
    CHECK_EQ(UNIT_SINCE(psi), 1);
    CHECK_EQ(UNIT_SINCE(dsi), 0);
    CHECK_EQ(UNIT_SINCE(qi_wait), 1);
    map_ok(1, GNTMAP_device_map);
    CHECK_EQ(entry(GRANTEE, 9), GTIO_ACCESS_RW);
    CHECK_EQ(UNIT_SINCE(psi), 2);
    CHECK_EQ(UNIT_SINCE(dsi), 0);
    CHECK_EQ(UNIT_SINCE(qi_wait), 2);
    stop();
}

/* (r>0,0) + map rw: R -> RW, invalidated (a cached R faults writes). */
static void promotion_r_to_rw_is_invalidated(void)
{
    start(&default_config);
    grant_pair(true);
    grant(0, 5, false);
    map_ok(0, HOST_DEV | GNTMAP_readonly);
    mark_unit();
    map_ok(0, GNTMAP_device_map);
    CHECK_EQ(entry(GRANTEE, 5), GTIO_ACCESS_RW);
    CHECK_EQ(reach(DEV, 5), SIM_R | SIM_W);
    CHECK_COUNTS(5, 1, 1);
    CHECK_EQ(CORE_SINCE(maps), 1);
    CHECK_EQ(UNIT_SINCE(psi), 1);
    CHECK_EQ(UNIT_SINCE(dsi), 0);
    CHECK_EQ(UNIT_SINCE(qi_wait), 1);
    CHECK(!vtd_sim_may_fault(DEV, 5, SIM_R | SIM_W));
    stop();
}

/*
 * (r,1) - release rw: RW -> R, invalidated and waited for before Xen
 * clears GTF_writing and drops the writable type.
 */
static void demotion_rw_to_r_is_invalidated_before_gtf_writing_clears(void)
{
    struct mapping ro, rw;
    struct page_info *pg;

    start(&default_config);
    grant_pair(true);
    grant(0, 5, false);
    pg = frame(5);
    ro = map_ok(0, HOST_DEV | GNTMAP_readonly);
    rw = map_ok(0, HOST_DEV);
    (void)ro;
    CHECK_EQ(grant_flags(0), GTF_permit_access | GTF_reading | GTF_writing);
    /* The allocation, two per mapping; both writable parts type it. */
    CHECK_EQ(REFS(pg), 5);
    CHECK_EQ(TYPE_COUNT(pg), 2);

    watch_frame(5, GRANTEE);
    CHECK_EQ(unmap(&rw, UNMAP_HOST | UNMAP_DEVICE), GNTST_okay);
    CHECK_EQ(entry(GRANTEE, 5), GTIO_ACCESS_R);
    CHECK_EQ(reach(DEV, 5), SIM_R);
    CHECK_COUNTS(5, 1, 0);
    CHECK_EQ(UNIT_SINCE(psi), 1);
    CHECK_EQ(UNIT_SINCE(dsi), 0);
    CHECK_EQ(UNIT_SINCE(qi_wait), 1);

    CHECK_EQ(watch.released.nr, 1);
    CHECK_EQ(watch.released.bits, GTF_writing);
    CHECK_EQ(watch.released.reach & SIM_W, 0);
    CHECK_EQ(watch.released.waits, 1);
    CHECK_EQ(grant_flags(0), GTF_permit_access | GTF_reading);
    CHECK_EQ(REFS(pg), 3);
    CHECK_EQ(TYPE_COUNT(pg), 0);
    stop();
}

/*
 * (0,1) - release the last: the entry goes, invalidated and waited for
 * before the page references and both GTF bits are released.
 */
static void last_release_removes_entry_before_gtf_bits_clear(void)
{
    struct mapping m;
    struct page_info *pg;

    start(&default_config);
    grant_pair(true);
    grant(0, 5, false);
    pg = frame(5);
    m = map_ok(0, HOST_DEV);
    CHECK_EQ(REFS(pg), 3);
    CHECK_EQ(TYPE_COUNT(pg), 2);

    watch_frame(5, GRANTEE);
    CHECK_EQ(unmap(&m, UNMAP_HOST | UNMAP_DEVICE), GNTST_okay);
    CHECK_EQ(entry(GRANTEE, 5), GTIO_ACCESS_NONE);
    CHECK_EQ(reach(DEV, 5), 0);
    CHECK(vtd_sim_may_fault(DEV, 5, SIM_R));
    CHECK_COUNTS(5, 0, 0);
    CHECK_EQ(CORE_SINCE(unmaps), 1);
    CHECK_EQ(UNIT_SINCE(psi), 1);
    CHECK_EQ(UNIT_SINCE(dsi), 0);
    CHECK_EQ(UNIT_SINCE(qi_wait), 1);

    CHECK_EQ(watch.released.nr, 1);
    CHECK_EQ(watch.released.bits, GTF_reading | GTF_writing);
    CHECK_EQ(watch.released.reach, 0);
    CHECK_EQ(watch.released.entry, GTIO_ACCESS_NONE);
    CHECK_EQ(watch.released.waits, 1);
    CHECK_EQ(grant_flags(0), GTF_permit_access);
    CHECK_EQ(pin_of(0), 0);
    CHECK_EQ(pg->count_info, PGC_allocated | 1);
    CHECK_EQ(TYPE_COUNT(pg), 0);
    stop();
}

/*
 * The granter gave its frame back while the grant is mapped: the unmap's
 * last put frees it, which must wait for the invalidation.
 */
static void last_page_reference_goes_after_invalidation(void)
{
    struct mapping m;

    start(&default_config);
    grant_pair(true);
    grant(0, 5, false);
    m = map_ok(0, GNTMAP_device_map);
    CHECK_EQ(guest_decrease_reservation(GRANTER, 5), 0);
    CHECK_EQ(frame(5)->count_info, 1);

    watch_frame(5, GRANTEE);
    CHECK_EQ(unmap(&m, UNMAP_DEVICE), GNTST_okay);
    CHECK_EQ(watch.freed.nr, 1);
    CHECK_EQ(watch.freed.reach, 0);
    CHECK_EQ(watch.freed.entry, GTIO_ACCESS_NONE);
    CHECK_EQ(watch.freed.waits, 1);
    CHECK_EQ(watch.freed.iotlb, 1);
    CHECK(page_get_owner(frame(5)) == NULL);
    CHECK_EQ(frame(5)->count_info, 0);
    stop();
}

/* Handles beyond the first of their kind change nothing, either way. */
static void extra_handles_change_nothing(void)
{
    struct mapping rw1, rw2, ro1, ro2;

    start(&default_config);
    grant_pair(true);
    grant(0, 5, false);
    grant(1, 9, false);

    ro1 = map_ok(1, GNTMAP_device_map | GNTMAP_readonly);
    mark_unit();
    ro2 = map_ok(1, HOST_DEV | GNTMAP_readonly);
    CHECK_EQ(entry(GRANTEE, 9), GTIO_ACCESS_R);
    CHECK_COUNTS(9, 2, 0);
    CHECK_EQ(unmap(&ro1, UNMAP_DEVICE), GNTST_okay);
    CHECK_EQ(entry(GRANTEE, 9), GTIO_ACCESS_R);
    CHECK_COUNTS(9, 1, 0);
    CHECK_EQ(CORE_SINCE(maps) + CORE_SINCE(unmaps), 0);
    CHECK_EQ(IOTLB_SINCE(), 0);
    (void)ro2;

    rw1 = map_ok(0, GNTMAP_device_map);
    mark_unit();
    rw2 = map_ok(0, HOST_DEV);
    ro1 = map_ok(0, GNTMAP_host_map | GNTMAP_readonly);
    CHECK_EQ(entry(GRANTEE, 5), GTIO_ACCESS_RW);
    CHECK_COUNTS(5, 1, 2);
    CHECK_EQ(unmap(&rw2, UNMAP_HOST | UNMAP_DEVICE), GNTST_okay);
    CHECK_EQ(unmap(&ro1, UNMAP_HOST), GNTST_okay);
    CHECK_EQ(entry(GRANTEE, 5), GTIO_ACCESS_RW);
    CHECK_COUNTS(5, 0, 1);
    CHECK_EQ(CORE_SINCE(maps) + CORE_SINCE(unmaps), 0);
    CHECK_EQ(IOTLB_SINCE(), 0);
    CHECK_EQ(UNIT_SINCE(qi_wait), 0);

    /* The last one does go. */
    CHECK_EQ(unmap(&rw1, UNMAP_DEVICE), GNTST_okay);
    CHECK_EQ(entry(GRANTEE, 5), GTIO_ACCESS_NONE);
    CHECK_EQ(UNIT_SINCE(psi), 1);
    stop();
}

/* A host-only map counts too: the grantee's devices get the entry. */
static void host_only_map_counts_too(void)
{
    struct mapping m;

    start(&default_config);
    grant_pair(true);
    grant(0, 5, false);
    m = map_ok(0, GNTMAP_host_map);
    CHECK_EQ(m.bus_addr, 5UL << PAGE_SHIFT);
    CHECK_EQ(entry(GRANTEE, 5), GTIO_ACCESS_RW);
    CHECK_EQ(reach(DEV, 5), SIM_R | SIM_W);
    CHECK_COUNTS(5, 0, 1);
    mark_unit();
    CHECK_EQ(unmap(&m, UNMAP_HOST), GNTST_okay);
    CHECK_EQ(entry(GRANTEE, 5), GTIO_ACCESS_NONE);
    CHECK_EQ(reach(DEV, 5), 0);
    CHECK_COUNTS(5, 0, 0);
    CHECK_EQ(UNIT_SINCE(psi), 1);
    CHECK_EQ(UNIT_SINCE(qi_wait), 1);
    stop();
}

/*
 * XSA-224/XSA-394: a host+device handle counts once, and releases once:
 * when its second part goes, not its first.
 */
static void two_step_unmap_releases_once(void)
{
    struct mapping m;
    uint16_t flags;
    grant_ref_t ref;
    domid_t domid;

    start(&default_config);
    grant_pair(true);
    grant(0, 5, false);
    m = map_ok(0, HOST_DEV);
    CHECK_COUNTS(5, 0, 1);

    mark_unit();
    CHECK_EQ(unmap(&m, UNMAP_HOST), GNTST_okay);
    CHECK_COUNTS(5, 0, 1);
    CHECK_EQ(entry(GRANTEE, 5), GTIO_ACCESS_RW);
    CHECK_EQ(reach(DEV, 5), SIM_R | SIM_W);
    CHECK(gnttab_view_handle(dom(GRANTEE), m.handle, &flags, &ref, &domid));
    CHECK_EQ(flags, GNTMAP_device_map);
    CHECK_EQ(grant_flags(0), GTF_permit_access | GTF_reading | GTF_writing);
    CHECK_EQ(CORE_SINCE(unmaps), 0);
    CHECK_EQ(IOTLB_SINCE(), 0);

    /* The host part again: nothing left of it, nothing changes. */
    CHECK_EQ(unmap(&m, UNMAP_HOST), GNTST_okay);
    CHECK_COUNTS(5, 0, 1);
    CHECK_EQ(entry(GRANTEE, 5), GTIO_ACCESS_RW);

    CHECK_EQ(unmap(&m, UNMAP_DEVICE), GNTST_okay);
    CHECK_COUNTS(5, 0, 0);
    CHECK_EQ(entry(GRANTEE, 5), GTIO_ACCESS_NONE);
    CHECK_EQ(reach(DEV, 5), 0);
    CHECK_EQ(CORE_SINCE(unmaps), 1);
    CHECK_EQ(UNIT_SINCE(psi), 1);
    CHECK(gnttab_view_handle(dom(GRANTEE), m.handle, &flags, &ref, &domid));
    CHECK_EQ(flags, 0);
    CHECK_EQ(unmap(&m, UNMAP_DEVICE), GNTST_bad_handle);
    CHECK_EQ(grant_flags(0), GTF_permit_access);
    stop();
}

/* ---- invalidations: what and how many ---- */

/* Map the granter's frames mfns[] RW, one grant each (ref = index). */
static void map_frames(const unsigned long *mfns, unsigned int n,
                       struct mapping *m)
{
    unsigned int i;

    for ( i = 0; i < n; i++ )
    {
        grant(i, mfns[i], false);
        m[i] = map_ok(i, HOST_DEV);
    }
}

static unsigned int reached_of(const unsigned long *mfns, unsigned int n)
{
    unsigned int i, r = 0;

    for ( i = 0; i < n; i++ )
        r |= reach(DEV, mfns[i]);
    return r;
}

/* Up to psi_max pages: one PSI each, then a single wait. */
static void unmap_batch_sends_one_psi_per_page_and_one_wait(void)
{
    static const unsigned long mfns[] = { 5, 7, 9, 11 };
    struct mapping m[ARRAY_SIZE(mfns)];

    start(&default_config);
    grant_pair(true);
    map_frames(mfns, ARRAY_SIZE(mfns), m);
    mark_unit();
    unmap_batch(m, ARRAY_SIZE(mfns));
    CHECK_EQ(UNIT_SINCE(psi), 4);
    CHECK_EQ(UNIT_SINCE(dsi), 0);
    CHECK_EQ(UNIT_SINCE(global), 0);
    CHECK_EQ(UNIT_SINCE(qi_wait), 1);
    CHECK_EQ(CORE_SINCE(waits), 1);
    CHECK_EQ(reached_of(mfns, ARRAY_SIZE(mfns)), 0);
    stop();
}

/*
 * Aligned neighbours share one PSI of order 1 where CAP.MAMV >= 1 (and it
 * covers both: neither stays reachable); with MAMV=0 each has its own.
 */
static void aligned_buddies_share_one_psi(void)
{
    static const unsigned long mfns[] = { 4, 5, 7, 8 };
    struct world_config cfg = default_config;
    struct mapping m[ARRAY_SIZE(mfns)];
    unsigned int mamv;

    for ( mamv = 0; mamv <= 1; mamv++ )
    {
        cfg.caps.mamv = mamv;
        start(&cfg);
        grant_pair(true);
        map_frames(mfns, ARRAY_SIZE(mfns), m);
        mark_unit();
        unmap_batch(m, ARRAY_SIZE(mfns));
        /* 4+5 is a pair; 7 is odd and 8 has no partner. */
        CHECK_EQ(UNIT_SINCE(psi), mamv ? 3 : 4);
        CHECK_EQ(UNIT_SINCE(dsi), 0);
        CHECK_EQ(UNIT_SINCE(coarsened), 0);
        CHECK_EQ(UNIT_SINCE(qi_wait), 1);
        CHECK_EQ(reached_of(mfns, ARRAY_SIZE(mfns)), 0);
        stop();
    }
}

/* More than psi_max pages: one DSI instead, still one wait. */
static void unmap_batch_above_psi_max_sends_one_dsi(void)
{
    static const unsigned long mfns[] = { 5, 7, 9, 11, 13 };
    struct world_config cfg = default_config;
    struct mapping m[ARRAY_SIZE(mfns)];

    start(&cfg);
    grant_pair(true);
    map_frames(mfns, ARRAY_SIZE(mfns), m);
    mark_unit();
    unmap_batch(m, ARRAY_SIZE(mfns));
    CHECK_EQ(UNIT_SINCE(psi), 0);
    CHECK_EQ(UNIT_SINCE(dsi), 1);
    CHECK_EQ(UNIT_SINCE(qi_wait), 1);
    CHECK_EQ(CORE_SINCE(dsi), 1);
    CHECK_EQ(reached_of(mfns, ARRAY_SIZE(mfns)), 0);
    stop();

    /* The threshold is the configured one. */
    cfg.psi_max = 2;
    start(&cfg);
    grant_pair(true);
    map_frames(mfns, 3, m);
    mark_unit();
    unmap_batch(m, 2);
    CHECK_EQ(UNIT_SINCE(psi), 2);
    CHECK_EQ(UNIT_SINCE(dsi), 0);
    m[0] = map_ok(0, HOST_DEV);
    m[1] = map_ok(1, HOST_DEV);
    mark_unit();
    unmap_batch(m, 3);
    CHECK_EQ(UNIT_SINCE(psi), 0);
    CHECK_EQ(UNIT_SINCE(dsi), 1);
    CHECK_EQ(UNIT_SINCE(qi_wait), 1);
    stop();
}

/* Without CAP.PSI even a single page gets a DSI. */
static void unit_without_psi_gets_dsi(void)
{
    struct world_config cfg = default_config;
    struct mapping m;

    cfg.caps.psi = false;
    start(&cfg);
    grant_pair(true);
    grant(0, 5, false);
    m = map_ok(0, HOST_DEV);
    mark_unit();
    CHECK_EQ(unmap(&m, UNMAP_HOST | UNMAP_DEVICE), GNTST_okay);
    /* The core asks for a DSI (the driver would make a PSI one anyway). */
    CHECK_EQ(CORE_SINCE(dsi), 1);
    CHECK_EQ(CORE_SINCE(psi), 0);
    CHECK_EQ(UNIT_SINCE(psi), 0);
    CHECK_EQ(UNIT_SINCE(dsi), 1);
    CHECK_EQ(UNIT_SINCE(coarsened), 0);
    CHECK_EQ(UNIT_SINCE(qi_wait), 1);
    CHECK_EQ(reach(DEV, 5), 0);
    stop();
}

/* Register-based invalidation: each completes by itself, no queue wait. */
static void register_invalidation_needs_no_wait(void)
{
    static const unsigned long mfns[] = { 5, 7, 9 };
    struct world_config cfg = default_config;
    struct mapping m[ARRAY_SIZE(mfns)];

    cfg.caps.qi = false;
    start(&cfg);
    grant_pair(true);
    map_frames(mfns, ARRAY_SIZE(mfns), m);
    mark_unit();
    unmap_batch(m, ARRAY_SIZE(mfns));
    CHECK_EQ(UNIT_SINCE(reg_iotlb), 3);
    CHECK_EQ(UNIT_SINCE(psi), 3);
    CHECK_EQ(UNIT_SINCE(qi_iotlb) + UNIT_SINCE(qi_wait), 0);
    CHECK_EQ(reached_of(mfns, ARRAY_SIZE(mfns)), 0);
    stop();
}

/* A map batch with CAP.CM=1: its additions are merged too, one wait. */
static void map_batch_with_caching_mode_waits_once(void)
{
    static const unsigned long mfns[] = { 4, 5, 9 };
    struct world_config cfg = default_config;
    struct gnttab_map_grant_ref ops[ARRAY_SIZE(mfns)];
    unsigned int i;

    cfg.caps.cm = true;
    start(&cfg);
    grant_pair(true);
    for ( i = 0; i < ARRAY_SIZE(mfns); i++ )
    {
        grant(i, mfns[i], false);
        prepare_map(&ops[i], i, HOST_DEV);
    }
    mark_unit();
    CHECK_EQ(guest_grant_table_op(GRANTEE, GNTTABOP_map_grant_ref, ops,
                                  ARRAY_SIZE(ops)), 0);
    for ( i = 0; i < ARRAY_SIZE(mfns); i++ )
    {
        CHECK_EQ(ops[i].status, GNTST_okay);
        CHECK_EQ(entry(GRANTEE, mfns[i]), GTIO_ACCESS_RW);
    }
    CHECK_EQ(UNIT_SINCE(psi), 2);
    CHECK_EQ(UNIT_SINCE(dsi), 0);
    CHECK_EQ(UNIT_SINCE(qi_wait), 1);
    stop();
}

/* ECAP.C=0: every table write is written back before the unit relies on it. */
static void noncoherent_unit_sees_every_table_write(void)
{
    struct world_config cfg = default_config;
    struct mapping m;

    cfg.caps.coherent = false;
    start(&cfg);
    grant_pair(false);
    grant(0, 5, false);
    mark_unit();
    m = map_ok(0, HOST_DEV);
    /* Three new tables (all of each), their links and the leaf. */
    CHECK(UNIT_SINCE(clflush_lines) >= 3 * (PAGE_SIZE / 64) + 4);
    CHECK_EQ(reach(DEV, 5), SIM_R | SIM_W);
    CHECK(!vtd_sim_may_fault(DEV, 5, SIM_R | SIM_W));
    CHECK_EQ(unmap(&m, UNMAP_HOST | UNMAP_DEVICE), GNTST_okay);
    CHECK_EQ(reach(DEV, 5), 0);
    CHECK(vtd_sim_may_fault(DEV, 5, SIM_R));
    stop();
}

/* ---- the domain's own pages ---- */

/* Populate: writable type (count 0), so mapped RW; no invalidation. */
static void populated_page_is_mapped_rw(void)
{
    struct page_info *pg;

    start(&default_config);
    grant_pair(true);
    mark_unit();
    CHECK_EQ(guest_populate(GRANTEE, 20), 0);
    pg = frame(20);
    CHECK(page_get_owner(pg) == dom(GRANTEE));
    CHECK_EQ(pg->count_info, PGC_allocated | 1);
    CHECK_EQ(pg->u.inuse.type_info, PGT_writable_page | PGT_validated);
    CHECK_EQ(entry(GRANTEE, 20), GTIO_ACCESS_RW);
    CHECK_EQ(reach(DEV, 20), SIM_R | SIM_W);
    CHECK_EQ(CORE_SINCE(maps), 1);
    CHECK_EQ(IOTLB_SINCE(), 0);
    stop();
}

/*
 * Pinning as a page table takes the entry out, and the invalidation has
 * completed before the frame is validated; unpinning keeps it out; the
 * writable type back maps it again.
 */
static void page_table_type_leaves_iommu_before_validation(void)
{
    struct page_info *pg;

    start(&default_config);
    grant_pair(true);
    CHECK_EQ(guest_populate(GRANTEE, 20), 0);
    pg = frame(20);

    watch_frame(20, GRANTEE);
    CHECK_EQ(guest_pin(GRANTEE, 20, PGT_l1_page_table), 0);
    CHECK_EQ(watch.validated.nr, 1);
    CHECK_EQ(watch.validated.type, PGT_l1_page_table);
    CHECK_EQ(watch.validated.entry, GTIO_ACCESS_NONE);
    CHECK_EQ(watch.validated.reach, 0);
    CHECK_EQ(watch.validated.iotlb, 1);
    CHECK_EQ(watch.validated.waits, 1);
    CHECK_EQ(pg->u.inuse.type_info,
             PGT_l1_page_table | PGT_validated | PGT_pinned | 1);
    CHECK_EQ(entry(GRANTEE, 20), GTIO_ACCESS_NONE);
    CHECK_EQ(UNIT_SINCE(psi), 1);
    CHECK_EQ(UNIT_SINCE(dsi), 0);

    /* The last type reference goes: still a page table, still out. */
    mark_unit();
    CHECK_EQ(guest_unpin(GRANTEE, 20), 0);
    CHECK_EQ(TYPE_COUNT(pg), 0);
    CHECK_EQ(pg->u.inuse.type_info & PGT_type_mask, PGT_l1_page_table);
    CHECK_EQ(entry(GRANTEE, 20), GTIO_ACCESS_NONE);
    CHECK_EQ(reach(DEV, 20), 0);
    CHECK_EQ(CORE_SINCE(maps) + CORE_SINCE(unmaps), 0);

    /* A writable mapping of it: the type is writable again, so mapped. */
    CHECK_EQ(guest_pin(GRANTEE, 20, PGT_writable_page), 0);
    CHECK_EQ(pg->u.inuse.type_info, PGT_writable_page | PGT_validated | 1);
    CHECK_EQ(entry(GRANTEE, 20), GTIO_ACCESS_RW);
    CHECK_EQ(reach(DEV, 20), SIM_R | SIM_W);
    CHECK_EQ(CORE_SINCE(maps), 1);
    /* Its last reference keeps the writable type, and the entry. */
    CHECK_EQ(guest_unpin(GRANTEE, 20), 0);
    CHECK_EQ(pg->u.inuse.type_info, PGT_writable_page | PGT_validated);
    CHECK_EQ(entry(GRANTEE, 20), GTIO_ACCESS_RW);
    CHECK_EQ(IOTLB_SINCE(), 0);
    stop();
}

/* decrease_reservation's final put: out of the IOMMU before it is freed. */
static void final_put_removes_entry_before_free(void)
{
    start(&default_config);
    grant_pair(true);
    CHECK_EQ(guest_populate(GRANTEE, 20), 0);

    watch_frame(20, GRANTEE);
    CHECK_EQ(guest_decrease_reservation(GRANTEE, 20), 0);
    CHECK_EQ(watch.freed.nr, 1);
    CHECK_EQ(watch.freed.entry, GTIO_ACCESS_NONE);
    CHECK_EQ(watch.freed.reach, 0);
    CHECK_EQ(watch.freed.iotlb, 1);
    CHECK_EQ(watch.freed.waits, 1);
    CHECK(page_get_owner(frame(20)) == NULL);
    CHECK_EQ(frame(20)->count_info, 0);
    CHECK_EQ(entry(GRANTEE, 20), GTIO_ACCESS_NONE);
    CHECK_EQ(UNIT_SINCE(psi), 1);
    /* KEEP_MFN's entry keeps the tables: nothing else happened. */
    CHECK_EQ(UNIT_SINCE(dsi), 0);
    CHECK_EQ(entry(GRANTEE, KEEP_MFN), GTIO_ACCESS_RW);
    stop();
}

/* ---- read-only IOMMU mappings off ---- */

static void readonly_off_maps_ro_grants_nowhere(void)
{
    struct world_config cfg = default_config;
    struct mapping ro, rw, ro2;

    cfg.iommu_readonly = false;
    start(&cfg);
    grant_pair(true);
    grant(0, 5, false);
    mark_unit();
    ro = map_ok(0, HOST_DEV | GNTMAP_readonly);
    CHECK_COUNTS(5, 1, 0);
    CHECK_EQ(entry(GRANTEE, 5), GTIO_ACCESS_NONE);
    CHECK_EQ(reach(DEV, 5), 0);
    CHECK_EQ(CORE_SINCE(maps), 0);

    /* Promotion: RW now. */
    rw = map_ok(0, GNTMAP_device_map);
    CHECK_EQ(entry(GRANTEE, 5), GTIO_ACCESS_RW);
    CHECK_EQ(reach(DEV, 5), SIM_R | SIM_W);
    CHECK_EQ(CORE_SINCE(maps), 1);

    /* Demotion: R would be nothing, so the entry goes, invalidated. */
    mark_unit();
    CHECK_EQ(unmap(&rw, UNMAP_DEVICE), GNTST_okay);
    CHECK_COUNTS(5, 1, 0);
    CHECK_EQ(entry(GRANTEE, 5), GTIO_ACCESS_NONE);
    CHECK_EQ(reach(DEV, 5), 0);
    CHECK_EQ(CORE_SINCE(unmaps), 1);
    CHECK_EQ(UNIT_SINCE(psi), 1);
    CHECK_EQ(UNIT_SINCE(qi_wait), 1);

    /* More read-only handles and their release: nothing at all. */
    mark_unit();
    ro2 = map_ok(0, GNTMAP_device_map | GNTMAP_readonly);
    CHECK_EQ(unmap(&ro2, UNMAP_DEVICE), GNTST_okay);
    CHECK_EQ(unmap(&ro, UNMAP_HOST | UNMAP_DEVICE), GNTST_okay);
    CHECK_COUNTS(5, 0, 0);
    CHECK_EQ(entry(GRANTEE, 5), GTIO_ACCESS_NONE);
    CHECK_EQ(CORE_SINCE(maps) + CORE_SINCE(unmaps), 0);
    CHECK_EQ(IOTLB_SINCE(), 0);
    stop();
}

/* ---- table pages ---- */

static bool page_listed(const struct page_list_head *list,
                        const struct page_info *want)
{
    const struct page_info *pg;

    page_list_for_each ( pg, list )
        if ( pg == want )
            return true;
    return false;
}

/*
 * The grantee's table pages other than the root, from the list, into
 * mfns[] (at most max); how many there were.
 */
static unsigned int non_root_tables(unsigned long *mfns, unsigned int max)
{
    const struct domain_iommu *hd = dom_iommu(dom(GRANTEE));
    const struct page_info *pg;
    unsigned int n = 0;

    page_list_for_each ( pg, &hd->arch.pgtables.list )
        if ( page_to_maddr(pg) != hd->arch.vtd.pgd_maddr && n < max )
            mfns[n++] = mfn_x(page_to_mfn(pg));
    return n;
}

/* A first mapping needs the root and three tables below it. */
static void first_mapping_builds_root_and_three_tables(void)
{
    unsigned int live;

    start(&default_config);
    grant_pair(false);
    grant(0, 5, false);
    grant(1, 6, false);
    /* The device's context entry needs the root. */
    CHECK_EQ(table_pages(GRANTEE), 1);
    CHECK(dom_iommu(dom(GRANTEE))->arch.vtd.pgd_maddr != 0);
    map_ok(0, HOST_DEV);
    CHECK_EQ(table_pages(GRANTEE), 4);
    live = heap_live_pages();
    map_ok(1, GNTMAP_device_map);
    CHECK_EQ(table_pages(GRANTEE), 4);
    CHECK_EQ(heap_live_pages(), live);
    stop();
}

/*
 * Unmapping the last leaves unlinks three tables; they are freed once a
 * DSI (which also clears the paging-structure caches) has completed.
 * (error_paths.c: if it does not complete, they are never freed.)
 */
static void emptied_tables_freed_after_dsi(void)
{
    struct mapping m[2];
    unsigned long tables[4];
    unsigned int i, live;

    start(&default_config);
    grant_pair(false);
    grant(0, 5, false);
    grant(1, 6, false);
    m[0] = map_ok(0, HOST_DEV);
    m[1] = map_ok(1, HOST_DEV);
    CHECK_EQ(non_root_tables(tables, ARRAY_SIZE(tables)), 3);
    live = heap_live_pages();

    mark_unit();
    unmap_batch(m, 2);
    CHECK_EQ(table_pages(GRANTEE), 1);
    CHECK_EQ(heap_live_pages(), live - 3);
    for ( i = 0; i < 3; i++ )
        CHECK_EQ(heap_frame_state(tables[i]), HEAP_FRAME_FREE);
    /* The two pages' PSIs are covered by the one DSI the tables need. */
    CHECK_EQ(UNIT_SINCE(dsi), 1);
    CHECK_EQ(UNIT_SINCE(psi), 0);
    CHECK_EQ(UNIT_SINCE(qi_wait), 1);
    CHECK_EQ(reach(DEV, 5) | reach(DEV, 6), 0);

    /* And they come back for the next mapping. */
    m[0] = map_ok(0, GNTMAP_device_map);
    CHECK_EQ(table_pages(GRANTEE), 4);
    CHECK_EQ(reach(DEV, 5), SIM_R | SIM_W);
    stop();
}

/*
 * Outside a batch (an own page's final put): the removal is confirmed by
 * a PSI first, then the emptied tables go after a DSI of their own.
 */
static void emptied_tables_outside_batch_freed_after_dsi(void)
{
    unsigned long tables[4];
    unsigned int i;

    start(&default_config);
    grant_pair(false);
    CHECK_EQ(guest_populate(GRANTEE, 20), 0);
    CHECK_EQ(non_root_tables(tables, ARRAY_SIZE(tables)), 3);
    watch_frame(20, GRANTEE);
    CHECK_EQ(guest_decrease_reservation(GRANTEE, 20), 0);
    CHECK_EQ(table_pages(GRANTEE), 1);
    for ( i = 0; i < 3; i++ )
    {
        CHECK_EQ(heap_frame_state(tables[i]), HEAP_FRAME_FREE);
        CHECK(!page_listed(&dom_iommu(dom(GRANTEE))->arch.pgtables.list,
                           hh_mfn_to_page(tables[i])));
    }
    CHECK_EQ(UNIT_SINCE(psi), 1);
    CHECK_EQ(UNIT_SINCE(dsi), 1);
    CHECK_EQ(UNIT_SINCE(qi_wait), 2);
    /* gtio_unmap() returned (both confirmed) before the frame went. */
    CHECK_EQ(watch.freed.nr, 1);
    CHECK_EQ(watch.freed.iotlb, 2);
    CHECK_EQ(watch.freed.waits, 2);
    CHECK_EQ(watch.freed.reach, 0);
    stop();
}

/* ---- domain death ---- */

/*
 * A dying domain's tables take no new entry (as Xen's map for is_dying):
 * here one whose destruction is held because its devices could not be
 * confirmed cut off.
 */
static void dying_domain_takes_no_new_entries(void)
{
    struct domain *d;
    unsigned int tables;
    unsigned long maps;

    start(&default_config);
    grant_pair(true);
    fault_arm_point(FP_QI_WAIT_TIMEOUT, 1);
    CHECK(toolstack_destroy_domain(GRANTEE) != 0);
    d = dom(GRANTEE);
    CHECK(world_domain_held(d));
    CHECK(world_device_owner(DEV) == NULL);

    tables = table_pages(GRANTEE);
    maps = gtio_stats.maps;
    /* Frame 600 is under another leaf table: a map would need one. */
    CHECK_EQ(gtio_map(d, _dfn(600), _mfn(600), 1,
                      IOMMUF_readable | IOMMUF_writable), 0);
    CHECK_EQ(gtio_map(d, _dfn(30), _mfn(30), 1,
                      IOMMUF_readable | IOMMUF_writable), 0);
    CHECK_EQ(gtio_pt_get(d, 600), GTIO_ACCESS_NONE);
    CHECK_EQ(gtio_pt_get(d, 30), GTIO_ACCESS_NONE);
    CHECK_EQ(table_pages(GRANTEE), tables);
    CHECK_EQ(gtio_stats.maps, maps);
    stop();
}

/*
 * Destroying the grantee: its device goes to quarantine and the unit is
 * flushed of its domain id before gnttab_release_mappings() gives the
 * granter its page references and GTF bits back.
 */
static void destroy_quarantines_and_flushes_before_releasing_grants(void)
{
    struct page_info *pg;

    start(&default_config);
    grant_pair(true);
    grant(0, 5, false);
    pg = frame(5);
    map_ok(0, HOST_DEV);
    CHECK_EQ(reach(DEV, 5), SIM_R | SIM_W);

    watch_frame(5, GRANTEE);
    CHECK_EQ(toolstack_destroy_domain(GRANTEE), 0);
    CHECK_EQ(watch.released.nr, 1);
    CHECK_EQ(watch.released.bits, GTF_reading | GTF_writing);
    CHECK_EQ(watch.released.reach, 0);
    /*
     * Quarantine confirmed (the context cache, then the old domain id's
     * IOTLB, each with its wait), then gtio's own DSI confirmed.
     */
    CHECK_EQ(watch.released.waits, 3);
    CHECK_EQ(watch.released.iotlb, 2);
    CHECK_EQ(UNIT_SINCE(dsi), 2);
    CHECK_EQ(UNIT_SINCE(qi_ctx), 1);
    CHECK_EQ(CORE_SINCE(dsi), 1);
    CHECK(world_device_owner(DEV) == NULL);
    CHECK(world_domain(GRANTEE) == NULL);
    CHECK_EQ(grant_flags(0), GTF_permit_access);
    CHECK_EQ(pg->count_info, PGC_allocated | 1);
    CHECK_EQ(TYPE_COUNT(pg), 0);
    CHECK_EQ(reach(DEV, KEEP_MFN), 0);
    stop();
}

/* ---- no IOMMU ---- */

/* Every path, for domains without IOMMU: no tables, no invalidation. */
static void domain_without_iommu_does_no_iommu_work(void)
{
    struct vtd_sim_stats unit_before;
    struct gnttab_map_grant_ref op;
    struct gnttab_unmap_grant_ref uop;

    start(&default_config);
    CHECK_EQ(toolstack_create_domain(GRANTER, false, 1, 1), 0);
    CHECK_EQ(toolstack_create_domain(GRANTEE, false, 1, 1), 0);
    unit_before = *vtd_sim_stats();

    CHECK_EQ(toolstack_assign_device(DEV, GRANTEE), -EPERM);
    CHECK_EQ(guest_populate(GRANTEE, 20), 0);
    CHECK_EQ(guest_pin(GRANTEE, 20, PGT_l1_page_table), 0);
    CHECK_EQ(guest_unpin(GRANTEE, 20), 0);
    CHECK_EQ(guest_pin(GRANTEE, 20, PGT_writable_page), 0);
    CHECK_EQ(guest_unpin(GRANTEE, 20), 0);
    grant(0, 5, false);
    prepare_map(&op, 0, HOST_DEV);
    CHECK_EQ(guest_grant_table_op(GRANTEE, GNTTABOP_map_grant_ref, &op, 1),
             0);
    CHECK_EQ(op.status, GNTST_okay);
    memset(&uop, 0, sizeof(uop));
    uop.handle = op.handle;
    uop.host_addr = op.host_addr;
    uop.dev_bus_addr = op.dev_bus_addr;
    CHECK_EQ(guest_grant_table_op(GRANTEE, GNTTABOP_unmap_grant_ref, &uop, 1),
             0);
    CHECK_EQ(uop.status, GNTST_okay);
    CHECK_EQ(guest_decrease_reservation(GRANTEE, 20), 0);

    CHECK(!gtio_manages(dom(GRANTEE)));
    CHECK(page_list_empty(&dom_iommu(dom(GRANTEE))->arch.pgtables.list));
    CHECK_EQ(dom_iommu(dom(GRANTEE))->arch.vtd.pgd_maddr, 0);
    CHECK_EQ(gtio_stats.maps + gtio_stats.unmaps, 0);
    CHECK_EQ(gtio_stats.psi + gtio_stats.dsi + gtio_stats.waits, 0);

    CHECK_EQ(toolstack_destroy_domain(GRANTEE), 0);
    CHECK_EQ(toolstack_destroy_domain(GRANTER), 0);
    CHECK_EQ(gtio_stats.maps + gtio_stats.unmaps + gtio_stats.waits, 0);
    CHECK_EQ(vtd_sim_stats()->psi, unit_before.psi);
    CHECK_EQ(vtd_sim_stats()->dsi, unit_before.dsi);
    CHECK_EQ(vtd_sim_stats()->global, unit_before.global);
    CHECK_EQ(vtd_sim_stats()->qi_iotlb, unit_before.qi_iotlb);
    CHECK_EQ(vtd_sim_stats()->qi_ctx, unit_before.qi_ctx);
    CHECK_EQ(vtd_sim_stats()->qi_wait, unit_before.qi_wait);
    CHECK_EQ(vtd_sim_stats()->clflush_lines, unit_before.clflush_lines);
    /* No table page was ever asked for. */
    CHECK_EQ(fault_hits(FP_PT_ALLOC), 0);
    stop();
}

int main(void)
{
    RUN_XEN(first_ro_map_maps_r_without_invalidation);
    RUN_XEN(first_rw_map_maps_rw_without_invalidation);
    RUN_XEN(first_map_invalidates_once_with_caching_mode);
    RUN_XEN(promotion_r_to_rw_is_invalidated);
    RUN_XEN(demotion_rw_to_r_is_invalidated_before_gtf_writing_clears);
    RUN_XEN(last_release_removes_entry_before_gtf_bits_clear);
    RUN_XEN(last_page_reference_goes_after_invalidation);
    RUN_XEN(extra_handles_change_nothing);
    RUN_XEN(host_only_map_counts_too);
    RUN_XEN(two_step_unmap_releases_once);
    RUN_XEN(unmap_batch_sends_one_psi_per_page_and_one_wait);
    RUN_XEN(aligned_buddies_share_one_psi);
    RUN_XEN(unmap_batch_above_psi_max_sends_one_dsi);
    RUN_XEN(unit_without_psi_gets_dsi);
    RUN_XEN(register_invalidation_needs_no_wait);
    RUN_XEN(map_batch_with_caching_mode_waits_once);
    RUN_XEN(noncoherent_unit_sees_every_table_write);
    RUN_XEN(populated_page_is_mapped_rw);
    RUN_XEN(page_table_type_leaves_iommu_before_validation);
    RUN_XEN(final_put_removes_entry_before_free);
    RUN_XEN(readonly_off_maps_ro_grants_nowhere);
    RUN_XEN(first_mapping_builds_root_and_three_tables);
    RUN_XEN(emptied_tables_freed_after_dsi);
    RUN_XEN(emptied_tables_outside_batch_freed_after_dsi);
    RUN_XEN(dying_domain_takes_no_new_entries);
    RUN_XEN(destroy_quarantines_and_flushes_before_releasing_grants);
    RUN_XEN(domain_without_iommu_does_no_iommu_work);
    return tests_failed ? 1 : 0;
}
