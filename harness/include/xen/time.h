/* SPDX-License-Identifier: GPL-2.0-only */
/* Shim of Xen's <xen/time.h>: virtual time, advanced by cpu_relax(). */
#ifndef SHIM_XEN_TIME_H
#define SHIM_XEN_TIME_H

#include <harness/hooks.h>

typedef int64_t s_time_t;
#define NOW()           ((s_time_t)hh_now_ns())
#define MILLISECS(ms)   ((s_time_t)((ms) * 1000000ULL))
#define SECONDS(s)      ((s_time_t)((s) * 1000000000ULL))

#endif
