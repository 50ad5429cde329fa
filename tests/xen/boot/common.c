// SPDX-License-Identifier: GPL-2.0-only
/*
 * What the cases of gtio_dma.ko share (common.h): QEMU's edu device,
 * PV page operations, xenstore.
 */
#include <linux/pci.h>
#include <linux/dma-mapping.h>
#include <linux/delay.h>
#include <linux/io.h>
#include <linux/mm.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <xen/xen.h>
#include <xen/page.h>
#include <xen/xenbus.h>
#include <xen/interface/xen.h>
#include <asm/xen/hypercall.h>
#include <asm/xen/page.h>

#include "common.h"

#define EDU_VENDOR      0x1234
#define EDU_DEVICE      0x11e8
#define EDU_DMA_SRC     0x80
#define EDU_DMA_DST     0x88
#define EDU_DMA_CNT     0x90
#define EDU_DMA_CMD     0x98
#define EDU_CMD_RUN     1
#define EDU_CMD_TO_RAM  2
#define EDU_BUF         0x40000

static void __iomem *bar;

int edu_transfer(u64 bus, unsigned int offset, unsigned int len, bool to_ram)
{
    unsigned long deadline = jiffies + 2 * HZ;

    writeq(to_ram ? EDU_BUF + offset : bus, bar + EDU_DMA_SRC);
    writeq(to_ram ? bus : EDU_BUF + offset, bar + EDU_DMA_DST);
    writeq(len, bar + EDU_DMA_CNT);
    writeq(EDU_CMD_RUN | (to_ram ? EDU_CMD_TO_RAM : 0), bar + EDU_DMA_CMD);
    /* The device completes a transfer about 100 ms (virtual) later. */
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

int edu_dma(u64 bus, bool to_ram)
{
    return edu_transfer(bus, 0, DMA_LEN, to_ram);
}

bool all_bytes(const void *p, u8 val)
{
    const u8 *b = p;
    unsigned int i;

    for ( i = 0; i < DMA_LEN; i++ )
        if ( b[i] != val )
            return false;
    return true;
}

u64 bus_of(struct page *page)
{
    return (u64)pfn_to_mfn(page_to_pfn(page)) << PAGE_SHIFT;
}

int edu_load_pattern(struct device *dev)
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

int edu_setup(struct device **dev)
{
    struct pci_dev *pdev = pci_get_device(EDU_VENDOR, EDU_DEVICE, NULL);

    if ( !pdev || pci_enable_device(pdev) )
        return -ENODEV;
    pci_set_master(pdev);
    bar = pci_iomap(pdev, 0, 0);
    if ( !bar || dma_set_mask_and_coherent(&pdev->dev, DMA_BIT_MASK(48)) )
        return -EIO;
    *dev = &pdev->dev;
    return edu_load_pattern(*dev);
}

int set_kernel_mapping(struct page *page, pgprot_t prot)
{
    unsigned long va = (unsigned long)page_address(page);

    return HYPERVISOR_update_va_mapping(va,
                                        mfn_pte(pfn_to_mfn(page_to_pfn(page)),
                                                prot),
                                        UVMF_INVLPG | UVMF_ALL);
}

int pin(struct page *page, unsigned int cmd)
{
    struct mmuext_op op = {
        .cmd = cmd,
        .arg1.mfn = pfn_to_mfn(page_to_pfn(page)),
    };

    return HYPERVISOR_mmuext_op(&op, 1, NULL, DOMID_SELF);
}

char *published(domid_t domid, const char *key)
{
    char path[64];
    unsigned int i;
    char *val;

    snprintf(path, sizeof(path), "/local/domain/%u/data", domid);
    for ( i = 0; i < 300; i++ )
    {
        val = xenbus_read(XBT_NIL, path, key, NULL);
        if ( !IS_ERR(val) )
            return val;
        msleep(100);
    }
    return ERR_PTR(-ETIMEDOUT);
}

char *user_line(const char __user *buf, size_t len, char *line, size_t size)
{
    size_t n = min(len, size - 1);

    if ( copy_from_user(line, buf, n) )
        return NULL;
    line[n] = '\0';
    return strim(line);
}
