/* SPDX-License-Identifier: GPL-2.0-only */
/* Shim of Xen's <xen/percpu.h>: one CPU, so a per-CPU variable is one. */
#ifndef SHIM_XEN_PERCPU_H
#define SHIM_XEN_PERCPU_H

#define DEFINE_PER_CPU(type, name)      __typeof__(type) per_cpu__##name
#define DECLARE_PER_CPU(type, name)     extern __typeof__(type) per_cpu__##name
#define this_cpu(name)                  (per_cpu__##name)
#define per_cpu(name, cpu)              (*((void)(cpu), &per_cpu__##name))
#define get_per_cpu_var(name)           (per_cpu__##name)
#define smp_processor_id()              0U

#endif
