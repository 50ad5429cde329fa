/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * soak: the no-false-positive run of docs/design.md, "The model and the checks".  Seeded random
 * op sequences through the executor, every check on, until a number of
 * ops has run.  Unlike raw fuzzer bytes, the ops are drawn from small
 * sets of domains, refs, handles and frames, so that most of them do
 * something (a map finds a grant, an unmap a handle, a free a mapping).
 * Input i takes capability combination i mod RUN_CAP_COMBINATIONS (cm,
 * psi, qi, coherent, rwbf, read-only, drain, sid_tag), so every
 * combination gets an equal share, and every fourth input arms faults.  On the correct core nothing may be found:
 * each finding is saved as OUT/soak-SEED-I.trace (never overwriting) for
 * `replay`, and the exit status is 1.
 *
 *   soak [--ops N] [--seed S] [--len OPS] [--out DIR]
 *       --len: ops per input are drawn from LEN/2 .. 3*LEN/2
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <public/xen.h>
#include <public/grant_table.h>

#include "exec.h"
#include "fault.h"
#include "file.h"
#include "trace.h"

#define SOAK_REFS           4       /* few refs and handles: ops collide */
#define SOAK_HANDLES        6
#define SOAK_DOMAINS        4       /* domids 0..3 */

struct soak_opts {
    unsigned long long ops;
    unsigned long long seed;
    unsigned long len;
    const char *out;
};

/* splitmix64: small, seedable, and good enough to pick ops. */
static uint64_t next_random(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);

    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* Uniform enough in 0..n-1 for n far below 2^32. */
static unsigned int pick(uint64_t *state, unsigned int n)
{
    return next_random(state) % n;
}

/*
 * A limit of gtio's batch record: mostly 1 to 3, so that short batches
 * reach it; now and then Xen's (0) or anything up to past Xen's.
 */
static uint8_t random_limit(uint64_t *st, unsigned int max)
{
    if ( !pick(st, 4) )
        return 0;
    return pick(st, 2) ? 1 + pick(st, 3) : 1 + pick(st, max);
}

static void random_header(struct run_header *h, uint64_t *st,
                          unsigned long long index)
{
    run_header_default(h);
    run_header_set_combination(h, index % RUN_CAP_COMBINATIONS);
    h->mamv = pick(st, 4) ? pick(st, 10) : 0;
    h->delay = pick(st, 5);
    h->nr_frames = 8 + pick(st, 24);
    h->psi_max = pick(st, 4) ? pick(st, 6) : pick(st, RUN_MAX_PSI_MAX + 1);
    h->pending_pages = random_limit(st, RUN_MAX_PENDING);
    h->pending_tables = random_limit(st, RUN_MAX_PENDING);
    h->batch_domains = random_limit(st, RUN_MAX_BATCH_DOMAINS);
    h->pin_bits = random_limit(st, RUN_MAX_PIN_BITS);
    h->maptrack_order = random_limit(st, RUN_MAX_MAPTRACK_ORDER);
    h->unmap_batch = random_limit(st, RUN_MAX_UNMAP_BATCH);
    /* A queue of 2..4 entries fills; now and then any length. */
    h->qi_entries = !pick(st, 3) ? 0 : pick(st, 2) ? 2 + pick(st, 3)
                                                   : 2 + pick(st, 254);
}

/*
 * What the generator remembers of its own input, so that later ops refer
 * to earlier ones: a map most often names a grant that was written, with
 * the grantee as mapping domain.
 */
struct soak_gen {
    uint64_t *st;
    unsigned int frames;
    bool faults;
    struct op last_grant;
    /* Frames each domain was given (may since have gone): what it grants. */
    unsigned int nr_owned[SOAK_DOMAINS];
    uint32_t owned[SOAK_DOMAINS][8];
    /* Maps asked for, per domain: Xen hands out handles 0, 1, 2, ... */
    unsigned int nr_maps[SOAK_DOMAINS];
};

static void remember_frame(struct soak_gen *g, unsigned int d, uint32_t mfn)
{
    unsigned int n = g->nr_owned[d];

    g->owned[d][n < 8 ? n : pick(g->st, 8)] = mfn;
    if ( n < 8 )
        g->nr_owned[d]++;
}

/* Mostly a frame d was given: a grant that maps. */
static uint32_t frame_of(struct soak_gen *g, unsigned int d)
{
    if ( d < SOAK_DOMAINS && g->nr_owned[d] && pick(g->st, 4) )
        return g->owned[d][pick(g->st, g->nr_owned[d])];
    return pick(g->st, g->frames);
}

