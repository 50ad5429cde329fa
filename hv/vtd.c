/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Driving one VT-d remapping unit: root/context tables, register-based and
 * queued invalidation.
 *
 * Unlike Xen 4.17, which follows every queued descriptor with a wait and a
 * busy-poll, descriptors are only queued here and gtio_vtd_sync() issues one
 * wait for all of them.  Every wait uses a fresh status value, so that a
 * late completion of an earlier (timed out) wait can never be mistaken for
 * the completion of a later one, and every wait is bounded: expiry is a
 * failed flush, reported to the caller, never success.
 */

#include <xen/types.h>
#include <xen/errno.h>
#include <xen/lib.h>
#include <xen/string.h>
#include <xen/mm.h>
#include <xen/domain_page.h>
#include <xen/time.h>
#include <asm/atomic.h>
#include <asm/cache.h>
#include <asm/io.h>
#include <asm/processor.h>
#include <asm/system.h>

#include "gtio_internal.h"
#include "vtd_hw.h"

static void __iomem *reg(const struct gtio_vtd *v, unsigned int off)
{
    return v->regs + off;
}

bool gtio_vtd_cm(const struct gtio_vtd *v)
{
    return v->cap & VTD_CAP_CM;
}

bool gtio_vtd_coherent(const struct gtio_vtd *v)
{
    return v->ecap & VTD_ECAP_C;
}

/* Store an entry the IOMMU walks; write it back for a non-snooping walker. */
void gtio_vtd_write_entry(struct gtio_machine *m, uint64_t *entry, uint64_t val)
{
    write_atomic(entry, val);
    if ( !gtio_vtd_coherent(&m->vtd) )
    {
        cache_writeback(entry, sizeof(*entry));
        m->stats.clflush++;
    }
}

static int alloc_zeroed_page(struct gtio_machine *m, uint64_t *maddr)
{
    struct page_info *pg = alloc_domheap_page(NULL, 0);
    void *va;

    if ( !pg )
        return -ENOMEM;
    va = map_domain_page(page_to_mfn(pg));
    memset(va, 0, PAGE_SIZE);
    if ( !gtio_vtd_coherent(&m->vtd) )
        cache_writeback(va, PAGE_SIZE);
    unmap_domain_page(va);
    *maddr = page_to_maddr(pg);
    return 0;
}

static void free_page_at(uint64_t maddr)
{
    if ( maddr )
        free_domheap_page(maddr_to_page(maddr));
}

/* Poll until 'bit' clears in a 32- or 64-bit register, within 'limit' ns. */
static int wait_reg_clear(const struct gtio_vtd *v, unsigned int off,
                          uint64_t bit, bool wide)
{
    s_time_t deadline = NOW() + GTIO_REG_WAIT_NS;

    while ( (wide ? readq(reg(v, off)) : readl(reg(v, off))) & bit )
    {
        if ( NOW() > deadline )
            return -ETIMEDOUT;
        cpu_relax();
    }
    return 0;
}

static int wait_status_set(const struct gtio_vtd *v, uint32_t bit)
{
    s_time_t deadline = NOW() + GTIO_REG_WAIT_NS;

    while ( !(readl(reg(v, VTD_REG_GSTS)) & bit) )
    {
        if ( NOW() > deadline )
            return -ETIMEDOUT;
        cpu_relax();
    }
    return 0;
}

/* GCMD is write-only: re-assert the persistent enables with each command. */
static int gcmd(const struct gtio_vtd *v, uint32_t cmd)
{
    uint32_t sts = readl(reg(v, VTD_REG_GSTS));

    writel((sts & (VTD_GCMD_TE | VTD_GCMD_QIE)) | cmd, reg(v, VTD_REG_GCMD));
    return wait_status_set(v, cmd);
}

/* Register-based invalidation: one at a time, complete when IVT clears. */
static int reg_iotlb(struct gtio_machine *m, uint64_t gran, uint16_t did,
                     uint64_t iva)
{
    struct gtio_vtd *v = &m->vtd;
    unsigned int off = vtd_ecap_iotlb_offset(v->ecap);

    if ( gran == VTD_IOTLB_PSI )
        writeq(iva, reg(v, vtd_ecap_iva_offset(v->ecap)));
    writeq(VTD_IOTLB_IVT | gran | ((uint64_t)did << VTD_IOTLB_DID_SHIFT),
           reg(v, off));
    return wait_reg_clear(v, off, VTD_IOTLB_IVT, true);
}

