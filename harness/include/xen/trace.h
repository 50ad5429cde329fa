/* SPDX-License-Identifier: GPL-2.0-only */
/* Shim of Xen's <xen/trace.h>: no trace buffers. */
#ifndef SHIM_XEN_TRACE_H
#define SHIM_XEN_TRACE_H

#define TRACE_1D(event, d1)     ((void)(d1))

#endif
