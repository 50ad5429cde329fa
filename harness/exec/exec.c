/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The executor (see exec.h).  For each call: Xen runs it (unwinding on
 * BUG/panic), the events inside it are checked as they happen, the model
 * applies it (or re-applies it with the outcome Xen shows, if a fault may
 * have changed that), then the checks.
 */
#include <limits.h>
#include <setjmp.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include <xen/errno.h>
#include <xen/lib.h>
#include <xen/sched.h>
#include <xen/mm.h>
#include <public/grant_table.h>

#include "digest.h"
#include "exec.h"
#include "fault.h"
#include "gtio.h"
#include "heap.h"
#include "machine.h"
#include "shadow.h"
#include "status_names.h"
#include "vtd_sim.h"
#include "xen/world.h"

/* Where a guest maps its grant host mappings: fresh addresses each time. */
#define GUEST_VA_BASE       0x10000000ULL
/* A linear address no grant is mapped at, for unmaps of unknown handles. */
#define GUEST_VA_NOWHERE    0x0dead000ULL
/*
 * GTF clears in one call: each op of a call, or each handle a destroyed
 * domain held (at most 1023), clears its grant's bits at most twice.
 */
#define MAX_EVENTS          (2 * SH_MAX_CALL)

/* What a guest remembers of a mapping it made: where it mapped what. */
struct guest_mapping {
    uint64_t host_addr;         /* 0: no host part */
    uint32_t mfn;
    uint32_t gen;               /* valid while its domain's gen matches */
};

/* A granter's status bits went: what the grantee's devices reached then. */
struct grant_event {
    domid_t rd, ld;
    uint32_t ref;
    unsigned long mfn;
    unsigned long bfn;          /* where a device reached mfn then */
    unsigned int bits;          /* GTF_reading/GTF_writing cleared */
    unsigned int reach;         /* SIM_R/SIM_W of ld's devices at mfn */
    unsigned int later;         /* SIM_R/SIM_W ops not run yet still give */
};

static struct {
    struct shadow sh;
    struct shadow before;       /* the model before the call, for the log */
    struct sh_call call;
    struct sh_facts facts;
    struct trace ran;           /* ops executed, teardown included */
    size_t nr_input;            /* ran.ops[0..nr_input) come from the input */
    struct frame_set frames;    /* frames the checks must look at */
    /* Of the call running: what a scoped accounting compares. */
    struct frame_set call_frames;       /* frames it names or Xen changed */
    unsigned int call_slots;            /* the domains it names */
    uint32_t call_handles[SH_MAX_CALL]; /* accounting_handle()s */
    struct table_tally tables;  /* what the table-page count last read */
    jmp_buf unwind;
    const struct exec_opts *opts;
    struct exec_result *out;
    struct heap_counts {
        unsigned int pages, xmallocs;
    } base;                     /* the heap right after boot */

    /* The batch being gathered between begin and end. */
    bool in_batch;
    unsigned int nr_batch;
    size_t batch_last;          /* the index of the batch's last op */
    struct op batch[SH_MAX_CALL];
    size_t batch_idx[SH_MAX_CALL];      /* their indices in the input */

    /* The guests' side of grant calls. */
    union {
        struct gnttab_map_grant_ref map[SH_MAX_CALL];
        struct gnttab_unmap_grant_ref unmap[SH_MAX_CALL];
    } buf;
    xen_pfn_t frame_list[OP_GFRAMES_MAX + 1];
    struct gnttab_query_size query;
    uint64_t next_va;
    uint32_t gen[OP_DOMAINS], next_gen;
    struct guest_mapping gmap[OP_DOMAINS][OP_HANDLES];
    unsigned int gmap_used[OP_DOMAINS];     /* handles 0..n-1 this run */

    unsigned long flush_faults_before;  /* of the call running */
    unsigned long table_faults_before;  /* FP_PT_ALLOC, the same */
    unsigned int pins_high;             /* the fullest pin counter yet */
    unsigned int maptrack_room;         /* the least maptrack room yet */
    unsigned int unmap_longest;         /* unmaps in the longest call run */
    bool reapplied;                     /* facts gathered, model_from_xen() */
    /* A call's checks were scoped since everything was last compared. */
    bool left_out;
    /* The granter's other vCPU (OP_RACE), armed for the next call. */
    struct race {
        bool armed;
        domid_t d;
        uint32_t ref;
        uint16_t bits;
        unsigned int left;      /* flips still to make; 0: at every update */
        unsigned long flips;    /* made in the current call */
    } race;

    /* Preemption of the next call (OP_PREEMPT). */
    struct preempt {
        bool armed;
        unsigned int left;      /* checks to the one that says yes; 0: all */
        unsigned long taken;    /* preemptions in the current call */
    } preempt;

    /* Events of the current call. */
    size_t call_idx;            /* the call's last op, for reports */
    bool event_found;
    struct finding event_finding;
    unsigned int nr_grant_events;
    struct grant_event grant_event[MAX_EVENTS];
} run;

/* ---- names ---- */

static bool is_grant_table_op(unsigned int kind)
{
    return kind == OP_MAP || kind == OP_UNMAP || kind == OP_SETUP_TABLE ||
           kind == OP_QUERY_SIZE;
}

const char *exec_status_name(unsigned int kind, int status)
{
    static char buf[32];

    /* A table op's status is the call's result; GNTST_bad_gntref is -3 too. */
    if ( status == -ESRCH && kind != OP_MAP && kind != OP_UNMAP )
        return "-ESRCH";
    /* One word, so that a scenario's "# status:" line can name it. */
    if ( status == SH_NOT_RUN )
        return "not-run";
    return gtio_status_name(is_grant_table_op(kind), status, buf, sizeof(buf));
}

/* ---- reporting ---- */

static void print_trace_upto(FILE *out, size_t last)
{
    size_t i;

    fprintf(out, "# trace up to op %zu:\n", last);
    trace_print_header(out, &run.ran.hdr);
    for ( i = 0; i <= last && i < run.ran.nr_ops; i++ )
    {
        char line[256];

        if ( i == run.nr_input )
            fprintf(out, "# end of input: what the executor adds to finish\n");
        trace_format_op(line, sizeof(line), &run.ran.ops[i]);
        fprintf(out, "%s\n", line);
    }
}

static bool report(const struct finding *f)
{
    run.out->finding = true;
    run.out->f = *f;
    if ( run.opts->report )
    {
        finding_print(run.opts->report, f);
        print_trace_upto(run.opts->report, f->op);
        fflush(run.opts->report);
    }
    return false;
}

static bool report_simple(const char *check, size_t op, int d, long mfn,
                          const char *detail)
{
    struct finding f;

    finding_init(&f, check, op);
    f.domain = d;
    f.mfn = mfn;
    snprintf(f.detail, sizeof(f.detail), "%s", detail);
    return report(&f);
}

/* ---- events inside Xen ---- */

/* The call running may change mfn: the checks look at it from now on. */
static void note_frame(unsigned long mfn)
{
    frame_set_add(&run.frames, mfn);
    frame_set_add(&run.call_frames, mfn);
}

static void on_frame_freed(void *ctx, unsigned long mfn, domid_t owner)
{
    struct finding f;

    (void)ctx;
    (void)owner;
    note_frame(mfn);
    if ( run.event_found )
        return;
    finding_init(&f, "freed-reachable", run.call_idx);
    if ( oracle_freed_reachable(&run.sh, mfn, &f) )
    {
        run.event_found = true;
        run.event_finding = f;
    }
}