static unsigned int min_handles(unsigned int n)
{
    return n < OP_HANDLES ? n : OP_HANDLES;
}

/* Mostly the first few refs; now and then the edge of a grant frame. */
static uint32_t random_ref(struct soak_gen *g)
{
    static const uint32_t edges[] = { 511, 512, 1023, 0xffffffffU };

    return pick(g->st, 16) ? pick(g->st, SOAK_REFS)
                           : edges[pick(g->st, 4)];
}

static void random_create(struct soak_gen *g, struct op *op, unsigned int d)
{
    *op = (struct op){ .kind = OP_CREATE, .d = d,
                       .iommu = pick(g->st, 4) != 0,
                       .n = pick(g->st, 8) ? 1 + pick(g->st, 3)
                                           : op_gframes_value(
                                                 pick(g->st, OP_GFRAME_CODES)),
                       .maptrack = pick(g->st, 8) ? 1
                                   : pick(g->st, OP_MAPTRACK_MAX + 1) };
}

static void random_grant_write(struct soak_gen *g, struct op *op)
{
    op->kind = OP_GRANT_WRITE;
    op->ref = random_ref(g);
    op->grantee = pick(g->st, SOAK_DOMAINS);
    op->mfn = frame_of(g, op->d);
    op->flags = pick(g->st, 5) ? GTF_permit_access |
                                 (pick(g->st, 3) ? 0 : GTF_readonly)
                               : pick(g->st, 64);
    g->last_grant = *op;
}

/*
 * The granter's other vCPU, mostly on the entry just written (the next
 * map of it is likely): GTF_readonly, the type, sub-page or status bits,
 * or any bits, flipped once, a few times or at every update of the call.
 */
static void random_race(struct soak_gen *g, struct op *op)
{
    static const uint16_t bits[] = {
        GTF_readonly, GTF_permit_access, GTF_sub_page, GTF_transitive,
        GTF_reading, GTF_writing, GTF_reading | GTF_readonly,
        GTF_reading | GTF_writing,
    };
    static const uint8_t counts[] = { 0, 1, 2, 5 };

    op->kind = OP_RACE;
    op->ref = random_ref(g);
    if ( g->last_grant.kind == OP_GRANT_WRITE && pick(g->st, 4) )
    {
        op->d = g->last_grant.d;
        op->ref = g->last_grant.ref;
    }
    op->flags = pick(g->st, 4) ? bits[pick(g->st, sizeof(bits) /
                                                  sizeof(bits[0]))]
                               : pick(g->st, 64);
    op->n = counts[pick(g->st, 4)];
}

static void random_map(struct soak_gen *g, struct op *op)
{
    op->kind = OP_MAP;
    op->rd = pick(g->st, 8) ? pick(g->st, SOAK_DOMAINS) : DOMID_SELF;
    op->ref = random_ref(g);
    op->flags = 1 + pick(g->st, 7);
    if ( g->last_grant.kind == OP_GRANT_WRITE && pick(g->st, 4) )
    {
        op->d = g->last_grant.grantee;
        op->rd = g->last_grant.d;
        op->ref = g->last_grant.ref;
    }
    if ( op->d < SOAK_DOMAINS )
        g->nr_maps[op->d]++;
}

/*
 * One op, weighted towards what makes state: few domains, refs, handles
 * and frames, so maps find grants, unmaps find handles and frees find
 * mappings.  Mostly valid flags, sometimes anything (bad-input statuses).
 */
