/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A tiny "core" for the model's own tests: it drives the simulated VT-d
 * through the same hooks as hv/ does (reported stores, clflush, MMIO,
 * cpu_relax), on frames taken straight from the machine's heap (no Xen
 * allocator, so no fault point can fail them), but step by step, so that
 * each test can look at the possible-translation sets between the steps.
 */
#ifndef TESTS_SIM_UTIL_H
#define TESTS_SIM_UTIL_H

#include <string.h>

#include <harness/hooks.h>

#include "fault.h"
#include "heap.h"
#include "vtd_hw.h"
#include "vtd_sim.h"
#include "../lib/check.h"

#define SIM_IOTLB_REG   0x108   /* ECAP.IRO = 0x10 */
#define SIM_IVA_REG     0x100
#define POLL_LIMIT      10000

static struct vtd_sim_caps sim_caps;
static bool sim_qi_on;
/* IOTLB invalidations ask for draining of reads and writes (DR, DW). */
static bool sim_drain;
static uint64_t *sim_ring, *sim_ctx;
static uint64_t sim_ring_maddr, sim_status_maddr;
static volatile uint32_t *sim_status;
static unsigned int sim_tail;

static inline uint64_t rd64(unsigned int off)
{
    return hh_mmio_read((char *)vtd_sim_regs() + off, 8);
}

static inline uint32_t rd32(unsigned int off)
{
    return hh_mmio_read((char *)vtd_sim_regs() + off, 4);
}

static inline void wr64(unsigned int off, uint64_t v)
{
    hh_mmio_write((char *)vtd_sim_regs() + off, v, 8);
}

static inline void wr32(unsigned int off, uint32_t v)
{
    hh_mmio_write((char *)vtd_sim_regs() + off, v, 4);
}

/* A store as write_atomic() does it, optionally written back. */
static inline void store(uint64_t *p, uint64_t v, bool writeback)
{
    *(volatile uint64_t *)p = v;
    hh_mem_written(p, sizeof(*p));
    if ( writeback )
        hh_cache_writeback(p, sizeof(*p));
}

static inline uint64_t *va_of(uint64_t maddr)
{
    return hh_map_frame(maddr >> 12);
}

static inline uint64_t new_table(void)
{
    struct page_info *pg = heap_alloc_frame();
    uint64_t *va;

    if ( !pg )
        return 0;
    va = hh_map_frame(hh_page_to_mfn(pg));
    memset(va, 0, 4096);
    hh_cache_writeback(va, 4096);
    return (uint64_t)hh_page_to_mfn(pg) << 12;
}

static inline void free_table(uint64_t maddr)
{
    heap_free_frame(hh_mfn_to_page(maddr >> 12));
}

static inline bool gcmd_wait(uint32_t bit)
{
    uint32_t sts = rd32(VTD_REG_GSTS);
    unsigned int i;

    wr32(VTD_REG_GCMD, (sts & VTD_GSTS_PERSISTENT) | bit);
    for ( i = 0; i < POLL_LIMIT; i++ )
    {
        if ( rd32(VTD_REG_GSTS) & bit )
            return true;
        hh_cpu_relax();
    }
    return false;
}

/* Poll a busy bit of a register; true when it cleared within the limit. */
static inline bool reg_done(unsigned int off, uint64_t busy)
{
    unsigned int i;

    for ( i = 0; i < POLL_LIMIT; i++ )
    {
        if ( !(rd64(off) & busy) )
            return true;
        hh_cpu_relax();
    }
    return false;
}

static inline bool reg_iotlb(uint64_t gran, uint16_t did,
                             unsigned long bfn, unsigned int am, bool ih)
{
    if ( gran == VTD_IOTLB_PSI )
        wr64(SIM_IVA_REG, ((uint64_t)bfn << 12) | am | (ih ? VTD_IVA_IH : 0));
    wr64(SIM_IOTLB_REG, VTD_IOTLB_IVT | gran |
                        ((uint64_t)did << VTD_IOTLB_DID_SHIFT) |
                        (sim_drain ? VTD_IOTLB_DR | VTD_IOTLB_DW : 0));
    return reg_done(SIM_IOTLB_REG, VTD_IOTLB_IVT);
}

static inline bool reg_ctx(uint64_t gran, uint16_t did, uint16_t sid)
{
    wr64(VTD_REG_CCMD, VTD_CCMD_ICC | gran | did |
                       ((uint64_t)sid << VTD_CCMD_SID_SHIFT));
    return reg_done(VTD_REG_CCMD, VTD_CCMD_ICC);
}

