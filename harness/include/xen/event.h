/* SPDX-License-Identifier: GPL-2.0-only */
/* Shim of Xen's <xen/event.h>: grant_table.c includes it, uses nothing. */
#ifndef SHIM_XEN_EVENT_H
#define SHIM_XEN_EVENT_H
#endif
