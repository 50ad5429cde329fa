/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Unit tests of the core's rules (DESIGN.md sections 4 and 5), each named
 * after the rule it checks.  The core runs against the simulated VT-d; the
 * tests look at the core's own tables (gtio_pt_get) and at what it asked of the
 * hardware (invalidations, waits, write-backs).
 */
#include <string.h>

#include <xen/errno.h>

#include "gtio_internal.h"
#include "vtd_sim.h"
#include "heap.h"
#include "fault.h"
#include "../lib/check.h"

static struct gtio_machine m;

struct setup {
    bool cm, psi, qi, coherent, ro;
    unsigned int mamv, psi_max;
};

static const struct setup default_setup = {
    .psi = true, .qi = true, .coherent = true, .ro = true, .mamv = 9,
};

static void start(const struct setup *s)
{
    struct vtd_sim_caps caps = {
        .cm = s->cm, .psi = s->psi, .qi = s->qi, .coherent = s->coherent,
        .mamv = s->mamv, .completion_delay = 1,
    };
    struct gtio_config cfg = {
        .nr_frames = 64, .iommu_readonly = s->ro, .psi_max = s->psi_max,
    };

    heap_reset();
    fault_reset();
    vtd_sim_reset(&caps);
    cfg.vtd_regs = vtd_sim_regs();
    if ( gtio_machine_init(&m, &cfg) )
    {
        printf("FAIL: machine init\n");
        exit(1);
    }
}

static void stop(void)
{
    gtio_machine_teardown(&m);
}

/* Domain 1 grants frame 'mfn' (ref 'ref') to domain 2; both exist. */
enum { GRANTER = 1, GRANTEE = 2, DEV = 0 };

static void two_domains(bool grantee_iommu)
{
    CHECK_EQ(gtio_domain_create(&m, GRANTER, true), 0);
    CHECK_EQ(gtio_domain_create(&m, GRANTEE, grantee_iommu), 0);
    if ( grantee_iommu )
        CHECK_EQ(gtio_device_assign(&m, DEV, GRANTEE), 0);
}

/*
 * A page of the grantee's own keeps its leaf table alive, so that unmaps
 * under test do not also empty a table (which needs a DSI).
 */
static void keep_tables(void)
{
    CHECK_EQ(gtio_page_populate(&m, GRANTEE, 63), 0);
}

static void grant(uint32_t ref, unsigned long mfn, bool ro)
{
    CHECK_EQ(gtio_page_populate(&m, GRANTER, mfn), 0);
    CHECK_EQ(gtio_grant_write(&m, GRANTER, ref,
                              GTF_permit_access | (ro ? GTF_readonly : 0),
                              GRANTEE, mfn), 0);
}

static uint32_t map(uint32_t ref, uint32_t flags)
{
    uint32_t h = ~0U;

    CHECK_EQ(gtio_grant_map(&m, GRANTEE, GRANTER, ref, flags, &h), GNTST_okay);
    return h;
}

static unsigned int grantee_access(unsigned long bfn)
{
    return gtio_pt_get(gtio_domain(&m, GRANTEE), bfn);
}

static unsigned long flushes(void)
{
    return m.stats.psi + m.stats.dsi + m.stats.global;
}

#define HD (GNTMAP_host_map | GNTMAP_device_map)

/* ---- the grant decision table (DESIGN.md section 5) ---- */

static void first_ro_map_maps_R_without_flush_when_cm0(void)
{
    unsigned long before;

    start(&default_setup);
    two_domains(true);
    grant(0, 5, false);
    before = flushes();
    map(0, HD | GNTMAP_readonly);
    CHECK_EQ(grantee_access(5), GTIO_ACCESS_R);
    CHECK_EQ(flushes(), before);
    stop();
}

static void first_map_flushes_when_cm1(void)
{
    struct setup s = default_setup;
    unsigned long before;

    s.cm = true;
    start(&s);
    two_domains(true);
    grant(0, 5, false);
    grant(1, 6, false);
    before = flushes();
    map(0, HD | GNTMAP_readonly);
    CHECK_EQ(grantee_access(5), GTIO_ACCESS_R);
    CHECK_EQ(flushes(), before + 1);
    map(1, HD);
    CHECK_EQ(grantee_access(6), GTIO_ACCESS_RW);
    CHECK_EQ(flushes(), before + 2);
    stop();
}

static void first_rw_map_maps_RW_without_flush_when_cm0(void)
{
    unsigned long before;

    start(&default_setup);
    two_domains(true);
    grant(0, 5, false);
    before = flushes();
    map(0, GNTMAP_device_map);
    CHECK_EQ(grantee_access(5), GTIO_ACCESS_RW);
    CHECK_EQ(flushes(), before);
    stop();
}

