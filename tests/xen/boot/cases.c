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
 *   deassign    a page of dom0's reached; then the device leaves dom0
 *               (dom0's /init: pciback and Xen's quarantine): DMA to the
 *               page must fault, the page unchanged
 */
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/dma-mapping.h>
#include <linux/delay.h>
#include <linux/io.h>
#include <linux/mm.h>
#include <linux/proc_fs.h>
#include <xen/xen.h>
#include <xen/page.h>
#include <xen/mem-reservation.h>
#include <xen/grant_table.h>
#include <xen/xenbus.h>
#include <xen/interface/xen.h>
#include <asm/xen/hypercall.h>
#include <asm/xen/page.h>

#include "common.h"
#include "dual.h"

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

/* The reference domain 'domid' published. */
static int published_ref(domid_t domid, grant_ref_t *ref)
{
    char *val = published(domid, "gtio-gref");
    int rc;

    if ( IS_ERR(val) )
        return PTR_ERR(val);
    rc = kstrtouint(val, 10, ref);
    kfree(val);
    return rc;
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

/*
 * The deassign case runs in two steps around dom0's /init making the
 * device assignable (xl pci-assignable-add: pciback takes it, and xl
 * moves it to Xen's quarantine): /proc/gtio-deassign "arm" DMAs into a
 * page of dom0's while the device is dom0's, "probe" DMAs to it again
 * once the device is not.
 */
static struct {
    struct device *dev;
    struct page *page;
    struct proc_dir_entry *proc;
} deassign;

static void deassign_arm(void)
{
    struct page *page = alloc_page(GFP_KERNEL);

    /* The dual traces left other data in the device's buffer. */
    if ( !page || edu_load_pattern(deassign.dev) || !reached(page, "deassign") )
        return;
    memset(page_address(page), 0, PAGE_SIZE);
    deassign.page = page;
    pr_info("gtio-dma: deassign armed\n");
}

static void deassign_probe(void)
{
    u64 bus;

    if ( !deassign.page )
    {
        pr_info("gtio-dma: deassign FAIL not armed\n");
        return;
    }
    bus = bus_of(deassign.page);
    /* pciback turned bus mastering off; the device must try all the same. */
    pci_set_master(to_pci_dev(deassign.dev));
    pr_info("gtio-dma: deassign expect-fault addr=%#llx\n", bus);
    edu_dma(bus, true);
    if ( all_bytes(page_address(deassign.page), 0) )
        pr_info("gtio-dma: deassign-unchanged ok\n");
    else
        pr_info("gtio-dma: deassign-unchanged FAIL a device dom0 gave up wrote its page\n");
}

static ssize_t deassign_write(struct file *file, const char __user *buf,
                              size_t len, loff_t *pos)
{
    char line[16];
    const char *cmd = user_line(buf, len, line, sizeof(line));

    if ( !cmd )
        return -EFAULT;
    if ( !strcmp(cmd, "arm") )
        deassign_arm();
    else if ( !strcmp(cmd, "probe") )
        deassign_probe();
    else
        pr_info("gtio-dma: deassign FAIL bad command\n");
    return len;
}

static const struct proc_ops deassign_ops = {
    .proc_write = deassign_write,
};

static int __init gtio_dma_init(void)
{
    struct device *dev;
    int rc = edu_setup(&dev);

    if ( rc )
    {
        pr_info("gtio-dma: setup FAIL edu not usable: %d\n", rc);
        return 0;
    }
    case_reach(dev);
    case_freed();
    case_pagetable();
    if ( grant_domid )
        case_grant(grant_domid);
    pr_info("gtio-dma: done\n");
    /* Then the dual traces, op by op, through /proc/gtio-dual. */
    dual_start(dev, grant_domid);
    deassign.dev = dev;
    deassign.proc = proc_create("gtio-deassign", 0200, NULL, &deassign_ops);
    return 0;
}

static void __exit gtio_dma_exit(void)
{
    proc_remove(deassign.proc);
    dual_stop();
}

module_init(gtio_dma_init);
module_exit(gtio_dma_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("DMA through the VT-d tables gtio keeps (xen-boot test)");
