/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Shim of Xen's <xen/spinlock.h>.  The harness runs one CPU; a lock still
 * records that it is held, so that a double acquire or a release of a lock
 * not held is a BUG (a finding) rather than silence.  Recursive locks
 * count their depth.
 */
#ifndef SHIM_XEN_SPINLOCK_H
#define SHIM_XEN_SPINLOCK_H

#include <xen/lib.h>

typedef struct {
    unsigned int held;
} spinlock_t;

#define SPIN_LOCK_UNLOCKED      { 0 }
#define DEFINE_SPINLOCK(l)      spinlock_t l = SPIN_LOCK_UNLOCKED

#define spin_lock_init(l)       ((l)->held = 0)
#define spin_lock(l) do {                                               \
    BUG_ON((l)->held);                                                  \
    (l)->held = 1;                                                      \
} while ( 0 )
#define spin_unlock(l) do {                                             \
    BUG_ON(!(l)->held);                                                 \
    (l)->held = 0;                                                      \
} while ( 0 )
#define spin_is_locked(l)       ((l)->held != 0)
#define spin_lock_irqsave(l, f)         ((f) = 0, spin_lock(l))
#define spin_unlock_irqrestore(l, f)    ((void)(f), spin_unlock(l))
#define spin_lock_recursive(l)          ((l)->held++)
#define spin_unlock_recursive(l) do {                                   \
    BUG_ON(!(l)->held);                                                 \
    (l)->held--;                                                        \
} while ( 0 )
#define spin_barrier(l)         BUG_ON((l)->held)

#endif
