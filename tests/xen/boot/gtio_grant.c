// SPDX-License-Identifier: GPL-2.0-only
/*
 * gtio_grant: the domU's side of xen-boot's grant cases.  It grants pages
 * of its own to dom0 and publishes them in xenstore (its data/):
 *   gtio-gref    one writable grant's reference: dom0's gtio_dma.ko maps
 *                it for DMA by its device, checks that the device reaches
 *                the page, unmaps it and checks that it no longer does
 *   gtio-dual    "ref:mfn:rw ..." with DUAL_EACH writable and DUAL_EACH
 *                read-only grants, the frames the dual traces
 *                (tests/xen/dual/, harness/tools/dual.c) map and probe
 * The pages stay granted and allocated until the domain is destroyed.
 */
#include <linux/module.h>
#include <linux/mm.h>
#include <xen/xen.h>
#include <xen/page.h>
#include <xen/grant_table.h>
#include <xen/xenbus.h>

#define DUAL_EACH       3

/* A zeroed page of ours granted to dom0; the reference, or -errno. */
static int grant_page(bool ro, unsigned long *gfn)
{
    struct page *page = alloc_page(GFP_KERNEL | __GFP_ZERO);

    if ( !page )
        return -ENOMEM;
    *gfn = xen_page_to_gfn(page);
    return gnttab_grant_foreign_access(0, *gfn, ro);
}

static int publish_dual(void)
{
    char list[DUAL_EACH * 2 * 32] = "";
    unsigned long gfn;
    unsigned int i;
    size_t len = 0;
    int ref;

    for ( i = 0; i < DUAL_EACH * 2; i++ )
    {
        bool ro = i >= DUAL_EACH;

        ref = grant_page(ro, &gfn);
        if ( ref < 0 )
            return ref;
        len += scnprintf(list + len, sizeof(list) - len, "%s%d:%lx:%s",
                         i ? " " : "", ref, gfn, ro ? "ro" : "rw");
    }
    return xenbus_printf(XBT_NIL, "data", "gtio-dual", "%s", list);
}

static int __init gtio_grant_init(void)
{
    unsigned long gfn;
    int ref = grant_page(false, &gfn), rc;

    if ( ref < 0 )
    {
        pr_info("gtio-grant: FAIL grant %d\n", ref);
        return 0;
    }
    rc = xenbus_printf(XBT_NIL, "data", "gtio-gref", "%d", ref);
    pr_info("gtio-grant: ref %d published (%d)\n", ref, rc);
    rc = publish_dual();
    pr_info("gtio-grant: dual grants published (%d)\n", rc);
    return 0;
}

static void __exit gtio_grant_exit(void)
{
}

module_init(gtio_grant_init);
module_exit(gtio_grant_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("A domU's grants for the xen-boot DMA tests");