static void promotion_ro_to_rw_flushes(void)
{
    unsigned long before;

    start(&default_setup);
    two_domains(true);
    grant(0, 5, false);
    map(0, HD | GNTMAP_readonly);
    before = flushes();
    map(0, GNTMAP_device_map);
    CHECK_EQ(grantee_access(5), GTIO_ACCESS_RW);
    CHECK_EQ(m.stats.psi, 1);
    CHECK_EQ(flushes(), before + 1);
    stop();
}

static void map_with_rw_present_changes_nothing(void)
{
    unsigned long before;

    start(&default_setup);
    two_domains(true);
    grant(0, 5, false);
    map(0, GNTMAP_device_map);
    before = flushes();
    map(0, GNTMAP_host_map | GNTMAP_readonly);
    map(0, GNTMAP_host_map);
    CHECK_EQ(grantee_access(5), GTIO_ACCESS_RW);
    CHECK_EQ(flushes(), before);
    CHECK_EQ(gtio_count_of(gtio_domain(&m, GRANTEE), 5)->rw, 2);
    CHECK_EQ(gtio_count_of(gtio_domain(&m, GRANTEE), 5)->ro, 1);
    stop();
}

static void ro_map_with_ro_present_changes_nothing(void)
{
    unsigned long before;

    start(&default_setup);
    two_domains(true);
    grant(0, 5, true);
    map(0, HD | GNTMAP_readonly);
    before = flushes();
    map(0, GNTMAP_device_map | GNTMAP_readonly);
    CHECK_EQ(grantee_access(5), GTIO_ACCESS_R);
    CHECK_EQ(flushes(), before);
    stop();
}

static void demotion_rw_to_r_flushes_before_return(void)
{
    uint32_t h_ro, h_rw;
    unsigned long before;

    start(&default_setup);
    two_domains(true);
    grant(0, 5, false);
    h_ro = map(0, GNTMAP_device_map | GNTMAP_readonly);
    h_rw = map(0, GNTMAP_device_map);
    (void)h_ro;
    before = flushes();
    CHECK_EQ(gtio_grant_unmap(&m, GRANTEE, h_rw, GNTMAP_device_map),
             GNTST_okay);
    CHECK_EQ(grantee_access(5), GTIO_ACCESS_R);
    CHECK_EQ(flushes(), before + 1);
    stop();
}

static void last_unmap_removes_and_flushes(void)
{
    uint32_t h;
    unsigned long before;

    start(&default_setup);
    two_domains(true);
    grant(0, 5, false);
    h = map(0, HD | GNTMAP_readonly);
    before = flushes();
    CHECK_EQ(gtio_grant_unmap(&m, GRANTEE, h, HD), GNTST_okay);
    CHECK_EQ(grantee_access(5), GTIO_ACCESS_NONE);
    CHECK(flushes() > before);
    CHECK(gtio_count_of(gtio_domain(&m, GRANTEE), 5) == NULL);
    stop();
}

/* XSA-224/XSA-394: a handle counts once, released when fully unmapped. */
static void two_step_unmap_releases_count_once(void)
{
    struct gtio_domain *ld;
    uint32_t h;

    start(&default_setup);
    two_domains(true);
    grant(0, 5, false);
    h = map(0, HD);
    ld = gtio_domain(&m, GRANTEE);
    CHECK_EQ(gtio_count_of(ld, 5)->rw, 1);
    CHECK_EQ(gtio_grant_unmap(&m, GRANTEE, h, GNTMAP_host_map), GNTST_okay);
    CHECK(gtio_count_of(ld, 5) != NULL);
    CHECK_EQ(grantee_access(5), GTIO_ACCESS_RW);
    CHECK_EQ(gtio_grant_unmap(&m, GRANTEE, h, GNTMAP_host_map), GNTST_okay);
    CHECK_EQ(grantee_access(5), GTIO_ACCESS_RW);
    CHECK_EQ(gtio_grant_unmap(&m, GRANTEE, h, GNTMAP_device_map), GNTST_okay);
    CHECK(gtio_count_of(ld, 5) == NULL);
    CHECK_EQ(grantee_access(5), GTIO_ACCESS_NONE);
    CHECK_EQ(gtio_grant_unmap(&m, GRANTEE, h, GNTMAP_device_map),
             GNTST_bad_handle);
    stop();
}

static void host_only_map_gets_iommu_entry(void)
{
    start(&default_setup);
    two_domains(true);
    grant(0, 5, false);
    map(0, GNTMAP_host_map);
    CHECK_EQ(grantee_access(5), GTIO_ACCESS_RW);
    stop();
}

static void readonly_config_off_makes_ro_grant_nonpresent(void)
{
    struct setup s = default_setup;
    uint32_t h_rw;

    s.ro = false;
    start(&s);
    two_domains(true);
    grant(0, 5, false);
    map(0, GNTMAP_device_map | GNTMAP_readonly);
    CHECK_EQ(grantee_access(5), GTIO_ACCESS_NONE);
    h_rw = map(0, GNTMAP_device_map);
    CHECK_EQ(grantee_access(5), GTIO_ACCESS_RW);
    CHECK_EQ(gtio_grant_unmap(&m, GRANTEE, h_rw, GNTMAP_device_map),
             GNTST_okay);
    CHECK_EQ(grantee_access(5), GTIO_ACCESS_NONE);
    stop();
}

