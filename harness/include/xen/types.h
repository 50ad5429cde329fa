/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Shim of Xen's <xen/types.h> (and the <xen/compiler.h> annotations Xen
 * gets through it), for hypervisor files compiled in userspace: Xen 4.17's
 * grant_table.c and radix-tree.c, and the core (hv/).
 */
#ifndef SHIM_XEN_TYPES_H
#define SHIM_XEN_TYPES_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <inttypes.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int8_t s8;
typedef int16_t s16;
typedef int32_t s32;
typedef int64_t s64;
typedef bool bool_t;
typedef unsigned long paddr_t;
#define PRIpaddr        "016lx"
typedef uint16_t domid_t;

#define BITS_PER_LONG   64
#define BITS_PER_BYTE   8

/* Annotations of <xen/compiler.h> and <xen/init.h>: no meaning here. */
#define __iomem
#define __read_mostly
#define __ro_after_init
#define __initdata
#define __init
#define __exit
#define cf_check
#define always_inline   inline __attribute__((always_inline))
#define noinline        __attribute__((noinline))
#define __must_check    __attribute__((warn_unused_result))
#define __maybe_unused  __attribute__((unused))
#define __used          __attribute__((used))
#define __packed        __attribute__((packed))
#define __rcu

#endif
