/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * explore: every op sequence up to a bound over a tiny machine, through
 * every check.  Random fuzzing samples; this enumerates, so that "no
 * finding up to bound N" is a statement about every input of that shape.
 *
 * The machine: two PV domains with IOMMUs, d1 granting to d2, whose
 * device (dev 1) does DMA; d1 owns frames 10 and 11; grant refs 0 and 1.
 * gtio's batch record is cut to one page, one table and one domain,
 * Xen's pin counters to one bit (a second mapping of a kind of one grant
 * is refused) and its maptrack frames to two handles (d2 may have two
 * frames: three live handles), so that their limits are in reach.  Every
 * one of the 256 combinations of CAP.CM, CAP.PSI, ECAP.QI, ECAP.C,
 * CAP.RWBF, CAP.DRD/DWD, source-id tagging and read-only IOMMU mappings
 * is explored.
 *
 * Moves (the alphabet, build_alphabet() below) are what d1, d2, the toolstack and
 * the device may do there: grant and revoke, map and unmap (alone or two
 * in one hypercall), page-table promotion and demotion, freeing a frame,
 * destroying a domain, moving the device, DMA, a racing vCPU, and a
 * failure armed at each fault point.
 *
 * Breadth first, one bound at a time: bound n runs every sequence of n
 * moves that extends a state first seen at bound n - 1.  After each run
 * the whole state is digested (exec_digest(): model, Xen's heap frames
 * and domains, fault armings, the simulated unit); a state already seen
 * is not extended again.  A bound is complete when every combination's
 * frontier was extended; the run stops at the first finding (unless
 * --keep-going), when time is up, or when no new state is left.
 * --no-prune extends every sequence (the digest is then only counted):
 * exponential, but it does not rely on the digest.
 *
 * A finding is saved as OUT/explore-COMBO-N.trace (never overwriting);
 * the exit status is then 1.
 *
 *   explore [--depth N] [--time SECONDS] [--caps all|0..255]
 *           [--no-prune] [--keep-going] [--out DIR]
 */
#include <errno.h>
#include <stdbool.h>
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

#define NR_COMBOS       RUN_CAP_COMBINATIONS
#define MAX_MOVE_OPS    4
#define MAX_DEPTH       32
#define GRANTER         1
#define GRANTEE         2
#define DEVICE          1
#define FRAME_A         10
#define FRAME_B         11

struct move {
    const char *name;
    unsigned int nr;
    struct op ops[MAX_MOVE_OPS];
};

static struct move moves[64];
static unsigned int nr_moves;

/* ---- the alphabet ---- */

static struct move *new_move(const char *name)
{
    struct move *m = &moves[nr_moves++];

    memset(m, 0, sizeof(*m));
    m->name = name;
    return m;
}

static void move_push(struct move *m, struct op op)
{
    m->ops[m->nr++] = op;
}

static struct op grant(uint32_t ref, uint16_t flags, uint32_t frame)
{
    return (struct op){ .kind = OP_GRANT_WRITE, .d = GRANTER, .ref = ref,
                        .flags = flags, .grantee = flags ? GRANTEE : 0,
                        .mfn = flags ? frame : 0 };
}

static struct op map(uint32_t ref, uint16_t flags)
{
    return (struct op){ .kind = OP_MAP, .d = GRANTEE, .rd = GRANTER,
                        .ref = ref, .flags = flags };
}

static struct op unmap(uint16_t handle, uint16_t parts)
{
    return (struct op){ .kind = OP_UNMAP, .d = GRANTEE, .handle = handle,
                        .flags = parts };
}

static struct op page_op(uint8_t kind, uint32_t mfn, uint32_t type)
{
    return (struct op){ .kind = kind, .d = GRANTER, .mfn = mfn,
                        .type = type };
}

static void add_single(const char *name, struct op op)
{
    move_push(new_move(name), op);
}

static void add_pair(const char *name, struct op a, struct op b)
{
    struct move *m = new_move(name);

    move_push(m, (struct op){ .kind = OP_BEGIN });
    move_push(m, a);
    move_push(m, b);
    move_push(m, (struct op){ .kind = OP_END });
}