/* Two refs of one frame: 255 handles per (domain, frame) kind, then refused. */
static void count_overflow_fails_map(void)
{
    uint32_t h, i;
    int st = GNTST_okay;

    start(&default_setup);
    two_domains(true);
    grant(0, 5, true);
    CHECK_EQ(gtio_grant_write(&m, GRANTER, 1, GTF_permit_access | GTF_readonly,
                              GRANTEE, 5), 0);
    for ( i = 0; i < GTIO_COUNT_MAX && st == GNTST_okay; i++ )
        st = gtio_grant_map(&m, GRANTEE, GRANTER, i < 127 ? 0 : 1,
                            GNTMAP_device_map | GNTMAP_readonly, &h);
    CHECK_EQ(st, GNTST_okay);
    CHECK_EQ(gtio_count_of(gtio_domain(&m, GRANTEE), 5)->ro, GTIO_COUNT_MAX);
    CHECK_EQ(gtio_grant_map(&m, GRANTEE, GRANTER, 1,
                            GNTMAP_device_map | GNTMAP_readonly, &h),
             GNTST_general_error);
    CHECK_EQ(gtio_count_of(gtio_domain(&m, GRANTEE), 5)->ro, GTIO_COUNT_MAX);
    CHECK_EQ(gtio_domain(&m, GRANTEE)->maptrack_used, GTIO_COUNT_MAX);
    stop();
}

static void pin_overflow_fails_map(void)
{
    uint32_t h, i;
    int st = GNTST_okay;

    start(&default_setup);
    two_domains(true);
    grant(0, 5, false);
    for ( i = 0; i < GTIO_PIN_LIMIT && st == GNTST_okay; i++ )
        st = gtio_grant_map(&m, GRANTEE, GRANTER, 0, GNTMAP_device_map, &h);
    CHECK_EQ(st, GNTST_okay);
    CHECK_EQ(gtio_grant_map(&m, GRANTEE, GRANTER, 0, GNTMAP_device_map, &h),
             GNTST_general_error);
    CHECK_EQ(gtio_domain(&m, GRANTER)->active[0].pin.dev_rw, GTIO_PIN_LIMIT);
    stop();
}

/* ---- invalidation mechanics ---- */

static void psi_up_to_threshold_then_one_dsi(void)
{
    struct setup s = default_setup;
    uint32_t h[6];
    unsigned int i;

    s.psi_max = 2;
    start(&s);
    two_domains(true);
    keep_tables();
    for ( i = 0; i < 6; i++ )
    {
        grant(i, 10 + 3 * i, false);
        h[i] = map(i, GNTMAP_device_map);
    }
    gtio_hypercall_begin(&m);
    CHECK_EQ(gtio_grant_unmap(&m, GRANTEE, h[0], GNTMAP_device_map), 0);
    CHECK_EQ(gtio_grant_unmap(&m, GRANTEE, h[1], GNTMAP_device_map), 0);
    CHECK_EQ(m.stats.psi + m.stats.dsi, 0);
    CHECK_EQ(gtio_hypercall_end(&m), 0);
    CHECK_EQ(m.stats.psi, 2);
    CHECK_EQ(m.stats.dsi, 0);

    gtio_hypercall_begin(&m);
    for ( i = 2; i < 6; i++ )
        CHECK_EQ(gtio_grant_unmap(&m, GRANTEE, h[i], GNTMAP_device_map), 0);
    CHECK_EQ(gtio_hypercall_end(&m), 0);
    CHECK_EQ(m.stats.psi, 2);
    CHECK_EQ(m.stats.dsi, 1);
    stop();
}

static void psi_unavailable_uses_dsi(void)
{
    struct setup s = default_setup;
    uint32_t h;

    s.psi = false;
    start(&s);
    two_domains(true);
    grant(0, 5, false);
    h = map(0, GNTMAP_device_map);
    CHECK_EQ(gtio_grant_unmap(&m, GRANTEE, h, GNTMAP_device_map), 0);
    CHECK_EQ(m.stats.psi, 0);
    CHECK(m.stats.dsi >= 1);
    stop();
}