static void on_frame_validated(void *ctx, unsigned long mfn,
                               unsigned long type)
{
    struct finding f;

    (void)ctx;
    note_frame(mfn);
    if ( run.event_found )
        return;
    finding_init(&f, "pagetable-writable", run.call_idx);
    if ( oracle_pagetable_writable(&run.sh, mfn, type >> PG_shift(3), &f) )
    {
        run.event_found = true;
        run.event_finding = f;
    }
}

/*
 * An unmap call runs in chunks (Xen's GNTTAB_UNMAP_BATCH_SIZE): a grant
 * released in one chunk may legitimately still be reachable through
 * another grant of the same frame that a later chunk unmaps.  The ops not
 * started yet still have their status as prepared (SH_NOT_RUN); what
 * their handles give ld's devices at mfn is allowed at this moment.
 * The model is not applied yet: it has the handles as before the call.
 */
static unsigned int still_mapped_by_later_ops(unsigned int slot,
                                              unsigned long mfn)
{
    unsigned int i, access = 0;
    enum sh_access a;

    if ( run.call.ops[0].kind != OP_UNMAP )
        return 0;
    for ( i = run.call.nr; i-- && run.buf.unmap[i].status == SH_NOT_RUN; )
    {
        a = shadow_handle_allows(&run.sh, slot, run.call.ops[i].handle, mfn);
        access |= sh_access_bits(a);
    }
    return access;
}

/*
 * The grantee and frame are the active entry's (still there while Xen
 * clears the bits); the model, not applied yet, knows the grantee's
 * devices as they were before the call.
 */
static void on_grant_released(void *ctx, domid_t rd, uint32_t ref,
                              unsigned int bits)
{
    const struct domain *xd = world_domain(rd);
    struct grant_event *ev;
    unsigned long mfn = 0;
    domid_t ld = 0;
    uint32_t pin;
    unsigned int slot;

    (void)ctx;
    /*
     * A map clears the bits only when it fails and no mapping of the
     * grant is left: there was none, so no device reached the frame
     * through it (and the active entry's grantee and frame may be stale,
     * never set for this map).  What the failure left is accounting's.
     */
    if ( run.call.ops[0].kind == OP_MAP )
        return;
    if ( !xd || !gnttab_view_active(xd, ref, &pin, &ld, &mfn) )
        return;
    slot = shadow_slot(&run.sh, ld);
    if ( slot == SH_NOBODY || mfn >= run.sh.hdr.nr_frames )
        return;
    if ( run.nr_grant_events == MAX_EVENTS )
    {
        /* An event not judged would be a check silently skipped. */
        fprintf(stderr, "exec: more than %u grant releases in one call\n",
                MAX_EVENTS);
        abort();
    }
    ev = &run.grant_event[run.nr_grant_events++];
    ev->rd = rd;
    ev->ld = ld;
    ev->ref = ref;
    ev->mfn = mfn;
    ev->bits = bits;
    ev->reach = oracle_reach_of(&run.sh, slot, mfn, &ev->bfn);
    ev->later = still_mapped_by_later_ops(slot, mfn);
}

/*
 * A table page freed while the unit may still walk it (a pointer to it
 * cached, the invalidation not complete): the next allocation may give it
 * to anyone, and the device then walks their entries.
 */
static void on_table_freed(void *ctx, unsigned long mfn)
{
    struct finding f;

    (void)ctx;
    if ( run.event_found )
        return;
    finding_init(&f, "freed-reachable", run.call_idx);
    snprintf(f.detail, sizeof(f.detail), "table page %#lx freed while the "
             "unit may still walk it", mfn);
    run.event_found = true;
    run.event_finding = f;
}

static const struct world_events events = {
    .frame_freed = on_frame_freed,
    .table_freed = on_table_freed,
    .frame_validated = on_frame_validated,
    .grant_released = on_grant_released,
};

/* Judge the grant events against the model, now that it is applied. */
static bool check_grant_events(size_t idx)
{
    unsigned int i;

    for ( i = 0; i < run.nr_grant_events; i++ )
    {
        const struct grant_event *ev = &run.grant_event[i];
        unsigned int slot = shadow_slot(&run.sh, ev->ld);
        enum sh_access a = slot == SH_NOBODY ? SH_NONE
                           : shadow_may_reach(&run.sh, slot, ev->mfn);
        unsigned int allowed = sh_access_bits(a) | ev->later;
        unsigned int mask = ev->bits & GTF_reading ? SIM_R | SIM_W : SIM_W;
        struct finding f;

        if ( !(ev->reach & mask & ~allowed) )
            continue;
        finding_init(&f, "grant-released-early", idx);
        f.domain = ev->ld;
        f.bfn = ev->bfn;
        f.mfn = ev->mfn;
        snprintf(f.possible, sizeof(f.possible), "%s",
                 ev->reach == (SIM_R | SIM_W) ? "RW" :
                 ev->reach & SIM_W ? "W" : "R");
        snprintf(f.allowed, sizeof(f.allowed), "%s", sh_access_name(a));
        snprintf(f.detail, sizeof(f.detail), "d%u cleared %s of grant %u "
                 "while d%u's devices could still reach mfn %lu",
                 ev->rd, ev->bits & GTF_reading ? "GTF_reading"
                                                : "GTF_writing",
                 ev->ref, ev->ld, ev->mfn);
        return report(&f);
    }
    return true;
}

/* ---- the guests' side ---- */

static struct guest_mapping *guest_mapping_of(domid_t d, uint32_t handle)
{
    unsigned int code = op_domain_code(d);
    struct guest_mapping *gm;

    if ( code >= OP_DOMAINS || handle >= OP_HANDLES )
        return NULL;
    gm = &run.gmap[code][handle];
    return gm->gen == run.gen[code] ? gm : NULL;
}

static void prepare_map(unsigned int i, const struct op *op)
{
    struct gnttab_map_grant_ref *m = &run.buf.map[i];

    memset(m, 0, sizeof(*m));
    m->flags = op->flags;
    m->ref = op->ref;
    m->dom = op->rd;
    if ( op->flags & GNTMAP_host_map )
    {
        m->host_addr = run.next_va;
        run.next_va += PAGE_SIZE;
    }
    m->status = SH_NOT_RUN;
}

static void prepare_unmap(unsigned int i, const struct op *op)
{
    struct gnttab_unmap_grant_ref *u = &run.buf.unmap[i];
    const struct guest_mapping *gm = guest_mapping_of(op->d, op->handle);
    uint64_t mfn = gm ? gm->mfn : 1;

    memset(u, 0, sizeof(*u));
    u->handle = op->handle;
    if ( op->flags & UNMAP_HOST )
        u->host_addr = gm && gm->host_addr ? gm->host_addr : GUEST_VA_NOWHERE;
    if ( op->flags & UNMAP_DEVICE )
        u->dev_bus_addr = (mfn + !!(op->flags & UNMAP_WRONG_BUS)) << PAGE_SHIFT;
    u->status = SH_NOT_RUN;
}

/* After a call: the maps' results are the guest's to remember. */
static void remember_maps(void)
{
    const struct sh_call *c = &run.call;
    unsigned int i;

    for ( i = 0; i < c->nr; i++ )
    {
        const struct gnttab_map_grant_ref *m = &run.buf.map[i];
        unsigned int code = op_domain_code(c->ops[i].d);
        struct guest_mapping *gm;

        if ( m->status != GNTST_okay || code >= OP_DOMAINS ||
             m->handle >= OP_HANDLES )
            continue;
        gm = &run.gmap[code][m->handle];
        gm->gen = run.gen[code];
        if ( m->handle >= run.gmap_used[code] )
            run.gmap_used[code] = m->handle + 1;
        gm->host_addr = m->host_addr;
        gm->mfn = m->dev_bus_addr >> PAGE_SHIFT;
    }
}

