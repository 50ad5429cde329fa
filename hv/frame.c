/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * PV frames: ownership, references and types, and the IOMMU rule for a
 * domain's own pages.
 *
 * A frame of a PV domain with an IOMMU is mapped R|W at bfn == mfn exactly
 * while its type is writable, whatever the type count: the mapping changes
 * when the type changes, not when the count drops to zero.  Losing the
 * writable type completes its invalidation before the new type is set, so
 * no device can write a frame validated as a page table or descriptor.
 * The final reference drop removes a writable frame's mapping and
 * completes the invalidation before the frame is freed; if that cannot be
 * confirmed the frame is held, never freed.
 */

#include <xen/types.h>
#include <xen/errno.h>
#include <xen/lib.h>

#include "gtio_internal.h"
#include "vtd_hw.h"

struct gtio_frame *gtio_frame_of(struct gtio_machine *m, unsigned long mfn)
{
    return mfn < m->cfg.nr_frames ? &m->frames[mfn] : NULL;
}

unsigned int gtio_frame_own_access(const struct gtio_frame *f)
{
    return f->type == GTIO_PGT_WRITABLE ? GTIO_ACCESS_RW : GTIO_ACCESS_NONE;
}

static struct gtio_domain *owner_with_iommu(struct gtio_machine *m,
                                            const struct gtio_frame *f)
{
    struct gtio_domain *dom;

    if ( f->owner >= GTIO_MAX_DOMAINS )
        return NULL;
    dom = &m->dom[f->owner];
    return gtio_domain_iommu_on(dom) ? dom : NULL;
}

int gtio_frame_get_ref(struct gtio_machine *m, unsigned long mfn, domid_t owner)
{
    struct gtio_frame *f = gtio_frame_of(m, mfn);

    if ( !f || f->owner != owner || !f->refs )
        return -EINVAL;
    f->refs++;
    return 0;
}

static void frame_release(struct gtio_machine *m, struct gtio_frame *f)
{
    struct gtio_domain *dom = &m->dom[f->owner];

    ASSERT(f->owner < GTIO_MAX_DOMAINS && dom->nr_pages);
    f->owner = GTIO_OWNER_FREE;
    f->type = GTIO_PGT_NONE;
    f->type_count = 0;
    f->pinned = 0;
    dom->nr_pages--;
    gtio_domain_try_reap(m, dom);
}

/*
 * A failed flush leaves the frame with its owner (held, or with its old
 * type): put back the mapping the op removed, so that a domain that keeps
 * running (the hardware domain) can still reach its own writable page.
 * The tables on its path were not collapsed yet, so this needs no
 * allocation.  A crashed domain's devices are blocked; it gets nothing
 * back.
 */
static void restore_own_access(struct gtio_machine *m, struct gtio_domain *dom,
                               unsigned long mfn, unsigned int access)
{
    int rc;

    if ( dom->crashed || access == GTIO_ACCESS_NONE )
        return;
    rc = gtio_pt_set(m, dom, mfn, access);
    ASSERT(!rc);
}

/*
 * The owner's mapping of mfn is gone and its invalidation completed: the
 * tables it emptied may go now.  Cannot fail: that flush retired dom's
 * dead tables, and one path empties fewer tables than the list holds.
 */
static void collapse_confirmed(struct gtio_machine *m, struct gtio_domain *dom,
                               unsigned long mfn)
{
    int rc;

    BUILD_BUG_ON(GTIO_PENDING_TABLES < VTD_PT_LEVELS - 1);
    rc = gtio_pt_collapse(m, dom, mfn);
    ASSERT(!rc);
}

/* Remove the owner's mapping of a frame and confirm it. */
static int unmap_own_confirmed(struct gtio_machine *m, struct gtio_domain *dom,
                               unsigned long mfn)
{
    int rc = gtio_pt_set(m, dom, mfn, GTIO_ACCESS_NONE);

    if ( !rc )
        rc = gtio_flush_domain_now(m, dom);
    if ( !rc )
        collapse_confirmed(m, dom, mfn);
    return rc;
}

/*
 * Drop a reference.  Any invalidation still pending for the frame
 * completes first; the last reference also removes the owner's mapping
 * and confirms it before the frame goes back to the free pool.
 */
int gtio_frame_put_ref(struct gtio_machine *m, unsigned long mfn)
{
    struct gtio_frame *f = gtio_frame_of(m, mfn);
    struct gtio_domain *dom;
    int rc = 0;

    ASSERT(f && f->refs);
    if ( gtio_flush_pending_for(m, mfn) )
        rc = gtio_flush_now(m);
    if ( !rc && f->refs == 1 && (dom = owner_with_iommu(m, f)) != NULL &&
         gtio_frame_own_access(f) != GTIO_ACCESS_NONE )
        rc = unmap_own_confirmed(m, dom, mfn);
    if ( rc )
    {
        if ( (dom = owner_with_iommu(m, f)) != NULL )
            restore_own_access(m, dom, mfn, gtio_frame_own_access(f));
        f->held = true;
        return rc;
    }
    if ( --f->refs == 0 )
        frame_release(m, f);
    return 0;
}

