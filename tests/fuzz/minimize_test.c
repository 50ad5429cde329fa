/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Unit test of harness/input/minimize.c with predicates that need no core, so
 * the expected minimum is known exactly: what the passes must reach, that
 * the result always encodes, that the run budget is honoured, and that an
 * uninteresting input is left alone.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xen/types.h>
#include <public/xen.h>

#include "decode.h"
#include "minimize.h"
#include "trace.h"

static int failures;

static void check(bool ok, const char *name)
{
    printf("%s: minimize-%s\n", ok ? "PASS" : "FAIL", name);
    if ( !ok )
        failures++;
}

/* A deterministic pseudo-random trace of n ops over every kind. */
static void noise(struct trace *t, size_t n, unsigned int seed)
{
    size_t i;

    trace_init(t);
    t->hdr.nr_frames = 200;
    t->hdr.delay = 77;
    t->hdr.mamv = 40;
    t->hdr.psi_max = 9;
    for ( i = 0; i < n; i++ )
    {
        struct op op = { 0 };
        const struct op_desc *d;
        unsigned int f;

        seed = seed * 1103515245U + 12345U;
        op.kind = (seed >> 16) % OP_NR;
        d = op_desc(op.kind);
        for ( f = 0; f < d->nr_fields; f++ )
        {
            seed = seed * 1103515245U + 12345U;
            op_field_set(&op, &d->field[f], op_field_from_code(&d->field[f],
                         (seed >> 8) % op_field_range(&d->field[f], &t->hdr)));
        }
        trace_push(t, &op);
    }
}

static struct op make_op(unsigned int kind)
{
    struct op op = { .kind = kind };

    return op;
}

/* Interesting: a create of domain 2, later a map of a ref >= 3. */
static bool pred_create_map(const struct trace *t, void *ctx)
{
    bool created = false;
    size_t i;

    (void)ctx;
    for ( i = 0; i < t->nr_ops; i++ )
    {
        if ( t->ops[i].kind == OP_CREATE && t->ops[i].d == 2 )
            created = true;
        if ( created && t->ops[i].kind == OP_MAP && t->ops[i].ref >= 3 )
            return true;
    }
    return false;
}

/* Interesting: some op names frame 150 and another frame 151. */
static bool pred_two_frames(const struct trace *t, void *ctx)
{
    bool a = false, b = false;
    size_t i;

    (void)ctx;
    for ( i = 0; i < t->nr_ops; i++ )
        if ( t->ops[i].kind == OP_POPULATE )
        {
            a |= t->ops[i].mfn == 150 && t->ops[i].d == 1;
            b |= t->ops[i].mfn == 151 && t->ops[i].d == 1;
        }
    return a && b;
}

/* Interesting: a create of some domain that then maps a ref past 511. */
static bool pred_self_map_far(const struct trace *t, void *ctx)
{
    size_t i, j;

    (void)ctx;
    for ( i = 0; i < t->nr_ops; i++ )
        for ( j = i + 1; t->ops[i].kind == OP_CREATE && j < t->nr_ops; j++ )
            if ( t->ops[j].kind == OP_MAP && t->ops[j].d == t->ops[i].d &&
                 t->ops[j].ref >= 512 && t->ops[j].ref != 0xffffffffU )
                return true;
    return false;
}

/* Interesting: a setup_table of DOMID_SELF and an unmap after it. */
static bool pred_self_setup_unmap(const struct trace *t, void *ctx)
{
    bool setup = false;
    size_t i;

    (void)ctx;
    for ( i = 0; i < t->nr_ops; i++ )
    {
        if ( t->ops[i].kind == OP_SETUP_TABLE && t->ops[i].rd == DOMID_SELF )
            setup = true;
        if ( setup && t->ops[i].kind == OP_UNMAP )
            return true;
    }
    return false;
}

static bool pred_never(const struct trace *t, void *ctx)
{
    (void)t;
    (void)ctx;
    return false;
}

