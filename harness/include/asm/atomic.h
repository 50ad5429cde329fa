/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Shim of x86's <asm/atomic.h>.  write_atomic() is how Xen and the core
 * store entries the IOMMU walks; each store is reported, so that the
 * simulated IOMMU sees every value a real walker could have fetched.
 */
#ifndef SHIM_ASM_ATOMIC_H
#define SHIM_ASM_ATOMIC_H

#include <harness/hooks.h>

#define read_atomic(p)  (*(volatile typeof(*(p)) *)(p))
#define write_atomic(p, x) do {                                         \
    *(volatile typeof(*(p)) *)(p) = (x);                                \
    hh_mem_written(p, sizeof(*(p)));                                    \
} while ( 0 )

typedef struct {
    int counter;
} atomic_t;
#define atomic_read(v)          ((v)->counter)
#define atomic_set(v, i)        ((v)->counter = (i))

#endif
