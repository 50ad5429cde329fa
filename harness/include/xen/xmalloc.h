/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Shim of Xen's <xen/xmalloc.h>.  The allocated type's name selects the
 * fault point, so every allocation site of the core is injectable without
 * the core knowing about fault injection.
 */
#ifndef SHIM_XEN_XMALLOC_H
#define SHIM_XEN_XMALLOC_H

#include <harness/hooks.h>

#define xmalloc(_type)  ((_type *)hh_xmalloc(sizeof(_type), #_type, false))
#define xzalloc(_type)  ((_type *)hh_xmalloc(sizeof(_type), #_type, true))
#define xzalloc_array(_type, _num) \
    ((_type *)hh_xmalloc(sizeof(_type) * (_num), #_type "[]", true))
#define xfree(p)        hh_xfree(p)

#endif
