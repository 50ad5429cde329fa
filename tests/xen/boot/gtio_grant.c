// SPDX-License-Identifier: GPL-2.0-only
/*
 * gtio_grant: the domU's side of xen-boot's grant case.  It grants one
 * page of its own to dom0, writable, and publishes the reference in
 * xenstore (its data/gtio-gref); dom0's gtio_dma.ko maps the grant for
 * DMA by its device, checks that the device reaches the page, unmaps it
 * and checks that the device no longer does.  The page stays granted and
 * allocated until the domain is destroyed.
 */
#include <linux/module.h>
#include <linux/mm.h>
#include <xen/xen.h>
#include <xen/page.h>
#include <xen/grant_table.h>
#include <xen/xenbus.h>

static int __init gtio_grant_init(void)
{
    struct page *page = alloc_page(GFP_KERNEL | __GFP_ZERO);
    int ref, rc;

    if ( !page )
    {
        pr_info("gtio-grant: FAIL no page\n");
        return 0;
    }
    ref = gnttab_grant_foreign_access(0, xen_page_to_gfn(page), 0);
    if ( ref < 0 )
    {
        pr_info("gtio-grant: FAIL grant %d\n", ref);
        return 0;
    }
    rc = xenbus_printf(XBT_NIL, "data", "gtio-gref", "%d", ref);
    pr_info("gtio-grant: ref %d published (%d)\n", ref, rc);
    return 0;
}

static void __exit gtio_grant_exit(void)
{
}

module_init(gtio_grant_init);
module_exit(gtio_grant_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("A domU's grant for the xen-boot DMA test");
