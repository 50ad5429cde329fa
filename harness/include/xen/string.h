/* SPDX-License-Identifier: GPL-2.0-only */
/* Shim of Xen's <xen/string.h>: the host's, same names and semantics. */
#ifndef SHIM_XEN_STRING_H
#define SHIM_XEN_STRING_H

#include <string.h>

#endif