/* ---- Xen ---- */

/* A call abandoned for good (hooks.h) reaches the model as never run. */
_Static_assert(HH_HYPERCALL_ABANDONED == SH_NOT_RUN,
               "an abandoned hypercall's result is the model's not-run");

static long call_grant_ops(void)
{
    const struct op *ops = run.call.ops;
    unsigned int i, n = run.call.nr;
    bool map = ops[0].kind == OP_MAP;
    long rc;

    for ( i = 0; i < n; i++ )
        map ? prepare_map(i, &ops[i]) : prepare_unmap(i, &ops[i]);
    rc = guest_grant_table_op(ops[0].d, map ? GNTTABOP_map_grant_ref
                                            : GNTTABOP_unmap_grant_ref,
                              &run.buf, n);
    for ( i = 0; i < n; i++ )
    {
        int st = map ? run.buf.map[i].status : run.buf.unmap[i].status;

        /* A domain that does not run never entered Xen: no op ran. */
        run.facts.status[i] = rc == -ESRCH ? SH_NOT_RUN : st;
        run.call.handle[i] = map ? run.buf.map[i].handle : ops[i].handle;
    }
    return rc;
}

static int call_table_op(const struct op *op)
{
    struct gnttab_setup_table setup = {
        .dom = op->rd, .nr_frames = op->n,
    };
    long rc;

    if ( op->kind == OP_QUERY_SIZE )
    {
        memset(&run.query, 0, sizeof(run.query));
        run.query.dom = op->rd;
        rc = guest_grant_table_op(op->d, GNTTABOP_query_size, &run.query, 1);
        return rc ? rc : run.query.status;
    }
    set_xen_guest_handle(setup.frame_list, run.frame_list);
    rc = guest_grant_table_op(op->d, GNTTABOP_setup_table, &setup, 1);
    return rc ? rc : setup.status;
}

static int call_single(const struct op *op)
{
    switch ( op->kind )
    {
    case OP_CREATE:
        return toolstack_create_domain(op->d, op->iommu, op->n, op->maptrack);
    case OP_DESTROY:
        return toolstack_destroy_domain(op->d);
    case OP_ASSIGN:
        return toolstack_assign_device(op->dev, op->d);
    case OP_DEASSIGN:
        return toolstack_deassign_device(op->dev);
    case OP_POPULATE:
        return guest_populate(op->d, op->mfn);
    case OP_REMOVE:
        return guest_decrease_reservation(op->d, op->mfn);
    case OP_GET_TYPE:
        return guest_pin(op->d, op->mfn,
                         (unsigned long)(op->type & 7) << PG_shift(3));
    case OP_PUT_TYPE:
        return guest_unpin(op->d, op->mfn);
    case OP_GRANT_WRITE:
        return guest_write_grant(op->d, op->ref, op->flags, op->grantee,
                                 op->mfn);
    case OP_SETUP_TABLE:
    case OP_QUERY_SIZE:
        return call_table_op(op);
    default:
        return 0;
    }
}

static void run_call_on_xen(void)
{
    const struct op *op = &run.call.ops[0];

    if ( op->kind == OP_MAP || op->kind == OP_UNMAP )
        run.facts.rc = call_grant_ops();
    else
        run.facts.rc = run.facts.status[0] = call_single(op);
}

/*
 * Run the call on Xen; false if it did not return (BUG or panic).  The
 * unwind point is set only while Xen runs, so that a fatal report from
 * anywhere else aborts instead of jumping into a dead frame.
 */
static bool run_on_xen(void)
{
    volatile bool returned = false;

    harness_set_unwind(&run.unwind);
    if ( !setjmp(run.unwind) )
    {
        run_call_on_xen();
        returned = true;
    }
    harness_set_unwind(NULL);
    return returned;
}

static size_t op_index(unsigned int i);

/* The call Xen did not return from, for the log. */
static void log_unfinished_call(void)
{
    char line[256];
    unsigned int i;

    if ( !run.opts->log )
        return;
    for ( i = 0; i < run.call.nr; i++ )
    {
        trace_format_op(line, sizeof(line), &run.call.ops[i]);
        fprintf(run.opts->log, "[%zu] %s  -> did not return\n", op_index(i),
                line);
    }
}

static unsigned long flush_faults(void)
{
    return fault_injected(FP_REG_INV_TIMEOUT) +
           fault_injected(FP_QI_WAIT_TIMEOUT) + fault_injected(FP_QI_ERROR);
}

/*
 * Xen stops (panic) only where nothing could keep a device from memory
 * about to be reused: a domain's devices could not be cut off.  That
 * takes an invalidation register hung for good, or a second invalidation
 * failing in the call after the one that made the cut-off necessary; the
 * queue recovers from one failure (a late wait, an acknowledged queue
 * error), and no other fault point touches the unit.
 */
static bool panic_justified(void)
{
    return fault_injected(FP_REG_INV_TIMEOUT) ||
           flush_faults() >= run.flush_faults_before + 2;
}

static bool fatal_event(size_t idx)
{
    const struct harness_fatal *fe = harness_last_fatal();
    char msg[320];

    log_unfinished_call();
    if ( fe->kind == HARNESS_FATAL_PANIC && panic_justified() )
    {
        /* Fail-stop: stopping beats reusing memory a device may reach. */
        run.out->fail_stop = true;
        if ( run.opts->log )
            fprintf(run.opts->log, "    fail-stop: panic after an injected "
                    "fault (%s)\n", fe->what);
        return false;
    }
    if ( fe->kind == HARNESS_FATAL_PANIC && fault_injected_total() )
        snprintf(msg, sizeof(msg), "panic after faults the unit recovers "
                 "from: %s", fe->what);
    else if ( fe->kind == HARNESS_FATAL_PANIC )
        snprintf(msg, sizeof(msg), "panic without any injected fault: %s",
                 fe->what);
    else
        snprintf(msg, sizeof(msg), "BUG at %s:%d: %s",
                 fe->file ? fe->file : "?", fe->line, fe->what);
    return report_simple("hypervisor-bug", idx, -1, -1, msg);
}

/* ---- facts (faults only) ---- */

static unsigned int slot_of(const struct domain *d)
{
    return d ? shadow_slot(&run.sh, d->domain_id) : SH_NOBODY;
}

static void NO_COVERAGE gather_facts(void)
{
    struct sh_facts *fx = &run.facts;
    unsigned int d, dev;
    unsigned long mfn, flush_now = flush_faults();

    fx->flush_fault = flush_now != 0;
    fx->first_flush_fault = !run.flush_faults_before && flush_now;
    fx->flush_fault_in_call = flush_now != run.flush_faults_before;
    fx->table_alloc_failed = fault_injected(FP_PT_ALLOC) !=
                             run.table_faults_before;
    fx->register_hung = fault_injected(FP_REG_INV_TIMEOUT);
    for ( d = 0; d < SH_DOMAINS; d++ )
    {
        const struct sh_domain *sd = &run.sh.dom[d];
        const struct domain *xd = sd->state ? world_domain(sd->domid) : NULL;

        fx->exists[d] = xd;
        fx->crashed[d] = xd && world_domain_crashed(xd);
        fx->held[d] = xd && world_domain_held(xd);
        fx->has_root[d] = xd && xd->iommu.arch.vtd.pgd_maddr;
        fx->nr_mframes[d] = xd ? gnttab_view_maptrack_limit(xd) /
                                 sh_handles_per_frame(&run.sh.hdr) : 0;
    }
    for ( dev = 0; dev < SH_DEVICES; dev++ )
        fx->dev_owner[dev] = slot_of(world_device_owner(dev));
    for ( mfn = 0; mfn < run.sh.hdr.nr_frames; mfn++ )
    {
        const struct page_info *pg = hh_mfn_to_page(mfn);

        fx->frame_held[mfn] = page_get_owner(pg) &&
                              !(pg->count_info & PGC_count_mask);
        fx->frame_type[mfn] = (pg->u.inuse.type_info & PGT_type_mask) >>
                              PG_shift(3);
    }
}

