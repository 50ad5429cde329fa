/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Xen 4.17's own xen/common/grant_table.c, compiled as it is (from the
 * Debian source tree that `make xen` builds, with the one hook patch of
 * hv/xen/patches/ that the patched Xen has too), followed by read-only
 * views of its private state for the harness's checks.  Nothing here
 * changes that state.
 */
#include <common/grant_table.c>

#include "internal.h"

unsigned int gnttab_view_nr_frames(const struct domain *d)
{
    return d->grant_table ? d->grant_table->nr_grant_frames : 0;
}

mfn_t gnttab_view_shared_mfn(const struct domain *d, unsigned int i)
{
    ASSERT(i < gnttab_view_nr_frames(d));
    return gnttab_shared_mfn(d->grant_table, i);
}

bool gnttab_view_status_ref(const struct domain *d, const uint16_t *addr,
                            grant_ref_t *ref)
{
    const struct grant_table *gt = d->grant_table;
    unsigned int i;

    if ( !gt || gt->gt_version != 1 )
        return false;
    for ( i = 0; i < gt->nr_grant_frames; i++ )
    {
        const grant_entry_v1_t *frame = gt->shared_v1[i];

        if ( (const void *)addr >= (const void *)frame &&
             (const void *)addr < (const void *)(frame + SHGNT_PER_PAGE_V1) )
        {
            *ref = i * SHGNT_PER_PAGE_V1 +
                   ((const grant_entry_v1_t *)addr - frame);
            return true;
        }
    }
    return false;
}