static void neighbour_pages_share_one_psi_within_mamv(void)
{
    struct setup s = default_setup;
    uint32_t h0, h1;

    start(&s);
    two_domains(true);
    keep_tables();
    grant(0, 20, false);
    grant(1, 21, false);
    h0 = map(0, GNTMAP_device_map);
    h1 = map(1, GNTMAP_device_map);
    gtio_hypercall_begin(&m);
    CHECK_EQ(gtio_grant_unmap(&m, GRANTEE, h0, GNTMAP_device_map), 0);
    CHECK_EQ(gtio_grant_unmap(&m, GRANTEE, h1, GNTMAP_device_map), 0);
    CHECK_EQ(gtio_hypercall_end(&m), 0);
    CHECK_EQ(m.stats.psi, 1);
    stop();

    s.mamv = 0;
    start(&s);
    two_domains(true);
    keep_tables();
    grant(0, 20, false);
    grant(1, 21, false);
    h0 = map(0, GNTMAP_device_map);
    h1 = map(1, GNTMAP_device_map);
    gtio_hypercall_begin(&m);
    CHECK_EQ(gtio_grant_unmap(&m, GRANTEE, h0, GNTMAP_device_map), 0);
    CHECK_EQ(gtio_grant_unmap(&m, GRANTEE, h1, GNTMAP_device_map), 0);
    CHECK_EQ(gtio_hypercall_end(&m), 0);
    CHECK_EQ(m.stats.psi, 2);
    stop();
}

static void qi_syncs_once_per_hypercall(void)
{
    uint32_t h[3];
    unsigned long waits;
    unsigned int i;

    start(&default_setup);
    two_domains(true);
    keep_tables();
    for ( i = 0; i < 3; i++ )
    {
        grant(i, 30 + 2 * i, false);
        h[i] = map(i, GNTMAP_device_map);
    }
    waits = m.stats.waits;
    gtio_hypercall_begin(&m);
    for ( i = 0; i < 3; i++ )
        CHECK_EQ(gtio_grant_unmap(&m, GRANTEE, h[i], GNTMAP_device_map), 0);
    CHECK_EQ(gtio_hypercall_end(&m), 0);
    CHECK_EQ(m.stats.psi, 3);
    CHECK_EQ(m.stats.waits, waits + 1);
    stop();
}

static void register_invalidation_needs_no_wait(void)
{
    struct setup s = default_setup;
    uint32_t h;

    s.qi = false;
    start(&s);
    two_domains(true);
    keep_tables();
    grant(0, 5, false);
    h = map(0, GNTMAP_device_map);
    CHECK_EQ(gtio_grant_unmap(&m, GRANTEE, h, GNTMAP_device_map), 0);
    CHECK_EQ(m.stats.psi, 1);
    CHECK_EQ(m.stats.waits, 0);
    CHECK(vtd_sim_stats()->reg_iotlb >= 1);
    CHECK_EQ(vtd_sim_stats()->qi_iotlb, 0);
    stop();
}

static void noncoherent_unit_gets_every_pte_written_back(void)
{
    struct setup s = default_setup;
    unsigned long before;

    start(&s);
    two_domains(true);
    grant(0, 5, false);
    CHECK_EQ(m.stats.clflush, 0);
    stop();

    s.coherent = false;
    start(&s);
    two_domains(true);
    grant(0, 5, false);
    before = m.stats.clflush;
    map(0, GNTMAP_device_map);
    CHECK(m.stats.clflush > before);
    before = m.stats.clflush;
    map(0, GNTMAP_host_map);            /* no PTE change: nothing to write */
    CHECK_EQ(m.stats.clflush, before);
    stop();
}

/* ---- forced flush points inside a hypercall ---- */

/* (b): the final put of a writable frame completes its unmap first. */
static void frame_free_inside_hypercall_flushes_first(void)
{
    unsigned long before;

    start(&default_setup);
    CHECK_EQ(gtio_domain_create(&m, GRANTER, true), 0);
    CHECK_EQ(gtio_device_assign(&m, DEV, GRANTER), 0);
    CHECK_EQ(gtio_page_populate(&m, GRANTER, 7), 0);
    CHECK_EQ(gtio_pt_get(gtio_domain(&m, GRANTER), 7), GTIO_ACCESS_RW);
    gtio_hypercall_begin(&m);
    before = flushes();
    CHECK_EQ(gtio_page_remove(&m, GRANTER, 7), 0);
    CHECK_EQ(flushes(), before + 1);     /* before the hypercall ends */
    CHECK_EQ(m.frames[7].owner, GTIO_OWNER_FREE);
    CHECK_EQ(gtio_pt_get(gtio_domain(&m, GRANTER), 7), GTIO_ACCESS_NONE);
    CHECK_EQ(gtio_hypercall_end(&m), 0);
    stop();
}

/* (c): losing the writable type completes the invalidation at once. */
static void pagetable_type_inside_hypercall_flushes_first(void)
{
    unsigned long before;

    start(&default_setup);
    CHECK_EQ(gtio_domain_create(&m, GRANTER, true), 0);
    CHECK_EQ(gtio_device_assign(&m, DEV, GRANTER), 0);
    CHECK_EQ(gtio_page_populate(&m, GRANTER, 7), 0);
    gtio_hypercall_begin(&m);
    before = flushes();
    CHECK_EQ(gtio_page_get_type(&m, GRANTER, 7, GTIO_PGT_L1), 0);
    CHECK_EQ(flushes(), before + 1);
    CHECK_EQ(gtio_pt_get(gtio_domain(&m, GRANTER), 7), GTIO_ACCESS_NONE);
    CHECK_EQ(gtio_hypercall_end(&m), 0);
    /* Dropping the type keeps it: the mapping changes on type changes. */
    CHECK_EQ(gtio_page_put_type(&m, GRANTER, 7), 0);
    CHECK_EQ(gtio_pt_get(gtio_domain(&m, GRANTER), 7), GTIO_ACCESS_NONE);
    CHECK_EQ(gtio_page_get_type(&m, GRANTER, 7, GTIO_PGT_WRITABLE), 0);
    CHECK_EQ(gtio_pt_get(gtio_domain(&m, GRANTER), 7), GTIO_ACCESS_RW);
    stop();
}

