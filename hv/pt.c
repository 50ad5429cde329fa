/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A domain's VT-d second-level tables: the root at
 * dom_iommu(d)->arch.vtd.pgd_maddr, table pages from Xen's
 * iommu_alloc_pgtable() (so they are on hd->arch.pgtables.list and
 * iommu_free_pgtables() finds them), bfn == mfn.
 *
 * Every store goes through write_entry(): written back for a non-coherent
 * walker before anything relies on it.  Tables a map needs are allocated
 * before any entry is touched, so a failed allocation leaves the tables as
 * they were.  Removing a mapping never unlinks tables by itself: putting
 * it back (the hardware domain's rollback when an invalidation failed)
 * then needs no allocation and cannot fail.  gtio_pt_collapse() unlinks
 * the tables a confirmed removal emptied; they are freed only after an
 * invalidation that also clears the paging-structure caches completed.
 *
 * Walks and changes hold hd->arch.mapping_lock, as Xen's VT-d driver does
 * for the same tables: type changes, populate and grant maps of one
 * domain run on several CPUs at once.  Nothing waits under it: emptied
 * tables are handed to flush.c after it is dropped.
 */

#include <xen/types.h>
#include <xen/errno.h>
#include <xen/lib.h>
#include <xen/mm.h>
#include <xen/domain_page.h>
#include <xen/sched.h>
#include <xen/iommu.h>
#include <asm/atomic.h>

#include "gtio_internal.h"
#include "vtd_pte.h"

static uint64_t *table_map(uint64_t maddr)
{
    return map_domain_page(maddr_to_mfn(maddr));
}

static void write_entry(uint64_t *entry, uint64_t val)
{
    write_atomic(entry, val);
    iommu_sync_cache(entry, sizeof(*entry));
}

/* Zeroed, written back and on d's table list: iommu_alloc_pgtable(). */
static int table_alloc(struct domain *d, uint64_t *maddr)
{
    struct page_info *pg = iommu_alloc_pgtable(dom_iommu(d), 0);

    if ( !pg )
        return -ENOMEM;
    *maddr = page_to_maddr(pg);
    return 0;
}

void gtio_pt_free_table(struct domain *d, struct page_info *pg)
{
    struct domain_iommu *hd = dom_iommu(d);

    spin_lock(&hd->arch.pgtables.lock);
    page_list_del(pg, &hd->arch.pgtables.list);
    spin_unlock(&hd->arch.pgtables.lock);
    free_domheap_page(pg);
}

/*
 * A table a device may still walk through a stale cached entry: it stays
 * allocated for good, off the list so that domain teardown leaves it.
 */
void gtio_pt_leak_table(struct domain *d, struct page_info *pg)
{
    struct domain_iommu *hd = dom_iommu(d);

    printk(XENLOG_WARNING "gtio: %pd: leaking table page %" PRI_mfn "\n",
           d, mfn_x(page_to_mfn(pg)));
    spin_lock(&hd->arch.pgtables.lock);
    page_list_del(pg, &hd->arch.pgtables.list);
    spin_unlock(&hd->arch.pgtables.lock);
}

static int root_locked(struct domain *d)
{
    struct domain_iommu *hd = dom_iommu(d);
    uint64_t root;
    int rc;

    ASSERT(spin_is_locked(&hd->arch.mapping_lock));
    if ( hd->arch.vtd.pgd_maddr )
        return 0;
    rc = table_alloc(d, &root);
    if ( !rc )
        hd->arch.vtd.pgd_maddr = root;
    return rc;
}

int gtio_root(struct domain *d, paddr_t *maddr)
{
    struct domain_iommu *hd = dom_iommu(d);
    int rc;

    spin_lock(&hd->arch.mapping_lock);
    rc = root_locked(d);
    *maddr = hd->arch.vtd.pgd_maddr;
    spin_unlock(&hd->arch.mapping_lock);
    return rc;
}

/*
 * Walk towards dfn's leaf.  Returns the level at which the walk stopped:
 * 1 if it reached the leaf table (its maddr in *table), else the level
 * whose entry is missing (the table holding it in *table).
 */
static unsigned int walk(struct domain *d, unsigned long dfn, uint64_t *table)
{
    uint64_t cur = dom_iommu(d)->arch.vtd.pgd_maddr;
    unsigned int level;

    for ( level = GTIO_PT_LEVELS; level > 1; level-- )
    {
        uint64_t *t = table_map(cur);
        uint64_t pte = t[gtio_pt_index(dfn, level)];

        unmap_domain_page(t);
        if ( !gtio_pte_present(pte) )
            break;
        /*
         * Xen's VT-d driver would coalesce full tables of the domains it
         * keeps; gtio is given a unit only with superpages off, so a
         * superpage here is another writer in these tables: stop before
         * taking guest memory for a table.
         */
        BUG_ON(pte & GTIO_PTE_SUPERPAGE);
        cur = pte & GTIO_PTE_ADDR_MASK;
    }
    *table = cur;
    return level;
}

unsigned int gtio_pt_get(struct domain *d, unsigned long dfn)
{
    struct domain_iommu *hd = dom_iommu(d);
    uint64_t table, pte = 0, *t;

    spin_lock(&hd->arch.mapping_lock);
    if ( hd->arch.vtd.pgd_maddr && walk(d, dfn, &table) == 1 )
    {
        t = table_map(table);
        pte = t[gtio_pt_index(dfn, 1)];
        unmap_domain_page(t);
    }
    spin_unlock(&hd->arch.mapping_lock);
    return pte & GTIO_PTE_PROT;
}

/* Allocate the tables missing below 'level' first; link only if all exist. */
static int build_path(struct domain *d, unsigned long dfn, unsigned int level,
                      uint64_t *table)
{
    uint64_t fresh[GTIO_PT_LEVELS];
    unsigned int i, need = level - 1;
    int rc = 0;

    for ( i = 0; i < need && !rc; i++ )
        rc = table_alloc(d, &fresh[i]);
    if ( rc )
    {
        while ( i-- > 1 )
            gtio_pt_free_table(d, maddr_to_page(fresh[i - 1]));
        return rc;
    }

    for ( i = 0; i < need; i++, level-- )
    {
        uint64_t *t = table_map(*table);

        write_entry(&t[gtio_pt_index(dfn, level)], fresh[i] | GTIO_PTE_PROT);
        unmap_domain_page(t);
        *table = fresh[i];
    }
    return 0;
}

/*
 * Make dfn's leaf give 'access' to the frame dfn itself (bfn == mfn for PV
 * domains), and say what it gave before.  Only a map can fail, and only
 * before anything changed.
 */
static int set_locked(struct domain *d, unsigned long dfn, unsigned int access,
                      unsigned int *old_access)
{
    uint64_t table, *t, *leaf, old, val;
    unsigned int level;
    int rc;

    *old_access = GTIO_ACCESS_NONE;
    if ( !dom_iommu(d)->arch.vtd.pgd_maddr && access == GTIO_ACCESS_NONE )
        return 0;
    rc = root_locked(d);
    if ( rc )
        return rc;

    level = walk(d, dfn, &table);
    if ( level != 1 )
    {
        if ( access == GTIO_ACCESS_NONE )
            return 0;
        rc = build_path(d, dfn, level, &table);
        if ( rc )
            return rc;
    }

    t = table_map(table);
    leaf = &t[gtio_pt_index(dfn, 1)];
    old = *leaf;
    val = access ? ((uint64_t)dfn << PAGE_SHIFT) | access : 0;
    if ( old != val )
        write_entry(leaf, val);
    unmap_domain_page(t);
    *old_access = old & GTIO_PTE_PROT;
    return 0;
}

int gtio_pt_set(struct domain *d, unsigned long dfn, unsigned int access,
                unsigned int *old_access)
{
    struct domain_iommu *hd = dom_iommu(d);
    int rc;

    spin_lock(&hd->arch.mapping_lock);
    rc = set_locked(d, dfn, access, old_access);
    spin_unlock(&hd->arch.mapping_lock);
    return rc;
}

static bool table_empty(const uint64_t *t)
{
    unsigned int i;

    for ( i = 0; i < GTIO_PTES_PER_TABLE; i++ )
        if ( gtio_pte_present(t[i]) )
            return false;
    return true;
}

/*
 * Unlink the now empty tables on dfn's path, bottom up; the root stays.
 * The path must be complete: callers have just cleared dfn's leaf and know
 * they will not put it back.
 */
static unsigned int collapse_locked(struct domain *d, unsigned long dfn,
                                    struct page_info **dead)
{
    uint64_t leaf_table;
    unsigned int level, nr_dead = 0;

    if ( walk(d, dfn, &leaf_table) != 1 )
        return 0;

    for ( level = 1; level < GTIO_PT_LEVELS; level++ )
    {
        uint64_t parent = dom_iommu(d)->arch.vtd.pgd_maddr, table = 0, *t;
        unsigned int l;
        bool empty;

        for ( l = GTIO_PT_LEVELS; l > level; l-- )
        {
            t = table_map(parent);
            table = t[gtio_pt_index(dfn, l)] & GTIO_PTE_ADDR_MASK;
            unmap_domain_page(t);
            if ( l > level + 1 )
                parent = table;
        }
        t = table_map(table);
        empty = table_empty(t);
        unmap_domain_page(t);
        if ( !empty )
            break;

        t = table_map(parent);
        write_entry(&t[gtio_pt_index(dfn, level + 1)], 0);
        unmap_domain_page(t);
        dead[nr_dead++] = maddr_to_page(table);
    }
    return nr_dead;
}

void gtio_pt_collapse(struct domain *d, unsigned long dfn)
{
    struct domain_iommu *hd = dom_iommu(d);
    struct page_info *dead[GTIO_PT_LEVELS - 1];
    unsigned int i, nr_dead;

    spin_lock(&hd->arch.mapping_lock);
    nr_dead = collapse_locked(d, dfn, dead);
    spin_unlock(&hd->arch.mapping_lock);
    for ( i = 0; i < nr_dead; i++ )
        gtio_flush_note_dead_table(d, dead[i]);
}

/* Only once no device can walk d's tables (gtio_quiesce()). */
void gtio_free_tables(struct domain *d)
{
    struct domain_iommu *hd = dom_iommu(d);
    struct page_info *pg;

    hd->arch.vtd.pgd_maddr = 0;
    spin_lock(&hd->arch.pgtables.lock);
    while ( (pg = page_list_remove_head(&hd->arch.pgtables.list)) != NULL )
    {
        spin_unlock(&hd->arch.pgtables.lock);
        free_domheap_page(pg);
        spin_lock(&hd->arch.pgtables.lock);
    }
    spin_unlock(&hd->arch.pgtables.lock);
}