int main(void)
{
    struct trace t;
    struct op op;
    struct min_stats st;
    struct min_opts opts = { .max_runs = 0 };
    size_t i;

    /* 1. Two ops hidden in 300: exactly those two remain, fields and
     *    header shrunk as far as the predicate allows. */
    noise(&t, 300, 1);
    op = make_op(OP_CREATE);
    op.d = 2;
    op.iommu = 1;
    trace_push(&t, &op);
    op = make_op(OP_MAP);
    op.d = 3;
    op.rd = 1;
    op.ref = 9;
    op.flags = 7;
    trace_push(&t, &op);
    /* Noise after the interesting part too. */
    for ( i = 0; i < 40; i++ )
        trace_push(&t, &t.ops[i]);
    for ( i = 0; i < t.nr_ops; i++ )
        if ( t.ops[i].kind == OP_CREATE && t.ops[i].d == 2 )
            t.ops[i].d = 1;     /* only ours creates domain 2 */
    t.ops[300].d = 2;
    check(minimize_trace(&t, pred_create_map, NULL, &opts, &st), "accepts");
    check(t.nr_ops == 2 && st.ops_before == 342 && st.ops_after == 2,
          "drops-to-two-ops");
    check(t.ops[0].kind == OP_CREATE && t.ops[0].d == 2 &&
          t.ops[0].iommu == 0 && t.ops[0].n == 0 && t.ops[0].maptrack == 0,
          "create-shrunk");
    check(t.nr_ops == 2 && t.ops[1].kind == OP_MAP && t.ops[1].ref == 3 &&
          t.ops[1].d == 0 && t.ops[1].rd == 0 && t.ops[1].flags == 0,
          "map-fields-shrunk");
    check(t.hdr.nr_frames == 1 && t.hdr.delay == 0 && t.hdr.mamv == 0 &&
          t.hdr.psi_max == 0, "header-shrunk");
    check(trace_encodable(&t) && pred_create_map(&t, NULL),
          "result-encodable-and-interesting");
    check(!st.budget_hit, "fixpoint-within-no-budget");
    trace_free(&t);

    /* 2. Frames are renamed all at once, never out of range. */
    noise(&t, 50, 7);
    op = make_op(OP_POPULATE);
    op.d = 1;
    op.mfn = 150;
    trace_push(&t, &op);
    op.mfn = 151;
    trace_push(&t, &op);
    check(minimize_trace(&t, pred_two_frames, NULL, &opts, &st) &&
          t.nr_ops == 2 && trace_encodable(&t), "frames-kept-consistent");
    /* The predicate pins the numbers: nr_frames may shrink to 152 only. */
    check(t.hdr.nr_frames == 152, "frames-header-to-what-is-used");
    trace_free(&t);

    /* 3. The budget is honoured and the result still interesting. */
    noise(&t, 300, 3);
    op = make_op(OP_CREATE);
    op.d = 2;
    trace_push(&t, &op);
    op = make_op(OP_MAP);
    op.ref = 5;
    trace_push(&t, &op);
    opts.max_runs = 10;
    check(minimize_trace(&t, pred_create_map, NULL, &opts, &st) &&
          st.budget_hit && st.runs <= 10 && pred_create_map(&t, NULL),
          "budget-honoured");
    trace_free(&t);

    /*
     * 4. Domain ids and refs shrink through their value tables: the
     *    largest domid is renamed to domain 0 in both its uses, a ref past
     *    a grant frame edge goes down the table to the first that still
     *    is (512), not to a value the encodings cannot carry.
     */
    opts.max_runs = 0;
    noise(&t, 60, 11);
    for ( i = 0; i < t.nr_ops; i++ )
        if ( t.ops[i].kind == OP_CREATE || t.ops[i].kind == OP_MAP )
            t.ops[i].kind = OP_DESTROY;
    op = make_op(OP_CREATE);
    op.d = DOMID_FIRST_RESERVED - 1;
    op.n = 7;
    trace_push(&t, &op);
    op = make_op(OP_MAP);
    op.d = DOMID_FIRST_RESERVED - 1;
    op.rd = DOMID_SELF;
    op.ref = 2047;
    op.flags = 3;
    trace_push(&t, &op);
    check(minimize_trace(&t, pred_self_map_far, NULL, &opts, &st) &&
          t.nr_ops == 2 && trace_encodable(&t), "value-tables-encodable");
    check(t.nr_ops == 2 && t.ops[0].d == 0 && t.ops[1].d == 0 &&
          t.ops[1].rd == 0 && t.ops[0].n == 0, "domid-renamed-through-table");
    check(t.nr_ops == 2 && t.ops[1].ref == 512, "ref-shrunk-through-table");
    trace_free(&t);

    /*
     * 5. A batch is taken apart (its begin and end go together), and
     *    DOMID_SELF, the caller and not a domain of its own, is never
     *    renamed.
     */
    trace_init(&t);
    op = make_op(OP_BEGIN);
    trace_push(&t, &op);
    op = make_op(OP_SETUP_TABLE);
    op.d = 3;
    op.rd = DOMID_SELF;
    op.n = 2;
    trace_push(&t, &op);
    op = make_op(OP_UNMAP);
    op.d = 4;
    op.handle = 700;
    op.flags = UNMAP_HOST | UNMAP_DEVICE;
    trace_push(&t, &op);
    op = make_op(OP_END);
    trace_push(&t, &op);
    check(minimize_trace(&t, pred_self_setup_unmap, NULL, &opts, &st) &&
          t.nr_ops == 2 && t.ops[0].kind == OP_SETUP_TABLE &&
          t.ops[1].kind == OP_UNMAP, "batch-markers-dropped");
    check(t.nr_ops == 2 && t.ops[0].rd == DOMID_SELF && t.ops[0].d == 0 &&
          t.ops[1].handle == 0 && t.ops[1].flags == 0,
          "self-kept-fields-shrunk");
    trace_free(&t);

    /* 6. Not interesting to begin with: refused, left as it was. */
    noise(&t, 20, 5);
    check(!minimize_trace(&t, pred_never, NULL, &opts, &st) && t.nr_ops == 20,
          "uninteresting-refused");
    trace_free(&t);

    return failures ? 1 : 0;
}
