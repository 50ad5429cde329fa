/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Unit tests of the machine's frames (harness/machine/heap.c), of the
 * stand-in for Xen's allocator and its fault points
 * (harness/xen/page_alloc.c, fault.c) and of the hooks (hooks.c).
 */
#include <setjmp.h>
#include <stdio.h>
#include <string.h>

#include <harness/hooks.h>
#include <xen/sched.h>
#include <xen/mm.h>

#include "fault.h"
#include "heap.h"
#include "machine.h"
#include "vtd_sim.h"
#include "../lib/check.h"

static void fresh(void)
{
    struct vtd_sim_caps c = { .coherent = true };

    machine_reset();
    vtd_sim_reset(&c);
}

/* Run fn; return the kind of fatal event it raised (NONE if it returned). */
static enum harness_fatal_kind fatal_of(void (*fn)(void))
{
    static jmp_buf jb;
    int kind = setjmp(jb);

    if ( kind )
    {
        harness_set_unwind(NULL);
        return kind;
    }
    harness_set_unwind(&jb);
    fn();
    harness_set_unwind(NULL);
    return HARNESS_FATAL_NONE;
}

static void frames_are_numbered_poisoned_and_reused_lifo(void)
{
    struct page_info *a, *b, *c;
    unsigned char *va, byte;

    fresh();
    a = heap_alloc_frame();
    b = heap_alloc_frame();
    CHECK_EQ(hh_page_to_mfn(a), HEAP_BASE_MFN);
    CHECK_EQ(hh_page_to_mfn(b), HEAP_BASE_MFN + 1);
    CHECK(hh_mfn_to_page(HEAP_BASE_MFN + 1) == b);
    CHECK(!heap_page_is_guest(a));
    va = hh_map_frame(HEAP_BASE_MFN);
    CHECK_EQ(va[0], HEAP_POISON_BYTE);
    CHECK_EQ(va[4095], HEAP_POISON_BYTE);
    CHECK_EQ(heap_live_pages(), 2);
    CHECK_EQ(heap_frame_state(HEAP_BASE_MFN), HEAP_FRAME_LIVE);

    memset(va, 0x11, 4096);
    heap_free_frame(a);
    CHECK_EQ(heap_frame_state(HEAP_BASE_MFN), HEAP_FRAME_FREE);
    heap_frame_read(HEAP_BASE_MFN, 7, &byte, 1);
    CHECK_EQ(byte, 0x11);                   /* freed, not cleared */
    heap_free_frame(b);
    CHECK_EQ(heap_live_pages(), 0);
    c = heap_alloc_frame();
    CHECK(c == b);                          /* last freed, first reused */
    CHECK_EQ(((unsigned char *)hh_map_frame(HEAP_BASE_MFN + 1))[9],
             HEAP_POISON_BYTE);
    CHECK(heap_alloc_frame() == a);
    CHECK_EQ(heap_frames_used(), 2);

    /* Reset: the same numbers again. */
    fresh();
    CHECK_EQ(hh_page_to_mfn(heap_alloc_frame()), HEAP_BASE_MFN);
    CHECK_EQ(heap_frame_state(HEAP_BASE_MFN + 1), HEAP_FRAME_NONE);
}

static void guest_frames_have_page_info_but_no_memory(void)
{
    fresh();
    heap_set_guest_frames(16);
    CHECK_EQ(heap_guest_frames(), 16);
    CHECK(heap_guest_page(15) != NULL);
    CHECK(heap_guest_page(16) == NULL);
    CHECK(heap_page_is_guest(heap_guest_page(3)));
    CHECK(hh_mfn_to_page(3) == heap_guest_page(3));
    CHECK_EQ(hh_page_to_mfn(heap_guest_page(9)), 9);
    CHECK(hh_mfn_valid(15));
    CHECK(!hh_mfn_valid(16));
    CHECK(!hh_mfn_valid(HEAP_BASE_MFN));    /* not handed out yet */
    heap_alloc_frame();
    CHECK(hh_mfn_valid(HEAP_BASE_MFN));
    CHECK_EQ(heap_frame_state(3), HEAP_FRAME_NONE);
    /* Fewer guest frames: the ones beyond are gone. */
    heap_set_guest_frames(4);
    CHECK(heap_guest_page(4) == NULL);
    CHECK(!hh_mfn_valid(4));
}

static void double_free(void)
{
    struct page_info *pg = heap_alloc_frame();

    heap_free_frame(pg);
    heap_free_frame(pg);
}

static void free_never_allocated(void)
{
    heap_free_frame(hh_mfn_to_page(HEAP_BASE_MFN + 77));
}

static void free_guest_frame_to_heap(void)
{
    heap_set_guest_frames(8);
    heap_free_frame(heap_guest_page(2));
}

