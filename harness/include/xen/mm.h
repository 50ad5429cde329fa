/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Shim of Xen's <xen/mm.h> and the parts of x86's <asm/mm.h> that Xen's
 * grant_table.c, the core and the harness's stand-ins for mm.c use.
 *
 * struct page_info has Xen 4.17's field names and bit layout
 * (count_info, u.inuse.type_info, v.inuse._domain), only the fields used;
 * the owner is a plain pointer where Xen compresses it.  The frame table
 * is the harness's (machine/frames.c): guest frames 0..nr-1 and the heap
 * frames Xen allocates from (HEAP_BASE_MFN up), with real memory behind
 * the heap ones.
 */
#ifndef SHIM_XEN_MM_H
#define SHIM_XEN_MM_H

#include <xen/types.h>
#include <xen/lib.h>
#include <xen/string.h>
#include <xen/mm-frame.h>
#include <harness/hooks.h>

#define PAGE_SHIFT      12
#define PAGE_SIZE       (1UL << PAGE_SHIFT)
#define PAGE_MASK       (~(PAGE_SIZE - 1))
#define PAGE_ORDER_4K   0

struct domain;

/* Page lists: Xen links them through compressed frame numbers. */
struct page_list_entry {
    struct page_info *next, *prev;
};
struct page_list_head {
    struct page_info *next, *tail;
};
#define PAGE_LIST_HEAD_INIT(name)       { NULL, NULL }
#define PAGE_LIST_HEAD(name) \
    struct page_list_head name = PAGE_LIST_HEAD_INIT(name)
#define INIT_PAGE_LIST_HEAD(head)       ((head)->next = (head)->tail = NULL)

struct page_info {
    struct page_list_entry list;
    unsigned long count_info;
    union {
        struct {
            unsigned long type_info;
        } inuse;
    } u;
    union {
        struct {
            struct domain *_domain;
        } inuse;
    } v;
};

#define PG_shift(idx)   (BITS_PER_LONG - (idx))
#define PG_mask(x, idx) (x ## UL << PG_shift(idx))

#define PGT_none          PG_mask(0, 3)
#define PGT_l1_page_table PG_mask(1, 3)
#define PGT_l2_page_table PG_mask(2, 3)
#define PGT_l3_page_table PG_mask(3, 3)
#define PGT_l4_page_table PG_mask(4, 3)
#define PGT_seg_desc_page PG_mask(5, 3)
#define PGT_shared_page   PG_mask(6, 3)
#define PGT_writable_page PG_mask(7, 3)
#define PGT_type_mask     PG_mask(7, 3)
#define _PGT_pinned       PG_shift(5)
#define PGT_pinned        PG_mask(1, 5)
#define _PGT_validated    PG_shift(6)
#define PGT_validated     PG_mask(1, 6)
#define PGT_count_width   PG_shift(9)
#define PGT_count_mask    ((1UL << PGT_count_width) - 1)
#define PGT_type_equal(x, y) (!(((x) ^ (y)) & PGT_type_mask))

#define _PGC_allocated    PG_shift(1)
#define PGC_allocated     PG_mask(1, 1)
#define _PGC_xen_heap     PG_shift(2)
#define PGC_xen_heap      PG_mask(1, 2)
#define PGC_extra         PG_mask(1, 7)
#define PGC_count_width   PG_shift(7)
#define PGC_count_mask    ((1UL << PGC_count_width) - 1)

#define page_get_owner(p)       ((p)->v.inuse._domain)
#define page_set_owner(p, d)    ((p)->v.inuse._domain = (d))
#define is_xen_heap_page(p)     (((p)->count_info & PGC_xen_heap) != 0)
#define is_special_page(p)      (is_xen_heap_page(p) || \
                                 ((p)->count_info & PGC_extra))

/* The frame table (machine/frames.c). */
#define mfn_valid(mfn)          hh_mfn_valid(mfn_x(mfn))
#define mfn_to_page(mfn)        hh_mfn_to_page(mfn_x(mfn))
#define page_to_mfn(pg)         _mfn(hh_page_to_mfn(pg))
#define mfn_to_maddr(mfn)       ((paddr_t)mfn_x(mfn) << PAGE_SHIFT)
#define maddr_to_mfn(ma)        _mfn((ma) >> PAGE_SHIFT)
#define page_to_maddr(pg)       mfn_to_maddr(page_to_mfn(pg))
#define maddr_to_page(ma)       mfn_to_page(maddr_to_mfn(ma))
#define virt_to_page(va)        hh_virt_to_page(va)
#define __virt_to_mfn(va)       hh_page_to_mfn(hh_virt_to_page(va))
/* x86's virt_to_mfn() is an unsigned long, not an mfn_t. */
#define virt_to_mfn(va)         __virt_to_mfn(va)
#define page_to_virt(pg)        hh_map_frame(hh_page_to_mfn(pg))
#define clear_page(va)          memset(va, 0, PAGE_SIZE)