static void random_op(struct soak_gen *g, struct op *op)
{
    uint64_t *st = g->st;
    unsigned int k = pick(st, g->faults ? 100 : 97);

    memset(op, 0, sizeof(*op));
    op->d = pick(st, SOAK_DOMAINS);
    op->mfn = pick(st, g->frames);
    if ( k < 3 )
        random_create(g, op, op->d);
    else if ( k < 4 )
        op->kind = OP_DESTROY;
    else if ( k < 8 )
        *op = (struct op){ .kind = OP_ASSIGN, .d = op->d, .dev = pick(st, 4) };
    else if ( k < 9 )
        *op = (struct op){ .kind = OP_DEASSIGN, .dev = pick(st, 4) };
    else if ( k < 19 )
    {
        op->kind = OP_POPULATE;
        remember_frame(g, op->d, op->mfn);
    }
    else if ( k < 25 )
    {
        op->kind = OP_REMOVE;
        op->mfn = frame_of(g, op->d);
    }
    else if ( k < 31 )
    {
        static const uint8_t types[] = { 1, 2, 3, 4, 5, 7, 7, 7 };

        op->kind = OP_GET_TYPE;
        op->type = pick(st, 4) ? types[pick(st, 8)] : pick(st, OP_PAGE_TYPES);
        op->mfn = frame_of(g, op->d);
    }
    else if ( k < 35 )
    {
        op->kind = OP_PUT_TYPE;
        op->mfn = frame_of(g, op->d);
    }
    else if ( k < 44 )
        random_grant_write(g, op);
    else if ( k < 46 )
        random_race(g, op);
    else if ( k < 67 )
        random_map(g, op);
    else if ( k < 83 )
    {
        op->kind = OP_UNMAP;
        op->handle = pick(st, g->nr_maps[op->d] < SOAK_HANDLES ? SOAK_HANDLES
                              : min_handles(g->nr_maps[op->d] + 1));
        op->flags = pick(st, 8) ? 1 + pick(st, 3) : pick(st, 8);
    }
    else if ( k < 85 )
    {
        op->kind = pick(st, 3) ? OP_SETUP_TABLE : OP_QUERY_SIZE;
        op->rd = pick(st, 4) ? DOMID_SELF : pick(st, SOAK_DOMAINS);
        op->n = op_gframes_value(pick(st, OP_GFRAME_CODES));
    }
    else if ( k < 89 )
        op->kind = OP_BEGIN;
    else if ( k < 91 )
        *op = (struct op){ .kind = OP_PREEMPT, .n = pick(st, 4) };
    else if ( k < 97 )
        op->kind = OP_END;
    else if ( k < 99 )
        *op = (struct op){ .kind = OP_FAULT_NTH, .n = 1 + pick(st, 30) };
    else
        *op = (struct op){ .kind = OP_FAULT_AT, .point = pick(st, FP_NR),
                           .n = 1 + pick(st, 5) };
}

/* Most inputs start from a populated machine: domains, devices, frames. */
static void random_prologue(struct soak_gen *g, struct trace *t)
{
    struct op op;
    unsigned int d, i;

    for ( d = 0; d < SOAK_DOMAINS; d++ )
    {
        random_create(g, &op, d);
        trace_push(t, &op);
        op = (struct op){ .kind = OP_ASSIGN, .d = d, .dev = d };
        if ( pick(g->st, 4) )
            trace_push(t, &op);
        for ( i = 0; i < 2; i++ )
        {
            op = (struct op){ .kind = OP_POPULATE, .d = d,
                              .mfn = pick(g->st, g->frames) };
            remember_frame(g, d, op.mfn);
            trace_push(t, &op);
        }
    }
}

/*
 * One granted frame of a burst: populated, sometimes left without the
 * writable type (an L1 pinned and unpinned), so that a writable map of it
 * changes its owner's IOMMU too.
 */
static unsigned int burst_grant(struct soak_gen *g, struct trace *t,
                                unsigned int rd, unsigned int ld,
                                uint32_t ref)
{
    uint32_t mfn = pick(g->st, g->frames);
    struct op op = { .kind = OP_POPULATE, .d = rd, .mfn = mfn };
    unsigned int pushed = trace_push(t, &op);

    remember_frame(g, rd, mfn);
    if ( pick(g->st, 2) )
    {
        op = (struct op){ .kind = OP_GET_TYPE, .d = rd, .mfn = mfn,
                          .type = 1 };
        pushed += trace_push(t, &op);
        op = (struct op){ .kind = OP_PUT_TYPE, .d = rd, .mfn = mfn };
        pushed += trace_push(t, &op);
    }
    op = (struct op){ .kind = OP_GRANT_WRITE, .d = rd, .ref = ref,
                      .flags = GTF_permit_access, .grantee = ld, .mfn = mfn };
    return pushed + trace_push(t, &op);
}

/*
 * One hypercall of several maps, or unmaps, by one domain of distinct
 * frames other domains grant it: what fills gtio's batch record, whose
 * limits are small in most inputs (random_limit()).  Returns the ops
 * pushed.
 */
