/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Shim of x86's <asm/guest_access.h>, below Xen's real <xen/guest_access.h>:
 * a guest virtual address is a host pointer (the harness's guest-side
 * buffers, harness/xen/hypercall.c).  A copy returns the bytes it could
 * not copy, as Xen's do; the harness may fail one (hooks.h).
 */
#ifndef SHIM_ASM_GUEST_ACCESS_H
#define SHIM_ASM_GUEST_ACCESS_H

#include <xen/types.h>
#include <harness/hooks.h>

#define raw_copy_to_guest(dst, src, len)        hh_copy_guest(dst, src, len)
#define raw_copy_from_guest(dst, src, len)      hh_copy_guest(dst, src, len)
#define __raw_copy_to_guest(dst, src, len)      hh_copy_guest(dst, src, len)
#define __raw_copy_from_guest(dst, src, len)    hh_copy_guest(dst, src, len)
#define raw_clear_guest(dst, len)               hh_clear_guest(dst, len)
#define __raw_clear_guest(dst, len)             hh_clear_guest(dst, len)

#define guest_handle_okay(hnd, nr)              ((void)(nr), (hnd).p != NULL)
#define guest_handle_subrange_okay(hnd, first, last) \
    ((void)(first), (void)(last), (hnd).p != NULL)

#endif
