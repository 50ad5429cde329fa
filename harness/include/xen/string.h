/* SPDX-License-Identifier: GPL-2.0-only */
/* Shim of Xen's <xen/string.h>. */
#ifndef SHIM_XEN_STRING_H
#define SHIM_XEN_STRING_H

#include <string.h>

#endif
