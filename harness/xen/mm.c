/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Stand-in for the parts of arch/x86/mm.c, arch/x86/pv/grant_table.c,
 * arch/x86/mm/p2m.c and common/memory.c that grant_table.c and the guests
 * reach, for PV domains (gfn == mfn).
 *
 * Page references and types follow Xen 4.17 (count_info, type_info and
 * their bits, get_page(), put_page() and cleanup_page_mappings(),
 * _get_page_type()'s IOMMU block), leaving out what needs page-table
 * contents: guest frames have none here, so validation of a page table
 * always succeeds, and there is no partial or preemptible (de)validation.
 * Where Xen 4.17 would hit BUG_ON() (an IOMMU failure in _get_page_type()
 * puts a type reference of a page that is not validated), this puts the
 * old type back and fails, as the patched Xen must.
 *
 * PV host grant mappings are the guest's page-table entries: a record of
 * (domain, linear address, frame), taken by create_grant_host_mapping()
 * and dropped by replace_grant_host_mapping(); those left at domain death
 * drop their references as the page tables go, as Xen's
 * put_page_from_l1e() does.
 */
#include <string.h>

#include <xen/types.h>
#include <xen/errno.h>
#include <xen/lib.h>
#include <xen/sched.h>
#include <xen/mm.h>
#include <xen/paging.h>
#include <xen/iommu.h>
#include <xen/grant_table.h>
#include <asm/system.h>

#include "gtio.h"
#include "heap.h"
#include "internal.h"

/* ---- references ---- */

struct domain *page_get_owner_and_reference(struct page_info *page)
{
    unsigned long x = page->count_info;

    /* Count 0: not allocated; -1, -2: would wrap (Xen keeps one spare). */
    if ( ((x + 2) & PGC_count_mask) <= 2 )
        return NULL;
    page->count_info = x + 1;
    ASSERT(page_get_owner(page));
    return page_get_owner(page);
}

bool get_page(struct page_info *page, const struct domain *domain)
{
    const struct domain *owner = page_get_owner_and_reference(page);

    if ( owner == domain )
        return true;
    if ( owner )
        put_page(page);
    return false;
}

/* A PV page's own IOMMU mapping, as Xen with hv/xen/patches/0005 does. */
static int page_iommu(struct domain *d, mfn_t mfn, bool writable)
{
    if ( gtio_manages(d) )
        return gtio_page_writable(d, mfn, writable);
    if ( writable )
        return iommu_legacy_map(d, _dfn(mfn_x(mfn)), mfn, 1,
                                IOMMUF_readable | IOMMUF_writable);
    return iommu_legacy_unmap(d, _dfn(mfn_x(mfn)), 1);
}

/*
 * The last reference: a page that may be in its PV owner's IOMMU leaves it
 * first; if that cannot be confirmed the page is leaked, never freed.
 */
static int cleanup_page_mappings(struct page_info *page)
{
    unsigned long mfn = mfn_x(page_to_mfn(page));
    int rc = 0;

    if ( (page->u.inuse.type_info & PGT_type_mask) == PGT_writable_page )
    {
        struct domain *d = page_get_owner(page);

        if ( d && need_iommu_pt_sync(d) && is_pv_domain(d) )
            rc = page_iommu(d, _mfn(mfn), false);
        if ( !is_special_page(page) )
        {
            ASSERT((page->u.inuse.type_info &
                    (PGT_type_mask | PGT_count_mask)) == PGT_writable_page);
            if ( !rc )
                page->u.inuse.type_info &= ~(PGT_type_mask | PGT_count_mask);
        }
    }
    return rc;
}

void put_page(struct page_info *page)
{
    ASSERT(page->count_info & PGC_count_mask);
    page->count_info--;
    if ( page->count_info & PGC_count_mask )
        return;
    if ( !cleanup_page_mappings(page) )
        free_domheap_page(page);
    else
        printk(XENLOG_WARNING "Leaking mfn %lx\n",
               mfn_x(page_to_mfn(page)));
}

void put_page_alloc_ref(struct page_info *page)
{
    if ( !(page->count_info & PGC_allocated) )
        return;
    page->count_info &= ~PGC_allocated;
    BUG_ON((page->count_info & (PGC_xen_heap | PGC_count_mask)) <= 1);
    put_page(page);
}

/* ---- types ---- */

static bool validated_on_last_put(unsigned long type)
{
    return type >= PGT_l1_page_table && type <= PGT_l4_page_table;
}

void put_page_type(struct page_info *page)
{
    unsigned long x = page->u.inuse.type_info, nx = x - 1;

    ASSERT(x & PGT_count_mask);
    /* Page tables are devalidated when their last type reference goes. */
    if ( !(nx & PGT_count_mask) &&
         validated_on_last_put(nx & PGT_type_mask) )
        nx &= ~PGT_validated;
    page->u.inuse.type_info = nx;
}

/*
 * _get_page_type()'s IOMMU block: a PV page is in its owner's IOMMU
 * exactly while its type is writable.  The change happens, and is
 * confirmed, before the new type is validated.
 */
static int type_change_iommu(struct page_info *page, unsigned long old,
                             unsigned long type)
{
    struct domain *d = page_get_owner(page);
    mfn_t mfn = page_to_mfn(page);

    if ( ((old & PGT_type_mask) == PGT_writable_page) ==
         (type == PGT_writable_page) )
        return 0;
    if ( !d || !need_iommu_pt_sync(d) || !is_pv_domain(d) )
        return 0;
    return page_iommu(d, mfn, type == PGT_writable_page);
}

static int _get_page_type(struct page_info *page, unsigned long type)
{
    unsigned long x = page->u.inuse.type_info, nx = x + 1;
    int rc;

    if ( !(nx & PGT_count_mask) )
        return -EINVAL;
    if ( !(x & PGT_count_mask) )
    {
        /* Typeref 0 -> 1: the type may change; it needs validating then. */
        if ( (x & PGT_type_mask) != type )
            nx = (nx & ~(PGT_type_mask | PGT_validated)) | type;
    }
    else if ( (x & PGT_type_mask) != type )
        return -EINVAL;
    page->u.inuse.type_info = nx;
    if ( nx & PGT_validated )
        return 0;

    /* "Validate locked": this CPU alone may change the page now. */
    rc = type_change_iommu(page, x, type);
    if ( rc )
    {
        page->u.inuse.type_info = x;
        return rc;
    }
    if ( type != PGT_writable_page && type != PGT_shared_page )
        event_frame_validated(mfn_x(page_to_mfn(page)), type);
    page->u.inuse.type_info |= PGT_validated;
    return 0;
}

int get_page_type(struct page_info *page, unsigned long type)
{
    return !_get_page_type(page, type);
}

void put_page_and_type(struct page_info *page)
{
    put_page_type(page);
    put_page(page);
}

bool get_page_and_type(struct page_info *page, struct domain *domain,
                       unsigned long type)
{
    if ( !get_page(page, domain) )
        return false;
    if ( get_page_type(page, type) )
        return true;
    put_page(page);
    return false;
}

/* ---- frames Xen lends a guest, and the p2m of a PV guest ---- */

void share_xen_page_with_guest(struct page_info *page, struct domain *d,
                               enum XENSHARE_flags flags)
{
    if ( page_get_owner(page) == d )
        return;
    page->u.inuse.type_info = (flags == SHARE_ro ? PGT_none
                                                  : PGT_writable_page) |
                              PGT_validated | 1;
    page_set_owner(page, d);
    ASSERT((page->count_info & ~PGC_xen_heap) == 0);
    if ( !d->is_dying )
    {
        page->count_info |= PGC_xen_heap | PGC_allocated | 1;
        if ( d->xenheap_pages++ == 0 )
            get_knownalive_domain(d);
        page_list_add_tail(page, &d->xenpage_list);
    }
}

bool is_iomem_page(mfn_t mfn)
{
    return !mfn_valid(mfn) || page_get_owner(mfn_to_page(mfn)) == dom_io;
}

/* common/memory.c, for a PV domain: get_page_from_gfn() of gfn == mfn. */
int check_get_page_from_gfn(struct domain *d, gfn_t gfn, bool readonly,
                            p2m_type_t *p2mt_p, struct page_info **page_p)
{
    mfn_t mfn = _mfn(gfn_x(gfn));
    struct page_info *page;

    (void)readonly;
    *p2mt_p = p2m_ram_rw;
    if ( !mfn_valid(mfn) )
        return -EINVAL;
    page = mfn_to_page(mfn);
    if ( !get_page(page, d) )
        return -EINVAL;
    *page_p = page;
    return 0;
}

/*
 * p2m.c's guest_physmap_add_page() for PV: pages start with the writable
 * type (count 0) and so in the IOMMU of a domain that syncs it.
 */
int guest_physmap_add_page(struct domain *d, gfn_t gfn, mfn_t mfn,
                           unsigned int page_order)
{
    struct page_info *page = mfn_to_page(mfn);

    ASSERT(!page_order && gfn_x(gfn) == mfn_x(mfn));
    if ( !need_iommu_pt_sync(d) )
        return 0;
    if ( !get_page_and_type(page, d, PGT_writable_page) )
        return -EINVAL;
    put_page_and_type(page);
    return 0;
}

int guest_physmap_remove_page(struct domain *d, gfn_t gfn, mfn_t mfn,
                              unsigned int page_order)
{
    (void)d;
    (void)gfn;
    (void)mfn;
    (void)page_order;
    return 0;
}

/* Grant transfer is compiled out (no CONFIG_PV): these are never called. */
int steal_page(struct domain *d, struct page_info *page, unsigned int memflags)
{
    (void)d;
    (void)page;
    (void)memflags;
    BUG();
}

int assign_pages(struct page_info *pg, unsigned int nr, struct domain *d,
                 unsigned int memflags)
{
    (void)pg;
    (void)nr;
    (void)d;
    (void)memflags;
    BUG();
}

unsigned long domain_adjust_tot_pages(struct domain *d, long pages)
{
    (void)d;
    (void)pages;
    BUG();
}

unsigned int domain_clamp_alloc_bitsize(struct domain *d, unsigned int bits)
{
    (void)d;
    return bits;
}

/* ---- PV host grant mappings ---- */

#define HOST_MAPPINGS_MAX   8192

struct host_mapping {
    struct domain *d;           /* NULL: slot free */
    uint64_t addr;
    unsigned long mfn;
    bool rw;
};

static struct host_mapping host_map[HOST_MAPPINGS_MAX];
static unsigned int host_map_used;      /* slots 0..used-1 touched */

static struct host_mapping *host_mapping_find(struct domain *d, uint64_t addr)
{
    unsigned int i;

    for ( i = 0; i < host_map_used; i++ )
        if ( host_map[i].d == d && host_map[i].addr == addr )
            return &host_map[i];
    return NULL;
}

/* pv/grant_table.c: create_grant_pv_mapping() at linear address addr. */
int create_grant_host_mapping(uint64_t addr, mfn_t frame, unsigned int flags,
                              unsigned int cache_flags)
{
    struct domain *d = current->domain;
    unsigned int i;

    (void)cache_flags;
    if ( (flags & GNTMAP_contains_pte) || !addr || (addr & ~PAGE_MASK) ||
         host_mapping_find(d, addr) )
        return GNTST_general_error;
    for ( i = 0; i < host_map_used && host_map[i].d; i++ )
        continue;
    if ( i == HOST_MAPPINGS_MAX )
        hh_bug(__FILE__, __LINE__, "harness: host mapping records full");
    if ( i == host_map_used )
        host_map_used++;
    host_map[i].d = d;
    host_map[i].addr = addr;
    host_map[i].mfn = mfn_x(frame);
    host_map[i].rw = !(flags & GNTMAP_readonly);
    return GNTST_okay;
}

/* pv/grant_table.c: replace_grant_pv_mapping(); no new_addr here. */
int replace_grant_host_mapping(uint64_t addr, mfn_t frame, uint64_t new_addr,
                               unsigned int flags)
{
    struct host_mapping *hm = host_mapping_find(current->domain, addr);

    (void)flags;
    if ( new_addr || !hm || hm->mfn != mfn_x(frame) )
        return GNTST_general_error;
    hm->d = NULL;
    return GNTST_okay;
}

/* Page-table teardown drops what the grant mappings in it held. */
static void release_host_mappings(struct domain *d)
{
    unsigned int i;

    for ( i = 0; i < host_map_used; i++ )
    {
        struct host_mapping *hm = &host_map[i];
        struct page_info *page;

        if ( hm->d != d )
            continue;
        hm->d = NULL;
        page = mfn_to_page(_mfn(hm->mfn));
        if ( hm->rw )
            put_page_and_type(page);
        else
            put_page(page);
    }
}

/* ---- the guest's own type references (its page tables, pins) ---- */

static unsigned int guest_type_refs[GUEST_MAX_FRAMES];

unsigned int world_guest_type_refs(unsigned long mfn)
{
    return mfn < GUEST_MAX_FRAMES ? guest_type_refs[mfn] : 0;
}

static bool page_table_type(unsigned long type)
{
    return type >= PGT_l1_page_table && type <= PGT_l4_page_table;
}

static bool running(const struct domain *d)
{
    return d && d->is_dying == DOMDYING_alive && !d->is_shutting_down;
}

static struct page_info *guest_frame(unsigned long mfn)
{
    return heap_guest_page(mfn);
}

/* MMUEXT_PIN_L*_TABLE, or a descriptor or writable mapping of the page. */
static int pin(struct domain *d, unsigned long mfn, unsigned long type)
{
    struct page_info *page = guest_frame(mfn);

    if ( !page || (type & ~PGT_type_mask) || type == PGT_none ||
         type == PGT_shared_page )
        return -EINVAL;
    if ( !get_page_and_type(page, d, type) )
        return -EINVAL;
    if ( !page_table_type(type) )
    {
        guest_type_refs[mfn]++;
        return 0;
    }
    if ( page->u.inuse.type_info & PGT_pinned )
    {
        put_page_and_type(page);
        return -EINVAL;
    }
    page->u.inuse.type_info |= PGT_pinned;
    return 0;
}

static int unpin(struct domain *d, unsigned long mfn)
{
    struct page_info *page = guest_frame(mfn);

    if ( !page || page_get_owner(page) != d )
        return -EINVAL;
    if ( guest_type_refs[mfn] )
        guest_type_refs[mfn]--;
    else if ( page->u.inuse.type_info & PGT_pinned )
        page->u.inuse.type_info &= ~PGT_pinned;
    else
        return -EINVAL;
    put_page_and_type(page);
    return 0;
}

/* populate_physmap() of one given frame. */
static int populate(struct domain *d, unsigned long mfn)
{
    struct page_info *page = guest_frame(mfn);
    int rc;

    if ( !page )
        return -EINVAL;
    if ( page_get_owner(page) || (page->count_info & PGC_count_mask) )
        return -EBUSY;
    /* assign_pages() */
    page_set_owner(page, d);
    page->count_info = PGC_allocated | 1;
    page->u.inuse.type_info = 0;
    page_list_add_tail(page, &d->page_list);
    if ( d->tot_pages++ == 0 )
        get_knownalive_domain(d);
    rc = guest_physmap_add_page(d, _gfn(mfn), _mfn(mfn), 0);
    if ( rc )
    {
        /* Not announced to the guest: the frame goes back at once. */
        page->count_info &= ~PGC_allocated;
        put_page(page);
        return -ENOMEM;
    }
    return 0;
}

/* guest_remove_page() of decrease_reservation(). */
static int remove_page(struct domain *d, unsigned long mfn)
{
    struct page_info *page = guest_frame(mfn);

    if ( !page )
        return -EINVAL;
    if ( !get_page(page, d) )
        return -ENXIO;
    put_page_alloc_ref(page);
    put_page(page);
    return 0;
}

/* Run op on d's vCPU, if d runs at all. */
#define GUEST_OP(id, call) ({                                           \
    struct domain *d_ = domain_find(id);                                \
    int rc_ = -ESRCH;                                                   \
    if ( running(d_) )                                                  \
    {                                                                   \
        domain_enter(d_);                                               \
        rc_ = call;                                                     \
        domain_leave();                                                 \
    }                                                                   \
    rc_;                                                                \
})

