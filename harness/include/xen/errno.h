/* SPDX-License-Identifier: GPL-2.0-only */
/* Shim of Xen's <xen/errno.h>: the same values (they are Linux's). */
#ifndef SHIM_XEN_ERRNO_H
#define SHIM_XEN_ERRNO_H

#define EPERM       1
#define ENOENT      2
#define EIO         5
#define ENOMEM     12
#define EBUSY      16
#define EEXIST     17
#define ENODEV     19
#define EINVAL     22
#define ENOSPC     28
#define ERANGE     34
#define EOPNOTSUPP 95
#define ETIMEDOUT 110

#endif