static inline void qi_put(uint64_t lo, uint64_t hi)
{
    sim_ring[sim_tail * 2] = lo;
    sim_ring[sim_tail * 2 + 1] = hi;
    sim_tail = (sim_tail + 1) % VTD_QI_ENTRIES_PER_PAGE;
    wr64(VTD_REG_IQT, (uint64_t)sim_tail << VTD_QI_INDEX_SHIFT);
}

static inline void qi_psi(uint16_t did, unsigned long bfn, unsigned int am,
                          bool ih)
{
    qi_put(VTD_QI_TYPE_IOTLB | (VTD_QI_GRAN_PAGE << VTD_QI_GRAN_SHIFT) |
           ((uint64_t)did << VTD_QI_DID_SHIFT) |
           (sim_drain ? VTD_QI_IOTLB_DR | VTD_QI_IOTLB_DW : 0),
           ((uint64_t)bfn << 12) | am | (ih ? VTD_QI_IOTLB_IH : 0));
}

static inline void qi_dsi(uint16_t did)
{
    qi_put(VTD_QI_TYPE_IOTLB | (VTD_QI_GRAN_DOMAIN << VTD_QI_GRAN_SHIFT) |
           ((uint64_t)did << VTD_QI_DID_SHIFT) |
           (sim_drain ? VTD_QI_IOTLB_DR | VTD_QI_IOTLB_DW : 0), 0);
}

static inline void qi_ctx_global(void)
{
    qi_put(VTD_QI_TYPE_CONTEXT | (VTD_QI_GRAN_GLOBAL << VTD_QI_GRAN_SHIFT), 0);
}

static inline void qi_wait_desc(uint32_t data)
{
    qi_put(VTD_QI_TYPE_WAIT | VTD_QI_WAIT_SW | VTD_QI_WAIT_FN |
           ((uint64_t)data << VTD_QI_WAIT_DATA_SHIFT), sim_status_maddr);
}

/* Tick until the status slot reads 'data'; false on timeout. */
static inline bool status_is(uint32_t data, unsigned int limit)
{
    unsigned int i;

    for ( i = 0; i <= limit; i++ )
    {
        if ( *sim_status == data )
            return true;
        hh_cpu_relax();
    }
    return false;
}

static inline void ticks(unsigned int n)
{
    while ( n-- )
        hh_cpu_relax();
}

/* Invalidations in the unit's own way (queue or registers), completed. */
static inline bool inv_psi(uint16_t did, unsigned long bfn, unsigned int am,
                           bool ih)
{
    static uint32_t seq = 100;

    if ( !sim_qi_on )
        return reg_iotlb(VTD_IOTLB_PSI, did, bfn, am, ih);
    qi_psi(did, bfn, am, ih);
    qi_wait_desc(++seq);
    return status_is(seq, POLL_LIMIT);
}

static inline bool inv_dsi(uint16_t did)
{
    static uint32_t seq = 5000;

    if ( !sim_qi_on )
        return reg_iotlb(VTD_IOTLB_DSI, did, 0, 0, false);
    qi_dsi(did);
    qi_wait_desc(++seq);
    return status_is(seq, POLL_LIMIT);
}

static inline bool inv_global(void)
{
    static uint32_t seq = 7000;

    if ( !sim_qi_on )
        return reg_iotlb(VTD_IOTLB_GLOBAL, 0, 0, 0, false);
    qi_put(VTD_QI_TYPE_IOTLB | (VTD_QI_GRAN_GLOBAL << VTD_QI_GRAN_SHIFT), 0);
    qi_wait_desc(++seq);
    return status_is(seq, POLL_LIMIT);
}

static inline bool inv_ctx_global(void)
{
    static uint32_t seq = 9000;

    if ( !sim_qi_on )
        return reg_ctx(VTD_CCMD_GLOBAL, 0, 0);
    qi_ctx_global();
    qi_wait_desc(++seq);
    return status_is(seq, POLL_LIMIT);
}