static void map_guest_frame(void)
{
    heap_set_guest_frames(8);
    (void)hh_map_frame(3);
}

static void map_freed_frame(void)
{
    struct page_info *pg = heap_alloc_frame();

    heap_free_frame(pg);
    (void)hh_map_frame(hh_page_to_mfn(pg));
}

static void bad_xfree(void)
{
    int x;

    hh_xfree(&x);
}

static void heap_misuse_is_a_bug(void)
{
    fresh();
    CHECK_EQ(fatal_of(double_free), HARNESS_FATAL_BUG);
    CHECK(strstr(harness_last_fatal()->what, "double free"));
    CHECK_EQ(fatal_of(free_never_allocated), HARNESS_FATAL_BUG);
    CHECK(strstr(harness_last_fatal()->what, "never allocated"));
    CHECK_EQ(fatal_of(free_guest_frame_to_heap), HARNESS_FATAL_BUG);
    CHECK_EQ(fatal_of(map_guest_frame), HARNESS_FATAL_BUG);
    CHECK(strstr(harness_last_fatal()->what, "without memory"));
    CHECK_EQ(fatal_of(map_freed_frame), HARNESS_FATAL_BUG);
    CHECK(strstr(harness_last_fatal()->what, "freed"));
    CHECK_EQ(fatal_of(bad_xfree), HARNESS_FATAL_BUG);
    CHECK(harness_last_fatal()->file != NULL);
}

/* The heap itself never fails on purpose: only its limit stops it. */
static void heap_fails_only_at_its_limit(void)
{
    unsigned int p;

    fresh();
    for ( p = 0; p < FP_NR; p++ )
        fault_arm_point(p, 1);
    CHECK(heap_alloc_frame() != NULL);
    CHECK(heap_xmalloc(32, true) != NULL);
    CHECK_EQ(fault_injected_total(), 0);
    CHECK(fault_armed());

    heap_set_limit(3);
    CHECK(heap_alloc_frame() != NULL);
    CHECK(heap_alloc_frame() != NULL);
    CHECK(heap_alloc_frame() == NULL);
    CHECK_EQ(heap_live_pages(), 3);
    heap_free_frame(hh_mfn_to_page(HEAP_BASE_MFN));
    CHECK(heap_alloc_frame() != NULL);
    /* A reset lifts the limit. */
    fresh();
    CHECK(heap_alloc_frame() != NULL);
    CHECK(heap_alloc_frame() != NULL);
    CHECK(heap_alloc_frame() != NULL);
    CHECK(heap_alloc_frame() != NULL);
    CHECK_EQ(heap_live_pages(), 4);
}

/* Each allocation site fails at its own point, and only there. */
static void domheap_pages_fail_at_their_site(void)
{
    fresh();
    fault_arm_point(FP_PT_ALLOC, 2);
    CHECK(hh_alloc_domheap_page(NULL, 0, "iommu_alloc_pgtable") != NULL);
    CHECK(hh_alloc_domheap_page(NULL, 0, "alloc_zeroed_page") != NULL);
    CHECK_EQ(fault_hits(FP_PT_ALLOC), 1);
    CHECK_EQ(fault_hits(FP_XMALLOC), 1);
    CHECK(hh_alloc_domheap_page(NULL, 0, "iommu_alloc_pgtable") == NULL);
    CHECK(hh_alloc_domheap_page(NULL, 0, "iommu_alloc_pgtable") != NULL);
    CHECK_EQ(fault_injected(FP_PT_ALLOC), 1);
    CHECK_EQ(fault_last_injected(), FP_PT_ALLOC);

    /* Any other site is the generic point. */
    fault_arm_point(FP_XMALLOC, 1);
    CHECK(hh_alloc_domheap_page(NULL, 0, "iommu_alloc_pgtable") != NULL);
    CHECK(hh_alloc_domheap_page(NULL, 0, "alloc_zeroed_page") == NULL);
    CHECK_EQ(fault_injected(FP_XMALLOC), 1);
    CHECK_EQ(heap_live_pages(), 4);
    CHECK_EQ(fault_injected_total(), 2);
}

