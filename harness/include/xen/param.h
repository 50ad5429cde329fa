/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Shim of Xen's <xen/param.h>: no command line.  The parser stays
 * referenced so that the compiler does not call it unused.
 */
#ifndef SHIM_XEN_PARAM_H
#define SHIM_XEN_PARAM_H

#include <xen/types.h>

#define custom_param(name, fn) \
    static __attribute__((unused)) int (*shim_param_##fn)(const char *) = fn
#define custom_runtime_param(name, fn, ...) custom_param(name, fn)
#define boolean_param(name, var)
#define integer_param(name, var)

int parse_bool(const char *s, const char *e);
int parse_boolean(const char *name, const char *s, const char *e);
unsigned long simple_strtoul(const char *cp, const char **endp,
                             unsigned int base);
long simple_strtol(const char *cp, const char **endp, unsigned int base);

#endif
