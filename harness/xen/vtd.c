/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Stand-in for Xen's VT-d driver (drivers/passthrough/vtd/iommu.c,
 * qinval.c) and the device assignment of passthrough/pci.c, on the one
 * simulated unit: it owns the unit (root and context tables, the
 * invalidation queue, translation enable), gives each domain with a
 * device a VT-d domain id, moves devices between domains and quarantine,
 * and serves gtio's invalidation interface (struct gtio_unit_ops).
 *
 * Unlike Xen 4.17, which follows every queued descriptor with a wait and a
 * busy-poll, descriptors are only queued and sync() issues one wait for
 * all of them.  Every wait writes a fresh status value, so that a late
 * completion of an earlier (timed out) wait can never complete a later
 * one, and every wait is bounded: expiry is an error, never success.
 * (Xen 4.17 spins forever instead, XSA-373.)
 *
 * Device moves keep the order XSA-302/386/399/400 taught: the context
 * entry first, then the context cache, confirmed, then the old domain
 * id's IOTLB (hardware may tag IOTLB entries by source id too, so a
 * device without a context entry may still hit what it fetched before;
 * and a queue may run an IOTLB descriptor before an earlier context one
 * completes, so a wait sits between them), and a domain id is given to
 * another domain only after a confirmed
 * invalidation of everything cached under it (vtd_domain_destroy() runs
 * after gtio_quiesce() confirmed that).  A failed move of a domU's device
 * crashes the domain and cuts its devices off; the hardware domain gets
 * the error.
 */
#include <xen/types.h>
#include <xen/errno.h>
#include <xen/lib.h>
#include <xen/sched.h>
#include <xen/mm.h>
#include <xen/domain_page.h>
#include <xen/iommu.h>
#include <xen/time.h>
#include <asm/atomic.h>
#include <asm/cache.h>
#include <asm/io.h>
#include <asm/processor.h>
#include <asm/system.h>

#include "gtio.h"
#include "internal.h"
#include "vtd_hw.h"

#define QI_WAIT_NS          100000000LL     /* Xen's QI timeout, 100 ms */
#define REG_WAIT_NS         1000000000LL    /* DMAR_OPERATION_TIMEOUT */
#define NR_DIDS             16              /* domain ids 1..15 */

struct vtd_iommu {
    void __iomem *reg;
    uint64_t cap, ecap;
    uint64_t root_maddr;
    uint64_t ctx_maddr;         /* context table of bus 0 */
    bool qinval;
    uint64_t qinval_maddr;
    unsigned int qi_entries;
    unsigned int qi_tail;
    uint64_t status_maddr;      /* wait descriptors write here */
    uint64_t irt_maddr;         /* interrupt remapping table */
    uint32_t wait_seq;          /* fresh value for every wait */
    unsigned int nr_queued;     /* descriptors since the last wait */
    /* Domain id -> domain; did 0 is never used (reserved under CM). */
    struct domain *domid_map[NR_DIDS];
    /*
     * Domain ids a device left without a confirmed IOTLB invalidation: it
     * may still hit their entries by source id, so every later move
     * invalidates them again, until one is confirmed.
     */
    uint16_t dsi_pending;
};

static struct vtd_iommu unit;
_Static_assert(NR_DIDS <= 16, "dsi_pending is a bit per domain id");
/*
 * Entries of the invalidation queue: 0, one page (256).  Fewer only on a
 * simulated unit scaled down to match (vtd_sim_caps.qi_entries).
 */
unsigned int harness_qi_entries;
static struct domain *dev_owner[VTD_SIM_DEVICES];

static void __iomem *reg(unsigned int off)
{
    return (char __iomem *)unit.reg + off;
}

static void write_entry(uint64_t *entry, uint64_t val)
{
    write_atomic(entry, val);
    iommu_sync_cache(entry, sizeof(*entry));
}

/* ---- domain ids ---- */

static uint16_t did_of(const struct domain *d)
{
    unsigned int did;

    for ( did = 1; did < NR_DIDS; did++ )
        if ( unit.domid_map[did] == d )
            return did;
    return 0;
}

