/* SPDX-License-Identifier: GPL-2.0-only */
/* Shim of Xen's <xen/domain_page.h>: heap frames are always mapped. */
#ifndef SHIM_XEN_DOMAIN_PAGE_H
#define SHIM_XEN_DOMAIN_PAGE_H

#include <xen/mm.h>

#define map_domain_page(mfn)            hh_map_frame(mfn_x(mfn))
#define __map_domain_page(pg)           hh_map_frame(hh_page_to_mfn(pg))
#define unmap_domain_page(va)           ((void)(va))
#define copy_domain_page(dst, src) \
    memcpy(hh_map_frame(mfn_x(dst)), hh_map_frame(mfn_x(src)), PAGE_SIZE)

#endif
