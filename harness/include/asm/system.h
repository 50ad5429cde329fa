/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Shim of x86's <asm/system.h>: barriers and cmpxchg().  Before every
 * cmpxchg() a racing guest vCPU (hooks.h) may change the memory, as a
 * guest can change its shared grant entries at any time.
 */
#ifndef SHIM_ASM_SYSTEM_H
#define SHIM_ASM_SYSTEM_H

#include <harness/hooks.h>

#define barrier()       __asm__ __volatile__ ( "" : : : "memory" )
#define smp_mb()        __atomic_thread_fence(__ATOMIC_SEQ_CST)
#define smp_rmb()       barrier()
#define smp_wmb()       barrier()
#define cmpxchg(ptr, o, n) ({                                           \
    typeof(*(ptr)) old_ = (o);                                          \
    if ( hh_racing_vcpu )                                               \
        hh_racing_vcpu(ptr);                                            \
    __atomic_compare_exchange_n(ptr, &old_, (n), false,                 \
                                __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);    \
    old_;                                                               \
})

#endif
