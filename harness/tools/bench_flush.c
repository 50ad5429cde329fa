/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * bench_flush: the seed's flushing against Xen 4.17's (make bench-flush).
 *
 * Workloads a PV backend really issues run through the executor, every
 * check on, under the three policies of the same core (enum
 * gtio_flush_policy: the design's deferred and merged flush, Xen 4.17's
 * one synchronous invalidation per change, and a domain-selective one per
 * change), each with CAP.PSI and CAP.CM on and off, queued invalidation
 * on.  For the calls a workload measures, the simulated unit counts the
 * IOTLB invalidations it fetched (page-, domain-selective, global) and
 * the waits.  Any finding of the checks fails the run.
 *
 *   bench_flush [--data FILE]
 *       the table on stdout; with --data, one line per measurement for
 *       gnuplot (scripts/bench-flush.sh draws it)
 *
 * Exit status: 0, 1 a finding of the checks, 2 usage.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <public/xen.h>
#include <public/grant_table.h>

#include "exec.h"
#include "trace.h"
#include "vtd_sim.h"

#define BACKEND         1       /* the driver domain, with the device */
#define FIRST_FRONTEND  2       /* d2..d5 grant it their pages */
#define FRONTENDS       4
#define DEVICE          0
#define FIRST_FRAME     16
/* Grant refs the model keeps per domain (trace.c): 0-15, 511 ... 2048. */
#define REFS            22
#define GRANTS          (FRONTENDS * REFS)

struct window {
    size_t lo, hi;              /* the input's ops measured */
    struct vtd_sim_stats before, sum;
};

/* ---- building the workloads ---- */

static void push(struct trace *t, struct op op)
{
    if ( !trace_push(t, &op) )
        exit(2);
}

/* Grant k: which frontend, which of its refs, which frame. */
static unsigned int grant_domain(unsigned int k)
{
    return FIRST_FRONTEND + (k % GRANTS) / REFS;
}

static uint32_t grant_ref(unsigned int k)
{
    static const struct op_field ref = { .kind = OPF_REF };

    return op_field_from_code(&ref, k % REFS);
}

/*
 * The backend with the device, four frontends whose tables hold every
 * ref the model keeps (five grant frames), and the first n grants made.
 */
static void machine(struct trace *t, unsigned int frames, unsigned int n)
{
    unsigned int d, k;

    trace_clear(t);
    run_header_default(&t->hdr);
    t->hdr.nr_frames = frames;
    push(t, (struct op){ .kind = OP_CREATE, .d = BACKEND, .iommu = 1,
                         .n = 1, .maptrack = 4 });
    push(t, (struct op){ .kind = OP_ASSIGN, .d = BACKEND, .dev = DEVICE });
    for ( d = FIRST_FRONTEND; d < FIRST_FRONTEND + FRONTENDS; d++ )
    {
        push(t, (struct op){ .kind = OP_CREATE, .d = d, .iommu = 1, .n = 5,
                             .maptrack = 1 });
        push(t, (struct op){ .kind = OP_SETUP_TABLE, .d = d,
                             .rd = DOMID_SELF, .n = 5 });
    }
    for ( k = 0; k < n; k++ )
    {
        push(t, (struct op){ .kind = OP_POPULATE, .d = grant_domain(k),
                             .mfn = FIRST_FRAME + k });
        push(t, (struct op){ .kind = OP_GRANT_WRITE, .d = grant_domain(k),
                             .ref = grant_ref(k), .flags = GTF_permit_access,
                             .grantee = BACKEND, .mfn = FIRST_FRAME + k });
    }
}

/*
 * One hypercall of the backend: n maps of grants from..from+n-1 (modulo
 * those made), or n unmaps of handles from..from+n-1.
 */
static void batch(struct trace *t, bool unmap, unsigned int from,
                  unsigned int n)
{
    unsigned int i;

    push(t, (struct op){ .kind = OP_BEGIN });
    for ( i = 0; i < n; i++ )
        push(t, unmap ? (struct op){ .kind = OP_UNMAP, .d = BACKEND,
                                     .handle = from + i,
                                     .flags = UNMAP_HOST | UNMAP_DEVICE }
                      : (struct op){ .kind = OP_MAP, .d = BACKEND,
                                     .rd = grant_domain(from + i),
                                     .ref = grant_ref(from + i),
                                     .flags = GNTMAP_host_map |
                                              GNTMAP_device_map });
    push(t, (struct op){ .kind = OP_END });
}

/* netback: n grants mapped in one hypercall; their unmap is measured. */
static void netback(struct trace *t, struct window *w, unsigned int n)
{
    machine(t, 128, n);
    batch(t, false, 0, n);
    w->lo = t->nr_ops;
    batch(t, true, 0, n);
    w->hi = t->nr_ops - 1;
}

static void netback_32(struct trace *t, struct window *w)
{
    netback(t, w, 32);
}

static void netback_64(struct trace *t, struct window *w)
{
    netback(t, w, 64);
}

/* One op of the given kind by the backend on each of its first n pages. */
static void backend_pages(struct trace *t, unsigned int kind, unsigned int n)
{
    unsigned int i;

    for ( i = 0; i < n; i++ )
        push(t, (struct op){ .kind = kind, .d = BACKEND,
                             .mfn = FIRST_FRAME + i,
                             .type = kind == OP_GET_TYPE ? 1 : 0 });
}

/*
 * blkback: ten requests of 11 segments, each mapped and unmapped in a
 * hypercall of its own (a maptrack handle freed goes to the back of the
 * free list: request r gets handles 11r..11r+10).
 */
