/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Shim of Xen's <asm/atomic.h>.  write_atomic() is how the core stores
 * IOMMU entries; the store is reported so that the simulated IOMMU can see
 * every intermediate value a real walker could have fetched.
 */
#ifndef SHIM_ASM_ATOMIC_H
#define SHIM_ASM_ATOMIC_H

#include <harness/hooks.h>

#define read_atomic(p)  (*(volatile typeof(*(p)) *)(p))
#define write_atomic(p, x) do {                         \
    *(volatile typeof(*(p)) *)(p) = (x);                \
    hh_mem_written(p, sizeof(*(p)));                    \
} while ( 0 )

#endif