static void grant_moves(void)
{
    add_single("grant ref0 rw", grant(0, GTF_permit_access, FRAME_A));
    add_single("grant ref1 ro",
               grant(1, GTF_permit_access | GTF_readonly, FRAME_B));
    add_single("revoke ref0", grant(0, 0, 0));
    add_single("revoke ref1", grant(1, 0, 0));
    add_single("race ref0 reading",
               (struct op){ .kind = OP_RACE, .d = GRANTER, .ref = 0,
                            .flags = GTF_reading, .n = 1 });
}

static void map_moves(void)
{
    static const struct { const char *name; uint32_t ref; uint16_t flags; }
    maps[] = {
        { "map ref0 device", 0, GNTMAP_device_map },
        { "map ref0 host+device", 0, GNTMAP_host_map | GNTMAP_device_map },
        { "map ref0 device ro", 0, GNTMAP_device_map | GNTMAP_readonly },
        { "map ref1 device ro", 1, GNTMAP_device_map | GNTMAP_readonly },
        { "map ref1 device", 1, GNTMAP_device_map },
        { "map ref1 host", 1, GNTMAP_host_map | GNTMAP_readonly },
    };
    static const struct { const char *name; uint16_t handle, parts; }
    unmaps[] = {
        { "unmap h0 device", 0, UNMAP_DEVICE },
        { "unmap h0 host+device", 0, UNMAP_HOST | UNMAP_DEVICE },
        { "unmap h1 device", 1, UNMAP_DEVICE },
        { "unmap h1 host", 1, UNMAP_HOST },
    };
    unsigned int i;

    for ( i = 0; i < sizeof(maps) / sizeof(maps[0]); i++ )
        add_single(maps[i].name, map(maps[i].ref, maps[i].flags));
    for ( i = 0; i < sizeof(unmaps) / sizeof(unmaps[0]); i++ )
        add_single(unmaps[i].name, unmap(unmaps[i].handle, unmaps[i].parts));
    add_pair("batch map ref0+ref1 device", map(0, GNTMAP_device_map),
             map(1, GNTMAP_device_map | GNTMAP_readonly));
    add_pair("batch unmap h0+h1 device", unmap(0, UNMAP_DEVICE),
             unmap(1, UNMAP_DEVICE));
    /* Preempted between its two maps, continued as a hypercall of its own. */
    add_single("preempt the next call", (struct op){ .kind = OP_PREEMPT });
}

static void machine_moves(void)
{
    enum fault_point p;

    add_single("promote frame A to l1", page_op(OP_GET_TYPE, FRAME_A, 1));
    add_single("demote frame A", page_op(OP_PUT_TYPE, FRAME_A, 0));
    add_single("free frame A", page_op(OP_REMOVE, FRAME_A, 0));
    add_single("free frame B", page_op(OP_REMOVE, FRAME_B, 0));
    add_single("populate frame A", page_op(OP_POPULATE, FRAME_A, 0));
    add_single("destroy d1", (struct op){ .kind = OP_DESTROY, .d = GRANTER });
    add_single("destroy d2", (struct op){ .kind = OP_DESTROY, .d = GRANTEE });
    add_single("deassign dev", (struct op){ .kind = OP_DEASSIGN,
                                            .dev = DEVICE });
    add_single("assign dev to d1", (struct op){ .kind = OP_ASSIGN,
                                                .dev = DEVICE,
                                                .d = GRANTER });
    add_single("dma write frame A", (struct op){ .kind = OP_DMA,
                                                 .dev = DEVICE,
                                                 .mfn = FRAME_A, .n = 1 });
    add_single("dma write frame B", (struct op){ .kind = OP_DMA,
                                                 .dev = DEVICE,
                                                 .mfn = FRAME_B, .n = 1 });
    for ( p = 0; p < FP_NR; p++ )
        add_single(fault_point_name(p),
                   (struct op){ .kind = OP_FAULT_AT, .point = p, .n = 1 });
}

static void build_alphabet(void)
{
    grant_moves();
    map_moves();
    machine_moves();
}

/* ---- one run ---- */