/* (d): GTF_reading/GTF_writing stay set until the unmap's flush completed. */
static void grant_status_cleared_only_after_flush(void)
{
    grant_entry_v1_t *sha;
    uint32_t h;
    unsigned long before;

    start(&default_setup);
    two_domains(true);
    grant(0, 5, false);
    h = map(0, GNTMAP_device_map);
    sha = &gtio_domain(&m, GRANTER)->shared[0];
    CHECK_EQ(sha->flags & (GTF_reading | GTF_writing),
             GTF_reading | GTF_writing);
    gtio_hypercall_begin(&m);
    before = flushes();
    CHECK_EQ(gtio_grant_unmap(&m, GRANTEE, h, GNTMAP_device_map), 0);
    CHECK_EQ(sha->flags & (GTF_reading | GTF_writing),
             GTF_reading | GTF_writing);
    CHECK_EQ(m.frames[5].refs, 2);
    CHECK_EQ(flushes(), before);
    CHECK_EQ(gtio_hypercall_end(&m), 0);
    CHECK_EQ(flushes(), before + 1);
    CHECK_EQ(sha->flags & (GTF_reading | GTF_writing), 0);
    CHECK_EQ(m.frames[5].refs, 1);
    stop();
}

/* ---- bad input: Xen's status, and nothing changes ---- */

struct snapshot {
    struct gtio_frame frames[64];
    struct gtio_domain dom[GTIO_MAX_DOMAINS];
    domid_t device_owner[GTIO_MAX_DEVICES];
    unsigned int nr_releases;
    size_t heap_pages;
};

static void take(struct snapshot *s)
{
    memset(s, 0, sizeof(*s));           /* padding too: compared bytewise */
    memcpy(s->frames, m.frames, sizeof(s->frames));
    memcpy(s->dom, m.dom, sizeof(s->dom));
    memcpy(s->device_owner, m.device_owner, sizeof(s->device_owner));
    s->nr_releases = m.nr_releases;
    s->heap_pages = heap_live_pages();
}

static bool unchanged(const struct snapshot *s)
{
    struct snapshot now;

    take(&now);
    return !memcmp(&now, s, sizeof(now));
}

static void expect_map_refused(domid_t ld, domid_t rd, uint32_t ref,
                               uint32_t flags, int status)
{
    struct snapshot s;
    uint32_t h;

    take(&s);
    CHECK_EQ(gtio_grant_map(&m, ld, rd, ref, flags, &h), status);
    CHECK(unchanged(&s));
}

static void bad_map_input_gets_xen_status_and_changes_nothing(void)
{
    start(&default_setup);
    two_domains(true);
    CHECK_EQ(gtio_domain_create(&m, 3, false), 0);
    grant(0, 5, true);
    CHECK_EQ(gtio_page_populate(&m, 3, 9), 0);
    CHECK_EQ(gtio_grant_write(&m, GRANTER, 1, GTF_permit_access, GRANTEE, 9), 0);
    CHECK_EQ(gtio_grant_write(&m, GRANTER, 2, GTF_permit_access, GRANTEE, 40), 0);
    CHECK_EQ(gtio_grant_write(&m, GRANTER, 3, GTF_permit_access, 3, 5), 0);
    CHECK_EQ(gtio_grant_write(&m, GRANTER, 4, 0, GRANTEE, 5), 0);

    expect_map_refused(GRANTEE, GRANTER, 0, 0, GNTST_bad_gntref);
    expect_map_refused(GRANTEE, 0, 0, HD, GNTST_bad_domain);
    expect_map_refused(GRANTEE, 9, 0, HD, GNTST_bad_domain);
    expect_map_refused(GRANTEE, GRANTER, GTIO_NR_GRANTS, HD, GNTST_bad_gntref);
    expect_map_refused(GRANTEE, GRANTER, 0, HD, GNTST_general_error);   /* RW of r/o */
    expect_map_refused(GRANTEE, GRANTER, 1, HD, GNTST_bad_page);        /* foreign */
    expect_map_refused(GRANTEE, GRANTER, 2, HD, GNTST_bad_page);        /* free */
    expect_map_refused(GRANTEE, GRANTER, 3, HD, GNTST_general_error);   /* other grantee */
    expect_map_refused(GRANTEE, GRANTER, 4, HD, GNTST_general_error);   /* ended */
    expect_map_refused(0, GRANTER, 0, HD | GNTMAP_readonly, GNTST_general_error);
    stop();
}

