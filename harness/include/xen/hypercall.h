/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Shim of Xen's <xen/hypercall.h>.  The input decides when a hypercall is
 * preempted (the executor's hh_preempt); a continuation is recorded and
 * the guest issues the hypercall again (harness/xen/world.c).  Only the
 * grant table's form ("ihi": cmd, handle, count) exists here.
 */
#ifndef SHIM_XEN_HYPERCALL_H
#define SHIM_XEN_HYPERCALL_H

#include <xen/lib.h>

#define __HYPERVISOR_grant_table_op 20

#include <harness/hooks.h>

#define hypercall_preempt_check()       (hh_preempt && hh_preempt())
#define hypercall_create_continuation(op, fmt, cmd, uop, count) \
    hh_create_continuation((op), (cmd), (uop).p, (count))

#endif