static void combo_header(struct run_header *h, unsigned int combo)
{
    run_header_default(h);
    run_header_set_combination(h, combo);
    h->mamv = 9;
    h->delay = 2;
    h->nr_frames = 16;
    h->psi_max = 4;
    h->pending_pages = 1;
    h->pending_tables = 1;
    h->batch_domains = 1;
    h->pin_bits = 1;
    h->maptrack_order = 1;
}

static void prologue(struct trace *t)
{
    static const struct op ops[] = {
        { .kind = OP_CREATE, .d = GRANTER, .iommu = 1, .n = 1, .maptrack = 1 },
        { .kind = OP_CREATE, .d = GRANTEE, .iommu = 1, .n = 1, .maptrack = 2 },
        { .kind = OP_ASSIGN, .dev = DEVICE, .d = GRANTEE },
        { .kind = OP_POPULATE, .d = GRANTER, .mfn = FRAME_A },
        { .kind = OP_POPULATE, .d = GRANTER, .mfn = FRAME_B },
    };
    unsigned int i;

    for ( i = 0; i < sizeof(ops) / sizeof(ops[0]); i++ )
        trace_push(t, &ops[i]);
}

struct run_outcome {
    unsigned int combo;
    bool prune;
    bool finding;
    bool ended;                 /* every op ran: the digest is valid */
    uint64_t digest;
};

static bool seen_has(uint64_t key);
static uint64_t state_key(uint64_t digest, unsigned int combo);

/*
 * The state the sequence left.  One seen before had its teardown run
 * and checked then: this run stops here.
 */
static bool at_end(void *ctx)
{
    struct run_outcome *o = ctx;

    o->ended = true;
    o->digest = exec_digest();
    return !o->prune || !seen_has(state_key(o->digest, o->combo));
}

static void build_trace(struct trace *t, unsigned int combo,
                        const uint8_t *seq, unsigned int len)
{
    unsigned int i, j;

    trace_clear(t);
    combo_header(&t->hdr, combo);
    prologue(t);
    for ( i = 0; i < len; i++ )
        for ( j = 0; j < moves[seq[i]].nr; j++ )
            trace_push(t, &moves[seq[i]].ops[j]);
}

static struct run_outcome run_sequence(struct trace *t, unsigned int combo,
                                       const uint8_t *seq, unsigned int len,
                                       bool prune)
{
    struct run_outcome o = { .combo = combo, .prune = prune };
    struct exec_opts eo = { .at_end = at_end, .ctx = &o };
    struct exec_result res;

    build_trace(t, combo, seq, len);
    o.finding = !exec_run(t, &eo, &res) && res.finding;
    if ( o.finding )
        finding_print(stdout, &res.f);
    /* A finding in the teardown: the state itself was fine to reach. */
    o.ended = o.ended && !o.finding;
    return o;
}

/* ---- states seen: an open-addressing set of digests ---- */

static struct {
    uint64_t *slot;             /* 0: empty */
    size_t cap, nr;
} seen;

/*
 * Where key is in a table of cap slots (a power of two), or the empty
 * slot it would go to: linear probing.
 */
static size_t seen_probe(const uint64_t *slot, size_t cap, uint64_t key)
{
    size_t j;

    for ( j = key & (cap - 1); slot[j] && slot[j] != key;
          j = (j + 1) & (cap - 1) )
        continue;
    return j;
}

static bool seen_grow(void)
{
    size_t cap = seen.cap ? seen.cap * 2 : 1 << 16, i;
    uint64_t *slot = calloc(cap, sizeof(*slot)), *old = seen.slot;

    if ( !slot )
        return false;
    for ( i = 0; old && i < seen.cap; i++ )
        if ( old[i] )
            slot[seen_probe(slot, cap, old[i])] = old[i];
    free(old);
    seen.slot = slot;
    seen.cap = cap;
    return true;
}

/* One combination's states apart from another's. */
static uint64_t state_key(uint64_t digest, unsigned int combo)
{
    return (digest ^ (uint64_t)combo << 56) | 1;    /* never 0: empty */
}

static bool seen_has(uint64_t key)
{
    return seen.cap && seen.slot[seen_probe(seen.slot, seen.cap, key)] == key;
}

