/* SPDX-License-Identifier: GPL-2.0-only */
/* Shim of Xen's <xen/sched.h>: only domain_crash() is used by the core. */
#ifndef SHIM_XEN_SCHED_H
#define SHIM_XEN_SCHED_H

#include <xen/lib.h>

struct domain;
#define domain_crash(d) hh_domain_crash(d, __FILE__, __LINE__)

#endif
