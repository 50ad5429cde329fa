/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Shim of Xen's <xen/errno.h>: Xen's values are Linux's (ERESTART, 85,
 * included), so the host's <errno.h> gives the same numbers.
 */
#ifndef SHIM_XEN_ERRNO_H
#define SHIM_XEN_ERRNO_H

#include <errno.h>

#endif