static void bad_unmap_input_gets_xen_status_and_changes_nothing(void)
{
    struct snapshot s;
    uint32_t h;

    start(&default_setup);
    two_domains(true);
    CHECK_EQ(gtio_domain_create(&m, 3, true), 0);
    grant(0, 5, false);
    h = map(0, GNTMAP_device_map);
    take(&s);
    CHECK_EQ(gtio_grant_unmap(&m, GRANTEE, h + 1, HD), GNTST_bad_handle);
    CHECK_EQ(gtio_grant_unmap(&m, GRANTEE, GTIO_MAX_HANDLES, HD),
             GNTST_bad_handle);
    CHECK_EQ(gtio_grant_unmap(&m, 3, h, HD), GNTST_bad_handle);  /* not its handle */
    CHECK_EQ(gtio_grant_unmap(&m, GRANTEE, h, GNTMAP_host_map), GNTST_okay);
    CHECK(unchanged(&s));
    CHECK_EQ(gtio_grant_unmap(&m, GRANTEE, h, HD), GNTST_okay);
    CHECK_EQ(gtio_grant_unmap(&m, GRANTEE, h, HD), GNTST_bad_handle); /* double */
    stop();
}

static void full_maptrack_gets_no_space(void)
{
    uint32_t h, i;
    int st = GNTST_okay;

    start(&default_setup);
    two_domains(false);
    for ( i = 0; i < 3; i++ )
        grant(i, 5 + i, false);
    for ( i = 0; i < GTIO_MAX_HANDLES && st == GNTST_okay; i++ )
        st = gtio_grant_map(&m, GRANTEE, GRANTER, i % 3, GNTMAP_host_map, &h);
    CHECK_EQ(st, GNTST_okay);
    expect_map_refused(GRANTEE, GRANTER, 0, GNTMAP_host_map, GNTST_no_space);
    stop();
}

/* ---- allocation failures roll back completely ---- */

static void rollback_after_each_allocation_failure(void)
{
    static const enum fault_point points[] = {
        FP_PT_ALLOC, FP_MAPTRACK_ALLOC, FP_COUNTER_ALLOC,
    };
    static const int status[] = {
        GNTST_general_error, GNTST_no_space, GNTST_general_error,
    };
    unsigned int i;

    for ( i = 0; i < 3; i++ )
    {
        start(&default_setup);
        CHECK_EQ(gtio_domain_create(&m, GRANTER, true), 0);
        CHECK_EQ(gtio_domain_create(&m, GRANTEE, true), 0);
        grant(0, 5, false);
        /* The grantee's tables are built lazily: a fresh root is all it has. */
        CHECK_EQ(gtio_device_assign(&m, DEV, GRANTEE), 0);
        fault_arm_point(points[i], 1);
        expect_map_refused(GRANTEE, GRANTER, 0, HD, status[i]);
        CHECK_EQ(fault_injected_total(), 1);
        CHECK_EQ(gtio_domain(&m, GRANTER)->shared[0].flags, GTF_permit_access);
        CHECK_EQ(grantee_access(5), GTIO_ACCESS_NONE);
        map(0, HD);                      /* and it works afterwards */
        CHECK_EQ(grantee_access(5), GTIO_ACCESS_RW);
        stop();
    }
}

static void populate_table_alloc_failure_leaves_no_trace(void)
{
    struct snapshot s;

    start(&default_setup);
    CHECK_EQ(gtio_domain_create(&m, GRANTER, true), 0);
    CHECK_EQ(gtio_device_assign(&m, DEV, GRANTER), 0);
    take(&s);
    fault_arm_point(FP_PT_ALLOC, 1);
    CHECK_EQ(gtio_page_populate(&m, GRANTER, 7), -ENOMEM);
    CHECK(unchanged(&s));
    CHECK_EQ(gtio_page_populate(&m, GRANTER, 7), 0);
    stop();
}

/* ---- failed flushes ---- */

static void timed_out_flush_crashes_domain_and_blocks_devices(void)
{
    start(&default_setup);
    CHECK_EQ(gtio_domain_create(&m, GRANTER, true), 0);
    CHECK_EQ(gtio_device_assign(&m, DEV, GRANTER), 0);
    CHECK_EQ(gtio_page_populate(&m, GRANTER, 7), 0);
    fault_arm_point(FP_QI_WAIT_TIMEOUT, 1);
    CHECK(gtio_page_remove(&m, GRANTER, 7) != 0);
    CHECK(gtio_domain(&m, GRANTER)->crashed);
    CHECK_EQ(m.device_owner[DEV], GTIO_NO_DOMAIN);
    CHECK(m.frames[7].held);
    CHECK_EQ(m.frames[7].owner, GRANTER);     /* never freed */
    stop();
}

