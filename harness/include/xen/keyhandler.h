/* SPDX-License-Identifier: GPL-2.0-only */
/* Shim of Xen's <xen/keyhandler.h>: no console keys. */
#ifndef SHIM_XEN_KEYHANDLER_H
#define SHIM_XEN_KEYHANDLER_H

#define register_keyhandler(key, fn, desc, diag) \
    ((void)(key), (void)(fn), (void)(desc), (void)(diag))

#endif
