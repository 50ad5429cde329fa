/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * VT-d second-level page tables of a PV domain: 4 levels, 4K leaves,
 * bfn == mfn.  Non-leaf entries are always R|W; access is decided at the
 * leaf, as in Xen.
 *
 * Every store goes through gtio_vtd_write_entry(), so it is written back for a
 * non-coherent walker before anything relies on it.  Tables needed by a
 * map are allocated before any entry is touched, so an allocation failure
 * leaves the tables exactly as they were.  Removing a mapping never
 * unlinks tables by itself, so that putting the mapping back (the rollback
 * of a change whose invalidation failed) needs no allocation and cannot
 * fail.  gtio_pt_collapse() unlinks the tables a removal emptied; they are
 * freed only after an invalidation that also clears the paging-structure
 * caches has completed (gtio_flush_note_dead_table()).
 */

#include <xen/types.h>
#include <xen/errno.h>
#include <xen/lib.h>
#include <xen/string.h>
#include <xen/mm.h>
#include <xen/domain_page.h>
#include <asm/cache.h>

#include "gtio_internal.h"
#include "vtd_hw.h"

static uint64_t *table_map(uint64_t maddr)
{
    return map_domain_page(maddr_to_mfn(maddr));
}

static int table_alloc(struct gtio_machine *m, struct gtio_domain *dom,
                       uint64_t *maddr)
{
    struct page_info *pg = alloc_domheap_page(NULL, 0);
    uint64_t *va;

    if ( !pg )
        return -ENOMEM;
    va = map_domain_page(page_to_mfn(pg));
    memset(va, 0, PAGE_SIZE);
    if ( !gtio_vtd_coherent(&m->vtd) )
    {
        cache_writeback(va, PAGE_SIZE);
        m->stats.clflush++;
    }
    unmap_domain_page(va);
    dom->iommu.table_pages++;
    *maddr = page_to_maddr(pg);
    return 0;
}

void gtio_pt_free_table(struct gtio_machine *m, struct gtio_domain *dom,
                        uint64_t maddr)
{
    (void)m;
    ASSERT(dom->iommu.table_pages);
    dom->iommu.table_pages--;
    free_domheap_page(maddr_to_page(maddr));
}

int gtio_pt_create_root(struct gtio_machine *m, struct gtio_domain *dom)
{
    return table_alloc(m, dom, &dom->iommu.pgd_maddr);
}

/*
 * Walk down to the leaf table of bfn.  Returns the level at which the walk
 * stopped (1 = reached the leaf table, whose maddr is in *table), or the
 * level whose entry is missing.
 */
static unsigned int walk(const struct gtio_domain *dom, unsigned long bfn,
                         uint64_t *table)
{
    uint64_t cur = dom->iommu.pgd_maddr;
    unsigned int level;

    for ( level = VTD_PT_LEVELS; level > 1; level-- )
    {
        uint64_t *t = table_map(cur);
        uint64_t pte = t[vtd_level_index(bfn, level)];

        unmap_domain_page(t);
        if ( !dma_pte_present(pte) )
            break;
        cur = pte & DMA_PTE_ADDR_MASK;
    }
    *table = cur;
    return level;
}

unsigned int gtio_pt_get(const struct gtio_domain *dom, unsigned long bfn)
{
    uint64_t table, pte, *t;

    if ( !dom->iommu.pgd_maddr || walk(dom, bfn, &table) != 1 )
        return GTIO_ACCESS_NONE;
    t = table_map(table);
    pte = t[vtd_level_index(bfn, 1)];
    unmap_domain_page(t);
    return pte & DMA_PTE_PROT;
}

/* Allocate the missing tables below 'level' first; link only if all exist. */
static int build_path(struct gtio_machine *m, struct gtio_domain *dom,
                      unsigned long bfn, unsigned int level, uint64_t *table)
{
    uint64_t fresh[VTD_PT_LEVELS];
    unsigned int i, need = level - 1;
    int rc = 0;

    for ( i = 0; i < need && !rc; i++ )
        rc = table_alloc(m, dom, &fresh[i]);
    if ( rc )
    {
        while ( i-- > 1 )
            gtio_pt_free_table(m, dom, fresh[i - 1]);
        return rc;
    }

    for ( i = 0; i < need; i++, level-- )
    {
        uint64_t *t = table_map(*table);

        gtio_vtd_write_entry(m, &t[vtd_level_index(bfn, level)],
                        fresh[i] | DMA_PTE_PROT);
        unmap_domain_page(t);
        *table = fresh[i];
    }
    return 0;
}