static void register_timeout_is_never_success(void)
{
    struct setup s = default_setup;

    s.qi = false;
    start(&s);
    CHECK_EQ(gtio_domain_create(&m, GRANTER, true), 0);
    CHECK_EQ(gtio_device_assign(&m, DEV, GRANTER), 0);
    CHECK_EQ(gtio_page_populate(&m, GRANTER, 7), 0);
    fault_arm_point(FP_REG_INV_TIMEOUT, 1);
    CHECK_EQ(gtio_page_get_type(&m, GRANTER, 7, GTIO_PGT_L1), -ETIMEDOUT);
    CHECK(gtio_domain(&m, GRANTER)->crashed);
    CHECK_EQ(m.frames[7].type, GTIO_PGT_WRITABLE);
    CHECK_EQ(m.device_owner[DEV], GTIO_NO_DOMAIN);
    stop();
}

static void queue_error_is_never_success(void)
{
    start(&default_setup);
    CHECK_EQ(gtio_domain_create(&m, GRANTER, true), 0);
    CHECK_EQ(gtio_device_assign(&m, DEV, GRANTER), 0);
    CHECK_EQ(gtio_page_populate(&m, GRANTER, 7), 0);
    fault_arm_point(FP_QI_ERROR, 1);
    CHECK_EQ(gtio_page_remove(&m, GRANTER, 7), -EIO);
    CHECK(gtio_domain(&m, GRANTER)->crashed);
    CHECK(m.frames[7].held);
    stop();
}

static void hardware_domain_gets_the_error_and_is_not_crashed(void)
{
    start(&default_setup);
    CHECK_EQ(gtio_domain_create(&m, 0, true), 0);
    CHECK_EQ(gtio_device_assign(&m, DEV, 0), 0);
    CHECK_EQ(gtio_page_populate(&m, 0, 7), 0);
    fault_arm_point(FP_QI_WAIT_TIMEOUT, 1);
    CHECK_EQ(gtio_page_remove(&m, 0, 7), -ETIMEDOUT);
    CHECK(!gtio_domain(&m, 0)->crashed);
    CHECK_EQ(m.device_owner[DEV], 0);
    CHECK(m.frames[7].held);
    stop();
}

/* ---- tables ---- */

static void emptied_tables_freed_only_after_flush(void)
{
    size_t pages;
    uint32_t h;

    start(&default_setup);
    two_domains(true);
    grant(0, 5, false);
    pages = heap_live_pages();
    h = map(0, GNTMAP_device_map);
    CHECK_EQ(heap_live_pages(), pages + 3);   /* L3, L2, L1 under the root */
    gtio_hypercall_begin(&m);
    CHECK_EQ(gtio_grant_unmap(&m, GRANTEE, h, GNTMAP_device_map), 0);
    CHECK_EQ(heap_live_pages(), pages + 3);   /* unlinked, not yet freed */
    CHECK_EQ(gtio_hypercall_end(&m), 0);
    CHECK_EQ(heap_live_pages(), pages);
    CHECK_EQ(m.stats.dsi, 1);                 /* paging-structure caches */
    stop();
}

/* ---- a domain without IOMMU does no IOMMU work ---- */

static void no_iommu_work_without_iommu(void)
{
    struct vtd_sim_stats hw;
    struct gtio_stats core;
    size_t pages;
    uint32_t h;

    start(&default_setup);
    hw = *vtd_sim_stats();
    core = m.stats;
    pages = heap_live_pages();
    CHECK_EQ(gtio_domain_create(&m, GRANTER, false), 0);
    CHECK_EQ(gtio_domain_create(&m, GRANTEE, false), 0);
    grant(0, 5, false);
    h = map(0, HD);
    CHECK_EQ(gtio_page_get_type(&m, GRANTER, 6, GTIO_PGT_L1), -EINVAL);
    CHECK_EQ(gtio_page_populate(&m, GRANTER, 6), 0);
    CHECK_EQ(gtio_page_get_type(&m, GRANTER, 6, GTIO_PGT_L2), 0);
    CHECK_EQ(gtio_page_put_type(&m, GRANTER, 6), 0);
    CHECK_EQ(gtio_grant_unmap(&m, GRANTEE, h, HD), 0);
    CHECK_EQ(gtio_page_remove(&m, GRANTER, 5), 0);
    CHECK_EQ(gtio_domain_destroy(&m, GRANTEE), 0);
    CHECK_EQ(gtio_domain_destroy(&m, GRANTER), 0);
    CHECK_EQ(heap_live_pages(), pages);
    CHECK(!memcmp(&hw, vtd_sim_stats(), sizeof(hw)));
    CHECK(!memcmp(&core, &m.stats, sizeof(core)));
    CHECK_EQ(gtio_device_assign(&m, DEV, GRANTER), -EINVAL);
    stop();
}

/* ---- device and domain lifetime ---- */

