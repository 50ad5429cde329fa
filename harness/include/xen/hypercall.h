/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Shim of Xen's <xen/hypercall.h>.  The harness never preempts a
 * hypercall (hypercall_preempt_check() is false), so no continuation is
 * ever created; one being asked for is a finding.
 */
#ifndef SHIM_XEN_HYPERCALL_H
#define SHIM_XEN_HYPERCALL_H

#include <xen/lib.h>

#define __HYPERVISOR_grant_table_op 20

#define hypercall_preempt_check()       false
#define hypercall_create_continuation(op, fmt, ...) \
    (hh_bug(__FILE__, __LINE__, "continuation without preemption"), 0L)

#endif