static int reg_context_global(struct gtio_machine *m)
{
    struct gtio_vtd *v = &m->vtd;

    writeq(VTD_CCMD_ICC | VTD_CCMD_GLOBAL, reg(v, VTD_REG_CCMD));
    return wait_reg_clear(v, VTD_REG_CCMD, VTD_CCMD_ICC, true);
}

/* Append one descriptor to the queue; the hardware may start on it at once. */
static int qi_submit(struct gtio_machine *m, uint64_t lo, uint64_t hi)
{
    struct gtio_vtd *v = &m->vtd;
    unsigned int next = (v->qi_tail + 1) % v->qi_entries;
    s_time_t deadline = NOW() + GTIO_QI_WAIT_NS;
    struct vtd_qi_desc *ring;

    while ( ((readq(reg(v, VTD_REG_IQH)) & VTD_QI_INDEX_MASK) >>
             VTD_QI_INDEX_SHIFT) == next )
    {
        if ( NOW() > deadline )
            return -ETIMEDOUT;
        cpu_relax();
    }

    ring = map_domain_page(maddr_to_mfn(v->qi_maddr));
    ring[v->qi_tail].lo = lo;
    ring[v->qi_tail].hi = hi;
    unmap_domain_page(ring);
    smp_wmb();
    v->qi_tail = next;
    writeq((uint64_t)next << VTD_QI_INDEX_SHIFT, reg(v, VTD_REG_IQT));
    v->nr_queued++;
    return 0;
}

static bool qi_error_pending(const struct gtio_vtd *v)
{
    return readl(reg(v, VTD_REG_FSTS)) & VTD_FSTS_IQE;
}

/*
 * One wait descriptor for everything queued so far.  Complete only when the
 * status write of this very wait is seen.  On a queue error the error is
 * acknowledged so that later submissions (blocking devices) can proceed.
 */
static int qi_wait(struct gtio_machine *m)
{
    struct gtio_vtd *v = &m->vtd;
    volatile uint32_t *status;
    s_time_t deadline;
    uint32_t seq;
    int rc;

    if ( ++v->wait_seq == 0 )
        ++v->wait_seq;
    seq = v->wait_seq;
    rc = qi_submit(m, VTD_QI_TYPE_WAIT | VTD_QI_WAIT_SW | VTD_QI_WAIT_FN |
                      ((uint64_t)seq << VTD_QI_WAIT_DATA_SHIFT),
                   v->status_maddr);
    if ( rc )
        return rc;
    m->stats.waits++;

    status = map_domain_page(maddr_to_mfn(v->status_maddr));
    deadline = NOW() + GTIO_QI_WAIT_NS;
    rc = 0;
    while ( read_atomic(status) != seq )
    {
        if ( qi_error_pending(v) )
        {
            writel(VTD_FSTS_IQE, reg(v, VTD_REG_FSTS));
            rc = -EIO;
            break;
        }
        if ( NOW() > deadline )
        {
            rc = -ETIMEDOUT;
            break;
        }
        cpu_relax();
    }
    unmap_domain_page((void *)status);
    v->nr_queued = 0;
    return rc;
}

int gtio_vtd_queue_psi(struct gtio_machine *m, uint16_t did, unsigned long bfn,
                       unsigned int am)
{
    uint64_t addr = (uint64_t)bfn << PAGE_SHIFT;

    ASSERT(m->vtd.cap & VTD_CAP_PSI);
    ASSERT(am <= vtd_cap_mamv(m->vtd.cap));
    ASSERT(!(bfn & ((1UL << am) - 1)));
    m->stats.psi++;
    if ( !m->vtd.qi )
        return reg_iotlb(m, VTD_IOTLB_PSI, did, addr | am);
    return qi_submit(m, VTD_QI_TYPE_IOTLB |
                        (VTD_QI_GRAN_PAGE << VTD_QI_GRAN_SHIFT) |
                        ((uint64_t)did << VTD_QI_DID_SHIFT),
                     addr | am);
}

int gtio_vtd_queue_dsi(struct gtio_machine *m, uint16_t did)
{
    m->stats.dsi++;
    if ( !m->vtd.qi )
        return reg_iotlb(m, VTD_IOTLB_DSI, did, 0);
    return qi_submit(m, VTD_QI_TYPE_IOTLB |
                        (VTD_QI_GRAN_DOMAIN << VTD_QI_GRAN_SHIFT) |
                        ((uint64_t)did << VTD_QI_DID_SHIFT), 0);
}

int gtio_vtd_queue_context_global(struct gtio_machine *m)
{
    m->stats.context++;
    if ( !m->vtd.qi )
        return reg_context_global(m);
    return qi_submit(m, VTD_QI_TYPE_CONTEXT |
                        (VTD_QI_GRAN_GLOBAL << VTD_QI_GRAN_SHIFT), 0);
}

