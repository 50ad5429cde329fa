/* SPDX-License-Identifier: GPL-2.0-only */
/* Shim of Xen's <asm/cache.h>: write-back is visible to the simulated IOMMU. */
#ifndef SHIM_ASM_CACHE_H
#define SHIM_ASM_CACHE_H

#include <harness/hooks.h>

#define cache_writeback(addr, size) hh_cache_writeback(addr, size)

#endif
