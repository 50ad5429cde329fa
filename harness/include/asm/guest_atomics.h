/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Shim of x86's <asm/guest_atomics.h>: atomics on memory a guest shares.
 * The guest may change that memory between any two of Xen's accesses;
 * cmpxchg() lets a racing vCPU of the harness do so right before.
 */
#ifndef SHIM_ASM_GUEST_ATOMICS_H
#define SHIM_ASM_GUEST_ATOMICS_H

#include <asm/system.h>

#define guest_cmpxchg(d, ptr, o, n)     ((void)(d), cmpxchg(ptr, o, n))

#endif