static unsigned int random_burst(struct soak_gen *g, struct trace *t)
{
    unsigned int ld = pick(g->st, SOAK_DOMAINS);
    unsigned int k = 2 + pick(g->st, 7), i, pushed = 0;
    unsigned int rd[8];
    uint32_t parts = pick(g->st, 2) ? GNTMAP_device_map
                                    : GNTMAP_host_map | GNTMAP_device_map;
    struct op op;

    for ( i = 0; i < k; i++ )
    {
        rd[i] = pick(g->st, SOAK_DOMAINS);
        pushed += burst_grant(g, t, rd[i], ld, i);
    }
    op = (struct op){ .kind = OP_BEGIN };
    pushed += trace_push(t, &op);
    for ( i = 0; i < k; i++ )
    {
        op = (struct op){ .kind = OP_MAP, .d = ld, .rd = rd[i], .ref = i,
                          .flags = parts };
        pushed += trace_push(t, &op);
    }
    op = (struct op){ .kind = OP_END };
    pushed += trace_push(t, &op);
    g->nr_maps[ld] += k;
    if ( pick(g->st, 2) )
        return pushed;
    /* And all of them unmapped in one hypercall. */
    op = (struct op){ .kind = OP_BEGIN };
    pushed += trace_push(t, &op);
    for ( i = 0; i < k; i++ )
    {
        op = (struct op){ .kind = OP_UNMAP, .d = ld,
                          .handle = g->nr_maps[ld] - k + i,
                          .flags = UNMAP_HOST | UNMAP_DEVICE };
        pushed += trace_push(t, &op);
    }
    op = (struct op){ .kind = OP_END };
    return pushed + trace_push(t, &op);
}

/*
 * One domain maps one frame of another many times, all read-only or all
 * writable, through one to three grants of it (so that pin counters
 * scaled down do not stop it first): what fills the per-frame mapping
 * count of a build that narrows it (make soak's second run).  Returns
 * the ops pushed.
 */
static unsigned int random_frame_storm(struct soak_gen *g, struct trace *t)
{
    unsigned int ld = pick(g->st, SOAK_DOMAINS), rd = pick(g->st, SOAK_DOMAINS);
    unsigned int refs = 1 + pick(g->st, 3), k = 8 + pick(g->st, 4), i;
    uint32_t mfn = pick(g->st, g->frames);
    bool ro = pick(g->st, 2);
    struct op op = { .kind = OP_POPULATE, .d = rd, .mfn = mfn };
    unsigned int pushed = trace_push(t, &op);

    remember_frame(g, rd, mfn);
    for ( i = 0; i < refs; i++ )
    {
        op = (struct op){ .kind = OP_GRANT_WRITE, .d = rd, .ref = i,
                          .flags = GTF_permit_access |
                                   (ro ? GTF_readonly : 0),
                          .grantee = ld, .mfn = mfn };
        pushed += trace_push(t, &op);
    }
    for ( i = 0; i < k; i++ )
    {
        op = (struct op){ .kind = OP_MAP, .d = ld, .rd = rd, .ref = i % refs,
                          .flags = (pick(g->st, 2) ? GNTMAP_host_map
                                                   : GNTMAP_device_map) |
                                   (ro ? GNTMAP_readonly : 0) };
        pushed += trace_push(t, &op);
    }
    g->nr_maps[ld] += k;
    return pushed;
}

/* A quarter of the inputs arm faults: the rest check the fault-free paths. */
static void random_input(struct trace *t, uint64_t *st,
                         unsigned long long index, unsigned long len)
{
    struct soak_gen g = { .st = st, .faults = index % 4 == 3 };
    unsigned long i, n = len / 2 + pick(st, len);
    struct op op;

    trace_clear(t);
    random_header(&t->hdr, st, index);
    g.frames = t->hdr.nr_frames;
    if ( pick(st, 8) )
        random_prologue(&g, t);
    for ( i = 0; i < n; i++ )
    {
        if ( !pick(st, 40) )
        {
            i += random_burst(&g, t);
            continue;
        }
        if ( !pick(st, 50) )
        {
            i += random_frame_storm(&g, t);
            continue;
        }
        if ( !pick(st, 50) )
        {
            /* A device's DMA: where it may fault, a fault record. */
            op = (struct op){ .kind = OP_DMA, .dev = pick(st, 4),
                              .mfn = pick(st, g.frames),
                              .n = pick(st, 2) };
            trace_push(t, &op);
            continue;
        }
        random_op(&g, &op);
        trace_push(t, &op);
    }
}

static bool parse_number(const char *opt, const char *s,
                         unsigned long long *v)
{
    char *end;

    errno = 0;
    *v = strtoull(s, &end, 0);
    if ( errno || end == s || *end || *s == '-' )
    {
        fprintf(stderr, "soak: %s wants a number, not '%s'\n", opt, s);
        return false;
    }
    return true;
}