static void first_device_builds_tables_from_current_state(void)
{
    start(&default_setup);
    CHECK_EQ(gtio_domain_create(&m, GRANTER, true), 0);
    CHECK_EQ(gtio_domain_create(&m, GRANTEE, true), 0);
    grant(0, 5, false);
    CHECK_EQ(gtio_page_populate(&m, GRANTEE, 8), 0);
    map(0, GNTMAP_device_map | GNTMAP_readonly);
    CHECK(!gtio_domain(&m, GRANTEE)->iommu.enabled);
    CHECK_EQ(gtio_device_assign(&m, DEV, GRANTEE), 0);
    CHECK_EQ(grantee_access(5), GTIO_ACCESS_R);
    CHECK_EQ(grantee_access(8), GTIO_ACCESS_RW);
    CHECK_EQ(gtio_count_of(gtio_domain(&m, GRANTEE), 5)->ro, 1);
    stop();
}

static void destroy_quarantines_then_releases(void)
{
    size_t pages;

    start(&default_setup);
    pages = heap_live_pages();
    two_domains(true);
    grant(0, 5, false);
    map(0, GNTMAP_device_map);
    CHECK_EQ(gtio_domain_destroy(&m, GRANTEE), 0);
    CHECK_EQ(m.device_owner[DEV], GTIO_NO_DOMAIN);
    CHECK_EQ(m.frames[5].refs, 1);
    CHECK_EQ(gtio_domain(&m, GRANTER)->shared[0].flags, GTF_permit_access);
    CHECK_EQ(gtio_domain(&m, GRANTEE)->state, GTIO_DOM_NONE);
    CHECK_EQ(gtio_domain_destroy(&m, GRANTER), 0);
    CHECK_EQ(heap_live_pages(), pages);
    CHECK_EQ(gtio_domain_create(&m, GRANTEE, true), 0);  /* id reusable */
    stop();
}

static void granter_slot_waits_for_foreign_mappings(void)
{
    uint32_t h;

    start(&default_setup);
    two_domains(true);
    grant(0, 5, false);
    h = map(0, GNTMAP_device_map);
    CHECK_EQ(gtio_domain_destroy(&m, GRANTER), 0);
    CHECK_EQ(gtio_domain(&m, GRANTER)->state, GTIO_DOM_DYING);
    CHECK_EQ(gtio_domain_create(&m, GRANTER, true), -EBUSY);
    CHECK_EQ(m.frames[5].owner, GRANTER);
    CHECK_EQ(grantee_access(5), GTIO_ACCESS_RW);
    CHECK_EQ(gtio_grant_unmap(&m, GRANTEE, h, GNTMAP_device_map), 0);
    CHECK_EQ(m.frames[5].owner, GTIO_OWNER_FREE);
    CHECK_EQ(gtio_domain(&m, GRANTER)->state, GTIO_DOM_NONE);
    stop();
}

int main(void)
{
    RUN(first_ro_map_maps_R_without_flush_when_cm0);
    RUN(first_map_flushes_when_cm1);
    RUN(first_rw_map_maps_RW_without_flush_when_cm0);
    RUN(promotion_ro_to_rw_flushes);
    RUN(map_with_rw_present_changes_nothing);
    RUN(ro_map_with_ro_present_changes_nothing);
    RUN(demotion_rw_to_r_flushes_before_return);
    RUN(last_unmap_removes_and_flushes);
    RUN(two_step_unmap_releases_count_once);
    RUN(host_only_map_gets_iommu_entry);
    RUN(readonly_config_off_makes_ro_grant_nonpresent);
    RUN(count_overflow_fails_map);
    RUN(pin_overflow_fails_map);
    RUN(psi_up_to_threshold_then_one_dsi);
    RUN(psi_unavailable_uses_dsi);
    RUN(neighbour_pages_share_one_psi_within_mamv);
    RUN(qi_syncs_once_per_hypercall);
    RUN(register_invalidation_needs_no_wait);
    RUN(noncoherent_unit_gets_every_pte_written_back);
    RUN(frame_free_inside_hypercall_flushes_first);
    RUN(pagetable_type_inside_hypercall_flushes_first);
    RUN(grant_status_cleared_only_after_flush);
    RUN(bad_map_input_gets_xen_status_and_changes_nothing);
    RUN(bad_unmap_input_gets_xen_status_and_changes_nothing);
    RUN(full_maptrack_gets_no_space);
    RUN(rollback_after_each_allocation_failure);
    RUN(populate_table_alloc_failure_leaves_no_trace);
    RUN(timed_out_flush_crashes_domain_and_blocks_devices);
    RUN(register_timeout_is_never_success);
    RUN(queue_error_is_never_success);
    RUN(hardware_domain_gets_the_error_and_is_not_crashed);
    RUN(emptied_tables_freed_only_after_flush);
    RUN(no_iommu_work_without_iommu);
    RUN(first_device_builds_tables_from_current_state);
    RUN(destroy_quarantines_then_releases);
    RUN(granter_slot_waits_for_foreign_mappings);
    return tests_failed ? 1 : 0;
}