static void xenheap_pages_fail_at_their_site(void)
{
    void *grant, *maptrack, *other;
    struct page_info *pg;

    fresh();
    fault_arm_point(FP_GNTTAB_GROW, 1);
    fault_arm_point(FP_MAPTRACK_ALLOC, 1);
    CHECK(hh_alloc_xenheap_page("gnttab_grow_table") == NULL);
    CHECK(hh_alloc_xenheap_page("get_maptrack_handle") == NULL);
    CHECK_EQ(fault_injected(FP_GNTTAB_GROW), 1);
    CHECK_EQ(fault_injected(FP_MAPTRACK_ALLOC), 1);
    CHECK_EQ(heap_live_pages(), 0);

    /* A domheap table page does not use the grant table's point. */
    fault_arm_point(FP_GNTTAB_GROW, 1);
    CHECK(hh_alloc_domheap_page(NULL, 0, "iommu_alloc_pgtable") != NULL);
    CHECK(fault_armed());
    grant = hh_alloc_xenheap_page("gnttab_grow_table");
    CHECK(grant == NULL);
    grant = hh_alloc_xenheap_page("gnttab_grow_table");
    maptrack = hh_alloc_xenheap_page("get_maptrack_handle");
    fault_arm_point(FP_XMALLOC, 1);
    other = hh_alloc_xenheap_page("elsewhere");
    CHECK(grant && maptrack && !other);

    /* A Xen heap page: mapped, marked, given back by its address. */
    pg = hh_virt_to_page(grant);
    CHECK(pg->count_info & PGC_xen_heap);
    CHECK(hh_map_frame(hh_page_to_mfn(pg)) == grant);
    CHECK_EQ(heap_live_pages(), 3);
    hh_free_xenheap_page(grant);
    hh_free_xenheap_page(NULL);
    CHECK_EQ(heap_live_pages(), 2);
    CHECK_EQ(heap_frame_state(hh_page_to_mfn(pg)), HEAP_FRAME_FREE);
    hh_free_xenheap_page(maptrack);
    CHECK_EQ(heap_live_pages(), 1);
}

static void xmalloc_fails_at_its_site(void)
{
    void *p, *q;

    fresh();
    fault_arm_point(FP_COUNTER_ALLOC, 1);
    CHECK(hh_xmalloc(64, "domain_create", "struct domain", true) != NULL);
    CHECK(hh_xmalloc(576, "rcu_node_alloc", "struct rcu_node", false) ==
          NULL);
    CHECK_EQ(fault_injected(FP_COUNTER_ALLOC), 1);
    fault_arm_point(FP_XMALLOC, 1);
    CHECK(hh_xmalloc(576, "rcu_node_alloc", "struct rcu_node", false) != NULL);
    CHECK(hh_xmalloc(8, "grant_table_init", "struct grant_table", true) ==
          NULL);
    CHECK_EQ(fault_injected_total(), 2);
    CHECK_EQ(fault_last_injected(), FP_XMALLOC);

    p = hh_xmalloc(16, "t", "int", true);
    q = hh_xmalloc(16, "t", "int", false);
    CHECK(p && q);
    CHECK_EQ(((unsigned char *)p)[5], 0);
    CHECK_EQ(((unsigned char *)q)[5], HEAP_POISON_BYTE);
    CHECK_EQ(heap_live_xmallocs(), 4);
    hh_xfree(p);
    hh_xfree(NULL);
    CHECK_EQ(heap_live_xmallocs(), 3);
    heap_reset();                           /* releases the leaked ones */
    CHECK_EQ(heap_live_xmallocs(), 0);
}

/* The allocator gives frames to Xen only: a guest's come from populate. */
static void domheap_page_for_a_domain(void)
{
    static struct domain dummy;

    (void)hh_alloc_domheap_page(&dummy, 0, "alloc_domheap_pages");
}

/* A Xen heap page a domain still holds may not go back. */
static void free_held_xenheap_page(void)
{
    void *va = hh_alloc_xenheap_page("gnttab_grow_table");

    hh_virt_to_page(va)->count_info |= PGC_allocated | 1;
    hh_free_xenheap_page(va);
}

static void free_domheap_page_as_xenheap(void)
{
    struct page_info *pg = hh_alloc_domheap_page(NULL, 0, "x");

    hh_free_xenheap_page(hh_map_frame(hh_page_to_mfn(pg)));
}

static void free_xenheap_page_as_domheap(void)
{
    void *va = hh_alloc_xenheap_page("gnttab_grow_table");

    hh_free_domheap_page(hh_virt_to_page(va));
}

static void allocator_misuse_is_a_bug(void)
{
    fresh();
    CHECK_EQ(fatal_of(domheap_page_for_a_domain), HARNESS_FATAL_BUG);
    CHECK_EQ(fatal_of(free_held_xenheap_page), HARNESS_FATAL_BUG);
    CHECK_EQ(fatal_of(free_domheap_page_as_xenheap), HARNESS_FATAL_BUG);
    CHECK_EQ(fatal_of(free_xenheap_page_as_domheap), HARNESS_FATAL_BUG);
    /* No fault point was hit by a refused request for a domain's page. */
    CHECK_EQ(fault_injected_total(), 0);
}

