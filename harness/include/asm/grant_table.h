/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Shim of x86's <asm/grant_table.h>, for PV domains only.  The helpers that
 * expand inside grant_table.c (they use struct grant_table's private
 * fields) keep x86's definitions; the host mapping calls go to the
 * harness's stand-in for x86's pv/grant_table.c (harness/xen/mm.c).
 */
#ifndef SHIM_ASM_GRANT_TABLE_H
#define SHIM_ASM_GRANT_TABLE_H

#include <xen/mm.h>
#include <xen/paging.h>
#include <harness/hooks.h>

#define INITIAL_NR_GRANT_FRAMES 1U

int create_grant_host_mapping(uint64_t addr, mfn_t frame, unsigned int flags,
                              unsigned int cache_flags);
int replace_grant_host_mapping(uint64_t addr, mfn_t frame, uint64_t new_addr,
                               unsigned int flags);

#define gnttab_set_frame_gfn(gt, st, idx, gfn, mfn)                      \
    (gfn_eq(gfn, INVALID_GFN)                                            \
     ? guest_physmap_remove_page((gt)->domain,                           \
                                 gnttab_get_frame_gfn(gt, st, idx),      \
                                 mfn, 0)                                 \
     : 0)
#define gnttab_get_frame_gfn(gt, st, idx) ({                             \
    mfn_t mfn_ = (st) ? gnttab_status_mfn(gt, idx)                       \
                      : gnttab_shared_mfn(gt, idx);                      \
    unsigned long gpfn_ = get_gpfn_from_mfn(mfn_x(mfn_));                \
    VALID_M2P(gpfn_) ? _gfn(gpfn_) : INVALID_GFN;                        \
})
#define gnttab_shared_mfn(t, i)         _mfn(__virt_to_mfn((t)->shared_raw[i]))
#define gnttab_shared_gfn(d, t, i)      mfn_to_gfn(d, gnttab_shared_mfn(t, i))
#define gnttab_status_mfn(t, i)         _mfn(__virt_to_mfn((t)->status[i]))
#define gnttab_status_gfn(d, t, i)      mfn_to_gfn(d, gnttab_status_mfn(t, i))
#define gnttab_mark_dirty(d, f)         paging_mark_dirty(d, f)

/*
 * x86 clears the bits with one `lock andw`.  The harness sees each clear:
 * the granter may reuse its frame from this instant, so this is where the
 * grant-released-early check looks at what devices can still reach.
 */
static inline void gnttab_clear_flags(struct domain *d, unsigned int mask,
                                      uint16_t *addr)
{
    uint16_t was = __atomic_fetch_and(addr, (uint16_t)~mask,
                                      __ATOMIC_SEQ_CST);

    hh_grant_flags_cleared(d, addr, was & mask);
}

#define gnttab_host_mapping_get_page_type(ro, ld, rd) \
    (!(ro) && (((ld) == (rd)) || !paging_mode_external(rd)))
#define gnttab_release_host_mappings(domain)    paging_mode_external(domain)
#define gnttab_need_iommu_mapping(d) \
    (!paging_mode_translate(d) && need_iommu_pt_sync(d))

#endif
