/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Shim of Xen's <xsm/xsm.h>: the dummy policy, which lets every domain
 * operate on its own and its granters' grant tables.  setup_table and
 * query_size on another domain need privilege (XSM_TARGET): only the
 * hardware domain has it here.
 */
#ifndef SHIM_XSM_XSM_H
#define SHIM_XSM_XSM_H

#include <xen/sched.h>

#define XSM_HOOK        0
#define XSM_TARGET      1
#define XSM_PRIV        2

static inline int xsm_target_ok_(const struct domain *src,
                                 const struct domain *dst)
{
    return src == dst || is_hardware_domain(src) ? 0 : -EPERM;
}

#define xsm_grant_mapref(a, ld, rd, f)  ((void)(ld), (void)(rd), (void)(f), 0)
#define xsm_grant_unmapref(a, ld, rd)   ((void)(ld), (void)(rd), 0)
#define xsm_grant_setup(a, s, d)        xsm_target_ok_(s, d)
#define xsm_grant_transfer(a, s, d)     ((void)(s), (void)(d), 0)
#define xsm_grant_copy(a, s, d)         ((void)(s), (void)(d), 0)
#define xsm_grant_query_size(a, s, d)   xsm_target_ok_(s, d)

#endif
