/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The executor (see exec.h).  For each op: the model predicts it, the core
 * runs it (unwinding on BUG/panic), and if an injected fault (or a domain
 * left crashed by an earlier one) makes the outcome depend on the core, the
 * model is re-applied from its state before the op with the outcome the
 * core shows, within what the design allows.  Then the checks.
 */
#include <setjmp.h>
#include <stdio.h>
#include <string.h>

#include <xen/errno.h>
#include <public/grant_table.h>

#include "exec.h"
#include "fault.h"
#include "heap.h"
#include "shadow.h"
#include "vtd_sim.h"

/*
 * What the core looked like before the op, to see the frees, type changes
 * and status-bit clears it made in it (the events of DESIGN.md section 7
 * as the core did them, whatever the model expected).  The frames are
 * kept up to date with the ones the core changed, found by comparison
 * (changed[]): a frame the core did not change has no event.
 */
struct core_view {
    struct gtio_frame frame[RUN_MAX_FRAMES];
    uint16_t changed[RUN_MAX_FRAMES];
    unsigned int nr_changed;
    uint16_t flags[SH_DOMAINS][SH_GRANTS];
    bool pinned[SH_DOMAINS][SH_GRANTS];
    uint16_t act_domid[SH_DOMAINS][SH_GRANTS];
    uint32_t act_mfn[SH_DOMAINS][SH_GRANTS];
};

static struct {
    struct gtio_machine m;
    struct core_view view;
    struct shadow sh;
    struct shadow snap;         /* the model before the op, when needed */
    struct shadow before;       /* the model before the op, for the log */
    struct sh_result res;
    struct trace ran;           /* ops executed, teardown included */
    size_t nr_input;            /* ran.ops[0..nr_input) come from the input */
    struct heap_base base;
    struct frame_set frames;    /* frames the checks must look at */
    jmp_buf unwind;
    uint32_t core_handle;       /* what the core's map returned */
    const struct exec_opts *opts;
    struct exec_result *out;
} X;

/* ---- names ---- */

const char *exec_status_name(unsigned int kind, int status)
{
    static char buf[32];

    if ( kind == OP_MAP || kind == OP_UNMAP )
    {
        switch ( status )
        {
        case GNTST_okay:            return "GNTST_okay";
        case GNTST_general_error:   return "GNTST_general_error";
        case GNTST_bad_domain:      return "GNTST_bad_domain";
        case GNTST_bad_gntref:      return "GNTST_bad_gntref";
        case GNTST_bad_handle:      return "GNTST_bad_handle";
        case GNTST_no_device_space: return "GNTST_no_device_space";
        case GNTST_permission_denied: return "GNTST_permission_denied";
        case GNTST_bad_page:        return "GNTST_bad_page";
        case GNTST_no_space:        return "GNTST_no_space";
        }
    }
    else
    {
        switch ( status )
        {
        case 0:             return "0";
        case -EPERM:        return "-EPERM";
        case -EIO:          return "-EIO";
        case -ENOMEM:       return "-ENOMEM";
        case -EBUSY:        return "-EBUSY";
        case -EEXIST:       return "-EEXIST";
        case -EINVAL:       return "-EINVAL";
        case -ENOSPC:       return "-ENOSPC";
        case -EOPNOTSUPP:   return "-EOPNOTSUPP";
        case -ETIMEDOUT:    return "-ETIMEDOUT";
        }
    }
    snprintf(buf, sizeof(buf), "%d", status);
    return buf;
}

/* ---- reporting ---- */

static void print_trace_upto(FILE *out, size_t last)
{
    size_t i;

    fprintf(out, "# trace up to op %zu:\n", last);
    trace_print_header(out, &X.ran.hdr);
    for ( i = 0; i <= last && i < X.ran.nr_ops; i++ )
    {
        char line[256];

        if ( i == X.nr_input )
            fprintf(out, "# end of input: what the executor adds to finish\n");
        trace_format_op(line, sizeof(line), &X.ran.ops[i]);
        fprintf(out, "%s\n", line);
    }
}