/* ---- the state, digested (harness/tools/explore.c) ---- */

/*
 * What the guests remember of their mappings: whether one has a host
 * part and what it maps (the host address itself is the executor's
 * choice and depends on the path), and the racing vCPU if armed.
 */
static uint64_t guests_digest(uint64_t h)
{
    unsigned int code, handle;

    for ( code = 0; code < OP_DOMAINS; code++ )
        for ( handle = 0; handle < run.gmap_used[code]; handle++ )
        {
            const struct guest_mapping *gm = &run.gmap[code][handle];

            if ( gm->gen == run.gen[code] )
                h = digest_u64(h, (uint64_t)code << 48 |
                                  (uint64_t)handle << 32 |
                                  (uint64_t)!!gm->host_addr << 31 | gm->mfn);
        }
    if ( run.race.armed )
        h = digest_u64(h, (uint64_t)run.race.d << 48 |
                          (uint64_t)run.race.bits << 32 |
                          (run.race.ref ^ (uint64_t)run.race.left << 24));
    if ( run.preempt.armed )
        h = digest_u64(h, 0x9e000000ULL | run.preempt.left);
    return digest_u64(h, run.nr_batch | (uint64_t)run.in_batch << 32);
}

/* Xen's own view of each domain the model knows (not on the heap). */
static uint64_t domains_digest(uint64_t h)
{
    unsigned int d;

    for ( d = 0; d < SH_DOMAINS; d++ )
    {
        const struct sh_domain *sd = &run.sh.dom[d];
        const struct domain *xd = sd->state ? world_domain(sd->domid) : NULL;

        if ( !xd )
            continue;
        h = digest_u64(h, d | world_domain_crashed(xd) << 8 |
                          world_domain_held(xd) << 9 |
                          (uint64_t)gnttab_view_maptrack_limit(xd) << 16);
    }
    return h;
}

/*
 * A heap word that is the address of one of the model's domains (Xen
 * keeps them in active grant entries) digests as that domain's slot: the
 * address itself is malloc's choice.
 */
static uint64_t canonical_word(uint64_t word, void *ctx)
{
    const uintptr_t *domain_at = ctx;
    unsigned int d;

    for ( d = 0; d < SH_DOMAINS; d++ )
        if ( domain_at[d] && word == domain_at[d] )
            return 0xd0d0d0d0d0d0d000ULL | d;
    return word;
}

uint64_t exec_digest(void)
{
    uint64_t h = shadow_digest(&run.sh, DIGEST_SEED);
    uintptr_t domain_at[SH_DOMAINS];
    unsigned int d;

    h = guests_digest(h);
    h = domains_digest(h);
    h = fault_digest(h);
    for ( d = 0; d < SH_DOMAINS; d++ )
        domain_at[d] = run.sh.dom[d].state ?
                       (uintptr_t)world_domain(run.sh.dom[d].domid) : 0;
    h = heap_digest(h, canonical_word, domain_at);
    return vtd_sim_digest(h);
}

/* ---- the racing vCPU ---- */

/*
 * Flips in one call beyond which Xen would go on retrying for ever: a
 * guest must not be able to keep a CPU of Xen's in a loop on memory it
 * can write (Xen bounds its cmpxchg retries on grant entries).
 */
#define RACE_LIVELOCK   10000

/* Right before each cmpxchg() of Xen's (asm/system.h's hook). */
static void racing_vcpu(volatile void *ptr)
{
    const struct domain *d = world_domain(run.race.d);
    uint16_t *flags;

    /* Only a running domain has vCPUs to race with. */
    if ( !run.race.armed || !d || d->is_dying )
        return;
    flags = guest_grant_flags(run.race.d, run.race.ref);
    if ( (volatile void *)flags != ptr )
        return;
    *flags ^= run.race.bits;
    if ( ++run.race.flips >= RACE_LIVELOCK )
        hh_bug(__FILE__, __LINE__, "a vCPU racing its grant entry kept Xen "
               "retrying: an unbounded loop on guest-writable memory");
    if ( run.race.left && !--run.race.left )
        run.race.armed = false;
}

/* ---- preemption ---- */

/* Xen's hypercall_preempt_check() (hooks.h). */
static bool preempt_check(void)
{
    if ( !run.preempt.armed )
        return false;
    if ( run.preempt.left )
    {
        if ( --run.preempt.left )
            return false;
        run.preempt.armed = false;      /* the n-th check only */
    }
    run.preempt.taken++;
    return true;
}

static void preempt_done(void)
{
    run.out->preemptions += run.preempt.taken;
    run.preempt = (struct preempt){ 0 };
}

static void race_arm(const struct op *op)
{
    run.race = (struct race){
        .armed = true, .d = op->d, .ref = op->ref,
        .bits = op->flags, .left = op->n,
    };
}

/*
 * The call raced: the outcome was the race's to choose (within what the
 * ABI allows, shadow_reapply()), and the entry holds what the racing
 * vCPU left in it.
 */
static void race_done(void)
{
    grant_entry_v1_t e;

    if ( run.race.flips && !guest_read_grant(run.race.d, run.race.ref, &e) )
        shadow_raced_flags(&run.sh, run.race.d, run.race.ref, e.flags);
    run.race.armed = false;
    run.race.flips = 0;
}

/* ---- one call ---- */

/* Where op i of the call is in the input. */
static size_t op_index(unsigned int i)
{
    return run.call.ops == run.batch ? run.batch_idx[i] : run.call_idx;
}

/* The domains of a slot mask, as " d1 d2" (" none" if empty). */
static void log_domains(FILE *log, unsigned int slots)
{
    unsigned int d;

    if ( !slots )
        fputs(" none", log);
    for ( d = 0; d < SH_DOMAINS; d++ )
        if ( slots & (1U << d) )
            fprintf(log, " d%u", run.sh.dom[d].domid);
}

/*
 * A flush failed in the call: which domains the rules let it crash (those
 * whose IOMMU the call changed), and which Xen crashed.
 */
static void log_flush_outcome(FILE *log)
{
    unsigned int d, crashed = 0;

    for ( d = 0; d < SH_DOMAINS; d++ )
        if ( run.sh.dom[d].crashed && !run.before.dom[d].crashed )
            crashed |= 1U << d;
    fputs("    flush failed: may crash", log);
    log_domains(log, run.call.may_crash);
    fputs("; crashed", log);
    log_domains(log, crashed);
    fputc('\n', log);
}

