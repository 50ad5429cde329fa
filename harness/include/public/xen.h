/* SPDX-License-Identifier: GPL-2.0-only */
/* Shim of Xen's <public/xen.h>: the domain id type and reserved ids. */
#ifndef SHIM_PUBLIC_XEN_H
#define SHIM_PUBLIC_XEN_H

#include <xen/types.h>

#define DOMID_FIRST_RESERVED    0x7ff0U

#endif
