/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Shim of Xen's <xen/paging.h> and the p2m parts grant_table.c uses.  All
 * domains here are PV: not translated, gfn == mfn, refcounts not managed
 * by paging.
 */
#ifndef SHIM_XEN_PAGING_H
#define SHIM_XEN_PAGING_H

#include <xen/mm.h>

#define paging_mode_translate(d)        ((void)(d), false)
#define paging_mode_external(d)         ((void)(d), false)
#define paging_mode_refcounts(d)        ((void)(d), false)
#define shadow_mode_enabled(d)          ((void)(d), false)
#define paging_mark_dirty(d, mfn)       ((void)(d), (void)(mfn))

typedef enum {
    p2m_ram_rw,
    p2m_mmio_direct,
    p2m_map_foreign,
} p2m_type_t;

#define p2m_is_foreign(t)       ((t) == p2m_map_foreign)
#define mfn_to_gfn(d, mfn)      ((void)(d), _gfn(mfn_x(mfn)))
#define gfn_to_mfn(d, gfn)      ((void)(d), _mfn(gfn_x(gfn)))

/* common/memory.c, for a PV domain (harness/xen/mm.c). */
int check_get_page_from_gfn(struct domain *d, gfn_t gfn, bool readonly,
                            p2m_type_t *p2mt_p, struct page_info **page_p);

#endif