int guest_populate(domid_t id, unsigned long mfn)
{
    return GUEST_OP(id, populate(d_, mfn));
}

int guest_decrease_reservation(domid_t id, unsigned long mfn)
{
    return GUEST_OP(id, remove_page(d_, mfn));
}

int guest_pin(domid_t id, unsigned long mfn, unsigned long type)
{
    return GUEST_OP(id, pin(d_, mfn, type));
}

int guest_unpin(domid_t id, unsigned long mfn)
{
    return GUEST_OP(id, unpin(d_, mfn));
}

/* ---- the guest's grant frames, as it sees them ---- */

static grant_entry_v1_t *shared_entry(struct domain *d, uint32_t ref)
{
    unsigned int per_frame = PAGE_SIZE / sizeof(grant_entry_v1_t);
    grant_entry_v1_t *frame;

    if ( ref / per_frame >= gnttab_view_nr_frames(d) )
        return NULL;
    frame = hh_map_frame(mfn_x(gnttab_view_shared_mfn(d, ref / per_frame)));
    return &frame[ref % per_frame];
}

int guest_write_grant(domid_t id, uint32_t ref, uint16_t flags,
                      domid_t grantee, uint32_t frame)
{
    struct domain *d = domain_find(id);
    grant_entry_v1_t *e;
    uint16_t status;

    if ( !running(d) )
        return -ESRCH;
    e = shared_entry(d, ref);
    if ( !e )
        return -EINVAL;
    /* As a guest must: frame and grantee first, then the flags. */
    ACCESS_ONCE(e->frame) = frame;
    ACCESS_ONCE(e->domid) = grantee;
    smp_wmb();
    /* The status bits are Xen's: a guest preserves them. */
    status = ACCESS_ONCE(e->flags) & (GTF_reading | GTF_writing);
    ACCESS_ONCE(e->flags) = (flags & ~(GTF_reading | GTF_writing)) | status;
    return 0;
}

