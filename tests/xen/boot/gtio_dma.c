// SPDX-License-Identifier: GPL-2.0-only
/*
 * gtio_dma: real DMA by QEMU's edu device, through the VT-d tables gtio
 * keeps for a strict PV dom0 (scripts/xen-boot.sh loads it from dom0's
 * initramfs).  Bus address == machine address for a PV dom0.
 *
 * Every case prints one line the host checks:
 *   gtio-dma: CASE ok                      DMA did what it must
 *   gtio-dma: CASE FAIL why                it did not
 *   gtio-dma: CASE expect-fault addr=ADDR  a DMA that must fault was
 *                                          sent: Xen must log a DMAR fault
 *                                          at ADDR, and did not if the
 *                                          translation was stale
 * The cases first DMA into a page while it is dom0's and writable, so
 * that QEMU's unit caches the translation; then the page leaves dom0's
 * writable memory, and a DMA that still lands means a missing or late
 * IOTLB invalidation:
 *   reach       a coherent buffer, both directions
 *   freed       a page given back with decrease_reservation (Xen frees
 *               it: cleanup_page_mappings())
 *   pagetable   a page pinned as an L1 page table (_get_page_type());
 *               then unpinned and writable again: DMA reaches it again
 *   grant       with grant_domid=N: the page domain N granted (its
 *               gtio_grant.ko published the reference in xenstore),
 *               mapped for the device by grant_table.c's map and reached,
 *               then unmapped: the next DMA must fault
 */
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/dma-mapping.h>
#include <linux/delay.h>
#include <linux/io.h>
#include <linux/mm.h>
#include <xen/xen.h>
#include <xen/page.h>
#include <xen/mem-reservation.h>
#include <xen/grant_table.h>
#include <xen/xenbus.h>
#include <xen/interface/xen.h>
#include <asm/xen/hypercall.h>
#include <asm/xen/page.h>

#define EDU_VENDOR      0x1234
#define EDU_DEVICE      0x11e8
#define EDU_DMA_SRC     0x80
#define EDU_DMA_DST     0x88
#define EDU_DMA_CNT     0x90
#define EDU_DMA_CMD     0x98
#define EDU_CMD_RUN     1
#define EDU_CMD_TO_RAM  2
#define EDU_BUF         0x40000
/* QEMU 7.2's edu aborts on a transfer ending at its buffer's end. */
#define DMA_LEN         2048
#define PATTERN         0x5a

static void __iomem *bar;

/* One transfer between the device's buffer and bus address 'bus'. */
static int edu_dma(u64 bus, bool to_ram)
{
    unsigned long deadline = jiffies + 2 * HZ;

    writeq(to_ram ? EDU_BUF : bus, bar + EDU_DMA_SRC);
    writeq(to_ram ? bus : EDU_BUF, bar + EDU_DMA_DST);
    writeq(DMA_LEN, bar + EDU_DMA_CNT);
    writeq(EDU_CMD_RUN | (to_ram ? EDU_CMD_TO_RAM : 0), bar + EDU_DMA_CMD);
    while ( readq(bar + EDU_DMA_CMD) & EDU_CMD_RUN )
    {
        if ( time_after(jiffies, deadline) )
            return -ETIMEDOUT;
        usleep_range(1000, 2000);
    }
    /* Xen prints its fault lines first: keep ours whole. */
    msleep(20);
    return 0;
}

static bool all_bytes(const void *p, u8 val)
{
    const u8 *b = p;
    unsigned int i;

    for ( i = 0; i < DMA_LEN; i++ )
        if ( b[i] != val )
            return false;
    return true;
}

static u64 bus_of(struct page *page)
{
    return (u64)pfn_to_mfn(page_to_pfn(page)) << PAGE_SHIFT;
}

/* The device's buffer gets PATTERN, from a coherent buffer. */
static int load_pattern(struct device *dev)
{
    dma_addr_t bus;
    void *buf = dma_alloc_coherent(dev, PAGE_SIZE, &bus, GFP_KERNEL);
    int rc;

    if ( !buf )
        return -ENOMEM;
    memset(buf, PATTERN, PAGE_SIZE);
    rc = edu_dma(bus, false);
    dma_free_coherent(dev, PAGE_SIZE, buf, bus);
    return rc;
}

static void case_reach(struct device *dev)
{
    dma_addr_t bus;
    void *buf = dma_alloc_coherent(dev, PAGE_SIZE, &bus, GFP_KERNEL);

    if ( !buf )
    {
        pr_info("gtio-dma: reach FAIL no memory\n");
        return;
    }
    memset(buf, 0, PAGE_SIZE);
    if ( edu_dma(bus, true) || !all_bytes(buf, PATTERN) )
        pr_info("gtio-dma: reach FAIL data did not arrive\n");
    else
        pr_info("gtio-dma: reach ok\n");
    dma_free_coherent(dev, PAGE_SIZE, buf, bus);
}

/* A DMA into 'page' while it is writable: the unit caches it. */
static bool reached(struct page *page, const char *name)
{
    memset(page_address(page), 0, PAGE_SIZE);
    if ( edu_dma(bus_of(page), true) || !all_bytes(page_address(page), PATTERN) )
    {
        pr_info("gtio-dma: %s FAIL a writable page was not reached\n", name);
        return false;
    }
    return true;
}

static void case_freed(void)
{
    struct page *page = alloc_page(GFP_KERNEL);
    xen_pfn_t frame;
    u64 bus;

    if ( !page || !reached(page, "freed") )
        return;
    bus = bus_of(page);
    frame = xen_page_to_gfn(page);
    xenmem_reservation_va_mapping_reset(1, &page);
    if ( xenmem_reservation_decrease(1, &frame) != 1 )
    {
        pr_info("gtio-dma: freed FAIL decrease_reservation\n");
        return;
    }
    /* The page is Xen's now: leaked here on purpose. */
    pr_info("gtio-dma: freed expect-fault addr=%#llx\n", bus);
    edu_dma(bus, true);
}