static void fail_nth_counts_every_point(void)
{
    fresh();
    fault_arm_nth(3);
    CHECK(fault_armed());
    CHECK(!fault_hit(FP_XMALLOC));
    CHECK(!fault_hit(FP_QI_ERROR));
    CHECK(fault_hit(FP_PT_ALLOC));
    CHECK(!fault_hit(FP_PT_ALLOC));
    CHECK(!fault_armed());
    CHECK_EQ(fault_hits(FP_PT_ALLOC), 2);
    CHECK_EQ(fault_injected_total(), 1);
    CHECK_EQ(fault_last_injected(), FP_PT_ALLOC);

    fault_arm_point(FP_QI_ERROR, 2);
    CHECK(!fault_hit(FP_PT_ALLOC));         /* other points do not count */
    CHECK(!fault_hit(FP_QI_ERROR));
    CHECK(fault_hit(FP_QI_ERROR));
    fault_reset();
    CHECK_EQ(fault_injected_total(), 0);
    CHECK_EQ(fault_last_injected(), FP_NR);
    CHECK(!fault_hit(FP_NR));
}

/* fail_nth through the allocator: the n-th allocation of any site fails. */
static void fail_nth_reaches_every_site(void)
{
    fresh();
    fault_arm_nth(4);
    CHECK(hh_alloc_domheap_page(NULL, 0, "iommu_alloc_pgtable") != NULL);
    CHECK(hh_alloc_xenheap_page("gnttab_grow_table") != NULL);
    CHECK(hh_xmalloc(8, "rcu_node_alloc", "struct rcu_node", true) != NULL);
    CHECK(hh_alloc_xenheap_page("get_maptrack_handle") == NULL);
    CHECK_EQ(fault_last_injected(), FP_MAPTRACK_ALLOC);
    CHECK_EQ(fault_hits(FP_PT_ALLOC), 1);
    CHECK_EQ(fault_hits(FP_GNTTAB_GROW), 1);
    CHECK_EQ(fault_hits(FP_COUNTER_ALLOC), 1);
    CHECK_EQ(fault_hits(FP_MAPTRACK_ALLOC), 1);
    CHECK(!fault_armed());
    CHECK_EQ(heap_live_pages(), 2);
    CHECK_EQ(heap_live_xmallocs(), 1);
}

static void fault_points_have_names(void)
{
    unsigned int p;

    CHECK(!strcmp(fault_point_name(FP_QI_WAIT_TIMEOUT), "qi-wait-timeout"));
    CHECK(!strcmp(fault_point_name(FP_PT_ALLOC), "pt-alloc"));
    CHECK(!strcmp(fault_point_name(FP_COUNTER_ALLOC), "counter-alloc"));
    CHECK(!strcmp(fault_point_name(FP_GNTTAB_GROW), "gnttab-grow"));
    for ( p = 0; p < FP_NR; p++ )
        CHECK_EQ(fault_point_by_name(fault_point_name(p)), p);
    CHECK_EQ(fault_point_by_name("nonsense"), FP_NR);
    CHECK_EQ(fault_point_by_name(NULL), FP_NR);
}

static void time_passes_only_when_spinning(void)
{
    int64_t t;

    fresh();
    t = hh_now_ns();
    CHECK_EQ(t, 0);
    CHECK_EQ(hh_now_ns(), t);
    hh_cpu_relax();
    hh_cpu_relax();
    CHECK_EQ(hh_now_ns(), 2000);
}

static void domain_crash_is_recorded(void)
{
    fresh();
    hh_domain_crash(NULL, "x.c", 12);
    hh_domain_crash(NULL, "y.c", 34);
    CHECK_EQ(harness_domain_crashes(), 2);
    CHECK(!strcmp(harness_last_crash_file(), "y.c"));
    CHECK_EQ(harness_last_crash_line(), 34);
    hh_printk("silent unless verbose %d\n", 1);
}

static void panic_now(void)
{
    hh_panic("the sky");
}

static void panic_unwinds(void)
{
    CHECK_EQ(fatal_of(panic_now), HARNESS_FATAL_PANIC);
    CHECK(!strcmp(harness_last_fatal()->what, "the sky"));
}

int main(void)
{
    RUN(frames_are_numbered_poisoned_and_reused_lifo);
    RUN(guest_frames_have_page_info_but_no_memory);
    RUN(heap_misuse_is_a_bug);
    RUN(heap_fails_only_at_its_limit);
    RUN(domheap_pages_fail_at_their_site);
    RUN(xenheap_pages_fail_at_their_site);
    RUN(xmalloc_fails_at_its_site);
    RUN(allocator_misuse_is_a_bug);
    RUN(fail_nth_counts_every_point);
    RUN(fail_nth_reaches_every_site);
    RUN(fault_points_have_names);
    RUN(time_passes_only_when_spinning);
    RUN(domain_crash_is_recorded);
    RUN(panic_unwinds);
    return tests_failed ? 1 : 0;
}
