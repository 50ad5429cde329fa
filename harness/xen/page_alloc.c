/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Stand-in for common/page_alloc.c and xmalloc: Xen's allocations come
 * from the machine's heap (heap.c), and each names its call site, which
 * chooses its fault point (fault.h): a grant table frame
 * (gnttab_grow_table), a maptrack frame (get_maptrack_handle), a
 * maptrack_tree node (radix-tree.c), an IOMMU table page
 * (iommu_alloc_pgtable), anything else.
 *
 * A guest frame's last put comes here too (free_domheap_page()): it leaves
 * its owner's page list, and a dead domain whose last page this was goes.
 */
#include <string.h>

#include <xen/types.h>
#include <xen/lib.h>
#include <xen/sched.h>
#include <xen/mm.h>

#include "fault.h"
#include "heap.h"
#include "internal.h"

static enum fault_point page_site(const char *site)
{
    static const struct {
        const char *site;
        enum fault_point point;
    } sites[] = {
        { "gnttab_grow_table", FP_GNTTAB_GROW },
        { "get_maptrack_handle", FP_MAPTRACK_ALLOC },
        { "iommu_alloc_pgtable", FP_PT_ALLOC },
    };
    unsigned int i;

    for ( i = 0; i < ARRAY_SIZE(sites); i++ )
        if ( !strcmp(site, sites[i].site) )
            return sites[i].point;
    return FP_XMALLOC;
}

struct page_info *hh_alloc_domheap_page(struct domain *d, unsigned int memflags,
                                        const char *site)
{
    (void)memflags;
    /* Guest frames are given by populate, never allocated for a domain. */
    BUG_ON(d);
    if ( fault_hit(page_site(site)) )
        return NULL;
    return heap_alloc_frame();
}

void page_alloc_free_guest_page(struct page_info *pg)
{
    struct domain *d = page_get_owner(pg);
    unsigned long mfn = mfn_x(page_to_mfn(pg));

    ASSERT(d && !(pg->count_info & PGC_count_mask));
    page_list_del(pg, &d->page_list);
    page_set_owner(pg, NULL);
    pg->count_info = 0;
    pg->u.inuse.type_info = 0;
    event_frame_freed(mfn, d->domain_id);
    if ( --d->tot_pages == 0 )
        put_domain(d);
}

void hh_free_domheap_page(struct page_info *pg)
{
    if ( heap_page_is_guest(pg) )
    {
        page_alloc_free_guest_page(pg);
        return;
    }
    BUG_ON(pg->count_info & PGC_xen_heap);
    /* Freed is reusable at once (by another CPU, in Xen): checked now. */
    if ( vtd_sim_walkable(mfn_x(page_to_mfn(pg))) )
        event_table_freed(mfn_x(page_to_mfn(pg)));
    heap_free_frame(pg);
}

void *hh_alloc_xenheap_page(const char *site)
{
    struct page_info *pg;

    if ( fault_hit(page_site(site)) )
        return NULL;
    pg = heap_alloc_frame();
    if ( !pg )
        return NULL;
    pg->count_info = PGC_xen_heap;
    return hh_map_frame(mfn_x(page_to_mfn(pg)));
}

void hh_free_xenheap_page(void *va)
{
    struct page_info *pg;

    if ( !va )
        return;
    pg = virt_to_page(va);
    /*
     * Not while a domain still holds it (its relinquish gives it back).
     * A frame shared with a domain already dying never got references
     * (share_xen_page_with_guest()), only an owner.
     */
    BUG_ON(!(pg->count_info & PGC_xen_heap) ||
           (pg->count_info & (PGC_allocated | PGC_count_mask)));
    page_set_owner(pg, NULL);
    pg->count_info = 0;
    heap_free_frame(pg);
}

static enum fault_point xmalloc_site(const char *site)
{
    /* radix-tree.c's node allocator: the maptrack_tree's counters. */
    if ( !strcmp(site, "rcu_node_alloc") )
        return FP_COUNTER_ALLOC;
    return FP_XMALLOC;
}

void *hh_xmalloc(size_t size, const char *site, const char *type, bool zero)
{
    (void)type;
    if ( fault_hit(xmalloc_site(site)) )
        return NULL;
    return heap_xmalloc(size, zero);
}

void hh_xfree(void *p)
{
    heap_xfree(p);
}