static int set_kernel_mapping(struct page *page, pgprot_t prot)
{
    unsigned long va = (unsigned long)page_address(page);

    return HYPERVISOR_update_va_mapping(va,
                                        mfn_pte(pfn_to_mfn(page_to_pfn(page)),
                                                prot),
                                        UVMF_INVLPG | UVMF_ALL);
}

static int pin(struct page *page, unsigned int cmd)
{
    struct mmuext_op op = {
        .cmd = cmd,
        .arg1.mfn = pfn_to_mfn(page_to_pfn(page)),
    };

    return HYPERVISOR_mmuext_op(&op, 1, NULL, DOMID_SELF);
}

static void case_pagetable(void)
{
    struct page *page = alloc_page(GFP_KERNEL);
    u64 bus;

    if ( !page || !reached(page, "pagetable") )
        return;
    bus = bus_of(page);
    /* An all-empty L1 table, with no writable mapping of it left. */
    memset(page_address(page), 0, PAGE_SIZE);
    if ( set_kernel_mapping(page, PAGE_KERNEL_RO) ||
         pin(page, MMUEXT_PIN_L1_TABLE) )
    {
        pr_info("gtio-dma: pagetable FAIL could not pin\n");
        return;
    }
    pr_info("gtio-dma: pagetable expect-fault addr=%#llx\n", bus);
    edu_dma(bus, true);
    if ( all_bytes(page_address(page), 0) )
        pr_info("gtio-dma: pagetable-unchanged ok\n");
    else
        pr_info("gtio-dma: pagetable-unchanged FAIL the device wrote a page table\n");

    if ( pin(page, MMUEXT_UNPIN_TABLE) ||
         set_kernel_mapping(page, PAGE_KERNEL) )
    {
        pr_info("gtio-dma: writable-again FAIL could not unpin\n");
        return;
    }
    if ( reached(page, "writable-again") )
        pr_info("gtio-dma: writable-again ok\n");
    __free_page(page);
}

static int grant_domid;
module_param(grant_domid, int, 0444);
MODULE_PARM_DESC(grant_domid, "the domain whose grant to map (0: none)");

/* The reference domain 'domid' published, waiting for it a while. */
static int published_ref(domid_t domid, grant_ref_t *ref)
{
    char path[64];
    unsigned int i;
    char *val;
    int rc;

    snprintf(path, sizeof(path), "/local/domain/%u/data", domid);
    for ( i = 0; i < 300; i++ )
    {
        val = xenbus_read(XBT_NIL, path, "gtio-gref", NULL);
        if ( !IS_ERR(val) )
        {
            rc = kstrtouint(val, 10, ref);
            kfree(val);
            return rc;
        }
        msleep(100);
    }
    return -ETIMEDOUT;
}

static void case_grant(domid_t domid)
{
    struct gnttab_map_grant_ref map;
    struct gnttab_unmap_grant_ref unmap;
    struct page *page;
    unsigned long addr;
    grant_ref_t ref;
    u64 bus;

    if ( published_ref(domid, &ref) )
    {
        pr_info("gtio-dma: grant FAIL d%u published no reference\n", domid);
        return;
    }
    if ( gnttab_alloc_pages(1, &page) )
    {
        pr_info("gtio-dma: grant FAIL no page to map into\n");
        return;
    }
    addr = (unsigned long)pfn_to_kaddr(page_to_pfn(page));
    gnttab_set_map_op(&map, addr, GNTMAP_host_map | GNTMAP_device_map, ref,
                      domid);
    if ( gnttab_map_refs(&map, NULL, &page, 1) || map.status != GNTST_okay )
    {
        pr_info("gtio-dma: grant FAIL map of d%u ref %u: %d\n", domid, ref,
                map.status);
        return;
    }
    bus = map.dev_bus_addr;
    if ( reached(page, "grant-reach") )
        pr_info("gtio-dma: grant-reach ok\n");

    gnttab_set_unmap_op(&unmap, addr, GNTMAP_host_map | GNTMAP_device_map,
                        map.handle);
    unmap.dev_bus_addr = bus;
    if ( gnttab_unmap_refs(&unmap, NULL, &page, 1) ||
         unmap.status != GNTST_okay )
    {
        pr_info("gtio-dma: grant FAIL unmap: %d\n", unmap.status);
        return;
    }
    pr_info("gtio-dma: grant expect-fault addr=%#llx\n", bus);
    edu_dma(bus, true);
    gnttab_free_pages(1, &page);
}

static int __init gtio_dma_init(void)
{
    struct pci_dev *pdev = pci_get_device(EDU_VENDOR, EDU_DEVICE, NULL);

    if ( !pdev || pci_enable_device(pdev) )
    {
        pr_info("gtio-dma: setup FAIL no edu device\n");
        return 0;
    }
    pci_set_master(pdev);
    bar = pci_iomap(pdev, 0, 0);
    if ( !bar || dma_set_mask_and_coherent(&pdev->dev, DMA_BIT_MASK(48)) ||
         load_pattern(&pdev->dev) )
    {
        pr_info("gtio-dma: setup FAIL edu not usable\n");
        return 0;
    }
    case_reach(&pdev->dev);
    case_freed();
    case_pagetable();
    if ( grant_domid )
        case_grant(grant_domid);
    pr_info("gtio-dma: done\n");
    return 0;
}

static void __exit gtio_dma_exit(void)
{
}

module_init(gtio_dma_init);
module_exit(gtio_dma_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("DMA through the VT-d tables gtio keeps (xen-boot test)");