static bool report(const struct finding *f)
{
    X.out->finding = true;
    X.out->f = *f;
    if ( X.opts->report )
    {
        finding_print(X.opts->report, f);
        print_trace_upto(X.opts->report, f->op);
        fflush(X.opts->report);
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

/* ---- the core ---- */

static int call_core(const struct op *op)
{
    struct gtio_machine *m = &X.m;

    switch ( op->kind )
    {
    case OP_BEGIN:
        gtio_hypercall_begin(m);
        return 0;
    case OP_END:
        return gtio_hypercall_end(m);
    case OP_CREATE:
        return gtio_domain_create(m, op->d, op->iommu);
    case OP_DESTROY:
        return gtio_domain_destroy(m, op->d);
    case OP_ASSIGN:
        return gtio_device_assign(m, op->dev, op->d);
    case OP_DEASSIGN:
        return gtio_device_deassign(m, op->dev);
    case OP_POPULATE:
        return gtio_page_populate(m, op->d, op->mfn);
    case OP_REMOVE:
        return gtio_page_remove(m, op->d, op->mfn);
    case OP_GET_TYPE:
        return gtio_page_get_type(m, op->d, op->mfn, op->type);
    case OP_PUT_TYPE:
        return gtio_page_put_type(m, op->d, op->mfn);
    case OP_GRANT_WRITE:
        return gtio_grant_write(m, op->d, op->ref, op->flags, op->grantee,
                                op->mfn);
    case OP_MAP:
        X.core_handle = ~0U;
        return gtio_grant_map(m, op->d, op->rd, op->ref, op->flags,
                              &X.core_handle);
    case OP_UNMAP:
        return gtio_grant_unmap(m, op->d, op->handle, op->flags);
    case OP_FAULT_NTH:
        fault_arm_nth(op->n);
        return 0;
    case OP_FAULT_AT:
        fault_arm_point(op->point, op->n);
        return 0;
    }
    return 0;
}

/*
 * Run the op on the core; false if it did not return (BUG or panic).  The
 * unwind point is set only while the core runs, so that a fatal report
 * from anywhere else aborts instead of jumping into a dead frame.
 */
static bool run_on_core(const struct op *op, int *status)
{
    volatile bool returned = false;

    harness_set_unwind(&X.unwind);
    if ( !setjmp(X.unwind) )
    {
        *status = call_core(op);
        returned = true;
    }
    harness_set_unwind(NULL);
    return returned;
}

static bool fatal_event(size_t idx)
{
    const struct harness_fatal *fe = harness_last_fatal();
    char msg[320];

    if ( fe->kind == HARNESS_FATAL_PANIC && fault_injected_total() )
    {
        /* Fail-stop: stopping beats reusing memory a device may reach. */
        X.out->fail_stop = true;
        if ( X.opts->log )
            fprintf(X.opts->log, "    fail-stop: panic after an injected "
                    "fault (%s)\n", fe->what);
        return false;
    }
    if ( fe->kind == HARNESS_FATAL_PANIC )
        snprintf(msg, sizeof(msg), "panic without any injected fault: %s",
                 fe->what);
    else
        snprintf(msg, sizeof(msg), "BUG at %s:%d: %s",
                 fe->file ? fe->file : "?", fe->line, fe->what);
    return report_simple("hypervisor-bug", idx, -1, -1, msg);
}

/* ---- outcome probes (faults only) ---- */

static unsigned long flush_faults(void)
{
    return fault_injected(FP_REG_INV_TIMEOUT) +
           fault_injected(FP_QI_WAIT_TIMEOUT) + fault_injected(FP_QI_ERROR);
}

/* Did the op happen on the core?  Only what the model cannot know. */
static bool probe_took_effect(const struct op *op)
{
    struct gtio_machine *m = &X.m;
    const struct gtio_frame *f = op->mfn < X.sh.hdr.nr_frames
                                 ? &m->frames[op->mfn] : NULL;
    const struct sh_frame *before = f ? &X.snap.frame[op->mfn] : NULL;
    const struct gtio_maptrack *map;

    switch ( op->kind )
    {
    case OP_MAP:
        if ( op->d >= GTIO_MAX_DOMAINS )
            return false;
        map = gtio_handle(gtio_domain(m, op->d), X.res.handle);
        return map && map->ref == op->ref && map->domid == op->rd;
    case OP_POPULATE:
        return f && f->owner == op->d;
    case OP_REMOVE:
        return f && !f->allocated;
    case OP_GET_TYPE:
        return f && f->pinned > before->pinned;
    case OP_PUT_TYPE:
        return f && f->pinned < before->pinned;
    case OP_ASSIGN:
        return op->dev < GTIO_MAX_DEVICES && op->d < GTIO_MAX_DOMAINS &&
               m->device_owner[op->dev] == op->d;
    default:
        return true;
    }
}

/* Inside an explicit hypercall the core's queue shows it; else the pins do. */
static bool probe_release_queued(const struct op *op)
{
    const struct gtio_machine *m = &X.m;
    const struct gtio_release *r;

    if ( op->kind != OP_UNMAP || !m->in_hypercall )
        return true;
    if ( !m->nr_releases )
        return false;
    r = &m->release[m->nr_releases - 1];
    return r->ld == op->d;
}

static void NO_COVERAGE frame_facts(struct sh_facts *fx,
                                    const struct gtio_frame *frames,
                                    unsigned long nr)
{
    unsigned long mfn;

    for ( mfn = 0; mfn < nr; mfn++ )
    {
        fx->frame_held[mfn] = frames[mfn].held;
        fx->frame_type[mfn] = frames[mfn].type;
        fx->frame_type_count[mfn] = frames[mfn].type_count;
    }
}

static void gather_facts(const struct op *op, int status,
                         struct sh_facts *fx)
{
    struct gtio_machine *m = &X.m;
    unsigned int d, g;

    memset(fx, 0, sizeof(*fx));
    fx->status = status;
    fx->took_effect = probe_took_effect(op);
    fx->release_queued = probe_release_queued(op);
    /* Any flush fault so far: the unit may still be failing. */
    fx->flush_fault = flush_faults() != 0;
    for ( d = 0; d < SH_DOMAINS; d++ )
    {
        const struct gtio_domain *cd = gtio_domain(m, d);

        if ( cd->state == GTIO_DOM_NONE )
            continue;
        fx->exists[d] = true;
        fx->crashed[d] = cd->crashed;
        fx->held[d] = cd->held;
        fx->iommu_on[d] = cd->iommu.enabled;
        fx->unconfirmed[d] = cd->iommu.unconfirmed;
        for ( g = 0; g < SH_GRANTS; g++ )
        {
            fx->flags[d][g] = cd->shared[g].flags;
            fx->pins[d][g].host_rw = cd->active[g].pin.host_rw;
            fx->pins[d][g].host_ro = cd->active[g].pin.host_ro;
            fx->pins[d][g].dev_rw = cd->active[g].pin.dev_rw;
            fx->pins[d][g].dev_ro = cd->active[g].pin.dev_ro;
        }
    }
    frame_facts(fx, m->frames, X.sh.hdr.nr_frames);
}

/* ---- one op ---- */

static void log_op(size_t idx, const struct op *op, int status,
                   unsigned long faults_before)
{
    FILE *log = X.opts->log;
    char line[256];

    if ( !log )
        return;
    trace_format_op(line, sizeof(line), op);
    if ( X.res.ignored )
        fprintf(log, "[%zu] %s  (ignored: %s)\n", idx, line,
                op->kind == OP_BEGIN ? "already in a hypercall"
                                     : "not in a hypercall");
    else if ( op->kind == OP_FAULT_NTH || op->kind == OP_FAULT_AT ||
              op->kind == OP_BEGIN )
        fprintf(log, "[%zu] %s\n", idx, line);
    else
        fprintf(log, "[%zu] %s  -> %s\n", idx, line,
                exec_status_name(op->kind, status));
    if ( op->kind == OP_MAP && status == GNTST_okay )
        fprintf(log, "    handle %u\n", X.core_handle);
    if ( fault_injected_total() != faults_before )
        fprintf(log, "    fault injected (%lu in this op, last at %s)\n",
                fault_injected_total() - faults_before,
                fault_point_name(fault_last_injected()));
    shadow_print_diff(log, &X.before, &X.sh);
}

/*
 * Frames are compared as bytes (padding too, so that the view, copied
 * bytewise, can be compared wholesale), with no early exit so that the
 * compiler vectorises the loops, and no call to memcmp(), whose fuzzer
 * interceptor would take the harness's comparisons for the target's.
 */
static inline bool bytes_same(const unsigned char *p, const unsigned char *q,
                              size_t len)
{
    uint64_t x, y, diff = 0;
    size_t i;

    for ( i = 0; i + sizeof(x) <= len; i += sizeof(x) )
    {
        memcpy(&x, p + i, sizeof(x));
        memcpy(&y, q + i, sizeof(y));
        diff |= x ^ y;
    }
    for ( ; i < len; i++ )
        diff |= p[i] ^ q[i];
    return !diff;
}

/*
 * The frames the core changed since the view: v->changed, ascending.  A
 * block at a time (of a size the compiler unrolls), since an op changes
 * few of them.
 */
#define VIEW_BLOCK  32

/* Always inlined: so compiled for its caller's target, and uninstrumented. */
static inline __attribute__((always_inline)) void
scan_changed_frames(struct core_view *v, const struct gtio_frame *frames,
                    unsigned long nr)
{
    const size_t size = sizeof(*frames);
    unsigned long lo, mfn, n;

    v->nr_changed = 0;
    for ( lo = 0; lo < nr; lo += VIEW_BLOCK )
    {
        const void *now = &frames[lo], *was = &v->frame[lo];

        n = nr - lo < VIEW_BLOCK ? nr - lo : VIEW_BLOCK;
        if ( n == VIEW_BLOCK ? bytes_same(now, was, VIEW_BLOCK * size)
                             : bytes_same(now, was, n * size) )
            continue;
        for ( mfn = lo; mfn < lo + n; mfn++ )
            if ( !bytes_same((const void *)&frames[mfn],
                             (const void *)&v->frame[mfn], size) )
                v->changed[v->nr_changed++] = mfn;
    }
}

/*
 * The scan runs at every op over every frame (a wild write by the core
 * must be seen wherever it lands, so it cannot follow what the input
 * touched): twice the vector width halves what a large machine adds to
 * each op.
 */
#if defined(__x86_64__)
__attribute__((target("avx2")))
static void NO_COVERAGE scan_changed_avx2(struct core_view *v,
                                          const struct gtio_frame *frames,
                                          unsigned long nr)
{
    scan_changed_frames(v, frames, nr);
}
#endif

static void NO_COVERAGE find_changed_frames(struct core_view *v,
                                            const struct gtio_frame *frames,
                                            unsigned long nr)
{
#if defined(__x86_64__)
    static int avx2 = -1;

    if ( avx2 < 0 )
        avx2 = __builtin_cpu_supports("avx2");
    if ( avx2 )
    {
        scan_changed_avx2(v, frames, nr);
        return;
    }
#endif
    scan_changed_frames(v, frames, nr);
}

/* The changed frames become the view, and frames the checks look at. */
static void commit_changed_frames(struct core_view *v,
                                  const struct gtio_frame *frames)
{
    unsigned int i;

    for ( i = 0; i < v->nr_changed; i++ )
    {
        memcpy(&v->frame[v->changed[i]], &frames[v->changed[i]],
               sizeof(*frames));
        frame_set_add(&X.frames, v->changed[i]);
    }
    v->nr_changed = 0;
}

/*
 * After the core's init: the view says every frame is free, as the model
 * does, so that a frame the core set up otherwise is changed and checked.
 */
static void NO_COVERAGE init_core_view(struct core_view *v, unsigned long nr)
{
    struct gtio_frame free_frame;
    unsigned long mfn;

    memset(&free_frame, 0, sizeof(free_frame));
    free_frame.owner = GTIO_OWNER_FREE;
    for ( mfn = 0; mfn < nr; mfn++ )
        memcpy(&v->frame[mfn], &free_frame, sizeof(free_frame));
    v->nr_changed = 0;
}

static void NO_COVERAGE take_core_view(struct core_view *v)
{
    const struct gtio_machine *m = &X.m;
    unsigned int d, g;

    for ( d = 0; d < SH_DOMAINS; d++ )
        for ( g = 0; g < SH_GRANTS; g++ )
        {
            const struct gtio_active_entry *a = &m->dom[d].active[g];

            v->flags[d][g] = m->dom[d].shared[g].flags;
            v->pinned[d][g] = a->pin.host_rw || a->pin.host_ro ||
                              a->pin.dev_rw || a->pin.dev_ro;
            v->act_domid[d][g] = a->domid;
            v->act_mfn[d][g] = a->mfn;
        }
}

static bool non_writable_type(unsigned int type)
{
    return type != GTIO_PGT_NONE && type != GTIO_PGT_WRITABLE &&
           type < GTIO_PGT_NR;
}

/*
 * Frames the core freed or typed page table / descriptor in this op (it
 * changed them, so only changed frames are looked at).
 */
static bool check_core_frame_events(size_t idx)
{
    const struct core_view *v = &X.view;
    const struct gtio_machine *m = &X.m;
    struct finding f;
    unsigned int i;

    for ( i = 0; i < v->nr_changed; i++ )
    {
        unsigned long mfn = v->changed[i];
        const struct gtio_frame *fr = &m->frames[mfn];
        const struct gtio_frame *was = &v->frame[mfn];

        finding_init(&f, "freed-reachable", idx);
        if ( was->owner != GTIO_OWNER_FREE &&
             fr->owner == GTIO_OWNER_FREE &&
             oracle_freed_reachable(&X.sh, mfn, &f) )
            return report(&f);
        finding_init(&f, "pagetable-writable", idx);
        if ( non_writable_type(fr->type) && fr->type_count &&
             (fr->type != was->type || !was->type_count) &&
             oracle_pagetable_writable(&X.sh, mfn, &f) )
            return report(&f);
    }
    return true;
}

/* Did the core clear a status bit of a pinned entry (see below)? */
static bool NO_COVERAGE core_grant_events(const struct core_view *v,
                                          const struct gtio_machine *m)
{
    unsigned int d, g;

    for ( d = 0; d < SH_DOMAINS; d++ )
        for ( g = 0; g < SH_GRANTS; g++ )
            if ( (v->flags[d][g] & ~m->dom[d].shared[g].flags &
                  (GTF_reading | GTF_writing)) &&
                 v->pinned[d][g] && v->act_domid[d][g] < SH_DOMAINS )
                return true;
    return false;
}

/* Status bits the core cleared in this op, which a pin had needed. */
static bool check_core_grant_events(size_t idx)
{
    const struct core_view *v = &X.view;
    const struct gtio_machine *m = &X.m;
    struct finding f;
    unsigned int d, g;

    if ( !core_grant_events(v, m) )
        return true;

    for ( d = 0; d < SH_DOMAINS; d++ )
        for ( g = 0; g < SH_GRANTS; g++ )
        {
            struct sh_flag_clear ev = {
                .rd = d, .ref = g, .ld = v->act_domid[d][g],
                .mfn = v->act_mfn[d][g],
                .bits = v->flags[d][g] & ~m->dom[d].shared[g].flags &
                        (GTF_reading | GTF_writing),
            };

            if ( !ev.bits || !v->pinned[d][g] || ev.ld >= SH_DOMAINS )
                continue;
            finding_init(&f, "grant-released-early", idx);
            if ( oracle_grant_released_early(&X.sh, &ev, true, &f) )
                return report(&f);
        }
    return true;
}

/* Frees and type changes, as the model and as the core made them. */
static bool check_frame_events(size_t idx)
{
    struct finding f;
    unsigned int i;

    for ( i = 0; i < X.res.nr_freed; i++ )
    {
        finding_init(&f, "freed-reachable", idx);
        if ( oracle_freed_reachable(&X.sh, X.res.freed[i], &f) )
            return report(&f);
    }
    for ( i = 0; i < X.res.nr_retyped; i++ )
    {
        finding_init(&f, "pagetable-writable", idx);
        if ( oracle_pagetable_writable(&X.sh, X.res.retyped[i], &f) )
            return report(&f);
    }
    return check_core_frame_events(idx);
}

static bool check_grant_events(size_t idx)
{
    struct finding f;
    unsigned int i;

    for ( i = 0; i < X.res.nr_cleared; i++ )
    {
        finding_init(&f, "grant-released-early", idx);
        if ( oracle_grant_released_early(&X.sh, &X.res.cleared[i], false,
                                         &f) )
            return report(&f);
    }
    return check_core_grant_events(idx);
}

static bool check_hypercall_end(size_t idx)
{
    struct finding f;

    finding_init(&f, "stale-dma", idx);
    if ( oracle_stale_dma(&X.sh, false, &f) )
        return report(&f);
    finding_init(&f, "dma-fault", idx);
    if ( oracle_dma_fault(&X.sh, &X.frames, &f) )
        return report(&f);
    return true;
}

/*
 * The order puts the most specific check first: an event on a frame, then
 * what any device may reach, then the granter's status bits (their
 * release is a consequence of the unmap that stale-dma already judges),
 * then the bookkeeping.
 */
static bool check_after(size_t idx)
{
    struct finding f;
    char why[200];

    vtd_sim_sync();
    find_changed_frames(&X.view, X.m.frames, X.sh.hdr.nr_frames);
    /* Misuse of the hardware is only meaningful while it is not broken. */
    if ( !X.sh.faulted && vtd_sim_protocol_error(why, sizeof(why)) )
        return report_simple("vtd-protocol", idx, -1, -1, why);
    if ( !check_frame_events(idx) )
        return false;
    commit_changed_frames(&X.view, X.m.frames);
    if ( X.res.hypercall && !check_hypercall_end(idx) )
        return false;
    /*
     * Inside a hypercall nothing may be reachable beyond what the deferred
     * invalidations still cover (a table page freed and reused too early).
     */
    finding_init(&f, "stale-dma", idx);
    if ( !X.res.hypercall && X.sh.in_hypercall &&
         oracle_stale_dma(&X.sh, true, &f) )
        return report(&f);
    if ( !check_grant_events(idx) )
        return false;
    finding_init(&f, "accounting", idx);
    if ( oracle_accounting(&X.sh, &X.m, &X.frames, &f) )
        return report(&f);
    if ( X.res.hypercall && !X.sh.faulted &&
         oracle_leaks(&X.sh, &X.m, &X.base, &X.frames, &f) )
        return report(&f);
    return true;
}

/* The executor's rule (exec.h), as the model applies it. */
static bool op_ignored(const struct op *op)
{
    return (op->kind == OP_BEGIN && X.sh.in_hypercall) ||
           (op->kind == OP_END && !X.sh.in_hypercall);
}

static bool check_map_handle(size_t idx, const struct op *op, int status)
{
    char why[160];

    if ( op->kind != OP_MAP || status != GNTST_okay ||
         X.res.status != GNTST_okay || X.core_handle == X.res.handle )
        return true;
    snprintf(why, sizeof(why), "map returned handle %u, the lowest free "
             "handle is %u", X.core_handle, X.res.handle);
    return report_simple("status-mismatch", idx, op->d, -1, why);
}

/*
 * The outcome may depend on the core: predict the op from the model as it
 * was (X.snap) for the probes, then re-apply it as the core shows it.
 */
static bool model_from_core(size_t idx, const struct op *op, int status,
                            unsigned long faults_before)
{
    static struct sh_facts facts;
    enum sh_verdict verdict;
    char why[240];

    X.snap = X.sh;
    shadow_apply(&X.sh, op, &X.res);
    if ( !check_map_handle(idx, op, status) )
        return false;
    gather_facts(op, status, &facts);
    X.sh = X.snap;
    verdict = shadow_reapply(&X.sh, op, &facts, &X.res, why, sizeof(why));
    log_op(idx, op, status, faults_before);
    if ( verdict != SH_ALLOWED )
        return report_simple(verdict == SH_BAD_STATUS ? "status-mismatch"
                                                      : "accounting",
                             idx, op->d < OP_DOMAINS ? op->d : -1, -1, why);
    return true;
}

static bool model_predicts(size_t idx, const struct op *op, int status,
                           unsigned long faults_before)
{
    char why[240];

    shadow_apply(&X.sh, op, &X.res);
    if ( !check_map_handle(idx, op, status) )
        return false;
    log_op(idx, op, status, faults_before);
    if ( X.res.ignored || status == X.res.status )
        return true;
    snprintf(why, sizeof(why), "%s returned %s, expected %s",
             op_kind_name(op->kind), exec_status_name(op->kind, status),
             exec_status_name(op->kind, X.res.status));
    return report_simple("status-mismatch", idx,
                         op->d < OP_DOMAINS ? op->d : -1, -1, why);
}

/*
 * The model is applied after the core ran (it does not depend on it), so
 * that it is copied only when the outcome turns out to depend on the core,
 * not for every op a fault is merely armed in.
 */
static bool exec_op(size_t idx, const struct op *op)
{
    unsigned long faults_before = fault_injected_total();
    unsigned long flush_before = flush_faults();
    /*
     * After a flush fault the unit may stay broken (a register invalidation
     * that never completes): any later op may fail as if faulted.
     */
    bool open = shadow_outcome_open(&X.sh, op) || flush_before;
    int status = 0;

    if ( X.opts->log )
        X.before = X.sh;
    /* The frames the model may change from now on. */
    frame_set_add(&X.frames, op->mfn);

    take_core_view(&X.view);
    if ( X.opts->before_op )
        X.opts->before_op(&X.m, idx, X.opts->ctx);
    if ( !op_ignored(op) && !run_on_core(op, &status) )
    {
        X.out->faults = fault_injected_total();
        return fatal_event(idx);
    }
    if ( X.opts->after_op )
        X.opts->after_op(&X.m, idx, X.opts->ctx);

    if ( fault_injected_total() != faults_before || open )
    {
        if ( !model_from_core(idx, op, status, faults_before) )
            return false;
    }
    else if ( !model_predicts(idx, op, status, faults_before) )
        return false;
    return check_after(idx);
}

static bool run_logged(const struct op *op)
{
    size_t idx = X.ran.nr_ops;

    trace_push(&X.ran, op);
    return exec_op(idx, op);
}

/* The input is over: close the hypercall, destroy everything, check. */
static bool finish(void)
{
    struct op op;
    unsigned int d, p;

    if ( X.sh.in_hypercall )
    {
        memset(&op, 0, sizeof(op));
        op.kind = OP_END;
        if ( !run_logged(&op) )
            return false;
    }
    if ( fault_armed() )
    {
        memset(&op, 0, sizeof(op));
        op.kind = OP_FAULT_NTH;
        if ( !run_logged(&op) )
            return false;
        for ( p = 0; p < FP_NR; p++ )
        {
            op.kind = OP_FAULT_AT;
            op.point = p;
            if ( !run_logged(&op) )
                return false;
        }
    }
    for ( d = 0; d < SH_DOMAINS; d++ )
        if ( X.sh.dom[d].state == SH_DOM_LIVE )
        {
            memset(&op, 0, sizeof(op));
            op.kind = OP_DESTROY;
            op.d = d;
            if ( !run_logged(&op) )
                return false;
        }
    return true;
}

static void machine_teardown(void)
{
    gtio_machine_teardown(&X.m);
}

/* Call fn on the core; false if it did not return. */
static bool guarded(void (*fn)(void))
{
    volatile bool returned = false;

    harness_set_unwind(&X.unwind);
    if ( !setjmp(X.unwind) )
    {
        fn();
        returned = true;
    }
    harness_set_unwind(NULL);
    return returned;
}

static bool teardown_machine(void)
{
    size_t last = X.ran.nr_ops ? X.ran.nr_ops - 1 : 0;
    char msg[160];

    if ( !guarded(machine_teardown) )
        return fatal_event(last);
    if ( X.sh.faulted )
        return true;
    if ( heap_live_pages() || heap_live_xmallocs() )
    {
        snprintf(msg, sizeof(msg), "after every domain was destroyed and "
                 "the machine torn down: %u heap pages and %u xmalloc "
                 "blocks still live", heap_live_pages(),
                 heap_live_xmallocs());
        return report_simple("accounting", last, -1, -1, msg);
    }
    return true;
}

static int init_rc;
static struct gtio_config init_cfg;

static void machine_init(void)
{
    init_rc = gtio_machine_init(&X.m, &init_cfg);
}

static bool start(const struct run_header *h)
{
    struct vtd_sim_caps caps = {
        .cm = h->cm, .psi = h->psi, .qi = h->qi, .coherent = h->coherent,
        .rwbf = h->rwbf, .mamv = h->mamv, .completion_delay = h->delay,
    };
    struct gtio_config cfg = {
        .nr_frames = h->nr_frames, .iommu_readonly = h->iommu_readonly,
        .psi_max = h->psi_max,
    };
    char msg[96];
    int rc;

    harness_hooks_reset();
    fault_reset();
    heap_reset();
    vtd_sim_reset(&caps);
    vtd_sim_set_bfn_limit(h->nr_frames);
    cfg.vtd_regs = vtd_sim_regs();
    init_cfg = cfg;
    if ( !guarded(machine_init) )
        return fatal_event(0);
    rc = init_rc;
    if ( rc )
    {
        snprintf(msg, sizeof(msg), "gtio_machine_init failed: %d", rc);
        return report_simple("hypervisor-bug", 0, -1, -1, msg);
    }
    X.base.pages = heap_live_pages();
    X.base.xmallocs = heap_live_xmallocs();
    shadow_reset(&X.sh, h);
    frame_set_init(&X.frames, h->nr_frames);
    init_core_view(&X.view, h->nr_frames);
    find_changed_frames(&X.view, X.m.frames, h->nr_frames);
    commit_changed_frames(&X.view, X.m.frames);
    return true;
}

bool exec_run(const struct trace *t, const struct exec_opts *opts,
              struct exec_result *res)
{
    static const struct exec_opts quiet;
    size_t i;
    bool ok;

    memset(res, 0, sizeof(*res));
    X.opts = opts ? opts : &quiet;
    X.out = res;
    if ( !X.ran.ops )
        trace_init(&X.ran);
    trace_clear(&X.ran);
    X.ran.hdr = t->hdr;
    X.nr_input = t->nr_ops;

    ok = start(&t->hdr);
    for ( i = 0; ok && i < t->nr_ops; i++ )
    {
        ok = run_logged(&t->ops[i]);
        res->ops_run = i + 1;
    }
    if ( ok )
        ok = finish() && teardown_machine();
    res->faults = fault_injected_total();
    return ok;
}
