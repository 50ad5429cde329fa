/* SPDX-License-Identifier: GPL-2.0-only */
/* Shim of Xen's <asm/processor.h>: spinning advances virtual time. */
#ifndef SHIM_ASM_PROCESSOR_H
#define SHIM_ASM_PROCESSOR_H

#include <harness/hooks.h>

#define cpu_relax()     hh_cpu_relax()

#endif
