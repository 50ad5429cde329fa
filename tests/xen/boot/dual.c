// SPDX-License-Identifier: GPL-2.0-only
/*
 * dual: the booted side of harness/tools/dual.c.  dom0's /init writes the op
 * script `dual --script` made, one line per write, to /proc/gtio-dual;
 * each op runs here as the real hypercall, and after each call every
 * frame the trace named is probed with real DMA by QEMU's edu device.
 * Printed for the host (scripts/xen-boot.sh), which turns them into the
 * observations `dual --compare` checks against the harness:
 *   gtio-dual: NAME K status S                 op K returned S
 *   gtio-dual: dma-begin NAME K F DIR addr=A   a DMA to frame F (DIR:
 *   gtio-dual: dma-end                         write, then read) at bus
 *                                              address A; Xen logs a
 *                                              DMAR fault in between if a
 *                                              table walk faulted
 *   gtio-dual: dma-data NAME K F DATA          what the read brought:
 *                                              landed (the token the
 *                                              write sent), not-landed,
 *                                              read-blocked (nothing)
 *   gtio-dual: error WHY                       the script cannot run here
 *
 * Script lines (K the op's index in the trace):
 *   trace NAME          a new trace: what the last one left is undone
 *   own K F             frame F is a new page of dom0's (populate d=0);
 *                       its direct mapping is made read-only, so that,
 *                       as in the harness, it has the writable type with
 *                       no type reference
 *   grant K F R ro|rw   frame F and the trace's grant ref R are one the
 *                       domU granted at its boot with that access
 *   remove K F          decrease_reservation of F
 *   get K F l1|writable pin F as an L1 table / map it writable once more
 *   put K F             drop the type reference the last get took
 *   call N              the next N map (or unmap) lines are one hypercall
 *   map K R FLAGS       GNTTABOP_map_grant_ref of the trace's ref R
 *   unmap K M PARTS     GNTTABOP_unmap_grant_ref of the handle op M's map
 *                       returned (M "none": a handle that does not exist)
 *   probe K             DMA to every frame named, read then write
 *   finish              undo what the last trace left
 */
#include <linux/delay.h>
#include <linux/dma-mapping.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/proc_fs.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/vmalloc.h>
#include <xen/xen.h>
#include <xen/page.h>
#include <xen/mem-reservation.h>
#include <xen/grant_table.h>
#include <xen/interface/xen.h>
#include <asm/xen/hypercall.h>
#include <asm/xen/page.h>

#include "common.h"
#include "dual.h"
#include "status_names.h"

#define MAX_FRAMES      16
#define MAX_HELD        8
#define MAX_GRANTS      8
#define MAX_MAPS        64
#define MAX_CALL        16
#define NO_HANDLE       0xffffffffU
#define NO_REF          0x7fffffffU

/* A type reference the trace holds: an L1 pin, or a writable mapping. */
struct held {
    bool writable;
    void *alias;                /* writable: a vmap, or NULL: the direct map */
};

struct frame {
    unsigned int id;            /* the trace's frame number */
    u64 bus;
    struct page *page;          /* dom0's own frame, until removed */
    struct held held[MAX_HELD];
    unsigned int nr_held;
};

struct grant {
    grant_ref_t ref;            /* the domU's */
    u64 mfn;
    bool ro;
    bool taken;                 /* bound by the current trace */
    u32 trace_ref;
};

struct map {
    unsigned long idx;          /* the op that made it */
    grant_handle_t handle;
    u64 bus;
    unsigned int parts;         /* GNTMAP_host_map/device_map still mapped */
    struct page *page;          /* a ballooned page: its address is host_addr */
};

struct pending {
    unsigned long idx;
    bool is_map;
    struct gnttab_map_grant_ref map;
    struct gnttab_unmap_grant_ref unmap;
    struct page *page;          /* map: its host page */
    struct map *of;             /* unmap: the map it undoes */
};

static struct {
    struct mutex lock;
    struct proc_dir_entry *proc;
    domid_t domid;
    struct grant grant[MAX_GRANTS];
    unsigned int nr_grants;
    bool grants_read;

    char name[32];
    struct frame frame[MAX_FRAMES];
    unsigned int nr_frames;
    struct map map[MAX_MAPS];
    unsigned int nr_maps;
    struct pending call[MAX_CALL];
    unsigned int call_want, call_nr;

    struct device *dev;
    void *coherent;             /* 2 * PROBE_LEN, the device reaches it */
    dma_addr_t coherent_bus;
} D;

static const char *status_name(bool grant_op, int st)
{
    static char buf[16];

    return gtio_status_name(grant_op, st, buf, sizeof(buf));
}

