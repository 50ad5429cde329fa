/* SPDX-License-Identifier: GPL-2.0-only */
/* Shim of Xen's <xen/vmap.h>: vzalloc() is an xzalloc of bytes. */
#ifndef SHIM_XEN_VMAP_H
#define SHIM_XEN_VMAP_H

#include <xen/xmalloc.h>

#define vzalloc(size)   hh_xmalloc(size, __func__, "vzalloc", true)
#define vfree(p)        hh_xfree(p)

#endif