int guest_read_grant(domid_t id, uint32_t ref, grant_entry_v1_t *out)
{
    struct domain *d = domain_find(id);
    grant_entry_v1_t *e = d ? shared_entry(d, ref) : NULL;

    if ( !e )
        return -EINVAL;
    *out = *e;
    return 0;
}

uint16_t *guest_grant_flags(domid_t id, uint32_t ref)
{
    struct domain *d = domain_find(id);
    grant_entry_v1_t *e = d ? shared_entry(d, ref) : NULL;

    return e ? &e->flags : NULL;
}

/* ---- domain death ---- */

/* A guest-held type reference goes with the page tables that held it. */
static void release_guest_refs(struct domain *d, struct page_info *page)
{
    unsigned long mfn = mfn_x(page_to_mfn(page));

    while ( guest_type_refs[mfn] )
    {
        guest_type_refs[mfn]--;
        put_page_and_type(page);
    }
    if ( page->u.inuse.type_info & PGT_pinned )
    {
        page->u.inuse.type_info &= ~PGT_pinned;
        put_page_and_type(page);
    }
    (void)d;
}

/* Xen lends the grant frames only while the domain lives. */
static void release_xenheap_pages(struct domain *d)
{
    struct page_info *page;

    while ( (page = page_list_remove_head(&d->xenpage_list)) != NULL )
    {
        page->count_info = PGC_xen_heap;
        page->u.inuse.type_info = 0;
        page_set_owner(page, NULL);
        if ( --d->xenheap_pages == 0 )
            put_domain(d);
    }
}

/*
 * domain_relinquish_resources(): the IOMMU tables (the devices are gone,
 * gtio_quiesce() confirmed it), the page tables with the grant host
 * mappings and type references they held, the pins, then the allocation
 * references; pages others still reference stay until they let go.
 */
void mm_relinquish_resources(struct domain *d)
{
    struct page_info *page, *next;
    int rc = iommu_free_pgtables(d);

    /* Not preemptible here, so never -ERESTART. */
    ASSERT(!rc);
    release_host_mappings(d);
    page_list_for_each_safe ( page, next, &d->page_list )
        if ( get_page(page, d) )
        {
            release_guest_refs(d, page);
            put_page_alloc_ref(page);
            put_page(page);
        }
    release_xenheap_pages(d);
}

void mm_power_off(void)
{
    memset(host_map, 0, host_map_used * sizeof(host_map[0]));
    host_map_used = 0;
    memset(guest_type_refs, 0, sizeof(guest_type_refs));
}
