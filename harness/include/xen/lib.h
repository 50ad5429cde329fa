/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Shim of Xen's <xen/lib.h>.  BUG(), ASSERT() and panic() report to the
 * harness, which unwinds the input (a finding, or a fail-stop after an
 * injected fault); ASSERT() is always checked, as in a debug build of Xen.
 * printk() goes to the harness, which prints it only when asked.
 */
#ifndef SHIM_XEN_LIB_H
#define SHIM_XEN_LIB_H

#include <xen/types.h>
#include <xen/errno.h>
#include <xen/string.h>
#include <xen/xmalloc.h>
#include <harness/hooks.h>

#define likely(x)       __builtin_expect(!!(x), 1)
#define unlikely(x)     __builtin_expect(!!(x), 0)
#define ARRAY_SIZE(a)   (sizeof(a) / sizeof((a)[0]))
#define ACCESS_ONCE(x)  (*(volatile typeof(x) *)&(x))
#define DIV_ROUND_UP(n, d) (((n) + (d) - 1) / (d))
#define ROUNDUP(x, a)   (((x) + (a) - 1) & ~((a) - 1))
#define IS_ALIGNED(x, a) (!((x) & ((a) - 1)))
#define IS_ENABLED(option) 0
#define container_of(ptr, type, member) \
    ((type *)((char *)(ptr) - offsetof(type, member)))

#define min(x, y) ({                            \
    const typeof(x) _x = (x);                   \
    const typeof(y) _y = (y);                   \
    (void)(&_x == &_y);                         \
    _x < _y ? _x : _y; })
#define max(x, y) ({                            \
    const typeof(x) _x = (x);                   \
    const typeof(y) _y = (y);                   \
    (void)(&_x == &_y);                         \
    _x > _y ? _x : _y; })
#define min_t(type, x, y) ({ type _x = (x); type _y = (y); _x < _y ? _x : _y; })
#define max_t(type, x, y) ({ type _x = (x); type _y = (y); _x > _y ? _x : _y; })

#define BUG()           hh_bug(__FILE__, __LINE__, "BUG")
#define BUG_ON(c) do {                                                  \
    if ( unlikely(c) )                                                  \
        hh_bug(__FILE__, __LINE__, #c);                                 \
} while ( 0 )
#define ASSERT(c)       BUG_ON(!(c))
#define ASSERT_UNREACHABLE() hh_bug(__FILE__, __LINE__, "unreachable")
/* An expression, as Xen's: it may follow a case label. */
#define BUILD_BUG_ON(c) ((void)sizeof(struct { int : -!!(c); }))
#define WARN_ON(c)      ({ bool w_ = (c); if ( w_ ) hh_printk("WARN_ON(%s)\n", #c); w_; })
#define WARN()          hh_printk("WARN at %s:%d\n", __FILE__, __LINE__)

#define XENLOG_ERR      "<0>"
#define XENLOG_WARNING  "<1>"
#define XENLOG_INFO     "<2>"
#define XENLOG_DEBUG    "<3>"
#define XENLOG_G_ERR    XENLOG_ERR
#define XENLOG_G_WARNING XENLOG_WARNING
#define XENLOG_G_INFO   XENLOG_INFO
#define XENLOG_G_DEBUG  XENLOG_DEBUG

/*
 * Xen's printk has %pd and friends: no format attribute here, or -Wformat
 * would object (harness/xen/printk.c prints them).
 */
#define printk(...)             hh_printk_xen(__VA_ARGS__)
#define dprintk(lvl, ...)       hh_printk_xen(__VA_ARGS__)
#define gdprintk(lvl, ...)      hh_printk_xen(__VA_ARGS__)
#define gprintk(lvl, ...)       hh_printk_xen(__VA_ARGS__)
#define printk_once(...)        hh_printk_xen(__VA_ARGS__)
/* The format names the panic well enough; arguments are not printed. */
#define panic(fmt, ...)         hh_panic(fmt)

#define EXPORT_SYMBOL(s)

unsigned int get_random(void);

#endif
