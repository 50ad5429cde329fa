/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Shim of Xen's <xen/rwlock.h>: plain and per-CPU read/write locks on one
 * CPU.  A lock counts its readers and knows its writer; taking it for
 * writing while it is read (or either way while written) would deadlock in
 * Xen and is a BUG here, as is read-locking a per-CPU lock this CPU already
 * reads (Xen's ASSERT against recursion).
 */
#ifndef SHIM_XEN_RWLOCK_H
#define SHIM_XEN_RWLOCK_H

#include <xen/lib.h>
#include <xen/percpu.h>

typedef struct {
    unsigned int readers;
    bool writer;
} rwlock_t;

#define RW_LOCK_UNLOCKED        { 0, false }
#define DEFINE_RWLOCK(l)        rwlock_t l = RW_LOCK_UNLOCKED
#define rwlock_init(l)          ((l)->readers = 0, (l)->writer = false)

#define read_lock(l) do {                                               \
    BUG_ON((l)->writer);                                                \
    (l)->readers++;                                                     \
} while ( 0 )
#define read_unlock(l) do {                                             \
    BUG_ON(!(l)->readers);                                              \
    (l)->readers--;                                                     \
} while ( 0 )
#define write_lock(l) do {                                              \
    BUG_ON((l)->writer || (l)->readers);                                \
    (l)->writer = true;                                                 \
} while ( 0 )
#define write_unlock(l) do {                                            \
    BUG_ON(!(l)->writer);                                               \
    (l)->writer = false;                                                \
} while ( 0 )

typedef struct percpu_rwlock {
    rwlock_t rwlock;
    struct percpu_rwlock **owner;
} percpu_rwlock_t;

/* The per-CPU "which lock this CPU reads" variable of one lock family. */
#define DEFINE_PERCPU_RWLOCK_GLOBAL(name) \
    DEFINE_PER_CPU(percpu_rwlock_t *, name)

#define percpu_rwlock_resource_init(l, owner_) do {                     \
    rwlock_init(&(l)->rwlock);                                          \
    (l)->owner = &this_cpu(owner_);                                     \
} while ( 0 )

#define percpu_read_lock(fam, l) do {                                   \
    ASSERT((l)->owner == &this_cpu(fam));                               \
    ASSERT(this_cpu(fam) != (l));                                       \
    read_lock(&(l)->rwlock);                                            \
    this_cpu(fam) = (l);                                                \
} while ( 0 )
#define percpu_read_unlock(fam, l) do {                                 \
    ASSERT(this_cpu(fam) != NULL);                                      \
    read_unlock(&(l)->rwlock);                                          \
    this_cpu(fam) = NULL;                                               \
} while ( 0 )
#define percpu_write_lock(fam, l) do {                                  \
    ASSERT((l)->owner == &this_cpu(fam));                               \
    write_lock(&(l)->rwlock);                                           \
} while ( 0 )
#define percpu_write_unlock(fam, l)     write_unlock(&(l)->rwlock)

#endif
