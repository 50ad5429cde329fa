/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Shim of Xen's <xen/xmalloc.h>.  Every allocation names its site (the
 * calling function and the type), which selects its fault point, so that
 * each allocation of Xen's code and of the core can be failed on purpose.
 */
#ifndef SHIM_XEN_XMALLOC_H
#define SHIM_XEN_XMALLOC_H

#include <harness/hooks.h>

#define xmalloc(_type) \
    ((_type *)hh_xmalloc(sizeof(_type), __func__, #_type, false))
#define xzalloc(_type) \
    ((_type *)hh_xmalloc(sizeof(_type), __func__, #_type, true))
#define xmalloc_array(_type, _num) \
    ((_type *)hh_xmalloc(sizeof(_type) * (_num), __func__, #_type, false))
#define xzalloc_array(_type, _num) \
    ((_type *)hh_xmalloc(sizeof(_type) * (_num), __func__, #_type, true))
#define xmalloc_bytes(size)     hh_xmalloc(size, __func__, "bytes", false)
#define xzalloc_bytes(size)     hh_xmalloc(size, __func__, "bytes", true)
#define xfree(p)                hh_xfree(p)
#define XFREE(p)                do { hh_xfree(p); (p) = NULL; } while ( 0 )

#endif
