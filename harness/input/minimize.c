/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Op-level minimisation (see minimize.h).
 *
 * Passes, repeated until none makes progress (or the run budget is spent):
 *
 *   drop     remove chunks of ops, halving the chunk size down to single
 *            ops, walking from the end: later ops depend on earlier ones
 *            (a map needs the create and grant before it), so removing
 *            from the back fails less often;
 *   unbatch  drop a begin together with its end, so that the ops of
 *            a hypercall become hypercalls of their own;
 *   rename   give frames, domains and devices the smallest free numbers,
 *            all uses at once, so that references between ops survive;
 *   fields   shrink each field towards code 0 (0, half, one less) and
 *            clear flag bits one at a time;
 *   header   shrink the number of frames to what the ops use, and delay,
 *            mamv, psi_max and the batch record's limits towards 0 (for
 *            the limits: Xen's values).
 *
 * Every candidate is checked with trace_encodable() before it costs a run,
 * so the result always encodes back to bytes.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "decode.h"
#include "minimize.h"

struct mctx {
    struct trace *t;            /* the best trace so far */
    struct trace cand;          /* the candidate being tried */
    min_pred_fn pred;
    void *ctx;
    const struct min_opts *opts;
    struct min_stats *st;
    bool stop;
};

bool trace_encodable(const struct trace *t)
{
    const struct run_header *h = &t->hdr;
    size_t i;

    if ( !run_header_encodable(h) || h->flush_policy ||
         t->nr_ops > DECODE_MAX_OPS )
        return false;
    for ( i = 0; i < t->nr_ops; i++ )
    {
        const struct op_desc *desc = op_desc(t->ops[i].kind);
        unsigned int f;

        if ( !desc )
            return false;
        for ( f = 0; f < desc->nr_fields; f++ )
        {
            const struct op_field *fd = &desc->field[f];
            uint32_t val = op_field_get(&t->ops[i], fd);
            uint32_t code = op_field_code(fd, val);

            if ( code >= op_field_range(fd, h) ||
                 op_field_from_code(fd, code) != val )
                return false;
        }
    }
    return true;
}

static void copy_trace(struct trace *dst, const struct trace *src)
{
    size_t i;

    trace_clear(dst);
    dst->hdr = src->hdr;
    for ( i = 0; i < src->nr_ops; i++ )
        trace_push(dst, &src->ops[i]);
}

/*
 * Run the candidate; if it is still interesting it becomes the best trace
 * (the two swap storage, so nothing is copied back).
 */
static bool attempt(struct mctx *m)
{
    struct trace tmp;

    if ( m->stop )
        return false;
    if ( m->opts->max_runs && m->st->runs >= m->opts->max_runs )
    {
        m->stop = true;
        m->st->budget_hit = true;
        return false;
    }
    if ( !trace_encodable(&m->cand) )
        return false;
    m->st->runs++;
    if ( !m->pred(&m->cand, m->ctx) )
        return false;
    tmp = *m->t;
    *m->t = m->cand;
    m->cand = tmp;
    return true;
}

/* ---- drop ---- */

static void cand_without(struct mctx *m, size_t from, size_t to)
{
    size_t i;

    trace_clear(&m->cand);
    m->cand.hdr = m->t->hdr;
    for ( i = 0; i < m->t->nr_ops; i++ )
        if ( i < from || i >= to )
            trace_push(&m->cand, &m->t->ops[i]);
}

static bool pass_drop(struct mctx *m)
{
    size_t chunk = m->t->nr_ops / 2, end;
    bool progress = false;

    if ( !chunk )
        chunk = 1;
    for ( ;; )
    {
        /* Windows [end - chunk, end) from the back; the last may be short. */
        end = m->t->nr_ops;
        while ( end > 0 && !m->stop )
        {
            size_t start = end > chunk ? end - chunk : 0;

            cand_without(m, start, end);
            if ( attempt(m) )
                progress = true;
            end = start;
        }
        if ( chunk == 1 || m->stop )
            break;
        chunk /= 2;
    }
    return progress;
}

/* ---- rename ---- */

