/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Unit tests of the simulated heap, the fault points and the hooks
 * (harness/heap.c, fault.c, hooks.c).
 */
#include <setjmp.h>
#include <stdio.h>
#include <string.h>

#include <harness/hooks.h>

#include "fault.h"
#include "heap.h"
#include "vtd_sim.h"
#include "../lib/check.h"

static void fresh(void)
{
    struct vtd_sim_caps c = { .coherent = true };

    heap_reset();
    fault_reset();
    harness_hooks_reset();
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
    unsigned char *va;

    fresh();
    a = hh_alloc_page();
    b = hh_alloc_page();
    CHECK_EQ(hh_page_to_mfn(a), HEAP_BASE_MFN);
    CHECK_EQ(hh_page_to_mfn(b), HEAP_BASE_MFN + 1);
    CHECK(hh_mfn_to_page(HEAP_BASE_MFN + 1) == b);
    va = hh_map_frame(HEAP_BASE_MFN);
    CHECK_EQ(va[0], HEAP_POISON_BYTE);
    CHECK_EQ(va[4095], HEAP_POISON_BYTE);
    CHECK_EQ(heap_live_pages(), 2);

    memset(va, 0x11, 4096);
    hh_free_page(a);
    CHECK_EQ(heap_frame_state(HEAP_BASE_MFN), HEAP_FRAME_FREE);
    {
        unsigned char byte;

        heap_frame_read(HEAP_BASE_MFN, 7, &byte, 1);
        CHECK_EQ(byte, 0x11);               /* freed, not cleared */
    }
    hh_free_page(b);
    CHECK_EQ(heap_live_pages(), 0);
    c = hh_alloc_page();
    CHECK(c == b);                          /* last freed, first reused */
    CHECK_EQ(((unsigned char *)hh_map_frame(HEAP_BASE_MFN + 1))[9],
             HEAP_POISON_BYTE);
    CHECK(hh_alloc_page() == a);
    CHECK_EQ(heap_frames_used(), 2);

    /* Reset: the same numbers again. */
    fresh();
    CHECK_EQ(hh_page_to_mfn(hh_alloc_page()), HEAP_BASE_MFN);
    CHECK_EQ(heap_frame_state(HEAP_BASE_MFN + 1), HEAP_FRAME_NONE);
}

static void double_free(void)
{
    struct page_info *pg = hh_alloc_page();

    hh_free_page(pg);
    hh_free_page(pg);
}

static void free_never_allocated(void)
{
    hh_free_page(hh_mfn_to_page(HEAP_BASE_MFN + 77));
}

static void map_guest_frame(void)
{
    (void)hh_map_frame(3);
}

static void map_freed_frame(void)
{
    struct page_info *pg = hh_alloc_page();

    hh_free_page(pg);
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
    CHECK_EQ(fatal_of(map_guest_frame), HARNESS_FATAL_BUG);
    CHECK_EQ(fatal_of(map_freed_frame), HARNESS_FATAL_BUG);
    CHECK_EQ(fatal_of(bad_xfree), HARNESS_FATAL_BUG);
    CHECK(harness_last_fatal()->file != NULL);
}

static void limit_and_fault_point_fail_allocation(void)
{
    fresh();
    heap_set_limit(2);
    CHECK(hh_alloc_page() != NULL);
    CHECK(hh_alloc_page() != NULL);
    CHECK(hh_alloc_page() == NULL);
    heap_set_limit(HEAP_MAX_FRAMES);
    fault_arm_point(FP_PT_ALLOC, 2);
    CHECK(hh_alloc_page() != NULL);
    CHECK(hh_alloc_page() == NULL);
    CHECK(hh_alloc_page() != NULL);         /* one-shot */
    CHECK_EQ(fault_injected(FP_PT_ALLOC), 1);
    CHECK_EQ(heap_live_pages(), 4);
}

struct gtio_maptrack_chunk;
struct gtio_map_count;

static void xmalloc_fault_point_follows_the_type(void)
{
    void *p, *q;

    fresh();
    fault_arm_point(FP_MAPTRACK_ALLOC, 1);
    CHECK(hh_xmalloc(64, "struct gtio_maptrack_chunk", true) == NULL);
    fault_arm_point(FP_COUNTER_ALLOC, 1);
    CHECK(hh_xmalloc(8, "struct gtio_map_count[]", true) == NULL);
    fault_arm_point(FP_XMALLOC, 1);
    CHECK(hh_xmalloc(8, "struct gtio_map_count", true) != NULL);
    CHECK(hh_xmalloc(8, "struct something_else", false) == NULL);
    CHECK_EQ(fault_injected_total(), 3);
    CHECK_EQ(fault_last_injected(), FP_XMALLOC);

    p = hh_xmalloc(16, "int", true);
    q = hh_xmalloc(16, "int", false);
    CHECK(p && q);
    CHECK_EQ(((unsigned char *)p)[5], 0);
    CHECK_EQ(((unsigned char *)q)[5], HEAP_POISON_BYTE);
    CHECK_EQ(heap_live_xmallocs(), 3);
    hh_xfree(p);
    hh_xfree(NULL);
    CHECK_EQ(heap_live_xmallocs(), 2);
    heap_reset();                           /* releases the leaked ones */
    CHECK_EQ(heap_live_xmallocs(), 0);
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

static void fault_points_have_names(void)
{
    unsigned int p;

    CHECK(!strcmp(fault_point_name(FP_QI_WAIT_TIMEOUT), "qi-wait-timeout"));
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
    RUN(heap_misuse_is_a_bug);
    RUN(limit_and_fault_point_fail_allocation);
    RUN(xmalloc_fault_point_follows_the_type);
    RUN(fail_nth_counts_every_point);
    RUN(fault_points_have_names);
    RUN(time_passes_only_when_spinning);
    RUN(domain_crash_is_recorded);
    RUN(panic_unwinds);
    return tests_failed ? 1 : 0;
}