static uint16_t did_alloc(struct domain *d)
{
    unsigned int did = did_of(d);

    for ( did = did ? did : 1; did < NR_DIDS; did++ )
        if ( unit.domid_map[did] == d || !unit.domid_map[did] )
        {
            unit.domid_map[did] = d;
            return did;
        }
    return 0;
}

/* ---- register and queued invalidation ---- */

/* Poll until 'bit' clears in a 64-bit register, within the timeout. */
static int wait_reg_clear(unsigned int off, uint64_t bit)
{
    s_time_t deadline = NOW() + REG_WAIT_NS;

    while ( readq(reg(off)) & bit )
    {
        if ( NOW() > deadline )
            return -ETIMEDOUT;
        cpu_relax();
    }
    return 0;
}

/* Poll until GSTS shows 'bit' set (or clear), within the timeout. */
static int wait_status(uint32_t bit, bool set)
{
    s_time_t deadline = NOW() + REG_WAIT_NS;

    while ( !!(readl(reg(VTD_REG_GSTS)) & bit) != set )
    {
        if ( NOW() > deadline )
            return -ETIMEDOUT;
        cpu_relax();
    }
    return 0;
}

/*
 * GCMD is write-only: write what GSTS says is enabled plus the command
 * (as Xen does), so that no enable is turned off by the way; one-shot
 * commands are not repeated.
 */
static int gcmd(uint32_t cmd)
{
    uint32_t sts = readl(reg(VTD_REG_GSTS));

    writel((sts & VTD_GSTS_PERSISTENT) | cmd, reg(VTD_REG_GCMD));
    return wait_status(cmd, true);
}

/*
 * A register whose last invalidation never completed is not written
 * again (the specification leaves that undefined): every later request
 * fails at once, as a failed flush.  (Xen 4.17 panics on the first.)
 */
/*
 * The drain bits of an IOTLB invalidation, where the unit has them: it
 * then completes only once the DMA it translated before has (Xen's
 * flush functions ask for both whenever CAP.DRD/DWD advertise them).
 */
static uint64_t drain_bits(uint64_t dr, uint64_t dw)
{
    return ((unit.cap & VTD_CAP_DRD) ? dr : 0) |
           ((unit.cap & VTD_CAP_DWD) ? dw : 0);
}

static int reg_iotlb(uint64_t gran, uint16_t did, uint64_t iva)
{
    unsigned int off = vtd_ecap_iotlb_offset(unit.ecap);

    if ( readq(reg(off)) & VTD_IOTLB_IVT )
        return -ETIMEDOUT;
    if ( gran == VTD_IOTLB_PSI )
        writeq(iva, reg(vtd_ecap_iva_offset(unit.ecap)));
    writeq(VTD_IOTLB_IVT | gran | ((uint64_t)did << VTD_IOTLB_DID_SHIFT) |
           drain_bits(VTD_IOTLB_DR, VTD_IOTLB_DW), reg(off));
    return wait_reg_clear(off, VTD_IOTLB_IVT);
}

static int reg_context_global(void)
{
    if ( readq(reg(VTD_REG_CCMD)) & VTD_CCMD_ICC )
        return -ETIMEDOUT;
    writeq(VTD_CCMD_ICC | VTD_CCMD_GLOBAL, reg(VTD_REG_CCMD));
    return wait_reg_clear(VTD_REG_CCMD, VTD_CCMD_ICC);
}

static bool qi_error_pending(void)
{
    return readl(reg(VTD_REG_FSTS)) & VTD_FSTS_IQE;
}

/*
 * A queue error stops the unit at the failed descriptor until software
 * clears it: acknowledged, later submissions (cutting devices off)
 * proceed from there.
 */
static bool qi_take_error(void)
{
    if ( !qi_error_pending() )
        return false;
    writel(VTD_FSTS_IQE, reg(VTD_REG_FSTS));
    return true;
}

/*
 * Append a descriptor; the hardware may start on it at once.  A full
 * queue waits for the unit to fetch, which it does not do past a queue
 * error: that ends the wait (or the unit would stay stopped for good).
 */
