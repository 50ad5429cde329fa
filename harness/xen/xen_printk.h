/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Xen's printk formats (printk.c): printf's conversions and Xen's %pd and
 * %pv.  Like vsnprintf(): at most size bytes, NUL-terminated, and the
 * length the whole text would have.  A conversion printf does not know
 * ends the conversions: the rest of the format is copied as it is.
 */
#ifndef HARNESS_XEN_PRINTK_H
#define HARNESS_XEN_PRINTK_H

#include <stdarg.h>
#include <stddef.h>

size_t xen_vsnprintf(char *buf, size_t size, const char *fmt, va_list args);
size_t xen_snprintf(char *buf, size_t size, const char *fmt, ...);

#endif /* HARNESS_XEN_PRINTK_H */