/*
 * Take a type reference.  A type can only change while no reference of
 * the old type is held; that is when the owner's IOMMU is updated.
 */
int gtio_frame_get_type(struct gtio_machine *m, unsigned long mfn,
                        enum gtio_page_type type)
{
    struct gtio_frame *f = gtio_frame_of(m, mfn);
    struct gtio_domain *dom;
    unsigned int old_access, new_access;
    int rc = 0;

    ASSERT(f && type != GTIO_PGT_NONE && type < GTIO_PGT_NR);
    if ( f->type_count )
    {
        if ( f->type != type )
            return -EINVAL;
        f->type_count++;
        return 0;
    }

    old_access = gtio_frame_own_access(f);
    new_access = type == GTIO_PGT_WRITABLE ? GTIO_ACCESS_RW : GTIO_ACCESS_NONE;
    dom = owner_with_iommu(m, f);
    if ( dom && old_access != new_access )
        rc = gtio_pt_set(m, dom, mfn, new_access);
    /* (c): no device may write the frame once it is a page table. */
    if ( !rc && new_access == GTIO_ACCESS_NONE &&
         gtio_flush_pending_for(m, mfn) )
        rc = gtio_flush_now(m);
    if ( rc )
    {
        if ( dom && old_access != new_access )
            restore_own_access(m, dom, mfn, old_access);
        return rc;
    }
    if ( dom && new_access == GTIO_ACCESS_NONE && old_access != new_access )
        collapse_confirmed(m, dom, mfn);
    f->type = type;
    f->type_count = 1;
    return 0;
}

void gtio_frame_put_type(struct gtio_machine *m, unsigned long mfn)
{
    struct gtio_frame *f = gtio_frame_of(m, mfn);

    ASSERT(f && f->type_count);
    f->type_count--;
}

int gtio_page_populate(struct gtio_machine *m, domid_t d, unsigned long mfn)
{
    bool implicit = gtio_hypercall_enter(m);
    struct gtio_domain *dom = gtio_domain_live(m, d);
    struct gtio_frame *f = gtio_frame_of(m, mfn);
    int rc = 0;

    if ( !dom || !f )
        rc = -EINVAL;
    else if ( f->owner != GTIO_OWNER_FREE || f->held )
        rc = -EBUSY;
    else if ( gtio_domain_iommu_on(dom) )
        rc = gtio_pt_set(m, dom, mfn, GTIO_ACCESS_RW);
    if ( !rc )
    {
        f->owner = d;
        f->refs = 1;
        f->allocated = true;
        f->type = GTIO_PGT_WRITABLE;
        f->type_count = 0;
        dom->nr_pages++;
    }
    return gtio_hypercall_leave(m, implicit, rc);
}

static struct gtio_frame *owned_frame(struct gtio_machine *m, domid_t d,
                                      unsigned long mfn)
{
    struct gtio_frame *f = gtio_frame_of(m, mfn);

    return gtio_domain_live(m, d) && f && f->owner == d && !f->held ? f : NULL;
}

/* decrease_reservation: drop the allocation reference. */
int gtio_page_remove(struct gtio_machine *m, domid_t d, unsigned long mfn)
{
    bool implicit = gtio_hypercall_enter(m);
    struct gtio_frame *f = owned_frame(m, d, mfn);
    int rc = -EINVAL;

    if ( f && f->allocated )
    {
        f->allocated = false;
        rc = gtio_frame_put_ref(m, mfn);
        if ( rc )
            f->allocated = true;
    }
    return gtio_hypercall_leave(m, implicit, rc);
}

/* PV pinning: a page and a type reference, like get_page_and_type(). */
int gtio_page_get_type(struct gtio_machine *m, domid_t d, unsigned long mfn,
                       enum gtio_page_type type)
{
    bool implicit = gtio_hypercall_enter(m);
    struct gtio_frame *f = owned_frame(m, d, mfn);
    int rc = -EINVAL;

    if ( f && f->allocated && type != GTIO_PGT_NONE && type < GTIO_PGT_NR )
        rc = gtio_frame_get_type(m, mfn, type);
    if ( !rc )
    {
        f->refs++;
        f->pinned++;
    }
    return gtio_hypercall_leave(m, implicit, rc);
}

int gtio_page_put_type(struct gtio_machine *m, domid_t d, unsigned long mfn)
{
    bool implicit = gtio_hypercall_enter(m);
    struct gtio_frame *f = owned_frame(m, d, mfn);
    int rc = -EINVAL;

    /* Only what the guest pinned: grant type references are not its own. */
    if ( f && f->pinned )
    {
        f->pinned--;
        gtio_frame_put_type(m, mfn);
        rc = gtio_frame_put_ref(m, mfn);
    }
    return gtio_hypercall_leave(m, implicit, rc);
}