/* True if key is new (and now seen). */
static bool seen_add(uint64_t key)
{
    size_t j;

    if ( (seen.nr + 1) * 2 > seen.cap && !seen_grow() )
    {
        fprintf(stderr, "explore: out of memory for the states seen\n");
        exit(2);
    }
    j = seen_probe(seen.slot, seen.cap, key);
    if ( seen.slot[j] == key )
        return false;
    seen.slot[j] = key;
    seen.nr++;
    return true;
}

/* ---- the frontier: sequences of one bound, per combination ---- */

struct frontier {
    uint8_t *seq;               /* nr sequences of len moves each */
    size_t nr, cap;
};

static bool frontier_push(struct frontier *f, const uint8_t *seq,
                          unsigned int len)
{
    if ( f->nr == f->cap )
    {
        size_t cap = f->cap ? f->cap * 2 : 64;
        uint8_t *n = realloc(f->seq, cap * (len ? len : 1));

        if ( !n )
            return false;
        f->seq = n;
        f->cap = cap;
    }
    if ( len )
        memcpy(f->seq + f->nr * len, seq, len);
    f->nr++;
    return true;
}

/* ---- the search ---- */

struct explore_opts {
    unsigned int depth;         /* 0: no bound but time */
    double time;
    int combo;                  /* -1: all */
    bool prune, keep_going;
    const char *out;
};

struct stats {
    unsigned long long runs, findings, dead_ends;
    double start;
};

static double now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void save(const struct explore_opts *o, const struct trace *t,
                 unsigned int combo, unsigned long long n)
{
    char name[64];

    snprintf(name, sizeof(name), "explore-%u-%llu.trace", combo, n);
    file_save_trace("explore", o->out, name, t);
}

/*
 * Extend one sequence of bound len by every move; new states go to next.
 * False to stop the search (a finding without --keep-going, time up).
 */
static bool extend(const struct explore_opts *o, struct stats *st,
                   struct trace *t, unsigned int combo, const uint8_t *seq,
                   unsigned int len, struct frontier *next)
{
    uint8_t longer[MAX_DEPTH];
    unsigned int m;

    memcpy(longer, seq, len);
    for ( m = 0; m < nr_moves; m++ )
    {
        struct run_outcome r;

        if ( o->time && now() - st->start > o->time )
            return false;
        longer[len] = m;
        r = run_sequence(t, combo, longer, len + 1, o->prune);
        st->runs++;
        if ( r.finding )
        {
            save(o, t, combo, st->findings++);
            if ( !o->keep_going )
                return false;
            continue;
        }
        if ( !r.ended )
        {
            st->dead_ends++;    /* a fail-stop: nothing runs after it */
            continue;
        }
        if ( (seen_add(state_key(r.digest, combo)) || !o->prune) &&
             !frontier_push(next, longer, len + 1) )
        {
            fprintf(stderr, "explore: out of memory for the frontier\n");
            exit(2);
        }
    }
    return true;
}

/* The empty sequence of each combination: the prologue's state. */
static bool start_combos(const struct explore_opts *o, struct stats *st,
                         struct trace *t, struct frontier *f)
{
    unsigned int c;

    for ( c = 0; c < NR_COMBOS; c++ )
    {
        struct run_outcome r;

        if ( o->combo >= 0 && c != (unsigned int)o->combo )
            continue;
        r = run_sequence(t, c, NULL, 0, o->prune);
        st->runs++;
        if ( r.finding )
        {
            save(o, t, c, st->findings++);
            return false;
        }
        seen_add(state_key(r.digest, c));
        frontier_push(&f[c], NULL, 0);
    }
    return true;
}

static size_t frontier_total(const struct frontier *f)
{
    size_t n = 0;
    unsigned int c;

    for ( c = 0; c < NR_COMBOS; c++ )
        n += f[c].nr;
    return n;
}

/* One bound for every combination; false if it did not complete. */
static bool next_bound(const struct explore_opts *o, struct stats *st,
                       struct trace *t, struct frontier *f,
                       unsigned int len, bool *more)
{
    unsigned int c;
    size_t i;
    bool go = true;

    *more = false;
    for ( c = 0; c < NR_COMBOS && go; c++ )
    {
        struct frontier next = { 0 };

        for ( i = 0; i < f[c].nr && go; i++ )
            go = extend(o, st, t, c, f[c].seq + i * len, len, &next);
        free(f[c].seq);
        f[c] = next;
        *more |= next.nr != 0;
    }
    return go;
}