static void report(unsigned long idx, bool grant_op, int st)
{
    pr_info("gtio-dual: %s %lu status %s\n", D.name, idx,
            status_name(grant_op, st));
}

/* ---- the domU's grants: "ref:mfn:ro|rw ..." in its data/gtio-dual ---- */

static int read_grants(void)
{
    char *val, *cur, *word;

    if ( D.grants_read )
        return 0;
    if ( !D.domid )
        return -ENOENT;
    val = published(D.domid, "gtio-dual");
    if ( IS_ERR(val) )
        return PTR_ERR(val);
    cur = val;
    while ( (word = strsep(&cur, " ")) && D.nr_grants < MAX_GRANTS )
    {
        struct grant *g = &D.grant[D.nr_grants];
        unsigned long long mfn;
        char access[3];

        if ( sscanf(word, "%u:%llx:%2s", &g->ref, &mfn, access) != 3 )
            continue;
        g->mfn = mfn;
        g->ro = !strcmp(access, "ro");
        D.nr_grants++;
    }
    kfree(val);
    D.grants_read = true;
    return 0;
}

static struct grant *grant_of_ref(u32 trace_ref)
{
    unsigned int i;

    for ( i = 0; i < D.nr_grants; i++ )
        if ( D.grant[i].taken && D.grant[i].trace_ref == trace_ref )
            return &D.grant[i];
    return NULL;
}

/* ---- frames ---- */

static struct frame *frame_of(unsigned int id)
{
    unsigned int i;

    for ( i = 0; i < D.nr_frames; i++ )
        if ( D.frame[i].id == id )
            return &D.frame[i];
    return NULL;
}

static struct frame *new_frame(unsigned int id, u64 bus)
{
    struct frame *f;

    if ( frame_of(id) || D.nr_frames == MAX_FRAMES )
        return NULL;
    f = &D.frame[D.nr_frames++];
    memset(f, 0, sizeof(*f));
    f->id = id;
    f->bus = bus;
    return f;
}

static int do_own(unsigned int id)
{
    struct page *page = alloc_page(GFP_KERNEL | __GFP_ZERO);
    struct frame *f;

    if ( !page )
        return -ENOMEM;
    f = new_frame(id, bus_of(page));
    if ( !f )
    {
        __free_page(page);
        return -EEXIST;
    }
    f->page = page;
    return set_kernel_mapping(page, PAGE_KERNEL_RO);
}

static int do_grant(unsigned int id, u32 trace_ref, bool ro)
{
    unsigned int i;

    for ( i = 0; i < D.nr_grants; i++ )
    {
        struct grant *g = &D.grant[i];

        if ( g->taken || g->ro != ro )
            continue;
        if ( !new_frame(id, g->mfn << PAGE_SHIFT) )
            return -EEXIST;
        g->taken = true;
        g->trace_ref = trace_ref;
        return 0;
    }
    return -ENOENT;
}

static int do_remove(struct frame *f)
{
    struct page *page = f->page;
    xen_pfn_t gfn;

    if ( !page )
        return -EINVAL;
    gfn = xen_page_to_gfn(page);
    xenmem_reservation_va_mapping_reset(1, &page);
    if ( xenmem_reservation_decrease(1, &gfn) != 1 )
    {
        /* Still ours: map it back so that it can be freed later. */
        set_kernel_mapping(page, PAGE_KERNEL_RO);
        return -EBUSY;
    }
    /* Xen's now: dom0 must never touch or free it again. */
    f->page = NULL;
    return 0;
}

static bool holds_writable(const struct frame *f)
{
    return f->nr_held && f->held[f->nr_held - 1].writable;
}

/*
 * An L1 table must hold valid entries: zero the page first if a probe
 * wrote it (through a writable mapping of a moment, if it has none).
 */
static int clean_for_table(struct frame *f)
{
    void *va = page_address(f->page);
    int rc;

    if ( memchr_inv(va, 0, PAGE_SIZE) == NULL )
        return 0;
    if ( holds_writable(f) )
    {
        memset(va, 0, PAGE_SIZE);
        return 0;
    }
    if ( f->nr_held )
        return -EINVAL;
    rc = set_kernel_mapping(f->page, PAGE_KERNEL);
    if ( rc )
        return rc;
    memset(va, 0, PAGE_SIZE);
    return set_kernel_mapping(f->page, PAGE_KERNEL_RO);
}

