/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Unit tests of the simulated VT-d (harness/machine/vtd_sim*.c): the
 * hardware may use any translation it could have seen since the last
 * completed invalidation covering it, and no other (docs/design.md, "The
 * simulated VT-d").  Each test is named after the behaviour it proves.
 */
#include <stdio.h>

#include "sim_util.h"

enum { DEV = 0, DID = 1, DID2 = 2, BFN = 5 };

static uint64_t pgd;

/*
 * Device DEV in domain DID, bfn BFN mapped RW to itself, all caches
 * invalidated: the possible set is exactly the current tables.
 */
static void start_with(const struct vtd_sim_caps *c)
{
    sim_start(c);
    pgd = new_table();
    set_leaf(pgd, BFN, BFN, DMA_PTE_PROT, !c->coherent);
    set_context(DEV, DID, pgd);
    CHECK(inv_ctx_global());
    CHECK(inv_dsi(DID));
}

static void start(bool cm, bool qi, bool coherent)
{
    struct vtd_sim_caps c = {
        .cm = cm, .psi = true, .qi = qi, .coherent = coherent, .mamv = 9,
        .completion_delay = 2,
    };

    start_with(&c);
}

static void rw_to_r_without_invalidation_keeps_rw(void)
{
    struct poss_query q;

    start(false, false, true);
    q = possible(DEV, BFN);
    CHECK_EQ(q.outcomes, OUT_RW);
    CHECK(!vtd_sim_may_fault(DEV, BFN, SIM_R | SIM_W));

    set_leaf(pgd, BFN, BFN, DMA_PTE_READ, false);
    q = possible(DEV, BFN);
    CHECK_EQ(q.outcomes, OUT_RW | OUT_R);
    CHECK(vtd_sim_may_fault(DEV, BFN, SIM_W));      /* a cached R: liveness */
    CHECK(!vtd_sim_may_fault(DEV, BFN, SIM_R));
    CHECK(no_protocol_error());
}

static void completed_psi_covering_leaves_only_the_new_value(void)
{
    unsigned int qi;

    for ( qi = 0; qi < 2; qi++ )
    {
        start(false, qi, true);
        set_leaf(pgd, BFN, BFN, DMA_PTE_READ, false);
        CHECK(inv_psi(DID, BFN, 0, false));
        CHECK_EQ(possible(DEV, BFN).outcomes, OUT_R);
        CHECK(vtd_sim_may_fault(DEV, BFN, SIM_W));  /* R only now, truly */

        set_leaf(pgd, BFN, 0, 0, false);
        CHECK_EQ(possible(DEV, BFN).outcomes, OUT_R);
        CHECK(inv_psi(DID, BFN, 0, false));
        CHECK_EQ(possible(DEV, BFN).outcomes, 0);
        CHECK(no_protocol_error());
    }
}

static void psi_not_covering_the_address_does_not_shrink(void)
{
    start(false, false, true);
    set_leaf(pgd, BFN, BFN, DMA_PTE_READ, false);
    CHECK(inv_psi(DID, BFN + 1, 0, false));         /* the neighbour */
    CHECK_EQ(possible(DEV, BFN).outcomes, OUT_RW | OUT_R);
    CHECK(inv_psi(DID2, BFN, 0, false));            /* another domain id */
    CHECK_EQ(possible(DEV, BFN).outcomes, OUT_RW | OUT_R);
    CHECK(inv_psi(DID, 6, 1, false));               /* block 6..7 */
    CHECK_EQ(possible(DEV, BFN).outcomes, OUT_RW | OUT_R);
    CHECK(inv_psi(DID, 4, 1, false));               /* block 4..5 */
    CHECK_EQ(possible(DEV, BFN).outcomes, OUT_R);
    CHECK(no_protocol_error());
}

/* A misaligned PSI covers the aligned block containing it, nothing more. */
static void psi_covers_the_aligned_block_only(void)
{
    start(false, true, true);
    set_leaf(pgd, 6, 6, DMA_PTE_PROT, false);
    set_leaf(pgd, BFN, BFN, DMA_PTE_READ, false);
    set_leaf(pgd, 6, 6, DMA_PTE_READ, false);
    CHECK(inv_psi(DID, 6, 2, false));               /* block 4..7 */
    CHECK_EQ(possible(DEV, BFN).outcomes, OUT_R);
    CHECK_EQ(possible(DEV, 6).outcomes, OUT_R);
    CHECK(no_protocol_error());

    set_leaf(pgd, BFN, BFN, DMA_PTE_PROT, false);
    set_leaf(pgd, BFN, BFN, DMA_PTE_READ, false);
    CHECK(inv_psi(DID, BFN, 1, false));             /* address not aligned */
    CHECK_EQ(possible(DEV, BFN).outcomes, OUT_R);   /* block 4..5 */
}

static void non_present_entries_cached_only_with_cm(void)
{
    unsigned int cm;

    for ( cm = 0; cm < 2; cm++ )
    {
        start(cm, true, true);
        /* bfn 7 shares BFN's leaf table; it was seen non-present. */
        CHECK_EQ(possible(DEV, 7).outcomes, cm ? OUT_FAULT : 0);
        CHECK(vtd_sim_may_fault(DEV, 7, SIM_R));    /* unmapped: faults */

        set_leaf(pgd, 7, 7, DMA_PTE_PROT, false);
        CHECK_EQ(possible(DEV, 7).outcomes, OUT_RW | (cm ? OUT_FAULT : 0));
        CHECK_EQ(vtd_sim_may_fault(DEV, 7, SIM_R | SIM_W), cm);

        CHECK(inv_psi(DID, 7, 0, false));
        CHECK_EQ(possible(DEV, 7).outcomes, OUT_RW);
        CHECK(!vtd_sim_may_fault(DEV, 7, SIM_R | SIM_W));

        /* A whole missing subtree: a non-present paging-structure entry. */
        CHECK_EQ(possible(DEV, 0x300000).outcomes, 0);  /* beyond the limit */
        CHECK(vtd_sim_may_fault(DEV, 0x300000, SIM_R));
        set_leaf(pgd, 0x300000, 0x300, DMA_PTE_PROT, false);
        CHECK_EQ(vtd_sim_may_fault(DEV, 0x300000, SIM_R), cm);
        CHECK(inv_psi(DID, 0x300000, 0, false));
        CHECK(!vtd_sim_may_fault(DEV, 0x300000, SIM_R | SIM_W));
        CHECK(no_protocol_error());
    }
}

/*
 * The leaf table of BFN is unlinked and freed after an invalidation that
 * keeps paging-structure caches (IH=1): the stale pointer to it survives,
 * so whatever the frame's next user writes is a translation of BFN, until
 * an invalidation with IH=0 completes.
 */
static void freed_table_reused_is_walked_through_stale_ps_entry(void)
{
    uint64_t l2, l1, other_pgd;
    struct poss_query q;

    start(false, true, true);
    l2 = va_of(va_of(pgd)[0] & DMA_PTE_ADDR_MASK)[0] & DMA_PTE_ADDR_MASK;
    l1 = va_of(l2)[0] & DMA_PTE_ADDR_MASK;

    set_leaf(pgd, BFN, 0, 0, false);
    store(&va_of(l2)[0], 0, false);                 /* unlink the leaf table */
    CHECK(inv_psi(DID, BFN, 0, true));              /* IH=1: keeps PS entries */
    CHECK_EQ(possible(DEV, BFN).outcomes, 0);
    free_table(l1);

    /* LIFO: the next table of another domain is the same frame. */
    other_pgd = new_table();
    CHECK_EQ(other_pgd, l1);
    set_context(1, DID2, other_pgd);
    /* The other domain writes its root table, i.e. BFN's old leaf table. */
    store(&va_of(other_pgd)[BFN], (0x42ULL << 12) | DMA_PTE_PROT, false);
    q = possible(DEV, BFN);
    CHECK(q.outcomes & OUT_RW);
    CHECK(has_mfn(&q, 0x42));

    CHECK(inv_psi(DID, BFN, 0, true));              /* IH=1 again: no help */
    q = possible(DEV, BFN);
    CHECK(has_mfn(&q, 0x42));

    CHECK(inv_psi(DID, BFN, 0, false));             /* IH=0 */
    q = possible(DEV, BFN);
    CHECK(!has_mfn(&q, 0x42));
    CHECK_EQ(q.outcomes, 0);
    CHECK(no_protocol_error());
}

/* The same through a DSI, and with the heap's poison seen on the way. */
static void poison_of_a_reused_table_is_visible_through_stale_entry(void)
{
    uint64_t l2, l1, again;
    struct poss_query q;

    start(false, false, true);
    l2 = va_of(va_of(pgd)[0] & DMA_PTE_ADDR_MASK)[0] & DMA_PTE_ADDR_MASK;
    l1 = va_of(l2)[0] & DMA_PTE_ADDR_MASK;
    set_leaf(pgd, BFN, 0, 0, false);
    store(&va_of(l2)[0], 0, false);
    CHECK(inv_psi(DID, BFN, 0, true));
    free_table(l1);

    again = new_table();        /* poisoned, then cleared by new_table() */
    CHECK_EQ(again, l1);
    q = possible(DEV, BFN);
    CHECK(q.outcomes & OUT_R);  /* 0xa5.. is present, readable */
    CHECK(has_mfn(&q, (0xa5a5a5a5a5a5a5a5ULL & DMA_PTE_ADDR_MASK) >> 12));

    CHECK(inv_dsi(DID));
    CHECK_EQ(possible(DEV, BFN).outcomes, 0);
    CHECK(no_protocol_error());
}

/* ECAP.C=0: what was never written back is what the device still reads. */
static void noncoherent_unflushed_value_survives_invalidation(void)
{
    start(false, false, false);
    CHECK_EQ(possible(DEV, BFN).outcomes, OUT_RW);

    set_leaf(pgd, BFN, 0, 0, false);                /* no clflush */
    CHECK(inv_psi(DID, BFN, 0, false));
    CHECK_EQ(possible(DEV, BFN).outcomes, OUT_RW);  /* memory still has it */
    CHECK(vtd_sim_may_fault(DEV, BFN, SIM_R));      /* ... or not */

    hh_cache_writeback(pte_slot(pgd, BFN, 1, NULL), 8);
    CHECK_EQ(possible(DEV, BFN).outcomes, OUT_RW);  /* still cached */
    CHECK(inv_psi(DID, BFN, 0, false));
    CHECK_EQ(possible(DEV, BFN).outcomes, 0);

    /* Two unflushed values: both may reach memory, in either order. */
    set_leaf(pgd, BFN, 8, DMA_PTE_READ, false);
    set_leaf(pgd, BFN, 9, DMA_PTE_PROT, false);
    CHECK(inv_psi(DID, BFN, 0, false));
    {
        struct poss_query q = possible(DEV, BFN);

        CHECK(has_mfn(&q, 8) && has_mfn(&q, 9));
    }
    CHECK(no_protocol_error());
}

/* GCMD.WBF, keeping what is enabled (GCMD is write-only). */
static void write_buffer_flush(void)
{
    uint32_t sts = vtd_sim_mmio_read(VTD_REG_GSTS, 4);

    vtd_sim_mmio_write(VTD_REG_GCMD, (sts & VTD_GSTS_PERSISTENT) | VTD_GCMD_WBF,
                       4);
    CHECK(!(vtd_sim_mmio_read(VTD_REG_GSTS, 4) & VTD_GSTS_WBFS));
}

/*
 * CAP.RWBF: a new entry (written back, if the walks do not snoop) may
 * read as non-present until GCMD.WBF or an invalidation flushes the
 * write buffer; without the capability it is seen at once.
 */
static void write_buffer_hides_new_entries_until_flushed(void)
{
    unsigned int rwbf, coherent;

    for ( rwbf = 0; rwbf < 2; rwbf++ )
        for ( coherent = 0; coherent < 2; coherent++ )
        {
            struct vtd_sim_caps c = {
                .psi = true, .qi = false, .coherent = coherent,
                .rwbf = rwbf, .mamv = 9, .completion_delay = 2,
            };

            sim_start(&c);
            pgd = new_table();
            set_context(DEV, DID, pgd);
            CHECK(inv_ctx_global());
            CHECK(inv_dsi(DID));
            set_leaf(pgd, BFN, BFN, DMA_PTE_PROT, !coherent);
            CHECK_EQ(vtd_sim_may_fault(DEV, BFN, SIM_R | SIM_W), rwbf);
            write_buffer_flush();
            CHECK(!vtd_sim_may_fault(DEV, BFN, SIM_R | SIM_W));

            /* An invalidation, of anything, flushes it too. */
            set_leaf(pgd, 7, 7, DMA_PTE_READ, !coherent);
            CHECK_EQ(vtd_sim_may_fault(DEV, 7, SIM_R), rwbf);
            CHECK(inv_psi(DID2, 9, 0, false));
            CHECK(!vtd_sim_may_fault(DEV, 7, SIM_R));
            CHECK_EQ(vtd_sim_stats()->wbf, 1);
            CHECK(no_protocol_error());
        }
}

/*
 * CAP.DRD/DWD: an IOTLB invalidation that does not ask for draining may
 * complete while a DMA it translated before is still on its way, so the
 * old translation stays possible until a draining one covers it.  A unit
 * without the capability drains implicitly.
 */
static void undrained_invalidation_leaves_dma_in_flight(void)
{
    unsigned int qi, drain;

    for ( qi = 0; qi < 2; qi++ )
        for ( drain = 0; drain < 2; drain++ )
        {
            struct vtd_sim_caps c = {
                .psi = true, .qi = qi, .coherent = true, .drain = drain,
                .mamv = 9, .completion_delay = 2,
            };

            sim_drain = false;
            start_with(&c);
            CHECK_EQ(!!(vtd_sim_mmio_read(VTD_REG_CAP, 8) & VTD_CAP_DRD), drain);
            CHECK_EQ(possible(DEV, BFN).outcomes, OUT_RW);

            set_leaf(pgd, BFN, 0, 0, false);
            CHECK(inv_psi(DID, BFN, 0, false));
            CHECK_EQ(possible(DEV, BFN).outcomes, drain ? OUT_RW : 0);
            sim_drain = true;
            CHECK(inv_dsi(DID));
            CHECK_EQ(possible(DEV, BFN).outcomes, 0);
            sim_drain = false;
            CHECK(no_protocol_error());
        }
}

/*
 * GCMD is write-only: every write must repeat what GSTS shows enabled
 * and change one control; one that leaves out interrupt remapping while
 * it turns something else on changes two, a protocol error.
 */
static void gcmd_write_must_keep_what_is_enabled(void)
{
    char why[256];

    start(false, true, true);
    wr64(VTD_REG_IRTA, new_table());
    CHECK(gcmd_wait(VTD_GCMD_SIRTP));
    CHECK(gcmd_wait(VTD_GCMD_IRE));
    CHECK(rd32(VTD_REG_GSTS) & VTD_GCMD_IRE);
    write_buffer_flush();                   /* keeps every enable */
    CHECK(no_protocol_error());

    /* Translation and the queue kept, interrupt remapping forgotten. */
    wr32(VTD_REG_GCMD, VTD_GCMD_TE | VTD_GCMD_QIE | VTD_GCMD_WBF);
    CHECK(vtd_sim_protocol_error(why, sizeof(why)));
    CHECK(!(rd32(VTD_REG_GSTS) & VTD_GCMD_IRE));
}

/* A store without write_atomic() is still seen, at the next sync. */
static void bypassing_store_is_seen_by_sync(void)
{
    start(false, true, true);
    pte_slot(pgd, 9, 1, NULL)[0] = (9ULL << 12) | DMA_PTE_PROT;
    vtd_sim_sync();
    CHECK_EQ(possible(DEV, 9).outcomes, OUT_RW);
}

/*
 * Finding bypassing stores costs what the call touched: with 64 leaf
 * tables the unit may walk, a store into one of them compares the frames
 * mapped to make it, not all 64.
 */
static void sync_compares_only_frames_the_cpu_mapped(void)
{
    unsigned long before, b;

    start(false, true, true);
    for ( b = 1; b <= 64; b++ )
        set_leaf(pgd, b * VTD_PTES_PER_TABLE, b, DMA_PTE_PROT, false);
    CHECK(inv_dsi(DID));
    for ( b = 1; b <= 64; b++ )
        CHECK_EQ(possible(DEV, b * VTD_PTES_PER_TABLE).outcomes, OUT_RW);
    vtd_sim_sync();
    before = vtd_sim_stats()->frames_compared;
    pte_slot(pgd, 9, 1, NULL)[0] = (9ULL << 12) | DMA_PTE_PROT;
    vtd_sim_sync();
    CHECK(vtd_sim_stats()->frames_compared - before <= VTD_PT_LEVELS);
    CHECK_EQ(possible(DEV, 9).outcomes, OUT_RW);
}

/*
 * A Xen-heap frame's pointer lives as long as the frame: a store through
 * it long after the allocation is still seen.
 */
static void store_through_a_kept_xenheap_pointer_is_seen(void)
{
    uint64_t *leaves, l2;

    start(false, true, true);
    leaves = hh_alloc_xenheap_page("test");
    CHECK(leaves);
    memset(leaves, 0, 4096);
    l2 = *pte_slot(pgd, 2 * VTD_PTES_PER_TABLE, 2, NULL) & DMA_PTE_ADDR_MASK;
    CHECK(l2 == 0);
    store(pte_slot(pgd, 2 * VTD_PTES_PER_TABLE, 2, NULL),
          ((uint64_t)hh_page_to_mfn(hh_virt_to_page(leaves)) << 12) |
          DMA_PTE_PROT, false);
    CHECK(inv_dsi(DID));
    CHECK_EQ(possible(DEV, 2 * VTD_PTES_PER_TABLE).outcomes, 0);
    vtd_sim_sync();
    leaves[0] = (7ULL << 12) | DMA_PTE_PROT;
    vtd_sim_sync();
    CHECK(possible(DEV, 2 * VTD_PTES_PER_TABLE).outcomes & OUT_RW);
}

/*
 * Taking in a frame costs what it is used for: frames the heap hands out
 * that nothing walks (grant frames, guest pages) keep their fill as one
 * value; the one a table pointer comes to reach is written out, and walks
 * see what was stored in it.
 */
static void only_walked_frames_are_written_out(void)
{
    uint64_t *pages[8];
    unsigned long before;
    unsigned int i;

    start(false, true, true);
    before = vtd_sim_stats()->frames_written_out;
    for ( i = 0; i < 8; i++ )
    {
        pages[i] = hh_alloc_xenheap_page("test");
        CHECK(pages[i]);
        if ( !pages[i] )
            return;
    }
    memset(pages[0], 0, 4096);
    pages[0][0] = (7ULL << 12) | DMA_PTE_PROT;
    vtd_sim_sync();
    CHECK(!vtd_sim_walkable(hh_page_to_mfn(hh_virt_to_page(pages[1]))));
    CHECK_EQ(vtd_sim_stats()->frames_written_out, before);
    store(pte_slot(pgd, 2 * VTD_PTES_PER_TABLE, 2, NULL),
          ((uint64_t)hh_page_to_mfn(hh_virt_to_page(pages[0])) << 12) |
          DMA_PTE_PROT, false);
    CHECK_EQ(vtd_sim_stats()->frames_written_out, before + 1);
    CHECK(inv_dsi(DID));
    CHECK_EQ(possible(DEV, 2 * VTD_PTES_PER_TABLE).outcomes, OUT_RW);
    CHECK_EQ(possible(DEV, 2 * VTD_PTES_PER_TABLE + 1).outcomes, 0);
}

/*
 * A table cleared and written back before anything links it, as Xen makes
 * every table, is taken in as one value rather than word by word: the
 * only words synced are the link to it and the leaf then stored in it,
 * and walks see that leaf and nothing else.
 */
static void cleared_table_is_taken_in_whole(void)
{
    unsigned long bfn = 3 * VTD_PTES_PER_TABLE;
    unsigned int coherent;

    for ( coherent = 0; coherent < 2; coherent++ )
    {
        unsigned long before;

        start(false, true, coherent);
        before = vtd_sim_stats()->words_synced;
        set_leaf(pgd, bfn, bfn, DMA_PTE_READ, !coherent);
        CHECK(inv_dsi(DID));
        CHECK_EQ(vtd_sim_stats()->words_synced - before, 2);
        CHECK_EQ(possible(DEV, bfn).outcomes, OUT_R);
        CHECK_EQ(possible(DEV, bfn + 1).outcomes, 0);
        CHECK(no_protocol_error());
    }
}

/*
 * With ECAP.C, a table cleared (not written back: the unit snoops) and
 * filled before it is linked is taken in from memory at its first store:
 * only the link is synced on its own.  Under CAP.RWBF too: the fill it
 * replaces is present, so no new entry waits in the write buffer.
 */
static void table_filled_before_linking_is_taken_in_whole(void)
{
    unsigned long bfn = 3 * VTD_PTES_PER_TABLE;
    unsigned int rwbf;

    for ( rwbf = 0; rwbf < 2; rwbf++ )
    {
        struct vtd_sim_caps c = {
            .psi = true, .qi = true, .coherent = true, .rwbf = rwbf,
            .mamv = 9, .completion_delay = 2,
        };
        struct page_info *pg;
        unsigned long before;
        uint64_t table;

        start_with(&c);
        before = vtd_sim_stats()->words_synced;
        pg = heap_alloc_frame();
        CHECK(pg);
        if ( !pg )
            return;
        table = (uint64_t)hh_page_to_mfn(pg) << 12;
        memset(va_of(table), 0, 4096);
        store(&va_of(table)[vtd_level_index(bfn, 1)],
              ((uint64_t)bfn << 12) | DMA_PTE_PROT, false);
        store(pte_slot(pgd, bfn, 2, NULL), table | DMA_PTE_PROT, false);
        CHECK(inv_dsi(DID));
        CHECK_EQ(vtd_sim_stats()->words_synced - before, 1);
        CHECK_EQ(possible(DEV, bfn).outcomes, OUT_RW);
        CHECK_EQ(possible(DEV, bfn + 1).outcomes, 0);
        CHECK(no_protocol_error());
    }
}

static void qi_invalidation_incomplete_until_wait_status(void)
{
    start(false, true, true);
    set_leaf(pgd, BFN, BFN, DMA_PTE_READ, false);
    qi_psi(DID, BFN, 0, false);
    ticks(50);                      /* fetched, long ago: not complete */
    CHECK_EQ(rd64(VTD_REG_IQH), rd64(VTD_REG_IQT));
    CHECK_EQ(possible(DEV, BFN).outcomes, OUT_RW | OUT_R);
    CHECK(vtd_sim_busy());

    *sim_status = 0;
    qi_wait_desc(77);
    CHECK_EQ(*sim_status, 0);       /* not before a tick */
    CHECK_EQ(possible(DEV, BFN).outcomes, OUT_RW | OUT_R);
    CHECK(status_is(77, 20));
    CHECK_EQ(possible(DEV, BFN).outcomes, OUT_R);
    CHECK(!vtd_sim_busy());
    CHECK(no_protocol_error());
}

/*
 * A change made after the descriptor was submitted may be cached after the
 * hardware executed it: the invalidation does not remove it.
 */
static void change_after_submission_survives_the_invalidation(void)
{
    start(false, true, true);
    qi_psi(DID, BFN, 0, false);
    set_leaf(pgd, BFN, BFN, DMA_PTE_READ, false);
    qi_wait_desc(78);
    CHECK(status_is(78, 20));
    CHECK_EQ(possible(DEV, BFN).outcomes, OUT_RW | OUT_R);
}

static void qi_wait_timeout_completes_late_with_old_value(void)
{
    unsigned int i;
    bool saw_old = false;

    start(false, true, true);
    set_leaf(pgd, 6, 6, DMA_PTE_PROT, false);
    set_leaf(pgd, BFN, BFN, DMA_PTE_READ, false);
    *sim_status = 0;
    fault_arm_point(FP_QI_WAIT_TIMEOUT, 1);
    qi_psi(DID, BFN, 0, false);
    qi_wait_desc(1);
    CHECK(!status_is(1, 200));
    CHECK_EQ(fault_injected(FP_QI_WAIT_TIMEOUT), 1);
    CHECK_EQ(possible(DEV, BFN).outcomes, OUT_RW | OUT_R);
    CHECK(vtd_sim_busy());

    /* The next flush: the late "1" lands when its first descriptor runs. */
    set_leaf(pgd, 6, 6, DMA_PTE_READ, false);
    qi_psi(DID, 6, 0, false);
    qi_wait_desc(2);
    for ( i = 0; i < 50 && *sim_status != 2; i++ )
    {
        if ( *sim_status == 1 && !saw_old )
        {
            /* A core reusing "1" would be fooled: bfn 6 is not done. */
            saw_old = true;
            CHECK_EQ(possible(DEV, BFN).outcomes, OUT_R);
            CHECK_EQ(possible(DEV, 6).outcomes, OUT_RW | OUT_R);
        }
        hh_cpu_relax();
    }
    CHECK(saw_old);
    CHECK_EQ(*sim_status, 2);
    CHECK_EQ(possible(DEV, 6).outcomes, OUT_R);
    CHECK_EQ(vtd_sim_stats()->late_waits, 1);
    CHECK(!vtd_sim_busy());
    CHECK(no_protocol_error());
}

static void qi_error_stops_the_queue_until_cleared(void)
{
    uint64_t head;

    start(false, true, true);
    set_leaf(pgd, BFN, BFN, DMA_PTE_READ, false);
    fault_arm_point(FP_QI_ERROR, 1);
    head = rd64(VTD_REG_IQH);
    qi_psi(DID, BFN, 0, false);
    qi_wait_desc(3);
    CHECK(!status_is(3, 200));
    CHECK(rd32(VTD_REG_FSTS) & VTD_FSTS_IQE);
    CHECK_EQ(rd64(VTD_REG_IQH), head);      /* stopped at the descriptor */
    CHECK_EQ(possible(DEV, BFN).outcomes, OUT_RW | OUT_R);

    wr32(VTD_REG_FSTS, VTD_FSTS_IQE);       /* W1C: resume from IQH */
    CHECK(!(rd32(VTD_REG_FSTS) & VTD_FSTS_IQE));
    CHECK(status_is(3, 50));
    CHECK_EQ(possible(DEV, BFN).outcomes, OUT_R);
}

static void qi_rejects_unknown_and_invalid_descriptors(void)
{
    struct vtd_sim_caps c = {
        .psi = true, .qi = true, .coherent = true, .mamv = 2,
        .completion_delay = 1,
    };

    sim_start(&c);
    qi_put(3, 0);                           /* device-IOTLB: no ATS here */
    ticks(5);
    CHECK(rd32(VTD_REG_FSTS) & VTD_FSTS_IQE);
    /* Software replaces the bad descriptor by a wait and resumes. */
    sim_ring[(rd64(VTD_REG_IQH) >> 4) * 2] =
        VTD_QI_TYPE_WAIT | VTD_QI_WAIT_SW | (4ULL << VTD_QI_WAIT_DATA_SHIFT);
    sim_ring[(rd64(VTD_REG_IQH) >> 4) * 2 + 1] = sim_status_maddr;
    wr32(VTD_REG_FSTS, VTD_FSTS_IQE);
    CHECK(status_is(4, 10));

    qi_psi(DID, 0, 3, false);               /* AM 3 > MAMV 2 */
    ticks(5);
    CHECK(rd32(VTD_REG_FSTS) & VTD_FSTS_IQE);
    CHECK_EQ(vtd_sim_stats()->queue_errors, 2);
}

static void register_invalidation_timeout_never_completes(void)
{
    char why[256];

    start(false, false, true);
    set_leaf(pgd, BFN, BFN, DMA_PTE_READ, false);
    fault_arm_point(FP_REG_INV_TIMEOUT, 1);
    CHECK(!inv_psi(DID, BFN, 0, false));
    CHECK(rd64(SIM_IOTLB_REG) & VTD_IOTLB_IVT);
    CHECK(rd32(VTD_REG_FSTS) & VTD_FSTS_ITE);
    CHECK_EQ(possible(DEV, BFN).outcomes, OUT_RW | OUT_R);

    CHECK(!inv_dsi(DID));                   /* the unit stays hung */
    CHECK_EQ(possible(DEV, BFN).outcomes, OUT_RW | OUT_R);
    CHECK(vtd_sim_protocol_error(why, sizeof(why)));

    /* Register invalidation completes only when software sees it done. */
    start(false, false, true);
    set_leaf(pgd, BFN, BFN, DMA_PTE_READ, false);
    wr64(SIM_IVA_REG, (uint64_t)BFN << 12);
    wr64(SIM_IOTLB_REG, VTD_IOTLB_IVT | VTD_IOTLB_PSI |
                        ((uint64_t)DID << VTD_IOTLB_DID_SHIFT));
    ticks(100);
    CHECK_EQ(possible(DEV, BFN).outcomes, OUT_RW | OUT_R);
    CHECK(rd64(SIM_IOTLB_REG) & VTD_IOTLB_IVT);     /* delay 2: busy */
    CHECK(reg_done(SIM_IOTLB_REG, VTD_IOTLB_IVT));
    CHECK_EQ(possible(DEV, BFN).outcomes, OUT_R);
}

static void register_psi_without_capability_is_done_as_dsi(void)
{
    struct vtd_sim_caps c = {
        .psi = false, .coherent = true, .completion_delay = 0,
    };

    sim_start(&c);
    pgd = new_table();
    set_leaf(pgd, BFN, BFN, DMA_PTE_PROT, false);
    set_leaf(pgd, 9, 9, DMA_PTE_PROT, false);
    set_context(DEV, DID, pgd);
    CHECK(inv_ctx_global());
    set_leaf(pgd, BFN, BFN, DMA_PTE_READ, false);
    set_leaf(pgd, 9, 9, DMA_PTE_READ, false);
    CHECK(reg_iotlb(VTD_IOTLB_PSI, DID, 9, 0, false));
    CHECK_EQ((rd64(SIM_IOTLB_REG) >> 57) & 3, 2);   /* IAIG: domain */
    CHECK_EQ(possible(DEV, BFN).outcomes, OUT_R);   /* a DSI covers BFN */
    CHECK_EQ(vtd_sim_stats()->coarsened, 1);
    CHECK(no_protocol_error());
}

static void device_moved_uses_old_context_until_cc_invalidation(void)
{
    uint64_t pgd2;
    struct poss_query q;

    start(false, true, true);
    pgd2 = new_table();
    set_leaf(pgd2, BFN, 0x77, DMA_PTE_READ, false);
    set_context(DEV, DID2, pgd2);
    q = possible(DEV, BFN);
    CHECK(has_mfn(&q, BFN) && has_mfn(&q, 0x77));
    CHECK_EQ(q.nr_dids, 2);

    CHECK(inv_dsi(DID));            /* IOTLB alone: the old context stays */
    q = possible(DEV, BFN);
    CHECK(has_mfn(&q, BFN));

    CHECK(inv_ctx_global());
    q = possible(DEV, BFN);
    CHECK(!has_mfn(&q, BFN) && has_mfn(&q, 0x77));
    CHECK_EQ(q.nr_dids, 1);

    /* Quarantine: non-present context, every DMA faults. */
    set_context(DEV, 0, 0);
    CHECK(inv_ctx_global());
    CHECK_EQ(possible(DEV, BFN).nr_mfns, 0);
    CHECK(vtd_sim_may_fault(DEV, BFN, SIM_R));
    CHECK(no_protocol_error());
}

/* IOTLB entries are tagged by domain id, not by context or root. */
static void reused_domain_id_sees_stale_entries_until_dsi(void)
{
    uint64_t fresh;
    struct poss_query q;

    start(false, true, true);
    set_context(DEV, 0, 0);
    CHECK(inv_ctx_global());
    /* A new domain gets DID again, with its own, empty tables. */
    fresh = new_table();
    set_context(DEV, DID, fresh);
    CHECK(inv_ctx_global());
    q = possible(DEV, BFN);
    CHECK(has_mfn(&q, BFN));        /* the old domain's leaf, by did */
    CHECK(inv_dsi(DID));
    CHECK_EQ(possible(DEV, BFN).nr_mfns, 0);
}

/*
 * Invalidations between two waits are unordered: a DSI batched with the
 * context invalidation that quarantines the device may execute first, and
 * the device may refill the IOTLB with the old did before its context goes.
 * Only a wait between them makes the did clean.
 */
static void did_clean_only_if_context_invalidation_waited_first(void)
{
    unsigned int batched;

    for ( batched = 0; batched < 2; batched++ )
    {
        start(false, true, true);
        CHECK(vtd_sim_did_cached(DID) > 0);
        set_context(DEV, 0, 0);
        if ( batched )
        {
            qi_ctx_global();
            qi_dsi(DID);
            qi_wait_desc(60);
            CHECK(status_is(60, 50));
        }
        else
        {
            CHECK(inv_ctx_global());
            CHECK(inv_dsi(DID));
        }
        CHECK_EQ(vtd_sim_did_cached(DID) > 0, batched);
        CHECK_EQ(possible(DEV, BFN).nr_mfns, 0);    /* quarantined anyway */
        /* Only a later DSI, with no context left using DID, cleans it. */
        CHECK(inv_dsi(DID));
        CHECK_EQ(vtd_sim_did_cached(DID), 0);
    }
}

static void context_device_selective_needs_matching_did(void)
{
    struct poss_query q;

    start(false, false, true);
    set_context(DEV, DID2, new_table());
    CHECK(reg_ctx(VTD_CCMD_DEVICE, DID2, DEV));     /* wrong did: stays */
    q = possible(DEV, BFN);
    CHECK(has_mfn(&q, BFN));
    CHECK(reg_ctx(VTD_CCMD_DEVICE, DID, DEV + 1));  /* wrong device */
    q = possible(DEV, BFN);
    CHECK(has_mfn(&q, BFN));
    CHECK(reg_ctx(VTD_CCMD_DEVICE, DID, DEV));
    CHECK_EQ(possible(DEV, BFN).nr_mfns, 0);
    CHECK(no_protocol_error());
}

static void wild_table_pointer_is_reported(void)
{
    char why[256];
    uint64_t l3;

    start(false, true, true);
    CHECK(!vtd_sim_wild(DEV, why, sizeof(why)));
    l3 = va_of(pgd)[0] & DMA_PTE_ADDR_MASK;
    store(&va_of(l3)[3], (7ULL << 12) | DMA_PTE_PROT, false);  /* guest frame */
    CHECK(vtd_sim_wild(DEV, why, sizeof(why)));
    store(&va_of(l3)[3], 0, false);
    CHECK(vtd_sim_wild(DEV, why, sizeof(why)));     /* still cached */
    CHECK(inv_dsi(DID));
    CHECK(!vtd_sim_wild(DEV, why, sizeof(why)));

    set_context(DEV, DID, 0);
    store(&sim_ctx[DEV * 2 + 1], VTD_CTX_AW_4LEVEL | (DID << 8), false);
    store(&sim_ctx[DEV * 2], VTD_CTX_PRESENT | (2 << 2), false);
    CHECK(vtd_sim_wild(DEV, why, sizeof(why)));     /* pass-through */
}

/*
 * A DMA by dev at bfn: the fault reason (FR) of the record it filled, 0 if
 * it did not fault.  The record is cleared, so that each call has room.
 */
static unsigned int dma_fault_reason(unsigned int dev, unsigned long bfn,
                                     bool write)
{
    unsigned int fri, off;
    uint64_t hi;

    if ( !vtd_sim_dma(dev, bfn, write) )
        return 0;
    fri = (rd32(VTD_REG_FSTS) & VTD_FSTS_FRI_MASK) >> VTD_FSTS_FRI_SHIFT;
    off = vtd_cap_frcd_offset(rd64(VTD_REG_CAP)) + fri * 16 + 8;
    hi = rd64(off);
    CHECK(hi & VTD_FRCD_HI_F);
    CHECK_EQ(!(hi & VTD_FRCD_HI_READ), write);
    wr64(off, VTD_FRCD_HI_F);
    return vtd_frcd_reason(hi);
}

/* The record says why the walk failed, in the specification's encoding. */
static void fault_record_gives_the_reason_of_the_walk(void)
{
    char why[256];
    uint64_t root, l3;

    start(false, true, true);
    set_leaf(pgd, BFN + 1, BFN + 1, DMA_PTE_READ, false);
    CHECK_EQ(dma_fault_reason(DEV, BFN, true), 0);
    CHECK_EQ(dma_fault_reason(DEV, BFN + 1, false), 0);
    CHECK_EQ(dma_fault_reason(DEV, BFN + 1, true), VTD_FR_NO_WRITE);
    /* Unmapped: the non-present entry lacks what the request asks. */
    CHECK_EQ(dma_fault_reason(DEV, BFN + 2, false), VTD_FR_NO_READ);
    CHECK_EQ(dma_fault_reason(DEV, BFN + 2, true), VTD_FR_NO_WRITE);
    CHECK_EQ(dma_fault_reason(DEV, 1UL << 27, false), VTD_FR_NO_READ);
    CHECK_EQ(dma_fault_reason(DEV, 1UL << 36, false), VTD_FR_BEYOND_AW);

    /* A superpage bit (PS, bit 7) without CAP.SLLPS is a reserved bit. */
    l3 = va_of(pgd)[0] & DMA_PTE_ADDR_MASK;
    store(&va_of(l3)[3], (1ULL << 7) | DMA_PTE_PROT, false);
    CHECK_EQ(dma_fault_reason(DEV, 3UL << 18, false), VTD_FR_PTE_RSVD);

    /* DEV + 1 has no context entry; DEV + 2 a 3-level one. */
    CHECK_EQ(dma_fault_reason(DEV + 1, BFN, false), VTD_FR_CTX_NP);
    store(&sim_ctx[(DEV + 2) * 2 + 1], 1 | ((uint64_t)DID << 8), false);
    store(&sim_ctx[(DEV + 2) * 2], pgd | VTD_CTX_PRESENT, false);
    CHECK_EQ(dma_fault_reason(DEV + 2, BFN, false), VTD_FR_CTX_INVALID);

    root = rd64(VTD_REG_RTADDR) & DMA_PTE_ADDR_MASK;
    store(&va_of(root)[0], 0, false);
    CHECK(inv_ctx_global());
    CHECK_EQ(dma_fault_reason(DEV, BFN, true), VTD_FR_ROOT_NP);

    CHECK(!vtd_sim_faults_left(why, sizeof(why)));
    CHECK(no_protocol_error());
}

/*
 * VT-d grants what every level of the walk grants: a table entry without
 * W makes every write below it fault, however the leaf reads (through
 * the live walk and through what the unit cached after the DSI).
 */
static void upper_level_permissions_limit_the_walk(void)
{
    uint64_t top;

    start(false, true, true);
    CHECK_EQ(dma_fault_reason(DEV, BFN, true), 0);
    top = va_of(pgd)[0];
    store(&va_of(pgd)[0], top & ~(uint64_t)DMA_PTE_WRITE, false);
    CHECK(inv_dsi(DID));
    CHECK_EQ(dma_fault_reason(DEV, BFN, true), VTD_FR_NO_WRITE);
    CHECK_EQ(dma_fault_reason(DEV, BFN, false), 0);
    CHECK(no_protocol_error());
}

static void translation_off_is_wild_and_never_faults(void)
{
    struct vtd_sim_caps c = { .coherent = true };
    char why[256];

    heap_reset();
    vtd_sim_reset(&c);
    CHECK(vtd_sim_wild(DEV, why, sizeof(why)));
    CHECK(!vtd_sim_may_fault(DEV, BFN, SIM_W));
}

/*
 * Under sid_tag a device cut off by the context cache alone still hits
 * the leaves it could fetch before, and no later ones, until an IOTLB
 * invalidation of its old domain id completes.
 */
static void source_id_tagged_leaves_outlive_the_context(void)
{
    unsigned int tagged;

    for ( tagged = 0; tagged < 2; tagged++ )
    {
        struct vtd_sim_caps c = {
            .psi = true, .qi = true, .coherent = true, .mamv = 9,
            .completion_delay = 2, .sid_tag = tagged,
        };

        sim_start(&c);
        pgd = new_table();
        set_leaf(pgd, BFN, BFN, DMA_PTE_PROT, false);
        set_context(DEV, DID, pgd);
        set_context(DEV + 1, DID, pgd);
        CHECK(inv_ctx_global());
        CHECK(inv_dsi(DID));
        CHECK_EQ(possible(DEV, BFN).outcomes, OUT_RW);

        set_context(DEV, 0, 0);
        CHECK(inv_ctx_global());
        CHECK_EQ(possible(DEV, BFN).outcomes & OUT_RW, tagged ? OUT_RW : 0);
        /* A leaf first fetchable after the cut-off is not the device's. */
        set_leaf(pgd, 9, 9, DMA_PTE_PROT, false);
        CHECK_EQ(possible(DEV + 1, 9).outcomes, OUT_RW);
        CHECK_EQ(possible(DEV, 9).outcomes & OUT_RW, 0);
        /* A PSI of another page leaves the tag; the DSI ends it. */
        CHECK(inv_psi(DID, 9, 0, false));
        CHECK_EQ(possible(DEV, BFN).outcomes & OUT_RW, tagged ? OUT_RW : 0);
        CHECK(inv_dsi(DID));
        CHECK_EQ(possible(DEV, BFN).outcomes & OUT_RW, 0);
        CHECK_EQ(possible(DEV + 1, BFN).outcomes, OUT_RW);
        CHECK(no_protocol_error());
    }
}

static void domain_selective_leaves_other_domains_alone(void)
{
    uint64_t pgd2;

    start(false, true, true);
    pgd2 = new_table();
    set_leaf(pgd2, BFN, 0x55, DMA_PTE_PROT, false);
    set_context(1, DID2, pgd2);
    set_leaf(pgd2, BFN, 0x55, DMA_PTE_READ, false);
    set_leaf(pgd, BFN, BFN, DMA_PTE_READ, false);
    CHECK(inv_dsi(DID));
    CHECK_EQ(possible(DEV, BFN).outcomes, OUT_R);
    CHECK_EQ(possible(1, BFN).outcomes, OUT_RW | OUT_R);
    CHECK(inv_global());
    CHECK_EQ(possible(1, BFN).outcomes, OUT_R);
}

/* Same steps after a reset give the same frames and the same answers. */
static void reset_is_complete_and_deterministic(void)
{
    uint64_t first;

    start(true, true, false);
    first = pgd;
    set_leaf(pgd, 0x1234, 0x99, DMA_PTE_PROT, false);
    fault_arm_nth(1000);
    start(true, true, false);
    CHECK_EQ(pgd, first);
    CHECK_EQ(possible(DEV, 0x1234).nr_mfns, 0);
    CHECK_EQ(possible(DEV, BFN).outcomes, OUT_RW);
    CHECK(!fault_armed());
    CHECK_EQ(vtd_sim_stats()->late_waits, 0);
}

/* Stats count what was asked of the hardware. */
static void stats_count_requests(void)
{
    const struct vtd_sim_stats *st;

    start(false, true, false);
    CHECK(inv_psi(DID, BFN, 0, false));
    CHECK(inv_dsi(DID));
    st = vtd_sim_stats();
    CHECK(st->psi >= 1 && st->dsi >= 2 && st->global >= 1);
    CHECK(st->qi_wait >= 4 && st->qi_iotlb >= 3 && st->qi_ctx >= 2);
    CHECK(st->clflush_lines > 0);
    CHECK(st->completed >= 5);
    CHECK_EQ(st->reg_iotlb, 0);
}

int main(void)
{
    RUN(rw_to_r_without_invalidation_keeps_rw);
    RUN(completed_psi_covering_leaves_only_the_new_value);
    RUN(psi_not_covering_the_address_does_not_shrink);
    RUN(psi_covers_the_aligned_block_only);
    RUN(non_present_entries_cached_only_with_cm);
    RUN(freed_table_reused_is_walked_through_stale_ps_entry);
    RUN(poison_of_a_reused_table_is_visible_through_stale_entry);
    RUN(noncoherent_unflushed_value_survives_invalidation);
    RUN(bypassing_store_is_seen_by_sync);
    RUN(sync_compares_only_frames_the_cpu_mapped);
    RUN(store_through_a_kept_xenheap_pointer_is_seen);
    RUN(only_walked_frames_are_written_out);
    RUN(cleared_table_is_taken_in_whole);
    RUN(table_filled_before_linking_is_taken_in_whole);
    RUN(write_buffer_hides_new_entries_until_flushed);
    RUN(undrained_invalidation_leaves_dma_in_flight);
    RUN(gcmd_write_must_keep_what_is_enabled);
    RUN(qi_invalidation_incomplete_until_wait_status);
    RUN(change_after_submission_survives_the_invalidation);
    RUN(qi_wait_timeout_completes_late_with_old_value);
    RUN(qi_error_stops_the_queue_until_cleared);
    RUN(qi_rejects_unknown_and_invalid_descriptors);
    RUN(register_invalidation_timeout_never_completes);
    RUN(register_psi_without_capability_is_done_as_dsi);
    RUN(device_moved_uses_old_context_until_cc_invalidation);
    RUN(reused_domain_id_sees_stale_entries_until_dsi);
    RUN(did_clean_only_if_context_invalidation_waited_first);
    RUN(context_device_selective_needs_matching_did);
    RUN(wild_table_pointer_is_reported);
    RUN(fault_record_gives_the_reason_of_the_walk);
    RUN(upper_level_permissions_limit_the_walk);
    RUN(translation_off_is_wild_and_never_faults);
    RUN(domain_selective_leaves_other_domains_alone);
    RUN(source_id_tagged_leaves_outlive_the_context);
    RUN(reset_is_complete_and_deterministic);
    RUN(stats_count_requests);
    return tests_failed ? 1 : 0;
}
