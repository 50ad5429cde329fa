/* SPDX-License-Identifier: GPL-2.0-only */
/* Shim of Xen's <xen/types.h>: fixed-width types for hv/ in userspace. */
#ifndef SHIM_XEN_TYPES_H
#define SHIM_XEN_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int64_t s64;
typedef unsigned long paddr_t;
typedef uint16_t domid_t;

/* Xen defines __iomem empty in <xen/config.h>, which it always includes. */
#define __iomem

#endif
