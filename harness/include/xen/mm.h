/* SPDX-License-Identifier: GPL-2.0-only */
/* Shim of Xen's <xen/mm.h>: the simulated domain heap of real frames. */
#ifndef SHIM_XEN_MM_H
#define SHIM_XEN_MM_H

#include <xen/types.h>
#include <harness/hooks.h>

#define PAGE_SHIFT      12
#define PAGE_SIZE       (1UL << PAGE_SHIFT)

typedef struct { unsigned long m; } mfn_t;
#define _mfn(x)         ((mfn_t){ (x) })
#define mfn_x(x)        ((x).m)

struct domain;
struct page_info;

/* Only anonymous (Xen-owned) single pages are used by the core. */
#define alloc_domheap_page(d, memflags)  ((void)(d), (void)(memflags), hh_alloc_page())
#define free_domheap_page(pg)           hh_free_page(pg)
#define page_to_mfn(pg)                 _mfn(hh_page_to_mfn(pg))
#define mfn_to_page(mfn)                hh_mfn_to_page(mfn_x(mfn))
#define page_to_maddr(pg)               ((paddr_t)hh_page_to_mfn(pg) << PAGE_SHIFT)
#define maddr_to_page(ma)               hh_mfn_to_page((ma) >> PAGE_SHIFT)
#define maddr_to_mfn(ma)                _mfn((ma) >> PAGE_SHIFT)
#define mfn_to_maddr(mfn)               ((paddr_t)mfn_x(mfn) << PAGE_SHIFT)

#endif
