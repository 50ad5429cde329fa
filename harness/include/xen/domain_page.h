/* SPDX-License-Identifier: GPL-2.0-only */
/* Shim of Xen's <xen/domain_page.h>: heap frames are always mapped. */
#ifndef SHIM_XEN_DOMAIN_PAGE_H
#define SHIM_XEN_DOMAIN_PAGE_H

#include <xen/mm.h>

#define map_domain_page(mfn)    hh_map_frame(mfn_x(mfn))
#define unmap_domain_page(va)   ((void)(va))

#endif
