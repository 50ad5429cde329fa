/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Xen 4.17's own xen/common/grant_table.c, compiled as it is (from the
 * Debian source tree that `make xen` builds, with the one hook patch of
 * hv/xen/patches/ that the patched Xen has too), followed by read-only
 * views of its private state for the harness's checks.  Nothing here
 * changes that state, and the views are not instrumented for the fuzzer
 * (the checks read all of it at every op).
 */
#include "internal.h"

/*
 * The width of each of an active entry's four pin counters: the harness's
 * copy of grant_table.c reads it at run time (scripts/xen-harness-src.sh),
 * as the number of handles a maptrack frame holds.
 * Xen's 8 unless a run scales it down (world_boot()).
 */
unsigned int harness_pin_cntr_width = GNTPIN_XEN_WIDTH;
/* Handles a maptrack frame holds: Xen's 256 unless a run scales it down. */
unsigned int harness_maptrack_per_page = MAPTRACK_XEN_PER_PAGE;
/* Unmaps a chunk of an unmap hypercall takes: Xen's 32 unless scaled. */
unsigned int harness_unmap_batch_size = UNMAP_XEN_BATCH_SIZE;

/*
 * The width of the maptrack_tree's per-frame mapping counts: Xen's, whose
 * wrap-around check no domain's maptrack can reach (1024 frames of 256
 * handles), unless a build flavour narrows it so that a few maps of one
 * frame reach that check (make count-flavour; the model reads the
 * resulting limit from gnttab_view_maptrack_count_max()).
 */
#ifndef HARNESS_MAPTRACK_COUNT_BITS
#define HARNESS_MAPTRACK_COUNT_BITS (BITS_PER_LONG / 2 - 1)
#endif

#include <common/grant_table.c>

#include "nocov.h"

NO_COVERAGE
unsigned long gnttab_view_maptrack_count_max(void)
{
    union maptrack_node node = { .raw = 0 };

    node.cnt.rd--;      /* an unsigned bitfield wraps to its largest value */
    return node.cnt.rd;
}

NO_COVERAGE
void gnttab_cpu_power_on(void)
{
    this_cpu(grant_rwlock) = NULL;
}

/* Whether this CPU holds some grant table's lock for reading. */
NO_COVERAGE
bool gnttab_view_cpu_reads_a_table(void)
{
    return this_cpu(grant_rwlock) != NULL;
}

unsigned int gnttab_view_nr_frames(const struct domain *d)
{
    return d->grant_table ? d->grant_table->nr_grant_frames : 0;
}

NO_COVERAGE
mfn_t gnttab_view_shared_mfn(const struct domain *d, unsigned int i)
{
    ASSERT(i < gnttab_view_nr_frames(d));
    return gnttab_shared_mfn(d->grant_table, i);
}

NO_COVERAGE
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

/*
 * d's v1 shared entries as Xen reads them, through Xen's own mapping of
 * the grant frames: a read by the checks, not a guest's access, so the
 * simulated unit is not told of a mapping (hh_map_frame()).  One call for
 * every entry the checks compare: they do so after every call.
 */
NO_COVERAGE
void gnttab_view_grants(const struct domain *d, const grant_ref_t *refs,
                        unsigned int n, struct gnttab_grant_view *out)
{
    struct grant_table *gt = d->grant_table;
    unsigned int i, nr = gt && gt->gt_version == 1 ? nr_grant_entries(gt) : 0;

    for ( i = 0; i < n; i++ )
    {
        grant_ref_t ref = refs[i];
        const struct active_grant_entry *act;

        out[i].present = ref < nr;
        if ( !out[i].present )
            continue;
        out[i].shared = gt->shared_v1[ref / SHGNT_PER_PAGE_V1]
                                     [ref % SHGNT_PER_PAGE_V1];
        act = &_active_entry(gt, ref);
        out[i].pin = act->pin;
        out[i].domid = act->domid;
        out[i].mfn = mfn_x(act->mfn);
    }
}

NO_COVERAGE
bool gnttab_view_active(const struct domain *rd, grant_ref_t ref,
                        uint32_t *pin, domid_t *domid, unsigned long *mfn)
{
    struct grant_table *gt = rd->grant_table;
    const struct active_grant_entry *act;

    if ( !gt || ref >= nr_grant_entries(gt) )
        return false;
    act = &_active_entry(gt, ref);
    *pin = act->pin;
    *domid = act->domid;
    *mfn = mfn_x(act->mfn);
    return true;
}

NO_COVERAGE
unsigned int gnttab_view_maptrack_limit(const struct domain *ld)
{
    return ld->grant_table ? ld->grant_table->maptrack_limit : 0;
}

bool gnttab_break_handle_flags(struct domain *ld, grant_handle_t handle,
                               uint16_t flags)
{
    struct grant_table *gt = ld->grant_table;

    if ( !gt || handle >= gt->maptrack_limit )
        return false;
    maptrack_entry(gt, handle).flags = flags;
    return true;
}

bool gnttab_break_active(struct domain *rd, grant_ref_t ref, uint32_t pin,
                         unsigned long mfn)
{
    struct grant_table *gt = rd->grant_table;
    struct active_grant_entry *act;

    if ( !gt || ref >= nr_grant_entries(gt) )
        return false;
    act = &_active_entry(gt, ref);
    act->pin = pin;
    act->mfn = _mfn(mfn);
    return true;
}

NO_COVERAGE
bool gnttab_view_handle(const struct domain *ld, grant_handle_t handle,
                        uint16_t *flags, grant_ref_t *ref, domid_t *domid)
{
    struct grant_table *gt = ld->grant_table;
    const struct grant_mapping *map;

    if ( !gt || handle >= gt->maptrack_limit )
        return false;
    map = &maptrack_entry(gt, handle);
    *flags = map->flags;
    *ref = map->ref;
    *domid = map->domid;
    return true;
}

/*
 * ld's maptrack entries [0, n) into out, frame by frame (n at most its
 * maptrack_limit: the number returned).
 */
NO_COVERAGE
unsigned int gnttab_view_handles(const struct domain *ld,
                                 struct gnttab_handle_view *out,
                                 unsigned int n)
{
    const struct grant_table *gt = ld->grant_table;
    unsigned int h = 0, frame, i;

    if ( !gt )
        return 0;
    n = min(n, gt->maptrack_limit);
    for ( frame = 0; h < n; frame++ )
    {
        const struct grant_mapping *map = gt->maptrack[frame];

        for ( i = 0; i < MAPTRACK_PER_PAGE && h < n; i++, h++ )
        {
            out[h].flags = map[i].flags;
            out[h].ref = map[i].ref;
            out[h].domid = map[i].domid;
        }
    }
    return n;
}

NO_COVERAGE
void gnttab_view_counts(const struct domain *ld, unsigned long mfn,
                        unsigned long *rd, unsigned long *wr)
{
    struct grant_table *gt = ld->grant_table;
    union maptrack_node node = { .raw = 0 };
    void **slot;

    if ( gt && gt->maptrack )
    {
        slot = radix_tree_lookup_slot(&gt->maptrack_tree, mfn);
        if ( slot )
            node.raw = radix_tree_ptr_to_ulong(*slot);
    }
    *rd = node.cnt.rd;
    *wr = node.cnt.wr;
}
