/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Shim of Xen's <xen/init.h>.  Initcalls run as ELF constructors before
 * main(): radix-tree.c's presmp_initcall fills a table that must be ready
 * before the first tree is used.
 */
#ifndef SHIM_XEN_INIT_H
#define SHIM_XEN_INIT_H

#include <xen/types.h>

#define shim_initcall_(fn, tag)                                         \
    static void __attribute__((constructor)) shim_init_##tag##_##fn(void) \
    {                                                                   \
        (void)fn();                                                     \
    }
#define presmp_initcall(fn)     shim_initcall_(fn, presmp)
#define __initcall(fn)          shim_initcall_(fn, init)

#endif