/* The M2P: PV guests see machine frames, gfn == mfn. */
#define INVALID_M2P_ENTRY       (~0UL)
#define VALID_M2P(e)            (!((e) & (1UL << (BITS_PER_LONG - 1))))
#define SHARED_M2P(e)           false
#define get_gpfn_from_mfn(mfn)  (mfn)
#define set_gpfn_from_mfn(mfn, pfn) ((void)(mfn), (void)(pfn))

/* Heap allocation: the fault point is the caller's (hooks.h). */
#define alloc_domheap_page(d, memflags) \
    hh_alloc_domheap_page(d, memflags, __func__)
#define free_domheap_page(pg)           hh_free_domheap_page(pg)
#define alloc_xenheap_page()            hh_alloc_xenheap_page(__func__)
#define free_xenheap_page(va)           hh_free_xenheap_page(va)
#define FREE_XENHEAP_PAGE(p) do {                                       \
    free_xenheap_page(p);                                               \
    (p) = NULL;                                                         \
} while ( 0 )

/* Page references and types (harness/xen/mm.c, standing in for mm.c). */
enum XENSHARE_flags {
    SHARE_rw,
    SHARE_ro,
};
bool get_page(struct page_info *page, const struct domain *domain);
void put_page(struct page_info *page);
struct domain *page_get_owner_and_reference(struct page_info *page);
int get_page_type(struct page_info *page, unsigned long type);
void put_page_type(struct page_info *page);
void put_page_and_type(struct page_info *page);
bool get_page_and_type(struct page_info *page, struct domain *domain,
                       unsigned long type);
void put_page_alloc_ref(struct page_info *page);
void share_xen_page_with_guest(struct page_info *page, struct domain *d,
                               enum XENSHARE_flags flags);
bool is_iomem_page(mfn_t mfn);
int steal_page(struct domain *d, struct page_info *page, unsigned int memflags);
int assign_pages(struct page_info *pg, unsigned int nr, struct domain *d,
                 unsigned int memflags);
unsigned long domain_adjust_tot_pages(struct domain *d, long pages);
unsigned int domain_clamp_alloc_bitsize(struct domain *d, unsigned int bits);
int guest_physmap_add_page(struct domain *d, gfn_t gfn, mfn_t mfn,
                           unsigned int page_order);
int guest_physmap_remove_page(struct domain *d, gfn_t gfn, mfn_t mfn,
                              unsigned int page_order);
#define MEMF_no_refcount        (1U << 0)
#define MEMF_no_owner           (1U << 1)
#define MEMF_bits(n)            ((n) << 8)

/* Page lists, linked through pointers. */
static inline bool page_list_empty(const struct page_list_head *head)
{
    return !head->next;
}

static inline struct page_info *page_list_first(const struct page_list_head *head)
{
    return head->next;
}

static inline void page_list_add_tail(struct page_info *pg,
                                      struct page_list_head *head)
{
    pg->list.next = NULL;
    pg->list.prev = head->tail;
    if ( head->tail )
        head->tail->list.next = pg;
    else
        head->next = pg;
    head->tail = pg;
}

static inline void page_list_del(struct page_info *pg,
                                 struct page_list_head *head)
{
    if ( pg->list.prev )
        pg->list.prev->list.next = pg->list.next;
    else
        head->next = pg->list.next;
    if ( pg->list.next )
        pg->list.next->list.prev = pg->list.prev;
    else
        head->tail = pg->list.prev;
    pg->list.next = pg->list.prev = NULL;
}

static inline struct page_info *page_list_remove_head(struct page_list_head *head)
{
    struct page_info *pg = head->next;

    if ( pg )
        page_list_del(pg, head);
    return pg;
}

#define page_list_for_each(pos, head) \
    for ( (pos) = (head)->next; (pos); (pos) = (pos)->list.next )
#define page_list_for_each_safe(pos, tmp, head)                         \
    for ( (pos) = (head)->next;                                         \
          (pos) ? ((tmp) = (pos)->list.next, 1) : 0;                    \
          (pos) = (tmp) )

#endif
