/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Shim of Xen's <xen/rcupdate.h>.  One CPU: a grace period has always
 * passed, so call_rcu() runs its callback at once.
 */
#ifndef SHIM_XEN_RCUPDATE_H
#define SHIM_XEN_RCUPDATE_H

#include <xen/types.h>

struct rcu_head {
    struct rcu_head *next;
    void (*func)(struct rcu_head *head);
};

struct rcu_read_lock_ {
    int unused;
};
typedef struct rcu_read_lock_ rcu_read_lock_t;
#define DEFINE_RCU_READ_LOCK(x) rcu_read_lock_t x

#define rcu_read_lock(x)        ((void)(x))
#define rcu_read_unlock(x)      ((void)(x))
#define rcu_dereference(p)      (p)
#define rcu_assign_pointer(p, v) ((p) = (v))
#define INIT_RCU_HEAD(h)        ((void)(h))

static inline void call_rcu(struct rcu_head *head,
                            void (*func)(struct rcu_head *head))
{
    func(head);
}

#endif
