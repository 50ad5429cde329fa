/* SPDX-License-Identifier: GPL-2.0-only */
/* Shim of Xen's <xen/lib.h>: assertions and printk report to the harness. */
#ifndef SHIM_XEN_LIB_H
#define SHIM_XEN_LIB_H

#include <xen/types.h>
#include <harness/hooks.h>

#define likely(x)       __builtin_expect(!!(x), 1)
#define unlikely(x)     __builtin_expect(!!(x), 0)
#define ARRAY_SIZE(a)   (sizeof(a) / sizeof((a)[0]))
#define ACCESS_ONCE(x)  (*(volatile typeof(x) *)&(x))

#define BUG()           hh_bug(__FILE__, __LINE__, "BUG")
#define BUG_ON(c)       do { if ( unlikely(c) ) hh_bug(__FILE__, __LINE__, #c); } while ( 0 )
/* Always checked: a failed assertion in the core is a finding. */
#define ASSERT(c)       BUG_ON(!(c))
#define ASSERT_UNREACHABLE() hh_bug(__FILE__, __LINE__, "unreachable")
#define BUILD_BUG_ON(c) _Static_assert(!(c), #c)

#define XENLOG_ERR      "<0>"
#define XENLOG_WARNING  "<1>"
#define XENLOG_INFO     "<2>"
#define XENLOG_G_ERR    XENLOG_ERR
#define XENLOG_G_WARNING XENLOG_WARNING
#define XENLOG_G_INFO   XENLOG_INFO
#define printk(...)     hh_printk(__VA_ARGS__)
#define panic(...)      hh_panic("panic")

#endif