static void log_call(unsigned long faults_before)
{
    FILE *log = run.opts->log;
    const struct sh_call *c = &run.call;
    unsigned int i;
    char line[256];

    if ( !log )
        return;
    for ( i = 0; i < c->nr; i++ )
    {
        trace_format_op(line, sizeof(line), &c->ops[i]);
        fprintf(log, "[%zu] %s  -> %s\n", op_index(i), line,
                exec_status_name(c->ops[i].kind, run.facts.status[i]));
        if ( c->ops[i].kind == OP_MAP && run.facts.status[i] == GNTST_okay )
            fprintf(log, "    handle %u, bus address %#lx\n",
                    run.buf.map[i].handle,
                    (unsigned long)run.buf.map[i].dev_bus_addr);
        if ( c->ops[i].kind == OP_QUERY_SIZE && !run.facts.status[i] )
            fprintf(log, "    %u of %u frames\n", run.query.nr_frames,
                    run.query.max_nr_frames);
    }
    if ( run.facts.rc && run.facts.rc != run.facts.status[0] )
        fprintf(log, "    the call returned %ld\n", run.facts.rc);
    if ( fault_injected_total() != faults_before )
        fprintf(log, "    fault injected (%lu in this call, last at %s)\n",
                fault_injected_total() - faults_before,
                fault_point_name(fault_last_injected()));
    if ( run.reapplied && run.facts.flush_fault_in_call )
        log_flush_outcome(log);
    if ( run.preempt.taken )
        fprintf(log, "    preempted %lu time(s), continued\n",
                run.preempt.taken);
    shadow_print_diff(log, &run.before, &run.sh);
}

/* The call passed its checks: tell the caller what the guest saw. */
static void show_call(void)
{
    static struct exec_call_view view;
    const struct sh_call *c = &run.call;
    unsigned int i;

    if ( !run.opts->after_call || op_index(c->nr - 1) >= run.nr_input )
        return;
    view.nr = c->nr;
    for ( i = 0; i < c->nr; i++ )
    {
        struct exec_op_view *v = &view.op[i];
        bool mapped = c->ops[i].kind == OP_MAP &&
                      run.facts.status[i] == GNTST_okay;

        v->idx = op_index(i);
        v->op = &c->ops[i];
        v->status = run.facts.status[i];
        v->handle = mapped ? run.buf.map[i].handle : 0;
        v->dev_bus_addr = mapped ? run.buf.map[i].dev_bus_addr : 0;
    }
    run.opts->after_call(&view, run.opts->ctx);
}

static bool model_predicts(void)
{
    struct sh_call *c = &run.call;
    char why[240];
    unsigned int i;

    if ( !shadow_apply(&run.sh, c, why, sizeof(why)) )
        return report_simple("status-mismatch", run.call_idx,
                             (int)c->ops[0].d, -1, why);
    for ( i = 0; i < c->nr; i++ )
        if ( run.facts.status[i] != c->res[i].status )
        {
            snprintf(why, sizeof(why), "%s returned %s, expected %s",
                     op_kind_name(c->ops[i].kind),
                     exec_status_name(c->ops[i].kind, run.facts.status[i]),
                     exec_status_name(c->ops[i].kind, c->res[i].status));
            return report_simple("status-mismatch", op_index(i),
                                 (int)c->ops[i].d, -1, why);
        }
    if ( run.facts.rc != c->rc )
    {
        snprintf(why, sizeof(why), "the call returned %ld, expected %ld",
                 run.facts.rc, c->rc);
        return report_simple("status-mismatch", run.call_idx,
                             (int)c->ops[0].d, -1, why);
    }
    return true;
}

/*
 * Whether the frames the model gives an owner have the types Xen's frame
 * table shows (held ones aside, as the accounting has it): what the
 * statuses of a raced call may not tell.  A map that failed (an injected
 * fault) after it took the writable type leaves the type behind; the
 * same status from the entry's check leaves none.
 */
static bool types_agree(const struct shadow *sh, const struct sh_facts *fx)
{
    unsigned long mfn;

    for ( mfn = 0; mfn < sh->hdr.nr_frames; mfn++ )
        if ( sh->frame[mfn].owner != SH_NOBODY && !sh->frame[mfn].held &&
             sh->frame[mfn].type != fx->frame_type[mfn] )
            return false;
    return true;
}

/* The call again from the state before it, the entry as given. */
static enum sh_verdict reapply_from(const struct shadow *before,
                                    const grant_entry_v1_t *raced, char *why,
                                    size_t len)
{
    shadow_copy(&run.sh, before);
    if ( raced )
        shadow_raced_flags(&run.sh, run.race.d, run.race.ref, raced->flags);
    return shadow_reapply(&run.sh, &run.call, &run.facts, why, len);
}

/*
 * A raced call: Xen may have decided on the entry as the racing vCPU left
 * it rather than as it was.  The model tries that too before it calls
 * the outcome wrong, and prefers it where the entry as it was explains
 * the statuses but not the frame types.
 */
static enum sh_verdict reapply_after_race(char *why, size_t len)
{
    static struct shadow before;
    grant_entry_v1_t e;
    enum sh_verdict v, raced;

    shadow_copy(&before, &run.sh);
    v = shadow_reapply(&run.sh, &run.call, &run.facts, why, len);
    if ( (v == SH_ALLOWED && types_agree(&run.sh, &run.facts)) ||
         guest_read_grant(run.race.d, run.race.ref, &e) )
        return v;
    raced = reapply_from(&before, &e, why, len);
    if ( v != SH_ALLOWED ||
         (raced == SH_ALLOWED && types_agree(&run.sh, &run.facts)) )
        return raced;
    /* Applied again, not kept: a reapply writes the call's results too. */
    return reapply_from(&before, NULL, why, len);
}

static bool model_from_xen(void)
{
    enum sh_verdict v;
    char why[240];

    gather_facts();
    run.reapplied = true;
    v = run.race.flips ? reapply_after_race(why, sizeof(why))
                       : shadow_reapply(&run.sh, &run.call, &run.facts, why,
                                        sizeof(why));
    if ( v == SH_ALLOWED )
        return true;
    return report_simple(v == SH_BAD_STATUS ? "status-mismatch" : "accounting",
                         run.call_idx, (int)run.call.ops[0].d, -1, why);
}

/* What Xen told the guests beyond the statuses: bus addresses, sizes. */
static bool check_results(void)
{
    const struct sh_call *c = &run.call;
    unsigned int i;
    char why[200];

    for ( i = 0; i < c->nr; i++ )
    {
        const struct op *op = &c->ops[i];

        if ( op->kind == OP_MAP && c->res[i].done &&
             run.buf.map[i].dev_bus_addr !=
             ((uint64_t)c->res[i].mfn << PAGE_SHIFT) )
        {
            snprintf(why, sizeof(why), "map gave bus address %#lx for mfn "
                     "%u", (unsigned long)run.buf.map[i].dev_bus_addr,
                     c->res[i].mfn);
            return report_simple("status-mismatch", run.call_idx, op->d,
                                 c->res[i].mfn, why);
        }
        if ( op->kind == OP_QUERY_SIZE && c->res[i].status == GNTST_okay &&
             (run.query.nr_frames != c->res[i].query_frames ||
              run.query.max_nr_frames != c->res[i].query_max) )
        {
            snprintf(why, sizeof(why), "query_size said %u of %u frames, "
                     "expected %u of %u", run.query.nr_frames,
                     run.query.max_nr_frames, c->res[i].query_frames,
                     c->res[i].query_max);
            return report_simple("status-mismatch", run.call_idx, op->rd, -1,
                                 why);
        }
    }
    return true;
}

/*
 * Whether an op can have changed the grant state (entries, active
 * entries, maptrack, per-frame counts) of domains other than those the
 * call's ops name (named_slots(), taken before the call, and the domains
 * it created: created_slots()).  A destruction releases its mappings,
 * which changes its granters' entries; device moves do not reach
 * grant_table.c.
 */
static bool op_touches_named_grants_only(unsigned int kind)
{
    return kind != OP_DESTROY;
}