static int do_get(struct frame *f, bool writable)
{
    struct held h = { .writable = writable };
    int rc;

    if ( !f->page || f->nr_held == MAX_HELD )
        return -EINVAL;
    if ( !writable )
        rc = clean_for_table(f) ?: pin(f->page, MMUEXT_PIN_L1_TABLE);
    else if ( !holds_writable(f) )
        rc = set_kernel_mapping(f->page, PAGE_KERNEL);
    else
    {
        /* Writable already: a second mapping is a second reference. */
        h.alias = vmap(&f->page, 1, VM_MAP, PAGE_KERNEL);
        rc = h.alias ? 0 : -ENOMEM;
    }
    if ( !rc )
        f->held[f->nr_held++] = h;
    return rc;
}

static int do_put(struct frame *f)
{
    struct held *h;
    int rc;

    if ( !f->page || !f->nr_held )
        return -EINVAL;
    h = &f->held[f->nr_held - 1];
    if ( !h->writable )
        rc = pin(f->page, MMUEXT_UNPIN_TABLE);
    else if ( h->alias )
    {
        vunmap(h->alias);
        rc = 0;
    }
    else
        rc = set_kernel_mapping(f->page, PAGE_KERNEL_RO);
    if ( !rc )
        f->nr_held--;
    return rc;
}

/* ---- grant maps and unmaps, gathered into calls ---- */

static unsigned int parse_flags(const char *words)
{
    unsigned int flags = 0;

    if ( strstr(words, "host") )
        flags |= GNTMAP_host_map;
    if ( strstr(words, "device") )
        flags |= GNTMAP_device_map;
    if ( strstr(words, "ro") )
        flags |= GNTMAP_readonly;
    return flags;
}

static struct map *map_of_op(unsigned long idx)
{
    unsigned int i;

    /* The latest: a handle freed and given again names the new map. */
    for ( i = D.nr_maps; i--; )
        if ( D.map[i].idx == idx )
            return &D.map[i];
    return NULL;
}

static unsigned long host_addr_of(struct page *page)
{
    return (unsigned long)pfn_to_kaddr(page_to_pfn(page));
}

static int add_map(unsigned long idx, u32 trace_ref, const char *words)
{
    struct pending *p = &D.call[D.call_nr];
    struct grant *g = grant_of_ref(trace_ref);

    memset(p, 0, sizeof(*p));
    if ( gnttab_alloc_pages(1, &p->page) )
        return -ENOMEM;
    p->idx = idx;
    p->is_map = true;
    p->map.host_addr = host_addr_of(p->page);
    p->map.flags = parse_flags(words);
    p->map.ref = g ? g->ref : NO_REF;
    p->map.dom = D.domid;
    D.call_nr++;
    return 0;
}

static void add_unmap(unsigned long idx, const char *map_op, const char *words)
{
    struct pending *p = &D.call[D.call_nr++];
    unsigned long m;
    unsigned int parts = parse_flags(words);

    memset(p, 0, sizeof(*p));
    p->idx = idx;
    p->of = kstrtoul(map_op, 10, &m) ? NULL : map_of_op(m);
    p->unmap.handle = p->of ? p->of->handle : NO_HANDLE;
    if ( parts & GNTMAP_host_map )
        p->unmap.host_addr = p->of ? host_addr_of(p->of->page) : 0;
    if ( parts & GNTMAP_device_map )
        p->unmap.dev_bus_addr = p->of ? p->of->bus : 0;
}

static void finish_map(struct pending *p)
{
    struct map *m;

    report(p->idx, true, p->map.status);
    if ( p->map.status != GNTST_okay || D.nr_maps == MAX_MAPS )
    {
        if ( p->map.status == GNTST_okay )
            pr_info("gtio-dual: error more than %d maps\n", MAX_MAPS);
        else
            gnttab_free_pages(1, &p->page);
        return;
    }
    m = &D.map[D.nr_maps++];
    m->idx = p->idx;
    m->handle = p->map.handle;
    m->bus = p->map.dev_bus_addr;
    m->parts = p->map.flags & (GNTMAP_host_map | GNTMAP_device_map);
    m->page = p->page;
}

static void finish_unmap(struct pending *p)
{
    report(p->idx, true, p->unmap.status);
    if ( p->unmap.status != GNTST_okay || !p->of )
        return;
    if ( p->unmap.host_addr )
        p->of->parts &= ~GNTMAP_host_map;
    if ( p->unmap.dev_bus_addr )
        p->of->parts &= ~GNTMAP_device_map;
}

/*
 * One hypercall for the gathered ops, as the harness made them one call.
 * Xen's batch deferral (grant_table.c's) covers exactly this call.
 */