/*
 * Renaming and shrinking work on a field's code (op_field_code()), not its
 * value: domain ids and refs are coded through value tables, so "smaller"
 * means earlier in the table (32751 and DOMID_SELF come after 0-5, the
 * refs at frame edges after 0-15), and every code names a valid value.
 */
static uint32_t code_of(const struct op *op, const struct op_field *f)
{
    return op_field_code(f, op_field_get(op, f));
}

static void set_code(struct op *op, const struct op_field *f, uint32_t code)
{
    op_field_set(op, f, op_field_from_code(f, code));
}

/*
 * The last code of these ranges keeps its meaning and is never renamed:
 * DOMID_SELF (the caller, not a domain of its own), device OP_DEVICES - 1
 * (none), frame nr_frames (no frame).
 */
static bool renamable(const struct op_field *f, uint32_t code,
                      const struct run_header *h)
{
    return code + 1 < op_field_range(f, h);
}

/* Swap codes a and b in every field of this kind (a permutation). */
static void cand_swapped(struct mctx *m, enum op_field_kind kind,
                         uint32_t a, uint32_t b)
{
    size_t i;

    copy_trace(&m->cand, m->t);
    for ( i = 0; i < m->cand.nr_ops; i++ )
    {
        struct op *op = &m->cand.ops[i];
        const struct op_desc *desc = op_desc(op->kind);
        unsigned int f;

        for ( f = 0; f < desc->nr_fields; f++ )
        {
            const struct op_field *fd = &desc->field[f];
            uint32_t c;

            if ( fd->kind != kind )
                continue;
            c = code_of(op, fd);
            if ( c == a )
                set_code(op, fd, b);
            else if ( c == b )
                set_code(op, fd, a);
        }
    }
}

/*
 * Position of the first use of code c of this kind (op index, then
 * field), or SIZE_MAX if it is not used.  Renaming only ever moves the
 * smaller of two codes to the earlier first use: the sequence of codes
 * gets lexicographically smaller with every accepted rename, so the
 * passes cannot undo each other forever.
 */
static size_t first_use(const struct trace *t, enum op_field_kind kind,
                        uint32_t c)
{
    size_t i;

    for ( i = 0; i < t->nr_ops; i++ )
    {
        const struct op_desc *desc = op_desc(t->ops[i].kind);
        unsigned int f;

        for ( f = 0; f < desc->nr_fields; f++ )
            if ( desc->field[f].kind == kind &&
                 code_of(&t->ops[i], &desc->field[f]) == c )
                return i * OP_MAX_FIELDS + f;
    }
    return SIZE_MAX;
}

static bool code_used(const struct trace *t, enum op_field_kind kind,
                      uint32_t c)
{
    return first_use(t, kind, c) != SIZE_MAX;
}

static bool pass_rename(struct mctx *m, enum op_field_kind kind)
{
    static const struct op_field probe[] = {
        [OPF_DOMAIN] = { .kind = OPF_DOMAIN },
        [OPF_DEVICE] = { .kind = OPF_DEVICE },
        [OPF_FRAME] = { .kind = OPF_FRAME },
    };
    uint32_t range = op_field_range(&probe[kind], &m->t->hdr), c, free_c;
    bool progress = false;

    /* Highest used code to the lowest unused one, while there is one. */
    for ( c = range - 1; c-- > 0 && !m->stop; )
    {
        if ( !renamable(&probe[kind], c, &m->t->hdr) ||
             !code_used(m->t, kind, c) )
            continue;
        for ( free_c = 0; free_c < c; free_c++ )
            if ( !code_used(m->t, kind, free_c) )
                break;
        if ( free_c == c )
            break;
        cand_swapped(m, kind, c, free_c);
        if ( attempt(m) )
            progress = true;
    }
    /*
     * Domains and devices are few and not interchangeable (domain 0 is the
     * hardware domain): also try swapping used pairs, the smaller code
     * to the one used first.
     */
    if ( kind != OPF_FRAME )
        for ( c = 1; c + 1 < range && !m->stop; c++ )
        {
            uint32_t w;

            for ( w = 0; w < c && !m->stop; w++ )
            {
                size_t first_c = first_use(m->t, kind, c);

                if ( first_c == SIZE_MAX || first_c > first_use(m->t, kind, w) )
                    continue;
                cand_swapped(m, kind, c, w);
                if ( attempt(m) )
                    progress = true;
            }
        }
    return progress;
}

