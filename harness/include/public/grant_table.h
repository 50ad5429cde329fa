/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Shim of Xen's <public/grant_table.h>: the v1 ABI values the core uses.
 * Bit values are the public ABI (xen/include/public/grant_table.h).
 */
#ifndef SHIM_PUBLIC_GRANT_TABLE_H
#define SHIM_PUBLIC_GRANT_TABLE_H

#include <public/xen.h>

typedef uint32_t grant_ref_t;
typedef uint32_t grant_handle_t;

typedef struct grant_entry_v1 {
    uint16_t flags;
    domid_t domid;
    uint32_t frame;
} grant_entry_v1_t;

#define GTF_invalid             (0U << 0)
#define GTF_permit_access       (1U << 0)
#define GTF_accept_transfer     (2U << 0)
#define GTF_transitive          (3U << 0)
#define GTF_type_mask           (3U << 0)
#define GTF_readonly            (1U << 2)
#define GTF_reading             (1U << 3)
#define GTF_writing             (1U << 4)
#define GTF_sub_page            (1U << 8)

#define GNTMAP_device_map       (1 << 0)
#define GNTMAP_host_map         (1 << 1)
#define GNTMAP_readonly         (1 << 2)

#define GNTST_okay              (0)
#define GNTST_general_error     (-1)
#define GNTST_bad_domain        (-2)
#define GNTST_bad_gntref        (-3)
#define GNTST_bad_handle        (-4)
#define GNTST_bad_virt_addr     (-5)
#define GNTST_bad_dev_addr      (-6)
#define GNTST_no_device_space   (-7)
#define GNTST_permission_denied (-8)
#define GNTST_bad_page          (-9)
#define GNTST_no_space          (-13)

#endif