/* What the accounting compares after a call that is not scoped. */
static const struct accounting_scope everything = {
    .frames = &run.frames, .slots = ~0U, .all_handles = true,
};

/*
 * After a call whose outcome the model predicted alone (no fault, no
 * race) and whose ops touch the grant state of the domains they name
 * only, the accounting compares what the call can have changed: the
 * frames it names or Xen told of (note_frames()), the grant entries and
 * per-frame counts of the domains it names, and the handles its maps
 * were given and its unmaps name (domains and devices always).  The
 * rest is the bulk of the comparison, and grows with the run, not with
 * the call.  Xen changing it anyway would be a bug that lasts until the
 * next comparison of everything: after a call of another kind, and at
 * the latest before the teardown that ends every input (finish()).
 */
static bool accounting_is_scoped(void)
{
    unsigned int i;

    /* A fault or a race makes the model take Xen's facts: reapplied. */
    if ( run.reapplied )
        return false;
    for ( i = 0; i < run.call.nr; i++ )
        if ( !op_touches_named_grants_only(run.call.ops[i].kind) )
            return false;
    return true;
}

static unsigned int slot_bit(unsigned int slot)
{
    return slot == SH_NOBODY ? 0 : 1U << slot;
}

/* Before the call: the live handle an unmap op names, as the model has it. */
static const struct sh_handle *handle_to_unmap(const struct op *op)
{
    unsigned int ld = shadow_slot(&run.sh, op->d);
    const struct sh_handle *h;

    if ( op->kind != OP_UNMAP || ld == SH_NOBODY || op->handle >= SH_HANDLES )
        return NULL;
    h = &run.sh.dom[ld].handle[op->handle];
    return h->flags ? h : NULL;
}

/*
 * Before the call: the slots of the domains its ops name, the mapping
 * domain and the granter (for an unmap, the handle's, as the model has
 * it: the call is about to free it).
 */
static unsigned int named_slots(void)
{
    unsigned int i, slots = 0;

    for ( i = 0; i < run.call.nr; i++ )
    {
        const struct op *op = &run.call.ops[i];
        const struct sh_handle *h = handle_to_unmap(op);

        slots |= slot_bit(shadow_slot(&run.sh, op->d)) |
                 slot_bit(shadow_slot(&run.sh, op->rd));
        if ( h )
            slots |= 1U << h->rd;
    }
    return slots;
}

/* After the call: the handles its maps were given and its unmaps name. */
static unsigned int call_handles(void)
{
    unsigned int i, slot, n = 0;

    for ( i = 0; i < run.call.nr; i++ )
    {
        const struct op *op = &run.call.ops[i];

        slot = shadow_slot(&run.sh, op->d);
        if ( (op->kind == OP_MAP || op->kind == OP_UNMAP) &&
             slot != SH_NOBODY && run.call.handle[i] < SH_HANDLES )
            run.call_handles[n++] = accounting_handle(slot,
                                                      run.call.handle[i]);
    }
    return n;
}

/* After the call: the slots of the domains it created. */
static unsigned int created_slots(void)
{
    unsigned int i, slots = 0;

    for ( i = 0; i < run.call.nr; i++ )
        if ( run.call.ops[i].kind == OP_CREATE && !run.call.res[i].status )
            slots |= slot_bit(shadow_slot(&run.sh, run.call.ops[i].d));
    return slots;
}

/*
 * The dma-fault check after a call the accounting takes as scoped, that
 * creates no domain and moves no device, looks at the frames the call
 * names or Xen told of only.  Only there can a correct core and Xen make
 * an allowed DMA fault: no other frame's allowed access changed, no
 * device changed domain, and an invalidation only takes away what the
 * unit may have cached, leaving what the tables hold.  A fault elsewhere
 * is found as accounting_is_scoped() says.
 */
static bool creates_and_moves_nothing(void)
{
    unsigned int i;

    for ( i = 0; i < run.call.nr; i++ )
        if ( run.call.ops[i].kind == OP_CREATE ||
             run.call.ops[i].kind == OP_ASSIGN ||
             run.call.ops[i].kind == OP_DEASSIGN )
            return false;
    return true;
}

/* What a scoped accounting compares after the call (accounting_is_scoped()). */
static const struct accounting_scope *call_scope(struct accounting_scope *s)
{
    *s = (struct accounting_scope){
        .frames = &run.call_frames,
        .slots = run.call_slots | created_slots(),
        .handle = run.call_handles,
        .nr_handles = call_handles(),
    };
    return s;
}

static bool check_after_call(void)
{
    size_t idx = run.call_idx;
    bool scoped = accounting_is_scoped();
    struct accounting_scope scope;
    struct finding f;
    char why[200];

    run.left_out = scoped;
    if ( run.event_found )
        return report(&run.event_finding);
    vtd_sim_sync();
    /* Misuse of the hardware is only meaningful while it is not broken. */
    if ( !run.sh.faulted && vtd_sim_protocol_error(why, sizeof(why)) )
        return report_simple("vtd-protocol", idx, -1, -1, why);
    if ( !check_results() || !check_grant_events(idx) )
        return false;
    finding_init(&f, "stale-dma", idx);
    if ( oracle_stale_dma(&run.sh, &f) )
        return report(&f);
    finding_init(&f, "dma-fault", idx);
    if ( oracle_dma_fault(&run.sh, scoped && creates_and_moves_nothing() ?
                          &run.call_frames : &run.frames, &f) )
        return report(&f);
    finding_init(&f, "accounting", idx);
    if ( oracle_accounting(&run.sh, scoped ? call_scope(&scope) : &everything,
                           &f) )
        return report(&f);
    /*
     * After a scoped call, allowed() can differ from the last count at
     * the frames the call names only (a device moving changes what the
     * unit reaches, not what allowed() says).
     */
    if ( !scoped )
        oracle_tally_reset(&run.tables);
    oracle_tally_frames(&run.tables, &run.sh,
                        scoped ? &run.call_frames : &run.frames);
    if ( oracle_table_pages(&run.sh, &run.tables, &f) )
        return report(&f);
    /* Last: a stale mapping the failure left says more than who paid. */
    if ( run.reapplied &&
         shadow_victim_spared(&run.sh, &run.call, &run.facts, why,
                              sizeof(why)) )
        return report_simple("accounting", idx, -1, -1, why);
    return true;
}

/*
 * What the checks after a call may leave out (accounting_is_scoped(),
 * creates_and_moves_nothing()), compared between calls, as after op idx:
 * before the teardown, whose first destruction would hide what its
 * domain had, and before a call that may end the run in a fail-stop.
 */
static bool check_everything(size_t idx)
{
    struct finding f;

    run.left_out = false;
    finding_init(&f, "dma-fault", idx);
    if ( oracle_dma_fault(&run.sh, &run.frames, &f) )
        return report(&f);
    finding_init(&f, "accounting", idx);
    return !oracle_accounting(&run.sh, &everything, &f) || report(&f);
}

/*
 * Whether the armed faults may stop the next call with a panic
 * (panic_justified()) when no flush has failed yet (after one, every
 * call compares everything: it is reapplied): a hung invalidation
 * register on a unit without queued invalidation, or two queued
 * invalidations failing in the call, which takes two armings (each
 * fires once).
 */
static bool fail_stop_armed(void)
{
    if ( !run.sh.hdr.qi )
        return fault_nth_armed() || fault_point_armed(FP_REG_INV_TIMEOUT);
    return fault_nth_armed() + fault_point_armed(FP_QI_WAIT_TIMEOUT) +
           fault_point_armed(FP_QI_ERROR) >= 2;
}