static bool table_empty(const uint64_t *t)
{
    unsigned int i;

    for ( i = 0; i < VTD_PTES_PER_TABLE; i++ )
        if ( dma_pte_present(t[i]) )
            return false;
    return true;
}

/*
 * Unlink the now empty tables on bfn's path, bottom up; the root stays.
 * The path must be complete: callers have just cleared bfn's leaf, and
 * those that may still put it back call this only once they know they
 * will not.
 */
int gtio_pt_collapse(struct gtio_machine *m, struct gtio_domain *dom,
                     unsigned long bfn)
{
    uint64_t leaf_table;
    unsigned int level;

    ASSERT(walk(dom, bfn, &leaf_table) == 1);

    for ( level = 1; level < VTD_PT_LEVELS; level++ )
    {
        uint64_t parent = dom->iommu.pgd_maddr, table = 0, *t;
        unsigned int l;
        bool empty;

        for ( l = VTD_PT_LEVELS; l > level; l-- )
        {
            t = table_map(parent);
            table = t[vtd_level_index(bfn, l)] & DMA_PTE_ADDR_MASK;
            unmap_domain_page(t);
            if ( l > level + 1 )
                parent = table;
        }
        t = table_map(table);
        empty = table_empty(t);
        unmap_domain_page(t);
        if ( !empty )
            return 0;

        t = table_map(parent);
        gtio_vtd_write_entry(m, &t[vtd_level_index(bfn, level + 1)], 0);
        unmap_domain_page(t);
        if ( gtio_flush_note_dead_table(m, dom, table) )
            return -EIO;
    }
    return 0;
}

/*
 * Make bfn's leaf give 'access' (GTIO_ACCESS_*) to the frame bfn itself,
 * and note the invalidation the change needs.  Only a map can fail, and
 * only before anything changed; a map into tables that exist cannot fail.
 */
int gtio_pt_set(struct gtio_machine *m, struct gtio_domain *dom,
                unsigned long bfn, unsigned int access)
{
    uint64_t table, *t, *leaf, old, val;
    unsigned int level = walk(dom, bfn, &table);
    int rc;

    if ( level != 1 )
    {
        if ( access == GTIO_ACCESS_NONE )
            return 0;
        rc = build_path(m, dom, bfn, level, &table);
        if ( rc )
            return rc;
    }

    t = table_map(table);
    leaf = &t[vtd_level_index(bfn, 1)];
    old = *leaf;
    val = access ? ((uint64_t)bfn << PAGE_SHIFT) | access : 0;
    if ( old != val )
        gtio_vtd_write_entry(m, leaf, val);
    unmap_domain_page(t);

    if ( old == val )
        return 0;
    gtio_flush_note_change(m, dom, bfn, old & DMA_PTE_PROT, access);
    return 0;
}

static void free_subtree(struct gtio_machine *m, struct gtio_domain *dom,
                         uint64_t maddr, unsigned int level)
{
    uint64_t *t;
    unsigned int i;

    if ( level > 1 )
    {
        t = table_map(maddr);
        for ( i = 0; i < VTD_PTES_PER_TABLE; i++ )
            if ( dma_pte_present(t[i]) )
                free_subtree(m, dom, t[i] & DMA_PTE_ADDR_MASK, level - 1);
        unmap_domain_page(t);
    }
    gtio_pt_free_table(m, dom, maddr);
}

/* Only after every device left and a DSI completed (domain teardown). */
void gtio_pt_free_all(struct gtio_machine *m, struct gtio_domain *dom)
{
    if ( dom->iommu.pgd_maddr )
        free_subtree(m, dom, dom->iommu.pgd_maddr, VTD_PT_LEVELS);
    dom->iommu.pgd_maddr = 0;
}
