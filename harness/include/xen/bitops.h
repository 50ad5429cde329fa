/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Shim of Xen's <xen/bitops.h>: atomic bit operations on unsigned longs
 * (one CPU, but kept atomic: the words may be shared with a guest).
 */
#ifndef SHIM_XEN_BITOPS_H
#define SHIM_XEN_BITOPS_H

#include <xen/types.h>

#define BITOP_WORD_(nr, addr)   ((unsigned long *)(addr) + (nr) / BITS_PER_LONG)
#define BITOP_MASK_(nr)         (1UL << ((nr) % BITS_PER_LONG))

#define set_bit(nr, addr) \
    ((void)__atomic_fetch_or(BITOP_WORD_(nr, addr), BITOP_MASK_(nr), \
                             __ATOMIC_SEQ_CST))
#define clear_bit(nr, addr) \
    ((void)__atomic_fetch_and(BITOP_WORD_(nr, addr), ~BITOP_MASK_(nr), \
                              __ATOMIC_SEQ_CST))
#define test_and_set_bit(nr, addr) \
    ((__atomic_fetch_or(BITOP_WORD_(nr, addr), BITOP_MASK_(nr), \
                        __ATOMIC_SEQ_CST) & BITOP_MASK_(nr)) != 0)
#define test_and_clear_bit(nr, addr) \
    ((__atomic_fetch_and(BITOP_WORD_(nr, addr), ~BITOP_MASK_(nr), \
                         __ATOMIC_SEQ_CST) & BITOP_MASK_(nr)) != 0)
#define test_bit(nr, addr) \
    ((*BITOP_WORD_(nr, addr) & BITOP_MASK_(nr)) != 0)
#define __test_and_clear_bit(nr, addr)  test_and_clear_bit(nr, addr)

#endif