static int usage(void)
{
    fprintf(stderr,
            "usage: soak [--ops N] [--seed S] [--len OPS] [--out DIR]\n");
    return 2;
}

static bool parse_option(const char *opt, const char *val, struct soak_opts *o)
{
    unsigned long long v;

    if ( !strcmp(opt, "--out") )
    {
        o->out = val;
        return true;
    }
    if ( strcmp(opt, "--ops") && strcmp(opt, "--seed") &&
         strcmp(opt, "--len") )
    {
        fprintf(stderr, "soak: unknown option '%s'\n", opt);
        return false;
    }
    if ( !parse_number(opt, val, &v) )
        return false;
    if ( !strcmp(opt, "--ops") )
        o->ops = v;
    else if ( !strcmp(opt, "--seed") )
        o->seed = v;
    else if ( v < 1 || v > TRACE_MAX_OPS / 2 )
    {
        fprintf(stderr, "soak: --len must be 1..%d\n", TRACE_MAX_OPS / 2);
        return false;
    }
    else
        o->len = v;
    return true;
}

static bool parse_args(int argc, char **argv, struct soak_opts *o)
{
    int i;

    for ( i = 1; i < argc; i += 2 )
    {
        if ( i + 1 >= argc )
        {
            fprintf(stderr, "soak: '%s' wants a value\n", argv[i]);
            return false;
        }
        if ( !parse_option(argv[i], argv[i + 1], o) )
            return false;
    }
    return true;
}

/* The input that found something, as a text trace for replay. */
static void save_finding(const struct soak_opts *o, unsigned long long index,
                         const struct trace *t)
{
    char name[64];

    snprintf(name, sizeof(name), "soak-%llu-%llu.trace", o->seed, index);
    file_save_trace("soak", o->out, name, t);
}

int main(int argc, char **argv)
{
    struct soak_opts o = { .ops = 1000000, .seed = 1, .len = 160,
                           .out = "build/soak" };
    unsigned long long index, ops = 0, findings = 0, fail_stops = 0;
    unsigned long faults = 0;
    /* How often each limit (gtio's batch record, pins, maptrack) was reached. */
    unsigned long pages_full = 0, tables_full = 0, domains_full = 0;
    unsigned long pins_full = 0, maptrack_full = 0, gnttab_full = 0;
    unsigned long unmap_chunked = 0, queue_full = 0, count_full = 0;
    unsigned long preemptions = 0;
    struct exec_opts eo = { .report = stderr };
    struct timespec t0, t1;
    struct trace t;
    uint64_t state;
    double secs;

    if ( !parse_args(argc, argv, &o) )
        return usage();
    state = o.seed;
    trace_init(&t);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for ( index = 0; ops < o.ops; index++ )
    {
        struct exec_result res;

        random_input(&t, &state, index, o.len);
        if ( !exec_run(&t, &eo, &res) && res.finding )
        {
            findings++;
            save_finding(&o, index, &t);
        }
        fail_stops += res.fail_stop;
        faults += res.faults;
        ops += res.ops_run;
        pages_full += res.pages_full;
        tables_full += res.tables_full;
        domains_full += res.domains_full;
        pins_full += res.pins_full;
        maptrack_full += res.maptrack_full;
        gnttab_full += res.gnttab_full;
        unmap_chunked += res.unmap_chunked;
        queue_full += res.queue_full;
        count_full += res.count_full;
        preemptions += res.preemptions;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    secs = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
    printf("soak: seed %llu: %llu inputs, %llu ops, %d capability "
           "combinations, %lu faults injected, %llu fail-stops, "
           "%llu findings, %.1f s (%.0f ops/s)\n",
           o.seed, index, ops, RUN_CAP_COMBINATIONS, faults, fail_stops,
           findings, secs, ops / (secs > 0 ? secs : 1));
    printf("soak: limits reached: pending_pages %lu, pending_tables %lu, "
           "batch_domains %lu, pins %lu, maptrack %lu, gnttab %lu, "
           "unmap_chunks %lu, queue %lu, frame_counts %lu\n",
           pages_full, tables_full, domains_full, pins_full, maptrack_full,
           gnttab_full, unmap_chunked, queue_full, count_full);
    printf("soak: hypercalls preempted and continued: %lu\n", preemptions);
    trace_free(&t);
    return findings ? 1 : 0;
}