/* ---- batches ---- */

/*
 * A begin and the end that closes it, dropped together: the ops between
 * them become hypercalls of their own.  (Dropping either alone is the
 * drop pass's job; a lone end is ignored, but a lone begin reaches to the
 * next end, so the pair often has to go at once.)
 */
static bool pass_unbatch(struct mctx *m)
{
    bool progress = false;
    size_t i, j;

    for ( i = m->t->nr_ops; i-- > 0 && !m->stop; )
    {
        if ( i >= m->t->nr_ops || m->t->ops[i].kind != OP_BEGIN )
            continue;
        for ( j = i + 1; j < m->t->nr_ops && m->t->ops[j].kind != OP_END; j++ )
            continue;
        copy_trace(&m->cand, m->t);
        if ( j < m->cand.nr_ops )
            memmove(&m->cand.ops[j], &m->cand.ops[j + 1],
                    (m->cand.nr_ops - j - 1) * sizeof(m->cand.ops[0]));
        if ( j < m->cand.nr_ops )
            m->cand.nr_ops--;
        memmove(&m->cand.ops[i], &m->cand.ops[i + 1],
                (m->cand.nr_ops - i - 1) * sizeof(m->cand.ops[0]));
        m->cand.nr_ops--;
        if ( attempt(m) )
            progress = true;
    }
    return progress;
}

/* ---- fields ---- */

static bool is_flag_field(const struct op_field *f)
{
    return f->kind == OPF_GTF || f->kind == OPF_MAP_FLAGS ||
           f->kind == OPF_PARTS;
}

static bool set_and_try(struct mctx *m, size_t i, const struct op_field *f,
                        uint32_t code)
{
    copy_trace(&m->cand, m->t);
    set_code(&m->cand.ops[i], f, code);
    return attempt(m);
}

/* Towards code 0: 0, half, one less; flag bits cleared one at a time. */
static bool shrink_field(struct mctx *m, size_t i, const struct op_field *f)
{
    bool progress = false;
    uint32_t c = code_of(&m->t->ops[i], f);

    if ( is_flag_field(f) )
    {
        int bit;

        for ( bit = 15; bit >= 0 && !m->stop; bit-- )
        {
            c = code_of(&m->t->ops[i], f);
            if ( (c & (1U << bit)) && set_and_try(m, i, f, c & ~(1U << bit)) )
                progress = true;
        }
        return progress;
    }
    while ( c && !m->stop )
    {
        uint32_t cands[3] = { 0, c / 2, c - 1 };
        unsigned int k;
        bool shrunk = false;

        for ( k = 0; k < 3 && !shrunk; k++ )
        {
            if ( (k && cands[k] == 0) || (k == 2 && cands[2] == cands[1]) )
                continue;
            shrunk = set_and_try(m, i, f, cands[k]);
        }
        if ( !shrunk )
            break;
        progress = true;
        c = code_of(&m->t->ops[i], f);
    }
    return progress;
}

static bool pass_fields(struct mctx *m)
{
    bool progress = false;
    size_t i;

    for ( i = m->t->nr_ops; i-- > 0 && !m->stop; )
    {
        const struct op_desc *desc = op_desc(m->t->ops[i].kind);
        unsigned int f;

        for ( f = 0; f < desc->nr_fields && !m->stop; f++ )
            if ( shrink_field(m, i, &desc->field[f]) )
                progress = true;
    }
    return progress;
}

/* ---- header ---- */