/* Power on: root + bus-0 context table, optional queue, translation on. */
static inline void sim_start(const struct vtd_sim_caps *c)
{
    uint64_t root, ctx;

    heap_reset();
    fault_reset();
    harness_hooks_reset();
    vtd_sim_reset(c);
    sim_caps = *c;
    sim_qi_on = false;
    sim_tail = 0;

    root = new_table();
    ctx = new_table();
    sim_ctx = va_of(ctx);
    store(&va_of(root)[0], ctx | VTD_ROOT_PRESENT, true);
    wr64(VTD_REG_RTADDR, root);
    CHECK(gcmd_wait(VTD_GCMD_SRTP));
    if ( c->qi )
    {
        sim_ring_maddr = new_table();
        sim_status_maddr = new_table();
        sim_ring = va_of(sim_ring_maddr);
        sim_status = (volatile uint32_t *)va_of(sim_status_maddr);
        wr64(VTD_REG_IQT, 0);
        wr64(VTD_REG_IQA, sim_ring_maddr);
        CHECK(gcmd_wait(VTD_GCMD_QIE));
        sim_qi_on = true;
    }
    CHECK(inv_ctx_global());
    CHECK(inv_global());
    CHECK(gcmd_wait(VTD_GCMD_TE));
}

/* Point device dev at (did, pgd), or at nothing (pgd == 0). */
static inline void set_context(unsigned int dev, uint16_t did, uint64_t pgd)
{
    bool wb = !sim_caps.coherent;

    store(&sim_ctx[dev * 2], 0, wb);
    if ( !pgd )
    {
        store(&sim_ctx[dev * 2 + 1], 0, wb);
        return;
    }
    store(&sim_ctx[dev * 2 + 1],
          VTD_CTX_AW_4LEVEL | ((uint64_t)did << VTD_CTX_DID_SHIFT), wb);
    store(&sim_ctx[dev * 2], pgd | VTD_CTX_PRESENT, wb);
}

/* The PTE slot of bfn at 'level' in the tables of pgd, building as needed. */
static inline uint64_t *pte_slot(uint64_t pgd, unsigned long bfn,
                                 unsigned int level, uint64_t *new_tables)
{
    uint64_t table = pgd;
    unsigned int l;

    for ( l = VTD_PT_LEVELS; l > level; l-- )
    {
        uint64_t *slot = &va_of(table)[vtd_level_index(bfn, l)];

        if ( !dma_pte_present(*slot) )
        {
            uint64_t t = new_table();

            if ( new_tables )
                new_tables[l - 2] = t;
            store(slot, t | DMA_PTE_PROT, !sim_caps.coherent);
        }
        table = *slot & DMA_PTE_ADDR_MASK;
    }
    return &va_of(table)[vtd_level_index(bfn, level)];
}

static inline void set_leaf(uint64_t pgd, unsigned long bfn,
                            unsigned long mfn, unsigned int access,
                            bool writeback)
{
    store(pte_slot(pgd, bfn, 1, NULL),
          access ? ((uint64_t)mfn << 12) | access : 0, writeback);
}

/* ---- Looking at the possible set ---- */

struct poss_query {
    unsigned long bfn;
    unsigned int outcomes;      /* bit (1 << access) per possible outcome */
    unsigned long mfns[8];
    unsigned int nr_mfns;
    uint16_t dids[8];
    unsigned int nr_dids;
};

static inline bool collect(void *ctx, unsigned int dev,
                           const struct sim_translation *t)
{
    struct poss_query *q = ctx;
    unsigned int i;

    (void)dev;
    if ( t->bfn != q->bfn )
        return true;
    q->outcomes |= 1U << t->access;
    if ( t->access )
    {
        for ( i = 0; i < q->nr_mfns && q->mfns[i] != t->mfn; i++ )
            ;
        if ( i == q->nr_mfns && q->nr_mfns < 8 )
            q->mfns[q->nr_mfns++] = t->mfn;
    }
    for ( i = 0; i < q->nr_dids && q->dids[i] != t->did; i++ )
        ;
    if ( i == q->nr_dids && q->nr_dids < 8 )
        q->dids[q->nr_dids++] = t->did;
    return true;
}

static inline struct poss_query possible(unsigned int dev, unsigned long bfn)
{
    struct poss_query q = { .bfn = bfn };

    vtd_sim_sync();
    vtd_sim_for_each_possible(dev, collect, &q);
    return q;
}

#define OUT_FAULT   (1U << 0)
#define OUT_R       (1U << SIM_R)
#define OUT_RW      (1U << (SIM_R | SIM_W))

static inline bool has_mfn(const struct poss_query *q, unsigned long mfn)
{
    unsigned int i;

    for ( i = 0; i < q->nr_mfns; i++ )
        if ( q->mfns[i] == mfn )
            return true;
    return false;
}

static inline bool no_protocol_error(void)
{
    char why[256];

    if ( !vtd_sim_protocol_error(why, sizeof(why)) )
        return true;
    printf("# protocol error: %s\n", why);
    return false;
}

#endif /* TESTS_SIM_UTIL_H */