/* Register invalidations complete one by one; only the queue needs a wait. */
int gtio_vtd_sync(struct gtio_machine *m)
{
    if ( !m->vtd.qi || !m->vtd.nr_queued )
        return 0;
    return qi_wait(m);
}

/*
 * Point a device at a domain's tables, or at nothing (quarantine: a
 * non-present context entry, so every DMA faults).  The caller invalidates
 * the context cache and the old domain's IOTLB afterwards.
 */
int gtio_vtd_set_context(struct gtio_machine *m, unsigned int dev,
                         const struct gtio_domain *dom)
{
    uint64_t *ctx = map_domain_page(maddr_to_mfn(m->vtd.ctx_maddr));
    uint64_t *entry = &ctx[dev * 2];

    /* Clear 'present' first so the walker never sees a torn entry. */
    gtio_vtd_write_entry(m, &entry[0], 0);
    if ( dom )
    {
        gtio_vtd_write_entry(m, &entry[1], VTD_CTX_AW_4LEVEL |
                        ((uint64_t)dom->iommu.did << VTD_CTX_DID_SHIFT));
        gtio_vtd_write_entry(m, &entry[0], dom->iommu.pgd_maddr |
                        VTD_CTX_TT_MULTILEVEL | VTD_CTX_PRESENT);
    }
    else
        gtio_vtd_write_entry(m, &entry[1], 0);
    unmap_domain_page(ctx);
    return 0;
}

static int init_tables(struct gtio_machine *m)
{
    struct gtio_vtd *v = &m->vtd;
    uint64_t *root;
    int rc;

    rc = alloc_zeroed_page(m, &v->root_maddr);
    if ( !rc )
        rc = alloc_zeroed_page(m, &v->ctx_maddr);
    if ( rc )
        return rc;
    root = map_domain_page(maddr_to_mfn(v->root_maddr));
    gtio_vtd_write_entry(m, &root[0], v->ctx_maddr | VTD_ROOT_PRESENT);
    unmap_domain_page(root);
    writeq(v->root_maddr, reg(v, VTD_REG_RTADDR));
    return gcmd(v, VTD_GCMD_SRTP);
}

static int init_queue(struct gtio_machine *m)
{
    struct gtio_vtd *v = &m->vtd;
    int rc;

    rc = alloc_zeroed_page(m, &v->qi_maddr);
    if ( !rc )
        rc = alloc_zeroed_page(m, &v->status_maddr);
    if ( rc )
        return rc;
    v->qi_entries = VTD_QI_ENTRIES_PER_PAGE;
    v->qi_tail = 0;
    writeq(0, reg(v, VTD_REG_IQT));
    writeq(v->qi_maddr, reg(v, VTD_REG_IQA));   /* QS = 0: one page */
    rc = gcmd(v, VTD_GCMD_QIE);
    if ( !rc )
        v->qi = true;
    return rc;
}

/* Bring the unit up: tables, queue, a clean slate of caches, translation. */
int gtio_vtd_init(struct gtio_machine *m)
{
    struct gtio_vtd *v = &m->vtd;
    int rc;

    v->regs = m->cfg.vtd_regs;
    v->cap = readq(reg(v, VTD_REG_CAP));
    v->ecap = readq(reg(v, VTD_REG_ECAP));
    if ( !(v->cap & VTD_CAP_SAGAW_4LEVEL) )
        return -EOPNOTSUPP;

    rc = init_tables(m);
    if ( !rc && (v->ecap & VTD_ECAP_QI) )
        rc = init_queue(m);
    if ( !rc )
        rc = gtio_vtd_queue_context_global(m);
    if ( !rc )
    {
        m->stats.global++;
        rc = v->qi ? qi_submit(m, VTD_QI_TYPE_IOTLB |
                                  (VTD_QI_GRAN_GLOBAL << VTD_QI_GRAN_SHIFT), 0)
                   : reg_iotlb(m, VTD_IOTLB_GLOBAL, 0, 0);
    }
    if ( !rc )
        rc = gtio_vtd_sync(m);
    if ( !rc )
        rc = gcmd(v, VTD_GCMD_TE);
    return rc;
}

void gtio_vtd_teardown(struct gtio_machine *m)
{
    struct gtio_vtd *v = &m->vtd;

    free_page_at(v->status_maddr);
    free_page_at(v->qi_maddr);
    free_page_at(v->ctx_maddr);
    free_page_at(v->root_maddr);
    v->status_maddr = v->qi_maddr = v->ctx_maddr = v->root_maddr = 0;
}
