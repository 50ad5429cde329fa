/* SPDX-License-Identifier: GPL-2.0-only */
/* Shim of Xen's <asm/io.h>: MMIO goes to the simulated VT-d unit. */
#ifndef SHIM_ASM_IO_H
#define SHIM_ASM_IO_H

#include <xen/types.h>
#include <harness/hooks.h>

#define readl(a)        ((uint32_t)hh_mmio_read(a, 4))
#define readq(a)        ((uint64_t)hh_mmio_read(a, 8))
#define writel(v, a)    hh_mmio_write(a, (uint32_t)(v), 4)
#define writeq(v, a)    hh_mmio_write(a, (uint64_t)(v), 8)

#endif
