/* SPDX-License-Identifier: GPL-2.0-only */
/* Shim of Xen's <xen/cpumask.h>: one CPU. */
#ifndef SHIM_XEN_CPUMASK_H
#define SHIM_XEN_CPUMASK_H

typedef struct cpumask {
    unsigned long bits[1];
} cpumask_t;
typedef cpumask_t *cpumask_var_t;

#define for_each_online_cpu(cpu)    for ( (cpu) = 0; (cpu) < 1; (cpu)++ )

#endif