/*
 * A fail-stop ends the run before its last comparison: before a call
 * the armed faults may stop, what the calls before it left out is
 * compared, as after the last of them (run.call_idx until the call
 * starts).
 */
static bool check_what_a_fail_stop_would_hide(void)
{
    return !run.left_out || !fail_stop_armed() ||
           check_everything(run.call_idx);
}

/*
 * Before the call: the frames it may change, those its ops name and,
 * for an unmap, the frame of the handle as the model has it.
 */
static void note_frames(void)
{
    unsigned int i;

    frame_set_init(&run.call_frames, run.frames.nr);
    for ( i = 0; i < run.call.nr; i++ )
    {
        const struct sh_handle *h = handle_to_unmap(&run.call.ops[i]);

        note_frame(run.call.ops[i].mfn);
        if ( h )
            note_frame(h->mfn);
    }
}

/* An unmap hypercall of nr unmaps ran: how near it came to a second chunk. */
static void note_unmap_call(unsigned int nr)
{
    if ( nr > run.unmap_longest )
        run.unmap_longest = nr;
    run.out->unmap_chunked += nr > sh_unmap_batch(&run.sh.hdr);
}

static void note_results(void)
{
    unsigned int i, pins, room;

    for ( i = 0; i < run.call.nr; i++ )
    {
        if ( run.call.ops[i].kind == OP_MAP )
        {
            pins = shadow_entry_max_pin(&run.sh, run.call.ops[i].rd,
                                        run.call.ops[i].ref);
            run.pins_high = pins > run.pins_high ? pins : run.pins_high;
        }
        if ( run.call.res[i].done )
            note_frame(run.call.res[i].mfn);
        run.out->pins_full += run.call.res[i].pin_full;
        run.out->maptrack_full += run.call.ops[i].kind == OP_MAP &&
                                run.call.res[i].status == GNTST_no_space;
        run.out->gnttab_full += run.call.ops[i].kind == OP_SETUP_TABLE &&
                              run.call.res[i].table_full;
        run.out->count_full += run.call.res[i].count_full;
        run.out->gnttab_full += run.call.ops[i].kind == OP_CREATE &&
                              run.call.ops[i].n > SH_OPT_MAX_GFRAMES &&
                              run.call.res[i].status == -EINVAL;
    }
    room = shadow_maptrack_room(&run.sh);
    run.maptrack_room = room < run.maptrack_room ? room : run.maptrack_room;
    if ( run.call.ops[0].kind == OP_UNMAP &&
         run.call.res[0].status != SH_NOT_RUN )
        note_unmap_call(run.call.nr);
    if ( run.call.ops[0].kind == OP_MAP )
        remember_maps();
    if ( run.call.ops[0].kind == OP_CREATE && run.facts.status[0] == 0 )
    {
        unsigned int code = op_domain_code(run.call.ops[0].d);

        if ( code < OP_DOMAINS )
            run.gen[code] = ++run.next_gen;
    }
}

static bool run_call(const struct op *ops, unsigned int nr, size_t last)
{
    unsigned long faults_before = fault_injected_total();
    bool open, ok;

    if ( !check_what_a_fail_stop_would_hide() )
        return false;
    run.flush_faults_before = flush_faults();
    run.table_faults_before = fault_injected(FP_PT_ALLOC);
    run.reapplied = false;
    run.call.ops = ops;
    run.call.nr = nr;
    run.call.preempt = run.preempt.armed;
    run.call.preempt_nth = run.preempt.left;
    run.call_idx = last;
    run.event_found = false;
    run.nr_grant_events = 0;
    /*
     * Open: the model's prediction alone cannot judge the call.  A hung
     * register invalidation breaks the unit for good, so any later call
     * may fail; other flush faults matter only to the call they hit (and
     * to the domains they touched: shadow_outcome_open()).
     */
    open = shadow_outcome_open(&run.sh, &run.call) ||
           fault_injected(FP_REG_INV_TIMEOUT);
    if ( run.opts->log )
        shadow_copy(&run.before, &run.sh);
    note_frames();
    run.call_slots = named_slots();
    if ( run.opts->before_op )
        run.opts->before_op(last, run.opts->ctx);
    if ( !run_on_xen() )
    {
        run.out->faults = fault_injected_total();
        return fatal_event(last);
    }
    if ( run.opts->after_op )
        run.opts->after_op(last, run.opts->ctx);
    ok = fault_injected_total() != faults_before || open || run.race.flips
         ? model_from_xen() : model_predicts();
    race_done();
    note_results();
    log_call(faults_before);
    preempt_done();
    if ( !ok || !check_after_call() )
        return false;
    show_call();
    return true;
}

/* ---- the input ---- */

static bool run_batch(void)
{
    unsigned int n = run.nr_batch;

    run.nr_batch = 0;
    return !n || run_call(run.batch, n, run.batch_last);
}

static void log_marker(size_t idx, const struct op *op, const char *note)
{
    char line[256];

    if ( !run.opts->log )
        return;
    trace_format_op(line, sizeof(line), op);
    fprintf(run.opts->log, "[%zu] %s%s\n", idx, line, note);
}

/*
 * A DMA (OP_DMA), between hypercalls: where it may fault, the unit
 * records the fault and raises its fault event, whose handler must take
 * every record off, so that the next fault finds room.
 */
static bool device_dma(size_t idx, const struct op *op)
{
    bool faulted = vtd_sim_dma(op->dev, op->mfn, op->n);
    char why[160];

    log_marker(idx, op, faulted ? "  -> fault recorded" : "");
    world_fault_event();
    if ( vtd_sim_faults_left(why, sizeof(why)) )
        return report_simple("vtd-protocol", idx, -1, op->mfn, why);
    return true;
}

/* One op of the input (or of the teardown): run, or gather into a batch. */
static bool exec_op(const struct op *op)
{
    size_t idx = run.ran.nr_ops;
    bool grant = op->kind == OP_MAP || op->kind == OP_UNMAP;

    trace_push(&run.ran, op);
    switch ( op->kind )
    {
    case OP_BEGIN:
        log_marker(idx, op, run.in_batch ? "  (ignored: in a batch)" : "");
        run.in_batch = true;
        return true;
    case OP_END:
        log_marker(idx, op, run.in_batch ? "" : "  (ignored: no batch)");
        run.in_batch = false;
        return run_batch();
    case OP_FAULT_NTH:
        log_marker(idx, op, "");
        fault_arm_nth(op->n);
        return true;
    case OP_FAULT_AT:
        log_marker(idx, op, "");
        fault_arm_point(op->point, op->n);
        return true;
    case OP_RACE:
        log_marker(idx, op, "");
        race_arm(op);
        return true;
    case OP_PREEMPT:
        log_marker(idx, op, "");
        run.preempt = (struct preempt){ .armed = true, .left = op->n };
        return true;
    case OP_DMA:
        return device_dma(idx, op);
    }
    if ( run.in_batch && grant )
    {
        if ( run.nr_batch && (run.batch[0].kind != op->kind ||
                              run.batch[0].d != op->d) && !run_batch() )
            return false;
        if ( run.nr_batch < SH_MAX_CALL )
        {
            run.batch_idx[run.nr_batch] = idx;
            run.batch[run.nr_batch++] = *op;
            run.batch_last = idx;
            return true;
        }
    }
    if ( run.nr_batch && !run_batch() )
        return false;
    return run_call(op, 1, idx);
}

