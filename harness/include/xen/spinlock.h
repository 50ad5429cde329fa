/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Shim of Xen's <xen/spinlock.h>.  The harness is single-threaded; the lock
 * still records its holder so that a double acquire or a release of a lock
 * not held is a finding rather than silence.
 */
#ifndef SHIM_XEN_SPINLOCK_H
#define SHIM_XEN_SPINLOCK_H

#include <xen/lib.h>

typedef struct { bool held; } spinlock_t;

#define spin_lock_init(l)       ((l)->held = false)
#define spin_lock(l)            do { BUG_ON((l)->held); (l)->held = true; } while ( 0 )
#define spin_unlock(l)          do { BUG_ON(!(l)->held); (l)->held = false; } while ( 0 )
#define spin_is_locked(l)       ((l)->held)

#endif
