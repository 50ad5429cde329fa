/* SPDX-License-Identifier: GPL-2.0-only */
/* Shim of Xen's <xen/nospec.h>: no speculation to harden against here. */
#ifndef SHIM_XEN_NOSPEC_H
#define SHIM_XEN_NOSPEC_H

#define evaluate_nospec(c)              (c)
#define block_speculation()             ((void)0)
#define block_lock_speculation()        ((void)0)
#define array_index_nospec(i, size)     (i)

#endif