/* The input is over: run what is gathered, destroy everything, check. */
static bool finish(void)
{
    struct op op;
    unsigned int d, p;

    if ( run.nr_batch && !run_batch() )
        return false;
    run.in_batch = false;
    if ( !check_everything(run.ran.nr_ops ? run.ran.nr_ops - 1 : 0) )
        return false;
    if ( fault_armed() )
    {
        memset(&op, 0, sizeof(op));
        op.kind = OP_FAULT_NTH;
        exec_op(&op);
        for ( p = 0; p < FP_NR; p++ )
        {
            op.kind = OP_FAULT_AT;
            op.point = p;
            exec_op(&op);
        }
    }
    for ( d = 0; d < SH_DOMAINS; d++ )
        if ( run.sh.dom[d].state == SH_DOM_LIVE ||
             run.sh.dom[d].state == SH_DOM_DYING )
        {
            memset(&op, 0, sizeof(op));
            op.kind = OP_DESTROY;
            op.d = run.sh.dom[d].domid;
            if ( !exec_op(&op) )
                return false;
        }
    return true;
}

/* Everything destroyed: nothing may be left, unless a fault held it. */
static bool check_end(void)
{
    size_t last = run.ran.nr_ops ? run.ran.nr_ops - 1 : 0;
    char msg[200];

    /* Domains the fault held are checked call by call (accounting). */
    if ( run.sh.faulted )
        return true;
    if ( world_first_domain() )
    {
        snprintf(msg, sizeof(msg), "after every domain was destroyed, Xen "
                 "still has d%u", world_first_domain()->domain_id);
        return report_simple("accounting", last,
                             world_first_domain()->domain_id, -1, msg);
    }
    if ( heap_live_pages() != run.base.pages ||
         heap_live_xmallocs() != run.base.xmallocs )
    {
        snprintf(msg, sizeof(msg), "after every domain was destroyed: %u "
                 "heap pages and %u allocations live, %u and %u after boot",
                 heap_live_pages(), heap_live_xmallocs(), run.base.pages,
                 run.base.xmallocs);
        return report_simple("accounting", last, -1, -1, msg);
    }
    return true;
}

static bool start(const struct run_header *h)
{
    struct world_config cfg = {
        .caps = {
            .cm = h->cm, .psi = h->psi, .qi = h->qi, .coherent = h->coherent,
            .rwbf = h->rwbf, .drain = h->drain, .sid_tag = h->sid_tag,
            .mamv = h->mamv,
            .completion_delay = h->delay, .qi_entries = h->qi_entries,
        },
        .nr_frames = h->nr_frames, .iommu_readonly = h->iommu_readonly,
        .psi_max = h->psi_max, .pending_pages = h->pending_pages,
        .pending_tables = h->pending_tables,
        .batch_domains = h->batch_domains, .flush_policy = h->flush_policy,
        .pin_bits = h->pin_bits,
        .maptrack_per_frame = h->maptrack_order ? 1U << h->maptrack_order : 0,
        .unmap_batch = h->unmap_batch,
    };
    volatile int rc = 0;
    unsigned long count_max;
    unsigned int d;
    char msg[96];

    machine_reset();
    hh_racing_vcpu = racing_vcpu;
    memset(&run.race, 0, sizeof(run.race));
    hh_preempt = preempt_check;
    run.preempt = (struct preempt){ 0 };
    /* No call yet: a panic at boot finds no fault of this input. */
    run.flush_faults_before = run.table_faults_before = 0;
    run.left_out = false;
    run.next_va = GUEST_VA_BASE;
    run.pins_high = 0;
    run.maptrack_room = UINT_MAX;
    run.unmap_longest = 0;
    /* No domain remembers a mapping of an earlier run's. */
    for ( d = 0; d < OP_DOMAINS; d++ )
    {
        run.gen[d] = ++run.next_gen;
        run.gmap_used[d] = 0;
    }
    harness_set_unwind(&run.unwind);
    if ( !setjmp(run.unwind) )
        rc = world_boot(&cfg);
    else
        rc = -EFAULT;
    harness_set_unwind(NULL);
    if ( rc == -EFAULT )
        return fatal_event(0);
    /* No fault is armed yet: a misused unit is the cause of what follows. */
    if ( vtd_sim_protocol_error(msg, sizeof(msg)) )
        return report_simple("vtd-protocol", 0, -1, -1, msg);
    if ( rc )
    {
        snprintf(msg, sizeof(msg), "Xen's boot (the VT-d driver) failed: %d",
                 rc);
        return report_simple("hypervisor-bug", 0, -1, -1, msg);
    }
    world_set_events(&events);
    run.base.pages = heap_live_pages();
    run.base.xmallocs = heap_live_xmallocs();
    shadow_reset(&run.sh, h);
    /* A count no maptrack can fill (Xen's width) is no limit: 0. */
    count_max = gnttab_view_maptrack_count_max();
    run.sh.count_max = count_max < SH_HANDLES ? count_max : 0;
    frame_set_init(&run.frames, h->nr_frames);
    oracle_tally_reset(&run.tables);
    run.in_batch = false;
    run.nr_batch = 0;
    return true;
}

/*
 * How far a limit stayed from the fullest record: 0, its limit path was
 * taken; 1, the record was full; 2 and up, that many entries short + 1.
 */
static unsigned int room(unsigned long reached, unsigned int limit,
                         unsigned long high)
{
    if ( reached )
        return 0;
    return high >= limit ? 1 : limit - high + 1;
}

bool exec_run(const struct trace *t, const struct exec_opts *opts,
              struct exec_result *res)
{
    static const struct exec_opts quiet;
    size_t i;
    bool ok;

    memset(res, 0, sizeof(*res));
    run.opts = opts ? opts : &quiet;
    run.out = res;
    if ( !run.ran.ops )
        trace_init(&run.ran);
    trace_clear(&run.ran);
    run.ran.hdr = t->hdr;
    run.nr_input = t->nr_ops;

    ok = start(&t->hdr);
    for ( i = 0; ok && i < t->nr_ops; i++ )
    {
        ok = exec_op(&t->ops[i]);
        res->ops_run = i + 1;
    }
    if ( ok && (!run.opts->at_end || run.opts->at_end(run.opts->ctx)) )
        ok = finish() && check_end();
    res->faults = fault_injected_total();
    res->pages_full = gtio_stats.pages_full;
    res->tables_full = gtio_stats.tables_full;
    res->domains_full = gtio_stats.domains_full;
    res->pages_left = room(gtio_stats.pages_full, gtio_config.pending_pages,
                           gtio_stats.pages_high);
    res->tables_left = room(gtio_stats.tables_full, gtio_config.pending_tables,
                            gtio_stats.tables_high);
    res->domains_left = room(gtio_stats.domains_full,
                             gtio_config.batch_domains,
                             gtio_stats.domains_high);
    res->pins_left = room(res->pins_full, sh_pin_limit(&t->hdr), run.pins_high);
    /* 0: a map was refused for want of room; 1: full; n: n - 1 short. */
    res->maptrack_left = res->maptrack_full ? 0 :
                         run.maptrack_room == UINT_MAX ? UINT_MAX :
                         run.maptrack_room + 1;
    res->unmap_left = room(res->unmap_chunked, sh_unmap_batch(&t->hdr),
                           run.unmap_longest);
    res->count_left = run.sh.count_max ? room(res->count_full, run.sh.count_max,
                                              run.sh.count_high) : UINT_MAX;
    /* A queue of n entries is full with n - 1 descriptors in it. */
    res->queue_full = vtd_sim_stats()->queue_full_reads;
    res->queue_left = room(res->queue_full,
                           (t->hdr.qi_entries ?: VTD_SIM_QI_PAGE_ENTRIES) - 1,
                           vtd_sim_stats()->queue_high);
    world_power_off();
    return ok;
}