static void run_call(void)
{
    struct gnttab_map_grant_ref map[MAX_CALL];
    struct gnttab_unmap_grant_ref unmap[MAX_CALL];
    unsigned int i, nr = D.call_nr;
    bool is_map = D.call[0].is_map;
    int rc;

    for ( i = 0; i < nr; i++ )
    {
        map[i] = D.call[i].map;
        unmap[i] = D.call[i].unmap;
    }
    rc = is_map ? HYPERVISOR_grant_table_op(GNTTABOP_map_grant_ref, map, nr)
                : HYPERVISOR_grant_table_op(GNTTABOP_unmap_grant_ref, unmap, nr);
    if ( rc )
        pr_info("gtio-dual: error the grant table op returned %d\n", rc);
    for ( i = 0; i < nr; i++ )
    {
        D.call[i].map = map[i];
        D.call[i].unmap = unmap[i];
        if ( is_map )
            finish_map(&D.call[i]);
        else
            finish_unmap(&D.call[i]);
    }
    D.call_nr = 0;
    D.call_want = 1;
}

/* ---- probes ---- */

/*
 * A probe writes a token to the frame and reads the frame back.  QEMU's
 * unit records no fault when a translation it has cached lacks the
 * access: it drops the write silently.  So whether the write landed is
 * told by the data read back; a fault on a table walk is still logged by
 * Xen, and the host reads those lines.  The device's buffer holds the
 * token at 0 and, at PROBE_LEN, what the read brings (poison if the read
 * was dropped too).
 */
#define PROBE_LEN       1024

static bool all_u32(const void *p, u32 val)
{
    const u32 *w = p;
    unsigned int i;

    for ( i = 0; i < PROBE_LEN / 4; i++ )
        if ( w[i] != val )
            return false;
    return true;
}

static void fill_u32(void *p, u32 val)
{
    u32 *w = p;
    unsigned int i;

    for ( i = 0; i < PROBE_LEN / 4; i++ )
        w[i] = val;
}

static void probe_frame(unsigned long idx, const struct frame *f)
{
    static u32 serial;
    u32 token = 0xa5000000U | (++serial & 0xffffff);
    u32 poison = 0x5a000000U | (serial & 0xffffff);
    u8 *buf = D.coherent;
    const char *data;

    fill_u32(buf, token);
    fill_u32(buf + PROBE_LEN, poison);
    if ( edu_transfer(D.coherent_bus, 0, 2 * PROBE_LEN, false) )
        pr_info("gtio-dual: error edu did not load the token\n");

    pr_info("gtio-dual: dma-begin %s %lu %u write addr=%llx\n", D.name, idx,
            f->id, f->bus);
    if ( edu_transfer(f->bus, 0, PROBE_LEN, true) )
        pr_info("gtio-dual: error edu did not complete\n");
    pr_info("gtio-dual: dma-end\n");
    pr_info("gtio-dual: dma-begin %s %lu %u read addr=%llx\n", D.name, idx,
            f->id, f->bus);
    if ( edu_transfer(f->bus, PROBE_LEN, PROBE_LEN, false) )
        pr_info("gtio-dual: error edu did not complete\n");
    pr_info("gtio-dual: dma-end\n");

    memset(buf, 0, PROBE_LEN);
    if ( edu_transfer(D.coherent_bus, PROBE_LEN, PROBE_LEN, true) )
        pr_info("gtio-dual: error edu did not give the data back\n");
    data = all_u32(buf, token) ? "landed" :
           all_u32(buf, poison) ? "read-blocked" : "not-landed";
    pr_info("gtio-dual: dma-data %s %lu %u %s\n", D.name, idx, f->id, data);
}

static void probe(unsigned long idx)
{
    unsigned int i;

    if ( !D.coherent )
    {
        pr_info("gtio-dual: error no buffer to probe with\n");
        return;
    }
    for ( i = 0; i < D.nr_frames; i++ )
        probe_frame(idx, &D.frame[i]);
}

/* ---- what a trace leaves: undone before the next ---- */

static void undo_maps(void)
{
    unsigned int i;

    for ( i = 0; i < D.nr_maps; i++ )
    {
        struct map *m = &D.map[i];
        struct gnttab_unmap_grant_ref op = { .handle = m->handle };

        if ( m->parts & GNTMAP_host_map )
            op.host_addr = host_addr_of(m->page);
        if ( m->parts & GNTMAP_device_map )
            op.dev_bus_addr = m->bus;
        if ( m->parts &&
             (HYPERVISOR_grant_table_op(GNTTABOP_unmap_grant_ref, &op, 1) ||
              op.status != GNTST_okay) )
        {
            /* Still mapped: the page must stay out of the kernel's hands. */
            pr_info("gtio-dual: error cannot unmap handle %u\n", m->handle);
            continue;
        }
        gnttab_free_pages(1, &m->page);
    }
    D.nr_maps = 0;
}