/* Fewer frames: what the ops name, with "no frame" moved to the new end. */
static bool shrink_frames(struct mctx *m)
{
    unsigned int old = m->t->hdr.nr_frames, want = 1;
    size_t i;

    for ( i = 0; i < m->t->nr_ops; i++ )
    {
        const struct op_desc *desc = op_desc(m->t->ops[i].kind);
        unsigned int f;

        for ( f = 0; f < desc->nr_fields; f++ )
        {
            uint32_t v;

            if ( desc->field[f].kind != OPF_FRAME )
                continue;
            v = op_field_get(&m->t->ops[i], &desc->field[f]);
            if ( v < old && v + 1 > want )
                want = v + 1;
        }
    }
    if ( want >= old )
        return false;
    copy_trace(&m->cand, m->t);
    m->cand.hdr.nr_frames = want;
    for ( i = 0; i < m->cand.nr_ops; i++ )
    {
        const struct op_desc *desc = op_desc(m->cand.ops[i].kind);
        unsigned int f;

        for ( f = 0; f < desc->nr_fields; f++ )
            if ( desc->field[f].kind == OPF_FRAME &&
                 op_field_get(&m->cand.ops[i], &desc->field[f]) == old )
                op_field_set(&m->cand.ops[i], &desc->field[f], want);
    }
    return attempt(m);
}

/* A one-byte header value towards 0, as shrink_field() does for ops. */
static bool shrink_header_value(struct mctx *m, size_t offset)
{
    bool progress = false;

    while ( !m->stop )
    {
        uint8_t v = *((uint8_t *)&m->t->hdr + offset);
        uint8_t cands[3] = { 0, v / 2, v - 1 };
        unsigned int c;
        bool shrunk = false;

        if ( !v )
            break;
        for ( c = 0; c < 3 && !shrunk; c++ )
        {
            if ( (c && cands[c] == 0) || (c == 2 && cands[2] == cands[1]) )
                continue;
            copy_trace(&m->cand, m->t);
            *((uint8_t *)&m->cand.hdr + offset) = cands[c];
            shrunk = attempt(m);
        }
        if ( !shrunk )
            break;
        progress = true;
    }
    return progress;
}

static bool pass_header(struct mctx *m)
{
    static const size_t values[] = {
        offsetof(struct run_header, delay),
        offsetof(struct run_header, mamv),
        offsetof(struct run_header, psi_max),
        offsetof(struct run_header, pending_pages),
        offsetof(struct run_header, pending_tables),
        offsetof(struct run_header, batch_domains),
        offsetof(struct run_header, pin_bits),
        offsetof(struct run_header, maptrack_order),
        offsetof(struct run_header, unmap_batch),
        offsetof(struct run_header, qi_entries),
    };
    bool progress = shrink_frames(m);
    unsigned int i;

    for ( i = 0; i < sizeof(values) / sizeof(values[0]); i++ )
        if ( shrink_header_value(m, values[i]) )
            progress = true;
    return progress;
}

bool minimize_trace(struct trace *t, min_pred_fn pred, void *ctx,
                    const struct min_opts *opts, struct min_stats *stats)
{
    static const struct min_opts defaults;
    struct min_stats local;
    struct mctx m = {
        .t = t, .pred = pred, .ctx = ctx,
        .opts = opts ? opts : &defaults,
        .st = stats ? stats : &local,
    };
    bool progress = true;

    memset(m.st, 0, sizeof(*m.st));
    m.st->ops_before = m.st->ops_after = t->nr_ops;
    if ( !trace_encodable(t) )
        return false;
    m.st->runs++;
    if ( !pred(t, ctx) )
        return false;

    trace_init(&m.cand);
    if ( m.opts->prefix && m.opts->prefix < t->nr_ops )
    {
        copy_trace(&m.cand, t);
        m.cand.nr_ops = m.opts->prefix;
        attempt(&m);
    }
    while ( progress && !m.stop )
    {
        progress = false;
        if ( pass_drop(&m) )
            progress = true;
        if ( pass_unbatch(&m) )
            progress = true;
        if ( pass_rename(&m, OPF_FRAME) )
            progress = true;
        if ( pass_rename(&m, OPF_DOMAIN) )
            progress = true;
        if ( pass_rename(&m, OPF_DEVICE) )
            progress = true;
        if ( pass_fields(&m) )
            progress = true;
        if ( pass_header(&m) )
            progress = true;
        m.st->passes++;
        if ( m.opts->verbose )
            fprintf(stderr, "minimize: pass %u: %zu ops, %lu runs\n",
                    m.st->passes, t->nr_ops, m.st->runs);
    }
    m.st->ops_after = t->nr_ops;
    trace_free(&m.cand);
    return true;
}