static int search(const struct explore_opts *o)
{
    static struct frontier f[NR_COMBOS];
    struct stats st = { .start = now() };
    struct trace t;
    unsigned int len = 0, complete = 0;
    bool more = true, go;

    trace_init(&t);
    go = start_combos(o, &st, &t, f);
    if ( o->combo < 0 )
        printf("explore: %u capability combinations, %u moves, prune %s\n",
               NR_COMBOS, nr_moves, o->prune ? "on" : "off");
    else
        printf("explore: one combination, %u moves, prune %s\n", nr_moves,
               o->prune ? "on" : "off");
    while ( go && more && (!o->depth || len < o->depth) && len < MAX_DEPTH - 1 )
    {
        size_t frontier = frontier_total(f);

        go = next_bound(o, &st, &t, f, len, &more);
        if ( !go )
            break;
        complete = ++len;
        printf("explore: bound %u complete: %zu states extended, %llu "
               "sequences run, %zu distinct states, %.1f s\n", len, frontier,
               st.runs, seen.nr, now() - st.start);
        fflush(stdout);
    }
    printf("explore: deepest complete bound %u%s; %llu sequences, %zu "
           "distinct states, %llu fail-stops, %llu findings, %.1f s\n",
           complete, go && !more ? " (no new state left: every bound)" : "",
           st.runs, seen.nr, st.dead_ends, st.findings, now() - st.start);
    trace_free(&t);
    return st.findings ? 1 : 0;
}

/* ---- options ---- */

static int usage(void)
{
    fprintf(stderr, "usage: explore [--depth N] [--time SECONDS] "
            "[--caps all|0..255] [--no-prune] [--keep-going] [--out DIR]\n");
    return 2;
}

static bool number(const char *opt, const char *s, unsigned long max,
                   unsigned long *v)
{
    char *end;

    errno = 0;
    *v = strtoul(s, &end, 0);
    if ( errno || end == s || *end || *s == '-' || *v > max )
    {
        fprintf(stderr, "explore: %s wants a number 0..%lu, not '%s'\n",
                opt, max, s);
        return false;
    }
    return true;
}

static bool parse_value(const char *opt, const char *val,
                        struct explore_opts *o)
{
    unsigned long v;

    if ( !strcmp(opt, "--out") )
        o->out = val;
    else if ( !strcmp(opt, "--caps") && !strcmp(val, "all") )
        o->combo = -1;
    else if ( !strcmp(opt, "--caps") )
    {
        if ( !number(opt, val, NR_COMBOS - 1, &v) )
            return false;
        o->combo = v;
    }
    else if ( !strcmp(opt, "--depth") )
    {
        if ( !number(opt, val, MAX_DEPTH - 1, &v) )
            return false;
        o->depth = v;
    }
    else if ( !strcmp(opt, "--time") )
    {
        if ( !number(opt, val, 1000000, &v) )
            return false;
        o->time = v;
    }
    else
    {
        fprintf(stderr, "explore: unknown option '%s'\n", opt);
        return false;
    }
    return true;
}

static bool parse_args(int argc, char **argv, struct explore_opts *o)
{
    int i;

    for ( i = 1; i < argc; i++ )
    {
        if ( !strcmp(argv[i], "--no-prune") )
            o->prune = false;
        else if ( !strcmp(argv[i], "--keep-going") )
            o->keep_going = true;
        else if ( i + 1 >= argc || strncmp(argv[i], "--", 2) )
        {
            fprintf(stderr, "explore: '%s' %s\n", argv[i],
                    strncmp(argv[i], "--", 2) ? "is not an option"
                                              : "wants a value");
            return false;
        }
        else if ( !parse_value(argv[i], argv[i + 1], o) )
            return false;
        else
            i++;
    }
    return true;
}

int main(int argc, char **argv)
{
    struct explore_opts o = { .time = 60, .combo = -1, .prune = true,
                              .out = "build/explore" };

    if ( !parse_args(argc, argv, &o) )
        return usage();
    build_alphabet();
    return search(&o);
}