static int qi_submit(uint64_t lo, uint64_t hi)
{
    unsigned int next = (unit.qi_tail + 1) % unit.qi_entries;
    s_time_t deadline = NOW() + QI_WAIT_NS;
    struct vtd_qi_desc *ring;

    while ( ((readq(reg(VTD_REG_IQH)) & VTD_QI_INDEX_MASK) >>
             VTD_QI_INDEX_SHIFT) == next )
    {
        if ( qi_take_error() )
            return -EIO;
        if ( NOW() > deadline )
            return -ETIMEDOUT;
        cpu_relax();
    }
    ring = map_domain_page(maddr_to_mfn(unit.qinval_maddr));
    ring[unit.qi_tail].lo = lo;
    ring[unit.qi_tail].hi = hi;
    unmap_domain_page(ring);
    smp_wmb();
    unit.qi_tail = next;
    writeq((uint64_t)next << VTD_QI_INDEX_SHIFT, reg(VTD_REG_IQT));
    unit.nr_queued++;
    return 0;
}

/*
 * One wait descriptor for everything queued so far: complete only when
 * the status write of this very wait is seen.  A queue error is
 * acknowledged (qi_take_error()).
 */
static int qi_wait(void)
{
    volatile uint32_t *status;
    s_time_t deadline;
    uint32_t seq;
    int rc;

    if ( ++unit.wait_seq == 0 )
        ++unit.wait_seq;
    seq = unit.wait_seq;
    rc = qi_submit(VTD_QI_TYPE_WAIT | VTD_QI_WAIT_SW | VTD_QI_WAIT_FN |
                   ((uint64_t)seq << VTD_QI_WAIT_DATA_SHIFT),
                   unit.status_maddr);
    if ( rc )
        return rc;
    status = map_domain_page(maddr_to_mfn(unit.status_maddr));
    deadline = NOW() + QI_WAIT_NS;
    while ( read_atomic(status) != seq )
    {
        if ( qi_take_error() )
        {
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
    unit.nr_queued = 0;
    return rc;
}

/*
 * Xen's iommu_flush_write_buffer(): a unit with CAP.RWBF may not see new
 * table entries until its write buffer is flushed.  Every invalidation
 * flushes it first, so only an invalidation skipped needs this.
 */
static int flush_write_buffer(void)
{
    uint32_t sts;

    if ( !(unit.cap & VTD_CAP_RWBF) )
        return 0;
    sts = readl(reg(VTD_REG_GSTS));
    writel((sts & VTD_GSTS_PERSISTENT) | VTD_GCMD_WBF, reg(VTD_REG_GCMD));
    return wait_status(VTD_GSTS_WBFS, false);
}

static int queue_iotlb_did(uint64_t gran, uint16_t did, uint64_t addr,
                           unsigned int am)
{
    if ( !unit.qinval )
        return reg_iotlb(gran, did, gran == VTD_IOTLB_PSI ? addr | am : 0);
    return qi_submit(VTD_QI_TYPE_IOTLB |
                     ((gran >> VTD_IOTLB_IIRG_SHIFT) << VTD_QI_GRAN_SHIFT) |
                     ((uint64_t)did << VTD_QI_DID_SHIFT) |
                     drain_bits(VTD_QI_IOTLB_DR, VTD_QI_IOTLB_DW),
                     gran == VTD_IOTLB_PSI ? addr | am : 0);
}

static int queue_context_global(void)
{
    if ( !unit.qinval )
        return reg_context_global();
    return qi_submit(VTD_QI_TYPE_CONTEXT |
                     (VTD_QI_GRAN_GLOBAL << VTD_QI_GRAN_SHIFT), 0);
}

/* Register invalidations complete one by one; only the queue needs a wait. */
static int sync(void)
{
    if ( !unit.qinval || !unit.nr_queued )
        return 0;
    return qi_wait();
}

/* ---- gtio's interface ---- */

static int cf_check gtio_queue_iotlb(struct domain *d, dfn_t dfn,
                                     unsigned int order,
                                     unsigned int flush_flags)
{
    uint16_t did = did_of(d);
    bool psi = !dfn_eq(dfn, INVALID_DFN) && (unit.cap & VTD_CAP_PSI) &&
               order <= vtd_cap_mamv(unit.cap);

    /* Nothing under d's tables was ever cached: no device used them. */
    if ( !did )
        return 0;
    /*
     * Entries only added: only a Caching Mode unit caches non-present
     * ones, but the others may need their write buffer flushed to see
     * them (as Xen's flush functions do for flush_non_present_entry).
     */
    if ( !(flush_flags & IOMMU_FLUSHF_modified) &&
         !(unit.cap & VTD_CAP_CM) )
        return flush_write_buffer();
    if ( !psi )
        return queue_iotlb_did(VTD_IOTLB_DSI, did, 0, 0);
    return queue_iotlb_did(VTD_IOTLB_PSI, did,
                           dfn_x(dfn) << PAGE_SHIFT, order);
}

static int cf_check gtio_psi_max_order(void)
{
    return (unit.cap & VTD_CAP_PSI) ? (int)vtd_cap_mamv(unit.cap) : -1;
}

static int cf_check gtio_sync(void)
{
    return sync();
}

/*
 * Point a device at a domain's tables, or at nothing (quarantine: a
 * non-present context entry, so every DMA faults).
 */
static void set_context(unsigned int dev, uint16_t did, uint64_t root)
{
    uint64_t *ctx = map_domain_page(maddr_to_mfn(unit.ctx_maddr));
    uint64_t *entry = &ctx[dev * 2];

    /* Clear 'present' first so the walker never sees a torn entry. */
    write_entry(&entry[0], 0);
    if ( did )
    {
        write_entry(&entry[1], VTD_CTX_AW_4LEVEL |
                    ((uint64_t)did << VTD_CTX_DID_SHIFT));
        write_entry(&entry[0], root | VTD_CTX_TT_MULTILEVEL | VTD_CTX_PRESENT);
    }
    else
        write_entry(&entry[1], 0);
    unmap_domain_page(ctx);
}

static int invalidate_move(uint16_t old_did);

/*
 * Cut d off: its devices to quarantine, the context cache and what d's
 * domain id cached invalidated.  A device without a context entry may
 * still hit IOTLB entries tagged with its source id, so when the IOTLB
 * invalidation is what fails, this fails too (and gtio panics).
 */
static int cf_check gtio_block_devices(struct domain *d)
{
    unsigned int dev;

    if ( !did_of(d) )
        return 0;
    for ( dev = 0; dev < VTD_SIM_DEVICES; dev++ )
        if ( dev_owner[dev] == d )
        {
            set_context(dev, 0, 0);
            dev_owner[dev] = NULL;
        }
    return invalidate_move(did_of(d));
}

static const struct gtio_unit_ops vtd_gtio_ops = {
    .queue_iotlb = gtio_queue_iotlb,
    .psi_max_order = gtio_psi_max_order,
    .sync = gtio_sync,
    .block_devices = gtio_block_devices,
};

/* ---- devices ---- */

/* A move that was not confirmed: as a failed IOTLB invalidation. */
static void move_failed(struct domain *d, int rc)
{
    printk(XENLOG_ERR "vtd: %pd: device move not confirmed: %d\n", d, rc);
    if ( is_hardware_domain(d) || d->is_shutting_down )
        return;
    domain_crash(d);
    if ( gtio_block_devices(d) )
        panic("vtd: cannot cut off the devices of %pd\n", d);
}

/*
 * The context cache, confirmed before what the old domain id cached: an
 * IOTLB invalidation that ran first could leave entries the device
 * fetched through its old context in the meantime.
 */
static int invalidate_move(uint16_t old_did)
{
    uint16_t dids = unit.dsi_pending | (old_did ? 1U << old_did : 0);
    unsigned int did;
    int rc = queue_context_global();

    if ( !rc )
        rc = sync();
    for ( did = 1; did < NR_DIDS && !rc; did++ )
        if ( dids & (1U << did) )
            rc = queue_iotlb_did(VTD_IOTLB_DSI, did, 0, 0);
    if ( !rc )
        rc = sync();
    unit.dsi_pending = rc ? dids : 0;
    return rc;
}

int vtd_assign_device(unsigned int dev, struct domain *d)
{
    paddr_t root;
    uint16_t did;
    int rc;

    if ( !is_iommu_enabled(d) || !gtio_manages(d) )
        return -EPERM;
    if ( dev_owner[dev] )
        return -EBUSY;
    did = did_alloc(d);
    if ( !did )
        return -ENOSPC;
    rc = gtio_root(d, &root);
    if ( rc )
        return rc;
    set_context(dev, did, root);
    dev_owner[dev] = d;
    rc = invalidate_move(0);
    if ( rc )
        move_failed(d, rc);
    return rc;
}

int vtd_deassign_device(unsigned int dev)
{
    struct domain *d = dev_owner[dev];
    int rc;

    if ( !d )
        return -EINVAL;
    set_context(dev, 0, 0);
    dev_owner[dev] = NULL;
    rc = invalidate_move(did_of(d));
    if ( rc )
        move_failed(d, rc);
    return rc;
}

struct domain *vtd_device_owner(unsigned int dev)
{
    return dev < VTD_SIM_DEVICES ? dev_owner[dev] : NULL;
}

/*
 * The domain is gone; gtio_quiesce() confirmed that nothing is cached
 * under its domain id, which may now serve another domain.
 */
void vtd_domain_destroy(struct domain *d)
{
    uint16_t did = did_of(d);

    if ( did )
    {
        unit.domid_map[did] = NULL;
        unit.dsi_pending &= ~(1U << did);
    }
}

/* ---- bring-up ---- */

static int alloc_zeroed_page(uint64_t *maddr)
{
    struct page_info *pg = alloc_domheap_page(NULL, 0);
    void *va;

    if ( !pg )
        return -ENOMEM;
    va = __map_domain_page(pg);
    clear_page(va);
    iommu_sync_cache(va, PAGE_SIZE);
    unmap_domain_page(va);
    *maddr = page_to_maddr(pg);
    return 0;
}

static void free_page_at(uint64_t maddr)
{
    free_domheap_page(maddr_to_page(maddr));
}

/*
 * Out of memory at bring-up: the unit translates nothing yet and has no
 * command outstanding (queued invalidation is enabled only after both
 * queue pages exist), so what was allocated goes back.  After a command
 * that did not complete, everything stays: the unit may still walk or
 * write what it was given (leaked, as a failed flush leaks).
 */
static void free_boot_pages(void)
{
    uint64_t *maddr[] = { &unit.root_maddr, &unit.ctx_maddr,
                          &unit.qinval_maddr, &unit.status_maddr,
                          &unit.irt_maddr };
    unsigned int i;

    for ( i = 0; i < ARRAY_SIZE(maddr); i++ )
        if ( *maddr[i] )
        {
            free_page_at(*maddr[i]);
            *maddr[i] = 0;
        }
}

static int init_tables(void)
{
    uint64_t *root;
    int rc;

    rc = alloc_zeroed_page(&unit.root_maddr);
    if ( !rc )
        rc = alloc_zeroed_page(&unit.ctx_maddr);
    if ( rc )
        return rc;
    root = map_domain_page(maddr_to_mfn(unit.root_maddr));
    write_entry(&root[0], unit.ctx_maddr | VTD_ROOT_PRESENT);
    unmap_domain_page(root);
    writeq(unit.root_maddr, reg(VTD_REG_RTADDR));
    return gcmd(VTD_GCMD_SRTP);
}

static int init_queue(void)
{
    int rc;

    rc = alloc_zeroed_page(&unit.qinval_maddr);
    if ( !rc )
        rc = alloc_zeroed_page(&unit.status_maddr);
    if ( rc )
        return rc;
    unit.qi_entries = harness_qi_entries ?: VTD_QI_ENTRIES_PER_PAGE;
    unit.qi_tail = 0;
    writeq(0, reg(VTD_REG_IQT));
    writeq(unit.qinval_maddr, reg(VTD_REG_IQA));        /* QS 0: one page */
    rc = gcmd(VTD_GCMD_QIE);
    if ( !rc )
        unit.qinval = true;
    return rc;
}

/*
 * Interrupt remapping on, as Xen has it before translation: its table
 * (no interrupt is simulated: it stays empty) and the enable, which
 * every later GCMD write must then keep.
 */
static int init_intremap(void)
{
    int rc = alloc_zeroed_page(&unit.irt_maddr);

    if ( rc )
        return rc;
    writeq(unit.irt_maddr, reg(VTD_REG_IRTA));      /* S 0: 2 entries */
    rc = gcmd(VTD_GCMD_SIRTP);
    return rc ? rc : gcmd(VTD_GCMD_IRE);
}

/* ---- faults ---- */

/*
 * Xen's primary fault handling (iommu_page_fault() and its tasklet):
 * from the record FSTS.FRI names, log every record holding a fault and
 * clear it (F is write-1-to-clear), round the set, until one holds none;
 * then acknowledge an overflow.  A record left set would take the room of
 * the next fault, which the unit would then drop.
 */
void vtd_fault_event(void)
{
    unsigned int nr = vtd_cap_nfr(unit.cap), n;
    unsigned int base = vtd_cap_frcd_offset(unit.cap);
    uint32_t fsts = readl(reg(VTD_REG_FSTS));
    unsigned int i = (fsts & VTD_FSTS_FRI_MASK) >> VTD_FSTS_FRI_SHIFT;

    for ( n = 0; (fsts & VTD_FSTS_PPF) && n < nr; n++, i = (i + 1) % nr )
    {
        uint64_t hi = readq(reg(base + i * 16 + 8));

        if ( !(hi & VTD_FRCD_HI_F) )
            break;
        printk(XENLOG_WARNING "vtd: DMA fault: dev %u, page %#lx, reason %#x\n",
               (unsigned int)(hi & VTD_FRCD_HI_SID_MASK),
               (unsigned long)(readq(reg(base + i * 16)) >> PAGE_SHIFT),
               vtd_frcd_reason(hi));
        writeq(VTD_FRCD_HI_F, reg(base + i * 16 + 8));
    }
    if ( fsts & VTD_FSTS_PFO )
        writel(VTD_FSTS_PFO, reg(VTD_REG_FSTS));
}

/* init_vtd_hw(): tables, queue, a clean slate of caches, translation. */
int vtd_boot(void)
{
    int rc;

    memset(&unit, 0, sizeof(unit));
    memset(dev_owner, 0, sizeof(dev_owner));
    unit.reg = vtd_sim_regs();
    unit.cap = readq(reg(VTD_REG_CAP));
    unit.ecap = readq(reg(VTD_REG_ECAP));
    iommu_non_coherent = !(unit.ecap & VTD_ECAP_C);
    if ( !(unit.cap & VTD_CAP_SAGAW_4LEVEL) )
        return -EOPNOTSUPP;

    rc = init_tables();
    if ( !rc && (unit.ecap & VTD_ECAP_QI) )
        rc = init_queue();
    if ( !rc && (unit.ecap & VTD_ECAP_IR) )
        rc = init_intremap();
    if ( rc == -ENOMEM )
        free_boot_pages();
    if ( !rc )
        rc = queue_context_global();
    if ( !rc )
        rc = queue_iotlb_did(VTD_IOTLB_GLOBAL, 0, 0, 0);
    if ( !rc )
        rc = sync();
    if ( !rc )
        rc = gcmd(VTD_GCMD_TE);
    if ( !rc )
    {
        /* The fault event on (Xen's dma_msi_unmask()). */
        writel(0, reg(VTD_REG_FECTL));
        gtio_set_unit(&vtd_gtio_ops);
    }
    return rc;
}

void vtd_power_off(void)
{
    gtio_set_unit(NULL);
    memset(&unit, 0, sizeof(unit));
    memset(dev_owner, 0, sizeof(dev_owner));
}