static void blkback(struct trace *t, struct window *w)
{
    unsigned int r;

    machine(t, 128, 11);
    w->lo = t->nr_ops;
    for ( r = 0; r < 10; r++ )
    {
        batch(t, false, 0, 11);
        batch(t, true, r * 11, 11);
    }
    w->hi = t->nr_ops - 1;
}

/* The backend pins 64 of its pages as L1 tables and unpins them. */
static void pin_storm(struct trace *t, struct window *w)
{
    machine(t, 128, 0);
    backend_pages(t, OP_POPULATE, 64);
    w->lo = t->nr_ops;
    backend_pages(t, OP_GET_TYPE, 64);
    backend_pages(t, OP_PUT_TYPE, 64);
    w->hi = t->nr_ops - 1;
}

/* The backend gives back 1,000 pages, one decrease_reservation each. */
static void balloon(struct trace *t, struct window *w)
{
    machine(t, 1024, 0);
    backend_pages(t, OP_POPULATE, 1000);
    w->lo = t->nr_ops;
    backend_pages(t, OP_REMOVE, 1000);
    w->hi = t->nr_ops - 1;
}

/* The backend dies holding 256 mappings of 88 frontend pages. */
static void destroy(struct trace *t, struct window *w)
{
    unsigned int i;

    machine(t, 128, GRANTS);
    for ( i = 0; i < 256; i += 32 )
        batch(t, false, i, 32);
    w->lo = t->nr_ops;
    push(t, (struct op){ .kind = OP_DESTROY, .d = BACKEND });
    w->hi = t->nr_ops - 1;
}

/* ---- measuring ---- */

static struct window *measured;

static void before_call(size_t idx, void *ctx)
{
    (void)idx;
    (void)ctx;
    measured->before = *vtd_sim_stats();
}

static void after_call(const struct exec_call_view *call, void *ctx)
{
    const struct vtd_sim_stats *now = vtd_sim_stats();
    size_t last = call->op[call->nr - 1].idx;

    (void)ctx;
    if ( last < measured->lo || last > measured->hi )
        return;
    measured->sum.psi += now->psi - measured->before.psi;
    measured->sum.dsi += now->dsi - measured->before.dsi;
    measured->sum.global += now->global - measured->before.global;
    measured->sum.qi_wait += now->qi_wait - measured->before.qi_wait;
}

struct workload {
    const char *name;
    void (*build)(struct trace *t, struct window *w);
};

static const struct workload workloads[] = {
    { "netback-unmap-32", netback_32 },
    { "netback-unmap-64", netback_64 },
    { "blkback-11x10", blkback },
    { "pin-storm-64", pin_storm },
    { "balloon-out-1000", balloon },
    { "destroy-256-maps", destroy },
};

static const char *const policy_names[] = { "deferred", "xen-4.17", "always" };

/* One workload under one policy and capability set; false: a finding. */
static bool measure(const struct workload *wl, unsigned int policy, bool psi,
                    bool cm, struct window *w, struct trace *t)
{
    struct exec_opts opts = { .report = stderr, .before_op = before_call,
                              .after_call = after_call };
    struct exec_result res;

    memset(w, 0, sizeof(*w));
    wl->build(t, w);
    t->hdr.flush_policy = policy;
    t->hdr.psi = psi;
    t->hdr.cm = cm;
    t->hdr.qi = true;
    measured = w;
    if ( !exec_run(t, &opts, &res) )
    {
        fprintf(stderr, "bench_flush: %s, %s, psi=%d cm=%d: %s\n", wl->name,
                policy_names[policy], psi, cm,
                res.finding ? "a finding of the checks" : "did not run");
        return false;
    }
    return true;
}

int main(int argc, char **argv)
{
    static struct trace t;
    FILE *data = NULL;
    unsigned int i, p, c;
    bool ok = true;

    if ( argc == 3 && !strcmp(argv[1], "--data") )
    {
        data = fopen(argv[2], "w");
        if ( !data )
        {
            perror(argv[2]);
            return 2;
        }
    }
    else if ( argc != 1 )
    {
        fprintf(stderr, "usage: bench_flush [--data FILE]\n");
        return 2;
    }
    trace_init(&t);
    printf("%-18s %-9s %-5s %-4s %6s %6s %6s %6s %6s\n", "workload", "policy",
           "psi", "cm", "psi", "dsi", "global", "inval", "waits");
    for ( i = 0; i < sizeof(workloads) / sizeof(workloads[0]); i++ )
        for ( c = 0; c < 4; c++ )
            for ( p = 0; p <= RUN_MAX_FLUSH_POLICY; p++ )
            {
                struct window w;
                unsigned long inval;

                if ( !measure(&workloads[i], p, c & 1, c & 2, &w, &t) )
                {
                    ok = false;
                    continue;
                }
                inval = w.sum.psi + w.sum.dsi + w.sum.global;
                printf("%-18s %-9s %-5s %-4s %6lu %6lu %6lu %6lu %6lu\n",
                       workloads[i].name, policy_names[p],
                       c & 1 ? "on" : "off", c & 2 ? "on" : "off",
                       w.sum.psi, w.sum.dsi, w.sum.global, inval,
                       w.sum.qi_wait);
                if ( data )
                    fprintf(data, "%s psi=%s,cm=%s %s %lu %lu\n",
                            workloads[i].name, c & 1 ? "on" : "off",
                            c & 2 ? "on" : "off", policy_names[p], inval,
                            w.sum.qi_wait);
            }
    if ( data )
        fclose(data);
    trace_free(&t);
    return ok ? 0 : 1;
}
