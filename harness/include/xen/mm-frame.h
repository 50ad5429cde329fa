/* SPDX-License-Identifier: GPL-2.0-only */
/* Shim of Xen's <xen/mm-frame.h>: type-safe frame numbers. */
#ifndef SHIM_XEN_MM_FRAME_H
#define SHIM_XEN_MM_FRAME_H

#include <xen/types.h>

#define SHIM_TYPE_SAFE(type, name)                                      \
    typedef struct { type name; } name##_t;                             \
    static inline name##_t _##name(type n) { return (name##_t){ n }; }  \
    static inline type name##_x(name##_t n) { return n.name; }

SHIM_TYPE_SAFE(unsigned long, mfn);
SHIM_TYPE_SAFE(unsigned long, gfn);

#define PRI_mfn         "05lx"
#define PRI_gfn         "05lx"
#define PRI_pfn         "05lx"
#define INVALID_MFN     _mfn(~0UL)
#define INVALID_GFN     _gfn(~0UL)

static inline bool mfn_eq(mfn_t x, mfn_t y)
{
    return mfn_x(x) == mfn_x(y);
}

static inline bool gfn_eq(gfn_t x, gfn_t y)
{
    return gfn_x(x) == gfn_x(y);
}

static inline mfn_t mfn_add(mfn_t m, unsigned long i)
{
    return _mfn(mfn_x(m) + i);
}

#endif