static void undo_frames(void)
{
    unsigned int i;

    for ( i = 0; i < D.nr_frames; i++ )
    {
        struct frame *f = &D.frame[i];

        while ( f->page && f->nr_held && !do_put(f) )
            ;
        if ( !f->page )
            continue;
        if ( f->nr_held || set_kernel_mapping(f->page, PAGE_KERNEL) )
            pr_info("gtio-dual: error frame %u cannot be given back\n", f->id);
        else
            __free_page(f->page);
    }
    D.nr_frames = 0;
}

static void undo_trace(void)
{
    unsigned int i;

    undo_maps();
    undo_frames();
    for ( i = 0; i < D.nr_grants; i++ )
        D.grant[i].taken = false;
    D.call_nr = 0;
    D.call_want = 1;
}

/* ---- one script line ---- */

static int run_frame_op(const char *verb, unsigned long idx, unsigned int id,
                        const char *arg)
{
    struct frame *f = frame_of(id);

    if ( !strcmp(verb, "own") )
        return do_own(id);
    if ( !f )
        return -ENOENT;
    if ( !strcmp(verb, "remove") )
        return do_remove(f);
    if ( !strcmp(verb, "get") )
        return do_get(f, !strcmp(arg, "writable"));
    return do_put(f);
}

static void run_line(char *line)
{
    char verb[16], a[32], b[32], c[32];
    unsigned long idx;
    int n = sscanf(line, "%15s %lu %31s %31s %31s", verb, &idx, a, b, c);
    unsigned int id;

    if ( n >= 1 && !strcmp(verb, "trace") && sscanf(line, "trace %31s", D.name) == 1 )
    {
        undo_trace();
        if ( read_grants() )
            pr_info("gtio-dual: error no grants published by d%u\n", D.domid);
    }
    else if ( n == 1 && !strcmp(verb, "finish") )
        undo_trace();
    else if ( n == 2 && !strcmp(verb, "call") && idx && idx <= MAX_CALL )
        D.call_want = idx;
    else if ( n == 2 && !strcmp(verb, "probe") )
        probe(idx);
    else if ( n == 5 && !strcmp(verb, "grant") && !kstrtouint(a, 10, &id) )
    {
        if ( do_grant(id, simple_strtoul(b, NULL, 10), !strcmp(c, "ro")) )
            pr_info("gtio-dual: error no %s grant of d%u left for frame %u\n",
                    c, D.domid, id);
    }
    else if ( n >= 3 && (!strcmp(verb, "own") || !strcmp(verb, "remove") ||
                         !strcmp(verb, "get") || !strcmp(verb, "put")) &&
              !kstrtouint(a, 10, &id) )
        report(idx, false, run_frame_op(verb, idx, id, n > 3 ? b : ""));
    else if ( n == 4 && !strcmp(verb, "map") )
    {
        if ( add_map(idx, simple_strtoul(a, NULL, 10), b) )
            pr_info("gtio-dual: error no page for map %lu\n", idx);
    }
    else if ( n == 4 && !strcmp(verb, "unmap") )
        add_unmap(idx, a, b);
    else
        pr_info("gtio-dual: error bad line '%s'\n", line);
    if ( D.call_nr && D.call_nr >= D.call_want )
        run_call();
}

static ssize_t dual_write(struct file *file, const char __user *buf,
                          size_t len, loff_t *pos)
{
    char line[128];
    char *op = user_line(buf, len, line, sizeof(line));

    if ( !op )
        return -EFAULT;
    mutex_lock(&D.lock);
    run_line(op);
    mutex_unlock(&D.lock);
    return len;
}

static const struct proc_ops dual_ops = {
    .proc_write = dual_write,
};

void dual_start(struct device *dev, int domid)
{
    mutex_init(&D.lock);
    D.dev = dev;
    D.coherent = dma_alloc_coherent(dev, PAGE_SIZE, &D.coherent_bus,
                                    GFP_KERNEL);
    D.domid = domid;
    D.call_want = 1;
    strscpy(D.name, "none", sizeof(D.name));
    D.proc = proc_create("gtio-dual", 0200, NULL, &dual_ops);
    if ( !D.proc )
        pr_info("gtio-dual: error no /proc/gtio-dual\n");
}

void dual_stop(void)
{
    proc_remove(D.proc);
    mutex_lock(&D.lock);
    undo_trace();
    mutex_unlock(&D.lock);
    if ( D.coherent )
        dma_free_coherent(D.dev, PAGE_SIZE, D.coherent, D.coherent_bus);
}
